"""Safe output (GitHub issue 7, finding 9 "Injection"; docs/design.md, "Safe output"): the
renderers and the text helpers, in process, on a history built in memory.

User text (titles, results, justifications, references, reasons, actors, sources)
must never reach a terminal as escape sequences, never be read as rich markup, never
break out of Markdown as a heading, table row, link or HTML, never be a spreadsheet
formula in CSV, and never put raw C1 controls in JSON. The hostile facts are described
in tests/support/hostile_text.py; the same through the CLI, from a store:
tests/integration/test_safe_output_cli.py.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from poa.adapters.report_diff import layout as diff_layout
from poa.adapters.report_provenance import layout as explain_layout
from poa.adapters.report_text import layout, to_markdown, to_rich
from poa.adapters.safe_text import csv_cell, json_text, markdown_text, terminal_safe
from poa.domain.facts import Recorded
from poa.projections.comparison import compare
from poa.projections.evaluation import evaluate
from poa.projections.issued import View
from poa.projections.provenance import explain
from support.hostile_text import (
    AS_OF, BIDI, C1_CSI, CLEAR, KNOWN_AT, OSC, PLAN, SOURCE, assert_no_raw_control, hostile_facts,
)


@pytest.fixture(scope="module")
def history() -> list[Recorded]:
    start = datetime(2021, 10, 1, tzinfo=timezone.utc)
    return [Recorded(i, start + timedelta(minutes=i), actor, fact) for i, (actor, fact) in enumerate(hostile_facts(), 1)]


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


def test_finding_9_csv_cell_rule():
    for formula in ("=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "-1e5", "--1", "-.5", "+5"):
        assert csv_cell(formula) == "'" + formula
    for kept in ("-12.50", "-3", "0", "12.5", "480000.00", "texto = otro", "a-b", "a\tb\r\nc", "", None, 7):
        assert csv_cell(kept) == kept
    assert csv_cell(f"a{CLEAR}{C1_CSI}\x7f{BIDI}") == "a\\x1b[2J\\x9b31m\\x7f\\u202e"
    assert csv_cell(f"={CLEAR}") == "'=\\x1b[2J"


# -- 4. JSON: valid, values unchanged, no raw C1 or DEL ---------------------------------------------


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
