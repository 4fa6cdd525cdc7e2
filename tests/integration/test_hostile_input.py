"""Hostile input (issue 7): one regression test per finding about what `poa` reads.

Bad input never produces a traceback: exit status 2, one message naming the file
(or option), the entry and the field, and nothing stored. Every command runs
in-process (click's CliRunner) against a fresh copy of a store holding
examples/small-2021.yaml (plan DEMO-2021, where operation 1.1.1.1 has a current
budget of 100,000 TGN + 30,000 Otros), on SQLite and on PostgreSQL; the files read
are written in the test's folder. Finding 2's exact totals at the bounds, a pure
fold, are in tests/unit/test_exact_totals.py.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from poa.adapters.batch_files import MAX_BYTES
from support.builders import batch_text as batch, count_events as events
from support.runners import invoke

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

PLAN = "DEMO-2021"
GOOD = "progress: {code: 1.2.1.1, percent: 50, date: 2021-10-01}"  # entry 1 of every batch: never stored either


# -- the CLI, on `store` (conftest: a fresh copy of the example's store, a file or a URL) --


def poa(store: Path | str, *args: str, input: str | bytes | None = None):
    return invoke(*args, "--store", str(store), input=input)


def poa_within(seconds: float, store: Path | str, *args: str, unblock: Path | None = None):
    """`poa` in a thread: a regression that hangs fails the test instead of hanging it
    (a FIFO `unblock` is then opened for writing, so the blocked reader can finish)."""
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(poa(store, *args)), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive() and unblock is not None:
        os.close(os.open(unblock, os.O_WRONLY | os.O_NONBLOCK))
    assert outcome, f"`poa {' '.join(args)[:80]}` did not finish within {seconds} s"
    return outcome[0]


def write(folder: Path, name: str, text: str | bytes) -> str:
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(path)


def assert_refused(result, *needles: str) -> None:
    """Status 2 and one message (no traceback) naming every needle."""
    shown = f"\n--- output ---\n{result.output[:2000]}"
    assert result.exit_code == 2, f"exit status {result.exit_code} ({result.exception!r}){shown}"
    assert isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.output, shown
    assert len(result.stderr.strip().splitlines()) == 1, f"expected one line{shown}"
    for needle in needles:
        assert needle in result.stderr, f"message does not name {needle!r}{shown}"


def assert_nothing_stored_and_readable(store: Path | str, before: int) -> None:
    assert events(store) == before, "the refused input stored events"
    report = poa(store, "report", "--plan", PLAN, "--format", "json")
    assert report.exit_code == 0, report.output


def history(store: Path | str) -> list[dict]:
    result = poa(store, "history", "--plan", PLAN, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["events"]


def operation(store: Path | str, code: str) -> dict:
    result = poa(store, "report", "--plan", PLAN, "--as-of", "2021-12-31", "--format", "json")
    assert result.exit_code == 0, result.output
    return next(o for o in json.loads(result.stdout)["operations"] if o["code"] == code)


# -- finding 1: numbers too large for the folds were stored, then every report crashed ---

NEW_PLAN = """\
plan: NEW-2022
entries:
  - approve:
      entity: Entidad Nueva
      year: 2022
      date: 2022-01-03
      reference: RA 001/2022
      strategic_actions: [{code: "1", title: Acción}]
      short_term_actions: [{code: "1.1", parent: "1", title: ACP, weight: 100}]
      operations: [{code: 1.1.1, parent: "1.1", title: Operación, budget: {TGN: 1.0e+309}}]
"""
E26, E30, E40 = "1" + "0" * 26, "1" + "0" * 30, "1" + "0" * 40

# (id, file name, text, what the message names besides the file)
HUGE_NUMBERS = [
    ("budget-1e26", "lote.yaml",
     batch(GOOD, f"budget: {{code: 1.2.1.1, source: Otros, amount: {E26}, date: 2021-10-01, reference: R, reason: r}}"),
     ("entry 2 (budget)", "'amount'", "below 1,000,000,000,000,000")),
    ("approval-budget-1.0e+309", "nuevo.yaml", NEW_PLAN,
     ("entry 1 (approve)", "'operations[1].budget.TGN'", "must be a number")),
    ("weight-1e40", "lote.yaml",
     batch(GOOD, f"reformulate: {{date: 2021-10-05, reference: R, reason: r, changes: [{{update: {{code: 1.1.2, weight: {E40}}}}}]}}"),
     ("entry 2 (reformulate)", "'changes[1].update.weight'", "at most 1,000,000")),
    ("execution-1e30", "lote.yaml",
     batch(GOOD, f"execution: {{code: 1.1.2.1, amount: {E30}, date: 2021-10-01}}"),
     ("entry 2 (execution)", "'amount'", "below")),
    ("json-execution-1e30", "lote.json",
     json.dumps({"plan": PLAN, "entries": [{"execution": {"code": "1.1.2.1", "date": "2021-10-01", "amount": 0}}]}).replace('"amount": 0', '"amount": 1e30'),
     ("entry 1 (execution)", "'amount'", "must be a number")),
    ("declared-1e40", "lote.yaml",
     batch(GOOD, f"publish: {{reference: Informe, issued: 2021-10-20, date: 2021-09-30, declared: {{budget_current: {E40}}}}}"),
     ("entry 2 (publish)", "'declared.budget_current'", "below")),
]


@pytest.mark.parametrize("name, text, needles", [pytest.param(n, t, e, id=i) for i, n, t, e in HUGE_NUMBERS])
def test_finding_1_huge_numbers_are_refused_before_anything_is_stored(store, tmp_path, name, text, needles):
    before = events(store)
    assert_refused(poa(store, "apply", write(tmp_path, name, text)), name, *needles)
    assert_nothing_stored_and_readable(store, before)


# -- finding 2: 28-digit rounding lost money; sums at the bounds must be exact -------------


def test_finding_2_budget_modifications_beyond_the_bounds_are_refused_and_those_within_are_exact(store, tmp_path):
    # +10^40 then -10^40 on 1.1.1.1 TGN used to leave TGN at 0 (100,000 + 10^40 rounds to 10^40)
    plus, minus = (f"budget: {{code: 1.1.1.1, source: TGN, amount: {sign}{E40}, date: 2021-10-01, reference: R, reason: r}}" for sign in "+-")
    before = events(store)
    assert_refused(poa(store, "apply", write(tmp_path, "lote.yaml", batch(plus, minus))), "entry 1 (budget)", "'amount'")
    assert_nothing_stored_and_readable(store, before)
    # the largest amounts allowed, back and forth on the same day, leave the figures exact
    top = "999999999999999.99"
    plus, minus = (f"budget: {{code: 1.1.1.1, source: TGN, amount: {sign}{top}, date: 2021-10-01, reference: R, reason: r}}" for sign in "+-")
    result = poa(store, "apply", write(tmp_path, "lote.yaml", batch(plus, plus, minus, minus)))
    assert result.exit_code == 0, result.output
    assert operation(store, "1.1.1.1")["budget"] == {"TGN": "100000.00", "Otros": "30000.00"}
    assert operation(store, "1.1.1.1")["budget_current"] == "130000.00"


# -- finding 5: YAML 1.1 read numbers and booleans nobody wrote; repeated keys were dropped --

YAML_REFUSED = [
    ("sexagesimal-percent", "progress: {code: 1.1.1.1.2, percent: 1:30, date: 2021-10-01}", ("entry 2 (progress)", "'percent'", "must be a number")),
    ("hex-amount", "execution: {code: 1.1.2.1, amount: 0x10, date: 2021-10-01}", ("entry 2 (execution)", "'amount'", "must be a number")),
    ("exponent-amount", "execution: {code: 1.1.2.1, amount: 1.0e+3, date: 2021-10-01}", ("entry 2 (execution)", "'amount'", "must be a number")),
    ("underscore-amount", "execution: {code: 1.1.2.1, amount: 1_000, date: 2021-10-01}", ("entry 2 (execution)", "'amount'", "must be a number")),
    ("duplicate-key", "progress: {code: 1.1.1.1.2, percent: 10, percent: 90, date: 2021-10-01}", ("line 4", "duplicate key 'percent'")),
    ("merge-key", "progress: {code: 1.1.1.1.2, date: 2021-10-01, <<: {percent: 70}}", ("entry 2 (progress)", "'<<'", "unknown field")),
    ("anchor-and-alias", "result: {code: 1.1.2, date: &d 2021-10-01, text: t}\n  - justify: {code: 1.1.2, date: *d, text: t}", ("line 4", "anchors and aliases")),
    ("float-tag", "execution: {code: 1.1.2.1, amount: !!float 1000, date: 2021-10-01}", ("line 4", "tag")),
]


@pytest.mark.parametrize("entry, needles", [pytest.param(e, n, id=i) for i, e, n in YAML_REFUSED])
def test_finding_5_yaml_surprises_are_refused(store, tmp_path, entry, needles):
    before = events(store)
    assert_refused(poa(store, "apply", write(tmp_path, "lote.yaml", batch(GOOD, entry))), "lote.yaml", *needles)
    assert_nothing_stored_and_readable(store, before)


def test_finding_5_yaml_surprises_duplicate_json_keys_are_refused(store, tmp_path):
    text = '{"plan": "DEMO-2021", "entries": [{"progress": {"code": "1.1.1.1.2", "percent": 10, "percent": 90, "date": "2021-10-01"}}]}'
    before = events(store)
    assert_refused(poa(store, "apply", write(tmp_path, "lote.json", text)), "lote.json", "entry 1 (progress)", "duplicate key 'percent'")
    assert_nothing_stored_and_readable(store, before)


def test_finding_5_yaml_surprises_plain_values_are_read_as_written(store, tmp_path):
    text = batch(
        "progress: {code: 1.1.1.1.2, percent: 010, date: 2021-10-01}",  # ten, not octal 8
        "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: strategic_action, code: 010, title: no}}]}",
        "result: {code: 1.1.2, date: 2021-10-01, text: off}",  # a text, not False
    )
    result = poa(store, "apply", write(tmp_path, "lote.yaml", text))
    assert result.exit_code == 0, result.output
    progress, reformulation, note = history(store)[-3:]
    assert progress["data"]["percent"] == "10.00"  # ten (two places, as every figure), not octal 8
    assert reformulation["data"]["changes"] == [{"add": {"kind": "strategic_action", "code": "010", "title": "no"}}]
    assert note["data"]["text"] == "off"


# -- finding 7: input that crashed the reader or took minutes and gigabytes -------------------

# a text whose value is 9 lists of 9 aliases of the list before: 9^9 "lol" once expanded
LAUGHS = "[&a [" + ", ".join(["lol"] * 9) + "], " + ", ".join(
    f"&{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi")
) + "]"
DIGITS_4301 = "9" * 4301


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# (id, file name or a path, text (None: the path itself), what the message names besides the file)
HOSTILE_FILES = [
    ("json-4301-digit-integer", "lote.json",
     json.dumps({"plan": PLAN, "entries": [{"execution": {"code": "1.1.2.1", "date": "2021-10-01", "amount": 0}}]}).replace('"amount": 0', f'"amount": {DIGITS_4301}'),
     ("entry 1 (execution)", "'amount'", "below", "4,301 characters")),
    ("yaml-4301-digit-integer", "lote.yaml", batch(GOOD, f"execution: {{code: 1.1.2.1, amount: {DIGITS_4301}, date: 2021-10-01}}"),
     ("entry 2 (execution)", "'amount'", "below")),
    ("json-lone-surrogate", "lote.json",
     '{"plan": "DEMO-2021", "entries": [{"result": {"code": "1.1.2", "date": "2021-10-01", "text": "a \\ud800 b"}}]}',
     ("entry 1 (result): field 'text'", "surrogate")),
    ("json-lone-surrogate-in-a-key", "lote.json",
     '{"plan": "DEMO-2021", "entries": [{"result": {"code": "1.1.2", "date": "2021-10-01", "\\udfff": "t"}}]}',
     ("entry 1 (result)", "surrogate")),
    ("yaml-lone-surrogate", "lote.yaml", batch(GOOD, 'result: {code: 1.1.2, date: 2021-10-01, text: "a \\ud800 b"}'),
     ("entry 2 (result): field 'text'", "surrogate")),
    ("yaml-raw-control-character", "lote.yaml", batch(GOOD, "result: {code: 1.1.2, date: 2021-10-01, text: a\x1bb}"),
     ("line 4, column 52", "special characters are not allowed (#x001b)")),
    ("json-100000-deep", "lote.json", '{"plan": "DEMO-2021", "entries": ' + deep(100_000) + "}", ("nested more than 32 levels",)),
    ("yaml-100000-deep", "lote.yaml", batch(GOOD, deep(100_000)), ("nested more than 32 levels",)),
    ("billion-laughs", "lote.yaml", batch(GOOD, f"result: {{code: 1.1.2, date: 2021-10-01, text: {LAUGHS}}}"), ("line 4", "anchors and aliases")),
    ("dev-zero", "/dev/zero", None, ("not a regular file",)),
    ("name-too-long", "x" * 300 + ".yaml", None, ("File name too long",)),
]


@pytest.mark.parametrize("name, text, needles", [pytest.param(n, t, e, id=i) for i, n, t, e in HOSTILE_FILES])
def test_finding_7_hostile_files_are_refused_quickly(store, tmp_path, name, text, needles):
    path = name if text is None else write(tmp_path, name, text)
    before = events(store)
    result = poa_within(20, store, "apply", path)
    assert_refused(result, name[:100], *needles)
    assert_nothing_stored_and_readable(store, before)


def test_finding_7_hostile_option_values_are_refused(store):
    before = events(store)
    args = ["reformulate", "--date", "2021-10-05", "--reference", "R", "--reason", "r", "--plan", PLAN]
    assert_refused(poa(store, *args, "--update", "{code: 1.1.2, weight: " + DIGITS_4301 + "}"), "option --update", "weight", "at most 1,000,000")
    assert_refused(poa(store, *args, "--update", "{code: 1.1.2, title: \"\\ud800\"}"), "option --update", "surrogate")
    assert_refused(poa(store, *args, "--update", "{code: 1.1.2, weight: " + deep(100_000) + "}"), "option --update", "nested")
    text = ["result", "--code", "1.1.2", "--date", "2021-10-01", "--plan", PLAN, "--text"]
    assert_refused(poa(store, *text, "a \udcff b"), "option --text", "surrogate")  # undecodable bytes of argv
    publish = ["publish", "--reference", "I", "--issued", "2021-10-20", "--date", "2021-09-30", "--plan", PLAN]
    assert_refused(poa(store, *publish, "--declared", "{budget_current: &a 1, budget_executed: *a}"), "option --declared", "aliases")
    assert_refused(poa(store, *publish, "--declared", "{operations: 1" + "0" * 10 + "}"), "option --declared.operations", "at most 1,000,000,000")
    assert_nothing_stored_and_readable(store, before)


# -- finding 8: a FIFO blocked `poa apply` for ever; texts of any size were stored ---------------


def test_finding_8_fifo_and_long_texts_fifo_is_refused_without_blocking(store, tmp_path):
    fifo = tmp_path / "lote.yaml"
    os.mkfifo(fifo)
    before = events(store)
    assert_refused(poa_within(10, store, "apply", str(fifo), unblock=fifo), "lote.yaml", "not a regular file")
    assert_nothing_stored_and_readable(store, before)


TEXT_10001 = "x" * 10_001

# (id, file name, text, what the message names besides the file)
LONG_INPUT = [
    ("json-50-MB-result-text", "lote.json",
     json.dumps({"plan": PLAN, "entries": [{"result": {"code": "1.1.2", "date": "2021-10-01", "text": "x" * 50_000_000}}]}),
     ("entry 1 (result): field 'text'", "at most 10,000 characters", "50,000,000 characters")),
    ("yaml-10001-character-reason", "lote.yaml",
     batch(GOOD, f"budget: {{code: 1.1.2.1, source: TGN, amount: 1, date: 2021-10-01, reference: R, reason: {TEXT_10001}}}"),
     ("entry 2 (budget): field 'reason'", "at most 10,000 characters")),
    ("yaml-65-character-code", "lote.yaml",
     batch(GOOD, f"reformulate: {{date: 2021-10-05, reference: R, reason: r, changes: [{{add: {{kind: strategic_action, code: {'9' * 65}, title: t}}}}]}}"),
     ("entry 2 (reformulate): field 'changes[1].add.code'", "at most 64 characters")),
    ("yaml-declared-count-above-10^9", "lote.yaml",
     batch(GOOD, "publish: {reference: I, issued: 2021-10-20, date: 2021-09-30, declared: {operations: 1000000001}}"),
     ("entry 2 (publish): field 'declared.operations'", "at most 1,000,000,000")),
]


@pytest.mark.parametrize("name, text, needles", [pytest.param(n, t, e, id=i) for i, n, t, e in LONG_INPUT])
def test_finding_8_fifo_and_long_texts_long_values_are_refused(store, tmp_path, name, text, needles):
    before = events(store)
    assert_refused(poa_within(30, store, "apply", write(tmp_path, name, text)), name, *needles)
    assert_nothing_stored_and_readable(store, before)


def test_finding_8_fifo_and_long_texts_files_over_64_mib_are_not_read(store, tmp_path):
    big = tmp_path / "grande.yaml"
    with big.open("wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: nothing to write
    before = events(store)
    assert_refused(poa(store, "apply", str(big)), "grande.yaml", "larger than 64 MiB")
    assert_refused(poa(store, "apply", "-", input=b"#" * (MAX_BYTES + 1)), "<stdin>", "larger than 64 MiB")
    assert_refused(
        poa(store, "result", "--code", "1.1.2", "--date", "2021-10-01", "--text", TEXT_10001, "--plan", PLAN),
        "option --text", "at most 10,000 characters",
    )
    assert_nothing_stored_and_readable(store, before)
