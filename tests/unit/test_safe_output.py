"""Safe output (GitHub issue 7, finding 9 "Injection"; docs/design.md, "Safe output").

User text (titles, results, justifications, references, reasons, actors, sources)
must never reach a terminal as escape sequences, never be read as rich markup, never
break out of Markdown as a heading, table row, link or HTML, never be a spreadsheet
formula in CSV (unless --raw-csv), and never put raw C1 controls in JSON.

The plan is examples/small-2021.yaml with hostile texts put into its facts with
`attrs.evolve` (the entry parser now refuses some of them, e.g. ESC, but a store
written before may hold them, and output must stay safe whatever the store holds):

- approval: titles of 1.1.2 (escape sequences, C1, bidi override, rich markup),
  1.2.1 (``=HYPERLINK``), 1.1.1.1 (``+cmd``), 1.1.1.2 (``-2+3+cmd``), 1.2.1.1
  (``@SUM``); operation 1.2.1.1 has a budget source named with rich markup;
- results at 09-30: 1.1.2 a Markdown attack, 1.2.1 escape sequences;
- a plan-wide justification at 09-30 with a table row and a heading;
- progress 1.1.2 = 50 at 09-30 recorded by an actor whose name holds escape sequences;
- a budget modification at 09-15 with a formula reference and reason, recorded by
  the actor ``-2+3+cmd...``.

Renderers are called in process on a history built in memory; the CLI runs in process
(click's CliRunner) on a store holding the same facts.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta, timezone

import attrs
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from poa.adapters.batch_files import parse_text
from poa.adapters.report_diff import layout as diff_layout
from poa.adapters.report_provenance import layout as explain_layout
from poa.adapters.report_text import layout, to_markdown, to_rich
from poa.adapters.safe_text import csv_cell, json_text, markdown_text, terminal_safe
from poa.adapters.store import Command, open_ledger
from poa.cli.main import cli
from poa.domain.entries import parse_entry
from poa.domain.facts import Recorded
from poa.projections.comparison import compare
from poa.projections.evaluation import evaluate
from poa.projections.issued import View
from poa.projections.provenance import explain

PLAN = "DEMO-2021"
AS_OF = date(2021, 9, 30)
KNOWN_AT = datetime(2031, 1, 1, tzinfo=timezone.utc)
KNOWN_AT_TEXT = "2031-01-01"

CLEAR = "\x1b[2J"  # clear screen
RED = "\x1b[31m"  # colour
OSC = "\x1b]0;titulo\x07"  # set the window title (not stripped by click when piped)
C1_CSI = "\x9b31m"  # the one-byte CSI of C1
BIDI = "\u202e"  # right-to-left override

TITLE = f"Atención {CLEAR}{RED}roja{OSC}{C1_CSI}{BIDI} [bold]negrita[/bold]"
RESULT = f"Resultado {CLEAR}{OSC} y {C1_CSI}fin\x7f"
ACTOR = f"ana{CLEAR}{C1_CSI}"
SOURCE = "[bold]Donación[/bold]"
MD_ATTACK = "# Titulo\n| a | b |\n<script>alert(1)</script> [x](javascript:alert(1)) - item"
PLAN_JUSTIFICATION = "Demora | x | y |\n## no es un título *ni énfasis*"
FORMULAS = {
    "1.2.1": '=HYPERLINK("http://evil.example","clic")',
    "1.1.1.1": "+cmd|' /C calc'!A0",
    "1.1.1.2": "-2+3+cmd|' /C calc'!A0",
    "1.2.1.1": "@SUM(1+1)*cmd|' /C calc'!A0",
}
REFERENCE = '=HYPERLINK("http://evil.example","RA")'
REASON = "@SUM(A1:A2)"
FORMULA_ACTOR = "-2+3+cmd|' /C calc'!A0"

RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hostile_facts() -> list[tuple[str, object]]:
    """(actor, fact) in recorded order: the example plan, then the hostile facts."""
    batch = parse_text((EXAMPLES / "small-2021.yaml").read_text(encoding="utf-8"), "small-2021.yaml")
    facts = [parse_entry(entry) for entry in batch["entries"]]
    titles = {"1.1.2": TITLE, **FORMULAS}
    elements = []
    for e in facts[0].elements:
        e = attrs.evolve(e, title=titles.get(e.code, e.title))
        if e.code == "1.2.1.1":
            e = attrs.evolve(e, budget={**e.budget, SOURCE: 5000})
        elements.append(e)
    approval = attrs.evolve(facts[0], elements=tuple(elements))

    def entry(yaml: str, **fields):
        return attrs.evolve(parse_entry(yaml_entry(yaml)), **fields)

    return [("tester", approval)] + [("tester", f) for f in facts[1:]] + [
        ("tester", entry("result: {code: 1.1.2, date: 2021-09-30, text: x}", text=MD_ATTACK)),
        ("tester", entry("result: {code: 1.2.1, date: 2021-09-30, text: x}", text=RESULT)),
        ("tester", entry("justify: {date: 2021-09-30, text: x}", text=PLAN_JUSTIFICATION)),
        (ACTOR, entry("progress: {code: 1.1.2, percent: 50, date: 2021-09-30}")),
        (FORMULA_ACTOR, entry(
            "budget: {code: 1.1.2.1, source: TGN, amount: 1000, date: 2021-09-15, reference: x, reason: x}",
            reference=REFERENCE, reason=REASON,
        )),
    ]


def yaml_entry(text: str) -> dict:
    return parse_text(f"entries:\n  - {text}\n", "test.yaml")["entries"][0]


@pytest.fixture(scope="module")
def history() -> list[Recorded]:
    start = datetime(2021, 10, 1, tzinfo=timezone.utc)
    return [Recorded(i, start + timedelta(minutes=i), actor, fact) for i, (actor, fact) in enumerate(hostile_facts(), 1)]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("safe") / "poa.db")
    ledger = open_ledger(path, create=True)
    ledger.record([Command(PLAN, fact, actor, "test", i) for i, (actor, fact) in enumerate(hostile_facts(), 1)])
    return path


def run(store: str, *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, [*args, "--store", store], env={"POA_ACTOR": "tester", "POA_PLAN": PLAN})
    assert result.exit_code == code, (result.output, result.exception)
    return result.stdout


def assert_no_raw_control(text: str) -> None:
    """Only newlines may remain; everything else of C0, DEL, C1 and the bidi controls is escaped."""
    found = RAW_CONTROL.search(text)
    assert found is None, f"raw {found.group()!r} at {found.start()}: {text[max(0, found.start() - 60):found.start() + 20]!r}"


# -- 1. terminal, table and Markdown: control characters shown escaped ----------------------------


def test_finding_9_escape_sequences_in_report_table_and_md_are_shown_escaped(history):
    blocks = layout(evaluate(PLAN, history, AS_OF, KNOWN_AT))
    for out in (to_rich(blocks, width=2000), to_markdown(blocks)):
        assert_no_raw_control(out)
        # the title (Cuadros 2 and 3), the result (section III) and the DEL at its end, visibly
        assert "\\x1b[2J\\x1b[31mroja\\x1b]0;titulo\\x07\\x9b31m\\u202e" in out
        assert "Resultado \\x1b[2J\\x1b]0;titulo\\x07 y \\x9b31mfin\\x7f" in out


def test_finding_9_escape_sequences_in_explain_and_diff_are_shown_escaped(history):
    explained = to_rich(explain_layout(explain(PLAN, history, "1.1.2", AS_OF, KNOWN_AT)), width=2000)
    assert_no_raw_control(explained)
    assert "Acción de Corto Plazo 1.1.2: Atención \\x1b[2J\\x1b[31mroja\\x1b]0;titulo\\x07\\x9b31m\\u202e" in explained
    assert "ana\\x1b[2J\\x9b31m" in explained  # the actor of the progress record used
    compared = compare(PLAN, history, View(date(2021, 6, 30), KNOWN_AT), View(AS_OF, KNOWN_AT))
    diffed = to_rich(diff_layout(compared), width=2000)
    assert_no_raw_control(diffed)
    assert "ana\\x1b[2J\\x9b31m" in diffed  # actor column of the events table
    assert "text=Resultado \\x1b[2J\\x1b]0;titulo\\x07 y \\x9b31mfin\\x7f" in diffed  # data column


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--as-of", "2021-09-30", "--known-at", KNOWN_AT_TEXT),
        ("report", "--as-of", "2021-09-30", "--known-at", KNOWN_AT_TEXT, "--format", "md"),
        ("history",),
        ("history", "--actor", ACTOR),
        ("explain", "1.1.2", "--as-of", "2021-09-30", "--known-at", KNOWN_AT_TEXT),
        ("diff", "--from", f"2021-06-30@{KNOWN_AT_TEXT}", "--to", f"2021-09-30@{KNOWN_AT_TEXT}"),
    ],
    ids=["report-table", "report-md", "history", "history-actor", "explain", "diff"],
)
def test_finding_9_escape_sequences_never_reach_the_cli_output_raw(store, args):
    out = run(store, *args)
    assert_no_raw_control(out)
    assert "\\x1b[2J" in out and "\\x9b31m" in out  # shown, visibly


def test_finding_9_actor_with_escape_sequences_in_the_history_table(store):
    out = run(store, "history", "--actor", ACTOR)
    assert_no_raw_control(out)
    (row,) = [line for line in out.splitlines() if "progress" in line]
    assert "ana\\x1b[2J\\x9b31m" in row and "percent=50" in row


def test_finding_9_rich_markup_in_user_text_is_printed_literally(history):
    out = to_rich(layout(evaluate(PLAN, history, AS_OF, KNOWN_AT)), width=2000)
    assert "[bold]negrita[/bold]" in out  # a title, in a table cell
    assert SOURCE in out  # a funding source, a column header of Cuadro 2 (was read as markup)
    explained = to_rich(explain_layout(explain(PLAN, history, "1.2.1.1", AS_OF, KNOWN_AT)), width=2000)
    assert f"fuente {SOURCE}" in explained


# -- 2. Markdown: user text renders as the same literal text ---------------------------------------


def test_finding_9_markdown_result_text_is_escaped_literal_text(history):
    md = to_markdown(layout(evaluate(PLAN, history, AS_OF, KNOWN_AT)))
    assert (
        "- 1.1.2 (2021-09-30): # Titulo \\| a \\| b \\| \\<script>alert(1)\\</script> "
        "[x\\](javascript:alert(1)) - item\n"
    ) in md
    assert "\n# Titulo" not in md and "\n| a | b |" not in md and "<script>" not in md.replace("\\<script>", "")


def test_finding_9_markdown_renders_user_text_literally_in_a_commonmark_parser(history):
    markdown_it = pytest.importorskip("markdown_it")
    md = to_markdown(layout(evaluate(PLAN, history, AS_OF, KNOWN_AT)))
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    assert "<script>" not in html and "javascript:" not in html.replace("[x](javascript:alert(1))", "")
    assert "<li>1.1.2 (2021-09-30): # Titulo | a | b | &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) - item</li>" in html
    assert "<a " not in html and "<em>" not in html
    # our own headings only, and the justification stays in Cuadro 4's single row of 5 cells
    assert [h for h in re.findall(r"<h[12]>(.*?)</h[12]>", html) if "Titulo" in h or "título" in h] == []
    cuadro_4 = html.split("Cuadro N° 4")[1].split("</table>")[0]
    (row,) = re.findall(r"<tr>(.*?)</tr>", cuadro_4.split("<tbody>")[1], re.S)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert len(cells) == 5
    assert cells[4] == "Demora | x | y | ## no es un título *ni énfasis*"
    # the conclusions paragraph quotes the same justification, literally
    assert "La desviación se justifica así: Demora | x | y | ## no es un título *ni énfasis* En la gestión" in html


def test_finding_9_markdown_escapes_only_what_is_needed():
    # ordinary text, codes in the middle, numbers in cells: unchanged
    for text in ("Mejorar la atención al usuario (6.1.1) — 45,5 %: ¿sí?", "6.1.1 vigente", "budget_TGN", "RA 045/2021"):
        assert markdown_text(text) == text
    assert markdown_text("-12.50", cell=True) == "-12.50"
    assert markdown_text("  1.1.1", cell=True) == "  1.1.1"  # the indentation of Cuadro 2
    # block starts, only where they start the text
    assert markdown_text("1. primero") == "1\\. primero"
    assert markdown_text("2) segundo") == "2\\) segundo"
    assert markdown_text("- item") == "\\- item"
    assert markdown_text("+ item") == "\\+ item"
    assert markdown_text("> cita") == "\\> cita"
    assert markdown_text("## título") == "\\## título"
    assert markdown_text("[ ] tarea") == "\\[ ] tarea"
    assert markdown_text("     código") == "código"  # no indented code block
    assert markdown_text("título #") == "título \\#"  # no closing sequence eaten by a heading
    assert markdown_text("a - b 1. c") == "a - b 1. c"
    # inline constructs, anywhere
    assert markdown_text("a *b* _c_ `d` ~~e~~ <f> |g|") == "a \\*b\\* \\_c\\_ \\`d\\` \\~\\~e\\~\\~ \\<f> \\|g\\|"
    assert markdown_text("![i](x) [l][r] [d]: u &copy; &#60; R&D") == "![i\\](x) [l\\][r] [d\\]: u \\&copy; \\&#60; R&D"
    assert markdown_text("a\\*b \\x1b fin\\") == "a\\\\\\*b \\x1b fin\\\\"
    # line breaks never start a block: they become spaces (in cells too)
    assert markdown_text("uno\ndos\r\ntres\rcuatro") == "uno dos tres cuatro"
    assert markdown_text("a\n# b", cell=True) == "a # b"
    assert markdown_text("x\x1b[2J\ty") == "x\\x1b[2J\\x09y"


# -- 3. CSV: formulas neutralised, unless --raw-csv ---------------------------------------------


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_finding_9_csv_formulas_are_neutralised_in_the_report_csv(store):
    rows = {r["code"]: r for r in csv_rows(run(store, "report", "--as-of", "2021-09-30", "--format", "csv"))}
    for code, formula in FORMULAS.items():
        assert rows[code]["title"] == "'" + formula
    # not a formula, no quote; its control characters shown escaped, as on a terminal
    assert rows["1.1.2"]["title"] == "Atención \\x1b[2J\\x1b[31mroja\\x1b]0;titulo\\x07\\x9b31m\\u202e [bold]negrita[/bold]"
    # negative numbers stay numbers: 1.1.1's deviation 70 − 73.333… (as in test_cli_report)
    assert rows["1.1.1"]["deviation_pts"] == "-3.33"
    assert rows["1.1.1.2"]["status"] == "active"


def test_finding_9_csv_formulas_are_neutralised_in_the_history_csv(store):
    rows = csv_rows(run(store, "history", "--format", "csv"))
    budget = rows[-1]
    assert budget["kind"] == "budget"
    assert budget["reference"] == "'" + REFERENCE
    assert budget["actor"] == "'" + FORMULA_ACTOR
    data = json.loads(budget["data"])  # JSON text starts with "{": left as is, and still JSON
    assert data["reason"] == REASON and data["amount"] == "1000"
    approval = rows[0]
    assert (approval["seq"], approval["kind"], approval["actor"]) == ("1", "approve", "tester")
    assert_no_raw_control(approval["data"])  # controls escaped the JSON way (\u009b): same value
    titles = {e["code"]: e["title"] for e in json.loads(approval["data"])["short_term_actions"]}
    assert titles["1.1.2"] == TITLE


def test_finding_9_raw_csv_writes_cells_as_recorded(store):
    rows = {r["code"]: r for r in csv_rows(run(store, "report", "--as-of", "2021-09-30", "--format", "csv", "--raw-csv"))}
    for code, formula in FORMULAS.items():
        assert rows[code]["title"] == formula
    assert rows["1.1.2"]["title"] == TITLE  # byte for byte, even through a pipe
    assert rows["1.1.1"]["deviation_pts"] == "-3.33"
    history = csv_rows(run(store, "history", "--format", "csv", "--raw-csv"))
    assert (history[-1]["reference"], history[-1]["actor"]) == (REFERENCE, FORMULA_ACTOR)
    assert ACTOR in [row["actor"] for row in history]
    assert "--raw-csv" in run(store, "report", "--help") and "--raw-csv" in run(store, "history", "--help")


def test_finding_9_raw_csv_is_refused_outside_csv_and_when_issuing(store):
    runner = CliRunner()
    for args in (
        ("report", "--format", "md", "--raw-csv"),
        ("report", "--raw-csv"),  # the default format, table
        ("history", "--raw-csv"),
    ):
        result = runner.invoke(cli, [*args, "--store", store])
        assert result.exit_code == 2
        assert "option --raw-csv: applies to --format csv only" in result.output
    result = runner.invoke(cli, ["report", "--format", "csv", "--issue", "R-1", "--raw-csv", "--store", store])
    assert result.exit_code == 2 and "option --raw-csv: a report is issued as the neutralised CSV" in result.output
    assert json.loads(run(store, "reports", "--format", "json")) == []  # nothing issued


def test_finding_9_csv_cell_rule():
    for formula in ("=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "-1e5", "--1", "-.5", "+5"):
        assert csv_cell(formula) == "'" + formula
    for kept in ("-12.50", "-3", "0", "12.5", "480000.00", "texto = otro", "a-b", "a\tb\r\nc", "", None, 7):
        assert csv_cell(kept) == kept
    assert csv_cell(f"a{CLEAR}{C1_CSI}\x7f{BIDI}") == "a\\x1b[2J\\x9b31m\\x7f\\u202e"
    assert csv_cell(f"={CLEAR}") == "'=\\x1b[2J"


# -- 4. JSON: valid, values unchanged, no raw C1 or DEL ---------------------------------------------


def strings(value) -> set[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for v in value.values() for s in strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in strings(v)}
    return set()


@pytest.mark.parametrize(
    "args, expected",
    [
        (("report", "--as-of", "2021-09-30", "--known-at", KNOWN_AT_TEXT), {TITLE, RESULT, SOURCE}),
        (("history",), {TITLE, RESULT, ACTOR, REFERENCE, FORMULA_ACTOR}),
        (("explain", "1.1.2", "--as-of", "2021-09-30", "--known-at", KNOWN_AT_TEXT), {TITLE, ACTOR}),
        (("diff", "--from", f"2021-06-30@{KNOWN_AT_TEXT}", "--to", f"2021-09-30@{KNOWN_AT_TEXT}"), {RESULT, ACTOR}),
    ],
    ids=["report", "history", "explain", "diff"],
)
def test_finding_9_json_has_no_raw_controls_and_round_trips(store, args, expected):
    out = run(store, *args, "--format", "json")
    assert_no_raw_control(out)
    assert "\\u009b31m" in out  # C1 escaped (json.dumps escapes C0 itself: \u001b)
    assert ("\\u007f" in out) == (RESULT in expected)  # DEL, at the end of the result text
    assert expected <= strings(json.loads(out))  # the values read back are the recorded ones


def test_finding_9_json_text_escapes_only_c1_del_and_bidi():
    ordinary = {"título": "Atención — 45,5 % «ñ»", "n": [1, "2.00", None, True]}
    assert json_text(ordinary) == json.dumps(ordinary, ensure_ascii=False, indent=2)
    hostile = {"t": f"a{CLEAR}{C1_CSI}\x7f{BIDI}\u2028b"}
    text = json_text(hostile)
    assert_no_raw_control(text)
    assert "\u2028" not in text
    assert text == '{\n  "t": "a\\u001b[2J\\u009b31m\\u007f\\u202e\\u2028b"\n}'
    assert json.loads(text) == hostile


# -- the helper for terminals (also used for error messages) ------------------------------------


def test_finding_9_terminal_safe_rules():
    assert terminal_safe("Atención — 45 % [bold]x[/bold] \\x") == "Atención — 45 % [bold]x[/bold] \\x"
    assert terminal_safe(f"a{CLEAR}{OSC}{C1_CSI}\x7f{BIDI}\u2066\tb\r\nc") == (
        "a\\x1b[2J\\x1b]0;titulo\\x07\\x9b31m\\x7f\\u202e\\u2066\\x09b\\x0d\\x0ac"
    )
    assert terminal_safe("a\r\nb\nc\rd", keep_newlines=True) == "a\nb\nc\\x0dd"
