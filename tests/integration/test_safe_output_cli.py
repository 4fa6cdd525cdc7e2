"""Safe output (GitHub issue 7, finding 9 "Injection"; docs/design.md, "Safe output") through
the CLI, in-process (click's CliRunner), on a store holding the hostile facts of
tests/support/hostile_text.py: no raw control character reaches the output of any
command, CSV formulas are neutralised unless --raw-csv, JSON round-trips the values.
(The renderers and helpers themselves: tests/unit/test_safe_output.py.)
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from support.builders import Command, open_store
from support.hostile_text import (
    ACTOR, FORMULA_ACTOR, FORMULAS, KNOWN_AT_TEXT, PLAN, REASON, REFERENCE, RESULT, SOURCE, TITLE,
    assert_no_raw_control, hostile_facts,
)
from support.runners import invoke


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """A store holding the hostile facts (this module's own `store`)."""
    path = str(tmp_path_factory.mktemp("safe") / "poa.db")
    ledger = open_store(path, create=True)
    ledger.record([Command(PLAN, fact, actor, "test", i) for i, (actor, fact) in enumerate(hostile_facts(), 1)])
    return path


def run(store: str, *args: str, code: int = 0) -> str:
    result = invoke(*args, "--store", store, env={"POA_PLAN": PLAN})
    assert result.exit_code == code, (result.output, result.exception)
    return result.stdout


# -- 1. terminal, table and Markdown: control characters shown escaped ----------------------------


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
    (row,) = [line for line in out.splitlines() if "avance" in line]
    assert "ana\\x1b[2J\\x9b31m" in row and "porcentaje=50" in row


# -- 2. Markdown: user text renders as the same literal text ---------------------------------------


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
    assert data["reason"] == REASON and data["amount"] == "1000.00"
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
    for args in (
        ("report", "--format", "md", "--raw-csv"),
        ("report", "--raw-csv"),  # the default format, table
        ("history", "--raw-csv"),
    ):
        result = invoke(*args, "--store", store)
        assert result.exit_code == 2
        assert "option --raw-csv: applies to --format csv only" in result.output
    result = invoke("report", "--format", "csv", "--issue", "R-1", "--raw-csv", "--store", store)
    assert result.exit_code == 2 and "option --raw-csv: a report is issued as the neutralised CSV" in result.output
    assert json.loads(run(store, "reports", "--format", "json"))["reports"] == []  # nothing issued


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
