"""Bad input is refused (SPEC §5): exit status 2, one message naming the file (or the
option), the entry and the field, no traceback, and nothing of the batch stored.

Every case runs the `poa` CLI in-process (click's CliRunner, through the `poa`
fixture: exit status, stdout and stderr as a process gives them; an exception escaping
the command shows as a traceback in stderr) against a copy of one prepared store: the
example plan DEMO-2021 plus a reformulation that cancels operation 1.1.1.2 on
2021-10-15. "Nothing stored" is checked twice after every refusal: `poa history
--format json` is unchanged, and so is the raw event table (which also shows a new plan
created by a refused batch). tests/e2e/test_refusal_process.py runs one of these cases
through the real console script.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import textwrap
from pathlib import Path

import pytest
from attrs import frozen

from poa.adapters.batch_files import parse_text
from support.builders import SMALL, batch_text, raw_events
from support.runners import PoaInProcess, invoke

PLAN = "DEMO-2021"

# Makes 1.1.1.2 a cancelled operation (from 2021-10-15) for the cases that need one.
PREPARATION = """\
plan: DEMO-2021
entries:
  - reformulate: {date: 2021-10-15, reference: "RD 01-020-21", reason: "Cancelar la capacitación",
                  changes: [{cancel: {code: 1.1.1.2}}]}
"""

# Two valid entries that precede the bad one in every batch, so the bad entry is
# entry 3 and the last: none of the good ones may be stored.
GOOD_ENTRIES = [
    "progress: {code: 1.2.1.1, percent: 50, date: 2021-10-01}",
    "result: {code: 1.1.2, date: 2021-10-01, text: Avance registrado}",
]


batch = batch_text  # batch(*entries, plan=PLAN): a YAML batch of DEMO-2021 unless told


def yaml_to_json(text: str) -> str:
    """The same batch as JSON: numbers stay numbers with the same digits, dates are strings.

    The YAML reader keeps every plain scalar as its text, so a value that is a JSON number
    once unquoted is written unquoted (keys excepted)."""
    dumped = json.dumps(parse_text(text, "batch.yaml"), ensure_ascii=False, indent=1)
    return re.sub(r'"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)"(?!:)', r"\1", dumped)


# -- the prepared store ------------------------------------------------------------


@frozen
class Prepared:
    db: Path
    history: list
    events: list


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Prepared:
    folder = tmp_path_factory.mktemp("prepared")
    runner = PoaInProcess(folder / "poa.db", folder)
    example = runner("apply", str(SMALL))
    assert example.returncode == 0, example.stderr
    (folder / "prep.yaml").write_text(PREPARATION, encoding="utf-8")
    prep = runner("apply", "prep.yaml")
    assert prep.returncode == 0, prep.stderr
    history = runner.json("history")["events"]
    assert history_now(folder / "poa.db") == history  # the in-process check sees what the CLI prints
    return Prepared(folder / "poa.db", history, raw_events(folder / "poa.db"))


@pytest.fixture
def demo(poa, prepared) -> PoaInProcess:
    """`poa` against a fresh copy of the prepared store (this module's own `demo`)."""
    shutil.copyfile(prepared.db, poa.store)
    return poa


def write(poa: PoaInProcess, name: str, text: str) -> str:
    (poa.cwd / name).write_text(text, encoding="utf-8")
    return name


# -- assertions --------------------------------------------------------------------


def assert_refused(result, *needles, usage: bool = False) -> None:
    """Status 2, one message, no traceback; every needle (a text, or a tuple of
    acceptable alternatives) appears in the message. In-process, "no traceback" also means
    that nothing but click's own exit ended the command (`exception` is None)."""
    stderr = result.stderr
    shown = f"\n--- stderr ---\n{stderr}--- stdout ---\n{result.stdout}"
    assert result.returncode == 2, f"exit status {result.returncode}{shown}"
    assert getattr(result, "exception", None) is None, f"{result.exception!r}{shown}"
    assert "Traceback" not in stderr, shown
    assert stderr.count("Error:") == 1, f"expected one message{shown}"
    if not usage:  # click's own usage errors add a "Usage:/Try" preamble
        assert len(stderr.strip().splitlines()) == 1, f"expected one line{shown}"
    for needle in needles:
        options = needle if isinstance(needle, tuple) else (needle,)
        assert any(o in stderr for o in options), f"message does not name {' or '.join(map(repr, options))}{shown}"


def history_now(store: Path) -> list:
    """`poa history --format json` of the store, run in-process."""
    result = invoke("history", "--format", "json", "--store", str(store), "--plan", PLAN)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["events"]


def assert_nothing_stored(poa: PoaInProcess, prepared: Prepared) -> None:
    assert history_now(poa.store) == prepared.history, "the refused input changed `poa history`"
    assert raw_events(poa.store) == prepared.events, "the refused input stored events (in some plan)"


# -- positive controls: what the bad cases are built from is accepted ----------------


def test_good_entries_alone_are_recorded(demo, prepared):
    result = demo("apply", write(demo, "good.yaml", batch(*GOOD_ENTRIES)))
    assert result.returncode == 0, result.stderr
    assert len(demo.json("history")["events"]) == len(prepared.history) + 2


def test_valid_approval_template_is_accepted(poa):
    approved = poa("approve", write(poa, "plan.yaml", APPROVAL), "--plan", "NEW-2022")
    assert approved.returncode == 0, approved.stderr
    batch_file = write(poa, "new.yaml", new_plan_batch(APPROVAL, "progress: {code: 1.1.1.1, percent: 5, date: 2022-03-31}", plan="NEW-2023"))
    applied = poa("apply", batch_file)
    assert applied.returncode == 0, applied.stderr


# -- entries of `poa apply` batches ---------------------------------------------------

# (id, bad entry written as in a batch, what the message must name besides file and entry)
BATCH_CASES = [
    # percent outside 0-100, not a number, more than 2 decimals
    ("percent-above-100", "progress: {code: 1.1.1.1.2, percent: 100.01, date: 2021-10-01}", "'percent'"),
    ("percent-negative", "progress: {code: 1.1.1.1.2, percent: -0.5, date: 2021-10-01}", "'percent'"),
    ("percent-not-a-number", "progress: {code: 1.1.1.1.2, percent: mucho, date: 2021-10-01}", "'percent'"),
    ("percent-ambiguous-comma", "progress: {code: 1.1.1.1.2, percent: '70,500', date: 2021-10-01}", "'percent'"),
    ("percent-3-decimals", "progress: {code: 1.1.1.1.2, percent: 70.125, date: 2021-10-01}", "'percent'"),
    # amounts and weights: negative, not a number, more than 2 decimals
    ("execution-negative", "execution: {code: 1.1.2.1, amount: -1, date: 2021-10-01}", "'amount'"),
    ("execution-not-a-number", "execution: {code: 1.1.2.1, amount: 1.000.000, date: 2021-10-01}", "'amount'"),
    ("execution-3-decimals", "execution: {code: 1.1.2.1, amount: 1000.001, date: 2021-10-01}", "'amount'"),
    ("budget-not-a-number", "budget: {code: 1.2.1.1, source: Otros, amount: diez, date: 2021-10-01, reference: R, reason: r}", "'amount'"),
    ("budget-3-decimals", "budget: {code: 1.2.1.1, source: Otros, amount: -0.001, date: 2021-10-01, reference: R, reason: r}", "'amount'"),
    ("budget-line-not-a-number", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{budget: {code: 1.2.1.1, source: Otros, amount: x}}]}", "changes[1].budget.amount"),
    ("update-negative-weight", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{update: {code: 1.1.2, weight: -5}}]}", "changes[1].update.weight"),
    ("add-negative-budget", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: operation, code: 1.1.2.3, parent: 1.1.2, title: X, budget: {TGN: -1}}}]}", "changes[1].add.budget.TGN"),
    # impossible dates, dates outside the plan's year
    ("progress-impossible-date", "progress: {code: 1.1.1.1.2, percent: 70, date: 2021-02-30}", "'date'"),
    ("execution-impossible-month", "execution: {code: 1.1.2.1, amount: 1, date: 2021-13-01}", "'date'"),
    ("budget-impossible-date", "budget: {code: 1.2.1.1, source: Otros, amount: -1, date: 2021-02-29, reference: R, reason: r}", "'date'"),
    ("reformulate-impossible-date", "reformulate: {date: 2021-04-31, reference: R, reason: r, changes: [{update: {code: 1.1.2, weight: 30}}]}", "'date'"),
    ("result-impossible-date", "result: {code: 1.1.2, date: 2021-06-31, text: t}", "'date'"),
    ("date-not-iso", "progress: {code: 1.1.1.1.2, percent: 70, date: 01/10/2021}", "'date'"),
    ("progress-after-year", "progress: {code: 1.1.1.1.2, percent: 70, date: 2022-01-01}", "'date'"),
    ("execution-before-year", "execution: {code: 1.1.2.1, amount: 1, date: 2020-12-31}", "'date'"),
    ("budget-after-year", "budget: {code: 1.2.1.1, source: Otros, amount: -1, date: 2022-03-01, reference: R, reason: r}", "'date'"),
    ("reformulate-after-year", "reformulate: {date: 2022-01-15, reference: R, reason: r, changes: [{update: {code: 1.1.2, weight: 30}}]}", "'date'"),
    ("justify-before-year", "justify: {code: 1.2.1, date: 2020-12-31, text: t}", "'date'"),
    ("progress-before-approval", "progress: {code: 1.1.1.1.2, percent: 1, date: 2021-01-02}", "'date'"),
    # unknown codes
    ("progress-unknown-code", "progress: {code: 9.9.9, percent: 70, date: 2021-10-01}", "'code'"),
    ("execution-unknown-code", "execution: {code: 9.9.9, amount: 1, date: 2021-10-01}", "'code'"),
    ("budget-unknown-code", "budget: {code: 9.9.9, source: Otros, amount: 1, date: 2021-10-01, reference: R, reason: r}", "'code'"),
    ("result-unknown-code", "result: {code: 9.9.9, date: 2021-10-01, text: t}", "'code'"),
    ("justify-unknown-code", "justify: {code: 9.9.9, date: 2021-10-01, text: t}", "'code'"),
    ("update-unknown-code", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{update: {code: 9.9.9, weight: 1}}]}", "changes[1].update.code"),
    ("cancel-unknown-code", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{cancel: {code: 9.9.9}}]}", "changes[1].cancel.code"),
    ("add-unknown-parent", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: operation, code: 9.9.9.1, parent: 9.9.9, title: X}}]}", "changes[1].add.parent"),
    # cancelled codes (1.1.1.2 is cancelled from 2021-10-15)
    ("progress-on-cancelled", "progress: {code: 1.1.1.2, percent: 90, date: 2021-10-20}", "'code'"),
    ("update-cancelled", "reformulate: {date: 2021-11-01, reference: R, reason: r, changes: [{update: {code: 1.1.1.2, weight: 2}}]}", "changes[1].update.code"),
    ("cancel-cancelled", "reformulate: {date: 2021-11-01, reference: R, reason: r, changes: [{cancel: {code: 1.1.1.2}}]}", "changes[1].cancel.code"),
    ("add-under-cancelled-parent", "reformulate: {date: 2021-11-01, reference: R, reason: r, changes: [{add: {kind: task, code: 1.1.1.2.1, parent: 1.1.1.2, title: X}}]}", "changes[1].add.parent"),
    # duplicate codes, parents of the wrong kind
    ("add-duplicate-code", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: operation, code: 1.1.1.1, parent: 1.1.1, title: X}}]}", "changes[1].add.code"),
    ("add-duplicate-within-reformulation", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: operation, code: 1.1.2.3, parent: 1.1.2, title: X}}, {add: {kind: operation, code: 1.1.2.3, parent: 1.1.2, title: Y}}]}", "changes[2].add.code"),
    ("add-operation-under-strategic-action", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: operation, code: 1.1.9, parent: '1.1', title: X}}]}", "changes[1].add.parent"),
    ("add-task-under-short-term-action", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: task, code: 1.1.2.9, parent: 1.1.2, title: X}}]}", "changes[1].add.parent"),
    # schedules
    ("update-schedule-goes-down", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{update: {code: 1.1.2, schedule: [25, 20, 75, 100]}}]}", "changes[1].update.schedule"),
    ("update-schedule-not-ending-at-100", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{update: {code: 1.1.2, schedule: [25, 50, 75, 95]}}]}", "changes[1].update.schedule"),
    ("update-schedule-three-quarters", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{update: {code: 1.1.2, schedule: [25, 50, 100]}}]}", "changes[1].update.schedule"),
    ("add-schedule-goes-down", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: short_term_action, code: 1.1.3, parent: '1.1', title: X, weight: 0, schedule: [50, 40, 75, 100]}}]}", "changes[1].add.schedule"),
    # misspelt fields and entry kinds are refused, never ignored
    ("misspelt-progress-field", "progress: {code: 1.1.1.1.2, percnt: 70, date: 2021-10-01}", "'percnt'"),
    ("misspelt-execution-field", "execution: {code: 1.1.2.1, amount: 1, date: 2021-10-01, fuente: TGN}", "'fuente'"),
    ("misspelt-budget-field", "budget: {code: 1.2.1.1, source: Otros, amount: -1, date: 2021-10-01, referece: R, reason: r}", "'referece'"),
    ("misspelt-result-field", "result: {code: 1.1.2, date: 2021-10-01, txt: t}", "'txt'"),
    ("misspelt-reformulate-field", "reformulate: {date: 2021-10-05, reference: R, reasons: r, changes: [{update: {code: 1.1.2, weight: 30}}]}", "'reasons'"),
    ("misspelt-update-field", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{update: {code: 1.1.2, wieght: 30}}]}", "changes[1].update.wieght"),
    ("misspelt-add-field", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: operation, code: 1.1.2.3, parent: 1.1.2, titel: X}}]}", "changes[1].add.titel"),
    ("misspelt-change-kind", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{cancell: {code: 1.1.2}}]}", ("changes[1]", "'cancell'")),
    ("misspelt-add-kind", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{add: {kind: operacion, code: 1.1.2.3, parent: 1.1.2, title: X}}]}", "changes[1].add.kind"),
    ("misspelt-entry-kind", "progres: {code: 1.1.1.1.2, percent: 70, date: 2021-10-01}", "'progres'"),
    ("misspelt-entry-kind-justify", "justification: {code: 1.2.1, date: 2021-10-01, text: t}", "'justification'"),
    # a second approval of the plan
    ("second-approval", "approve: {entity: E, year: 2021, date: 2021-01-04, reference: R, strategic_actions: [{code: '9', title: X}]}", ("already approved", "DEMO-2021")),
    # an operation's current budget for a source may never become negative
    ("budget-makes-current-negative", "budget: {code: 1.2.1.1, source: Otros, amount: -65000.01, date: 2021-10-01, reference: R, reason: r}", "'amount'"),
    ("budget-from-a-source-it-lacks", "budget: {code: 1.1.2.1, source: Otros, amount: -1, date: 2021-10-01, reference: R, reason: r}", "'amount'"),
    ("budget-backdated-before-transfer", "budget: {code: 1.1.1.2, source: Otros, amount: -25000, date: 2021-07-01, reference: R, reason: r}", "'amount'"),
    ("budget-line-makes-current-negative", "reformulate: {date: 2021-10-05, reference: R, reason: r, changes: [{update: {code: 1.1.2, weight: 30}}, {budget: {code: 1.2.1.1, source: Otros, amount: -65000.01}}]}", "changes[2].budget"),
    ("budget-line-backdated-before-reformulation", "reformulate: {date: 2021-07-01, reference: R, reason: r, changes: [{budget: {code: 1.2.1.1, source: Otros, amount: -70000}}]}", "changes[1].budget"),
    # a backdated cancellation may not invalidate progress recorded after it
    ("backdated-cancel-before-progress", "reformulate: {date: 2021-06-01, reference: R, reason: r, changes: [{update: {code: 1.1.2, weight: 30}}, {cancel: {code: 1.2.1.1}}]}", "changes[2].cancel"),
    ("backdated-cancel-of-a-parent", "reformulate: {date: 2021-09-01, reference: R, reason: r, changes: [{cancel: {code: 1.2.1}}]}", "changes[1].cancel"),
]

# Cases also run as a JSON file and from standard input.
JSON_CASES = {
    "percent-above-100", "percent-not-a-number", "percent-3-decimals", "execution-negative",
    "progress-impossible-date", "progress-after-year", "progress-unknown-code", "progress-on-cancelled",
    "add-duplicate-code", "update-schedule-goes-down", "misspelt-progress-field", "misspelt-entry-kind",
    "budget-backdated-before-transfer", "backdated-cancel-before-progress",
}
STDIN_CASES = {"percent-above-100", "result-impossible-date", "misspelt-add-field", "budget-makes-current-negative"}


def _batch_params():
    for case_id, entry, field in BATCH_CASES:
        yield pytest.param("yaml", entry, field, id=f"yaml-{case_id}")
    for case_id, entry, field in BATCH_CASES:
        if case_id in JSON_CASES:
            yield pytest.param("json", entry, field, id=f"json-{case_id}")
    for n, (case_id, entry, field) in enumerate(c for c in BATCH_CASES if c[0] in STDIN_CASES):
        fmt = ("stdin-yaml", "stdin-json")[n % 2]
        yield pytest.param(fmt, entry, field, id=f"{fmt}-{case_id}")


def test_batch_cases_are_unique_and_the_subsets_exist():
    ids = [case_id for case_id, _, _ in BATCH_CASES]
    assert len(ids) == len(set(ids))
    assert (JSON_CASES | STDIN_CASES) <= set(ids)


@pytest.mark.parametrize("fmt, bad_entry, field", list(_batch_params()))
def test_bad_last_entry_of_a_batch_is_refused_and_nothing_is_stored(demo, prepared, fmt, bad_entry, field):
    text = batch(*GOOD_ENTRIES, bad_entry)
    if fmt == "yaml":
        result, source = demo("apply", write(demo, "lote.yaml", text)), "lote.yaml"
    elif fmt == "json":
        result, source = demo("apply", write(demo, "lote.json", yaml_to_json(text))), "lote.json"
    else:
        result, source = demo("apply", "-", input=text if fmt == "stdin-yaml" else yaml_to_json(text)), "<stdin>"
    assert_refused(result, source, "entry 3", field)
    assert_nothing_stored(demo, prepared)


# -- approvals ------------------------------------------------------------------------

APPROVAL = """\
entity: Entidad Nueva
year: 2022
date: 2022-01-03
reference: "RA 001/2022"
strategic_actions:
  - {code: "1", title: "Acción estratégica"}
short_term_actions:
  - {code: "1.1", parent: "1", title: "ACP uno", weight: 60, schedule: [10, 40, 70, 100]}
  - {code: "1.2", parent: "1", title: "ACP dos", weight: 40}
operations:
  - {code: "1.1.1", parent: "1.1", title: "Operación", weight: 1, budget: {TGN: 1000.50, Otros: 200}}
tasks:
  - {code: "1.1.1.1", parent: "1.1.1", title: "Tarea", weight: 1}
"""


def new_plan_batch(approval: str, *more: str, plan: str = "NEW-2022") -> str:
    body = textwrap.indent(approval, " " * 6)
    return f"plan: {plan}\nentries:\n  - approve:\n{body}" + "".join(f"  - {e}\n" for e in more)


# (id, text replaced in APPROVAL, replacement, the field the message must name)
APPROVAL_CASES = [
    ("duplicate-code", '{code: "1.2", parent: "1", title: "ACP dos"', '{code: "1.1", parent: "1", title: "ACP dos"', "short_term_actions[2].code"),
    ("duplicate-code-across-kinds", '{code: "1.1.1.1", parent: "1.1.1"', '{code: "1.1.1", parent: "1.1.1"', "tasks[1].code"),
    ("task-parent-is-short-term-action", '{code: "1.1.1.1", parent: "1.1.1"', '{code: "1.1.1.1", parent: "1.1"', "tasks[1].parent"),
    ("operation-parent-is-strategic-action", '{code: "1.1.1", parent: "1.1"', '{code: "1.1.1", parent: "1"', "operations[1].parent"),
    ("unknown-parent", '{code: "1.1.1", parent: "1.1"', '{code: "1.1.1", parent: "9.9"', "operations[1].parent"),
    ("schedule-goes-down", "[10, 40, 70, 100]", "[10, 40, 30, 100]", "short_term_actions[1].schedule"),
    ("schedule-not-ending-at-100", "[10, 40, 70, 100]", "[10, 40, 70, 90]", "short_term_actions[1].schedule"),
    ("schedule-above-100", "[10, 40, 70, 100]", "[10, 40, 70, 100.5]", "short_term_actions[1].schedule"),
    ("negative-weight", "weight: 60", "weight: -60", "short_term_actions[1].weight"),
    ("weight-not-a-number", "weight: 60", "weight: sesenta", "short_term_actions[1].weight"),
    ("weight-3-decimals", "weight: 60", "weight: 59.995", "short_term_actions[1].weight"),
    ("negative-budget", "TGN: 1000.50", "TGN: -1000.50", "operations[1].budget.TGN"),
    ("budget-3-decimals", "TGN: 1000.50", "TGN: 1000.505", "operations[1].budget.TGN"),
    ("budget-not-a-number", "Otros: 200", "Otros: doscientos", "operations[1].budget.Otros"),
    ("misspelt-element-field", "budget: {TGN", "budjet: {TGN", "operations[1].budjet"),
    ("misspelt-approval-field", "reference:", "refrence:", "'refrence'"),
    ("misspelt-element-list", "tasks:", "taks:", "'taks'"),
    ("impossible-date", "date: 2022-01-03", "date: 2022-02-29", "'date'"),
    ("date-after-the-year", "date: 2022-01-03", "date: 2023-01-02", "'date'"),
]


@pytest.mark.parametrize(
    "old, new, field", [pytest.param(o, n, f, id=i) for i, o, n, f in APPROVAL_CASES]
)
def test_bad_approval_in_a_batch_creates_no_plan(demo, prepared, old, new, field):
    assert old in APPROVAL
    text = new_plan_batch(APPROVAL.replace(old, new, 1))
    result = demo("apply", write(demo, "aprobacion.yaml", text))
    assert_refused(result, "aprobacion.yaml", "entry 1", field)
    assert_nothing_stored(demo, prepared)


COMMAND_APPROVAL_CASES = {
    "duplicate-code", "task-parent-is-short-term-action", "schedule-goes-down", "negative-weight",
    "budget-3-decimals", "misspelt-element-field", "impossible-date",
}


@pytest.mark.parametrize(
    "old, new, field",
    [pytest.param(o, n, f, id=i) for i, o, n, f in APPROVAL_CASES if i in COMMAND_APPROVAL_CASES],
)
def test_bad_approval_file_of_poa_approve(demo, prepared, old, new, field):
    result = demo("approve", write(demo, "poa-2022.yaml", APPROVAL.replace(old, new, 1)), "--plan", "NEW-2022")
    assert_refused(result, "poa-2022.yaml", field)
    assert_nothing_stored(demo, prepared)


def test_poa_approve_of_an_approved_plan(demo, prepared):
    result = demo("approve", write(demo, "poa-2022.yaml", APPROVAL), "--plan", PLAN)
    assert_refused(result, "poa-2022.yaml", "already approved", PLAN)
    assert_nothing_stored(demo, prepared)


def test_poa_approve_of_a_json_file_with_a_duplicate_code(demo, prepared):
    text = yaml_to_json(APPROVAL.replace('{code: "1.2", parent: "1"', '{code: "1.1", parent: "1"', 1))
    result = demo("approve", write(demo, "poa-2022.json", text), "--plan", "NEW-2022")
    assert_refused(result, "poa-2022.json", "short_term_actions[2].code")
    assert_nothing_stored(demo, prepared)


@pytest.mark.parametrize(
    "name, text, needles",
    [
        pytest.param("poa-2022.yaml", APPROVAL.replace("weight: 60,", "weight: [60,", 1), ("malformed YAML", "line"), id="malformed-yaml"),
        pytest.param("poa-2022.json", '{"entity": "E", "year": 2022,, "date": "2022-01-03"}', ("malformed JSON", "line"), id="malformed-json"),
        pytest.param(None, None, ("no such file",), id="missing-file"),
    ],
)
def test_unreadable_approval_file_of_poa_approve(demo, prepared, name, text, needles):
    path = write(demo, name, text) if name else "no-existe.yaml"
    result = demo("approve", path, "--plan", "NEW-2022")
    assert_refused(result, path, *needles)
    assert_nothing_stored(demo, prepared)


def test_new_plan_whose_last_entry_is_bad_is_not_created(demo, prepared):
    text = new_plan_batch(
        APPROVAL,
        "progress: {code: 1.1.1.1, percent: 10, date: 2022-03-31}",
        "progress: {code: 1.1.1.1, percent: 110, date: 2022-06-30}",
    )
    result = demo("apply", write(demo, "nuevo.yaml", text))
    assert_refused(result, "nuevo.yaml", "entry 3", "'percent'")
    assert_nothing_stored(demo, prepared)
    assert demo.json("plans") == demo.json("plans", "--store", str(prepared.db))


def test_plan_approved_twice_in_one_batch(demo, prepared):
    text = new_plan_batch(APPROVAL, "approve: {entity: E, year: 2022, date: 2022-01-05, reference: R2, strategic_actions: [{code: '9', title: X}]}")
    result = demo("apply", write(demo, "doble.yaml", text))
    assert_refused(result, "doble.yaml", "entry 2", "already approved", "NEW-2022")
    assert_nothing_stored(demo, prepared)


# -- batches as a whole: files, formats, plans ----------------------------------------


def test_bad_entry_in_the_last_file_stores_nothing_of_the_earlier_files(demo, prepared):
    first = write(demo, "primero.yaml", batch(*GOOD_ENTRIES))
    second = write(demo, "segundo.json", yaml_to_json(batch(GOOD_ENTRIES[0].replace("2021-10-01", "2021-10-02"), "progress: {code: 1.1.1.1.2, percent: 101, date: 2021-10-02}")))
    result = demo("apply", first, second)
    assert_refused(result, "segundo.json", "entry 2", "'percent'")
    assert "primero.yaml" not in result.stderr
    assert_nothing_stored(demo, prepared)


def test_missing_second_file_stores_nothing_of_the_first(demo, prepared):
    result = demo("apply", write(demo, "primero.yaml", batch(*GOOD_ENTRIES)), "no-existe.yaml")
    assert_refused(result, "no-existe.yaml", "no such file")
    assert_nothing_stored(demo, prepared)


# (id, file name or "-" for stdin, text, what the message must name besides the source)
MALFORMED_BATCHES = [
    ("yaml-unclosed-mapping", "lote.yaml", batch(*GOOD_ENTRIES) + "  - progress: {code: 1.1.1.1.2, percent: 70\n", ("malformed YAML", "line")),
    ("yaml-bad-indentation", "lote.yaml", batch(*GOOD_ENTRIES) + "   - progress: {code: 1.1.1.1.2}\n  bad: [\n", ("malformed YAML", "line")),
    ("json-trailing-comma", "lote.json", yaml_to_json(batch(*GOOD_ENTRIES))[:-2] + ",]}", ("malformed JSON", "line")),
    ("json-truncated", "lote.json", yaml_to_json(batch(*GOOD_ENTRIES))[:-5], ("malformed JSON", "line")),
    ("json-on-stdin", "-", yaml_to_json(batch(*GOOD_ENTRIES)).replace(":", "=", 1), ("malformed JSON", "line")),
    ("yaml-on-stdin", "-", batch(*GOOD_ENTRIES) + "  - [unclosed\n", ("malformed YAML", "line")),
    ("misspelt-entries-key", "lote.yaml", batch(*GOOD_ENTRIES).replace("entries:", "entires:"), ("'entires'",)),
    ("no-entries", "lote.yaml", "plan: DEMO-2021\nentries: []\n", ("'entries'",)),
    ("not-a-mapping", "lote.yaml", "- " + GOOD_ENTRIES[0] + "\n", ("'entries'",)),
    ("entry-with-two-kinds", "lote.yaml", batch(*GOOD_ENTRIES, "{result: {code: 1.1.2, date: 2021-10-01, text: t}, justify: {code: 1.1.2, date: 2021-10-01, text: t}}"), ("entry 3",)),
]


@pytest.mark.parametrize("name, text, needles", [pytest.param(n, t, e, id=i) for i, n, t, e in MALFORMED_BATCHES])
def test_malformed_batch_is_refused(demo, prepared, name, text, needles):
    if name == "-":
        result, source = demo("apply", "-", input=text), "<stdin>"
    else:
        result, source = demo("apply", write(demo, name, text)), name
    assert_refused(result, source, *needles)
    assert_nothing_stored(demo, prepared)


def test_batch_for_an_unknown_plan(demo, prepared):
    result = demo("apply", write(demo, "lote.yaml", batch(*GOOD_ENTRIES, plan="NOPE")))
    assert_refused(result, "lote.yaml", "entry 1", "NOPE", "plan")
    assert_nothing_stored(demo, prepared)


def test_apply_with_an_unknown_plan_option(demo, prepared):
    result = demo("apply", write(demo, "lote.yaml", batch(*GOOD_ENTRIES, plan=None)), "--plan", "NOPE")
    assert_refused(result, "lote.yaml", "entry 1", "NOPE", "plan")
    assert_nothing_stored(demo, prepared)


# -- per-kind commands ------------------------------------------------------------------

PROGRESS = ["progress", "--code", "1.1.1.1.2", "--percent", "70", "--date", "2021-10-01"]
EXECUTION = ["execution", "--code", "1.1.2.1", "--amount", "1000", "--date", "2021-10-01"]
BUDGET = ["budget", "--code", "1.2.1.1", "--source", "Otros", "--amount", "-100", "--date", "2021-10-01", "--reference", "R", "--reason", "r"]
RESULT = ["result", "--code", "1.1.2", "--date", "2021-10-01", "--text", "t"]
JUSTIFY = ["justify", "--code", "1.2.1", "--date", "2021-10-01", "--text", "t"]
REFORMULATE = ["reformulate", "--date", "2021-10-05", "--reference", "R", "--reason", "r"]


def with_option(command: list[str], option: str, value: str) -> list[str]:
    """The command with one option's value replaced."""
    i = command.index(option)
    return [*command[: i + 1], value, *command[i + 2 :]]


# (id, arguments, what the message must name)
COMMAND_CASES = [
    ("progress-percent-above-100", with_option(PROGRESS, "--percent", "100.5"), "option --percent"),
    ("progress-percent-negative", with_option(PROGRESS, "--percent", "-1"), "option --percent"),
    ("progress-percent-not-a-number", with_option(PROGRESS, "--percent", "setenta"), "option --percent"),
    ("progress-percent-3-decimals", with_option(PROGRESS, "--percent", "70.001"), "option --percent"),
    ("progress-impossible-date", with_option(PROGRESS, "--date", "2021-02-30"), "option --date"),
    ("progress-date-after-year", with_option(PROGRESS, "--date", "2022-01-01"), "option --date"),
    ("progress-unknown-code", with_option(PROGRESS, "--code", "9.9.9"), "option --code"),
    ("progress-cancelled-code", with_option(with_option(PROGRESS, "--code", "1.1.1.2"), "--date", "2021-10-20"), "option --code"),
    ("progress-unknown-plan", [*PROGRESS, "--plan", "NOPE"], "option --plan"),
    ("execution-negative", with_option(EXECUTION, "--amount", "-1"), "option --amount"),
    ("execution-not-a-number", with_option(EXECUTION, "--amount", "1,000"), "option --amount"),
    ("execution-3-decimals", with_option(EXECUTION, "--amount", "10.001"), "option --amount"),
    ("execution-impossible-date", with_option(EXECUTION, "--date", "2021-11-31"), "option --date"),
    ("execution-date-before-year", with_option(EXECUTION, "--date", "2020-12-31"), "option --date"),
    ("execution-unknown-code", with_option(EXECUTION, "--code", "9.9.9"), "option --code"),
    ("budget-not-a-number", with_option(BUDGET, "--amount", "mil"), "option --amount"),
    ("budget-3-decimals", with_option(BUDGET, "--amount", "-1.001"), "option --amount"),
    ("budget-impossible-date", with_option(BUDGET, "--date", "2021-02-29"), "option --date"),
    ("budget-date-after-year", with_option(BUDGET, "--date", "2022-02-01"), "option --date"),
    ("budget-unknown-code", with_option(BUDGET, "--code", "9.9.9"), "option --code"),
    ("budget-makes-current-negative", with_option(BUDGET, "--amount", "-65000.01"), "option --amount"),
    ("budget-backdated-before-transfer",
     with_option(with_option(with_option(BUDGET, "--code", "1.1.1.2"), "--amount", "-25000"), "--date", "2021-07-01"),
     ("option --amount", "option --date")),
    ("result-unknown-code", with_option(RESULT, "--code", "9.9.9"), "option --code"),
    ("result-impossible-date", with_option(RESULT, "--date", "2021-09-31"), "option --date"),
    ("justify-unknown-code", with_option(JUSTIFY, "--code", "9.9.9"), "option --code"),
    ("justify-date-after-year", with_option(JUSTIFY, "--date", "2022-01-10"), "option --date"),
    ("reformulate-impossible-date", [*with_option(REFORMULATE, "--date", "2021-02-30"), "--update", "{code: 1.1.2, weight: 30}"], "option --date"),
    ("reformulate-date-after-year", [*with_option(REFORMULATE, "--date", "2022-02-01"), "--update", "{code: 1.1.2, weight: 30}"], "option --date"),
    ("reformulate-add-duplicate-code", [*REFORMULATE, "--add", "{kind: operation, code: 1.1.1.1, parent: 1.1.1, title: X}"], "option --add"),
    ("reformulate-add-wrong-parent-kind", [*REFORMULATE, "--add", "{kind: operation, code: 1.1.9, parent: '1.1', title: X}"], "option --add"),
    ("reformulate-add-misspelt-field", [*REFORMULATE, "--add", "{kind: operation, code: 1.1.2.3, parent: 1.1.2, titel: X}"], "option --add"),
    ("reformulate-add-misspelt-kind", [*REFORMULATE, "--add", "{kind: operacion, code: 1.1.2.3, parent: 1.1.2, title: X}"], "option --add"),
    ("reformulate-add-negative-budget", [*REFORMULATE, "--add", "{kind: operation, code: 1.1.2.3, parent: 1.1.2, title: X, budget: {TGN: -5}}"], "option --add"),
    ("reformulate-update-schedule-goes-down", [*REFORMULATE, "--update", "{code: 1.1.2, schedule: [25, 20, 75, 100]}"], "option --update"),
    ("reformulate-update-schedule-not-ending-at-100", [*REFORMULATE, "--update", "{code: 1.1.2, schedule: [25, 50, 75, 99]}"], "option --update"),
    ("reformulate-update-negative-weight", [*REFORMULATE, "--update", "{code: 1.1.2, weight: -1}"], "option --update"),
    ("reformulate-update-unknown-code", [*REFORMULATE, "--update", "{code: 9.9.9, weight: 1}"], "option --update"),
    ("reformulate-cancel-unknown-code", [*REFORMULATE, "--cancel", "9.9.9"], "option --cancel"),
    ("reformulate-cancel-cancelled-code", [*with_option(REFORMULATE, "--date", "2021-11-01"), "--cancel", "1.1.1.2"], "option --cancel"),
    ("reformulate-cancel-backdated-before-progress", [*with_option(REFORMULATE, "--date", "2021-06-01"), "--cancel", "1.2.1.1"], "option --cancel"),
    ("reformulate-budget-makes-current-negative", [*REFORMULATE, "--budget", "{code: 1.2.1.1, source: Otros, amount: -65000.01}"], "option --budget"),
    ("reformulate-budget-3-decimals", [*REFORMULATE, "--budget", "{code: 1.2.1.1, source: Otros, amount: -1.001}"], "option --budget"),
    ("reformulate-budget-malformed", [*REFORMULATE, "--budget", "{code: 1.2.1.1, source: Otros, amount: -1"], "option --budget"),
    ("reformulate-unknown-plan", [*REFORMULATE, "--update", "{code: 1.1.2, weight: 30}", "--plan", "NOPE"], "option --plan"),
]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(PROGRESS, id="progress"),
        pytest.param(EXECUTION, id="execution"),
        pytest.param(BUDGET, id="budget"),
        pytest.param(RESULT, id="result"),
        pytest.param(JUSTIFY, id="justify"),
        pytest.param([*REFORMULATE, "--update", "{code: 1.1.2, weight: 30}"], id="reformulate"),
    ],
)
def test_the_commands_the_bad_cases_vary_are_accepted(demo, prepared, args):
    result = demo(*args)
    assert result.returncode == 0, result.stderr
    assert len(history_now(demo.store)) == len(prepared.history) + 1


@pytest.mark.parametrize("args, option", [pytest.param(a, o, id=i) for i, a, o in COMMAND_CASES])
def test_bad_option_of_a_per_kind_command(demo, prepared, args, option):
    result = demo(*args)
    assert_refused(result, option)
    assert_nothing_stored(demo, prepared)


@pytest.mark.parametrize(
    "args, misspelt",
    [
        pytest.param([*PROGRESS, "--percnt", "5"], "--percnt", id="progress"),
        pytest.param([*EXECUTION, "--fuente", "TGN"], "--fuente", id="execution"),
        pytest.param([*REFORMULATE, "--anadir", "{}"], "--anadir", id="reformulate"),
    ],
)
def test_misspelt_option_is_refused(demo, prepared, args, misspelt):
    result = demo(*args)
    assert_refused(result, misspelt, usage=True)
    assert_nothing_stored(demo, prepared)


CHANGES_WITH_A_BAD_SECOND_CHANGE = """\
- update: {code: 1.1.2, weight: 30}
- add: {kind: task, code: 1.1.2.1.9, parent: 1.1.2, title: "Tarea mal colgada"}
"""


@pytest.mark.parametrize(
    "name, text, needles",
    [
        pytest.param("cambios.yaml", CHANGES_WITH_A_BAD_SECOND_CHANGE, (("changes[2]", "change 2", "entry 2"), "parent"), id="wrong-parent-in-yaml"),
        pytest.param("cambios.json", yaml_to_json(CHANGES_WITH_A_BAD_SECOND_CHANGE), (("changes[2]", "change 2", "entry 2"), "parent"), id="wrong-parent-in-json"),
        pytest.param("cambios.yaml", "- update: {code: 1.1.2, schedule: [25, 20, 75, 100]}\n", (("changes[1]", "change 1", "entry 1"), "schedule"), id="schedule-goes-down"),
        pytest.param("cambios.yaml", "- update: {code: 1.1.2, weight: 30}\n- cancel: {code: 1.2.1.1\n", ("malformed YAML", "line"), id="malformed-yaml"),
        pytest.param("cambios.json", '[{"update": {"code": "1.1.2", "weight": 30}}', ("malformed JSON", "line"), id="malformed-json"),
        pytest.param(None, None, ("no such file",), id="missing-file"),
    ],
)
def test_bad_changes_file_of_poa_reformulate(demo, prepared, name, text, needles):
    path = write(demo, name, text) if name else "no-existe.yaml"
    result = demo(*REFORMULATE, "--changes", path)
    assert_refused(result, path, *needles)
    assert_nothing_stored(demo, prepared)


# -- reports ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, option",
    [
        pytest.param(["--as-of", "2021-02-30"], "option --as-of", id="as-of-impossible"),
        pytest.param(["--as-of", "30/09/2021"], "option --as-of", id="as-of-not-iso"),
        pytest.param(["--as-of", "ayer"], "option --as-of", id="as-of-text"),
        pytest.param(["--known-at", "2021-02-30"], "option --known-at", id="known-at-impossible-date"),
        pytest.param(["--known-at", "2021-09-30T25:00:00"], "option --known-at", id="known-at-impossible-hour"),
        pytest.param(["--known-at", "ayer"], "option --known-at", id="known-at-text"),
        pytest.param(["--plan", "NOPE"], "option --plan", id="unknown-plan"),
    ],
)
def test_bad_option_of_poa_report(demo, args, option):
    assert_refused(demo("report", *args), option)


def test_history_of_an_unknown_plan(demo):
    assert_refused(demo("history", "--plan", "NOPE"), "option --plan")


# -- stores -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["apply", "lote.yaml"], id="apply"),
        pytest.param(PROGRESS, id="progress"),
        pytest.param(["report"], id="report"),
        pytest.param(["history"], id="history"),
    ],
)
def test_store_that_is_a_text_file(poa, args):
    write(poa, "lote.yaml", batch(*GOOD_ENTRIES))
    poa.store.write_text("esto no es un ledger\n", encoding="utf-8")
    result = poa(*args)
    assert_refused(result, str(poa.store), "not a POA ledger")
    assert poa.store.read_text(encoding="utf-8") == "esto no es un ledger\n"


@pytest.mark.parametrize("command", ["report", "history", "plans"])
def test_reading_a_store_that_does_not_exist(poa, command):
    result = poa(command)
    assert_refused(result, str(poa.store), "no such store")
    assert not poa.store.exists()


@pytest.mark.parametrize("args", [pytest.param(["apply", "lote.yaml"], id="apply"), pytest.param(["report"], id="report")])
def test_store_that_is_another_sqlite_database(poa, args):
    """A SQLite file that is not a ledger is refused as such and left untouched."""
    write(poa, "lote.yaml", batch(*GOOD_ENTRIES))
    with sqlite3.connect(poa.store) as connection:
        connection.execute("CREATE TABLE facturas (numero INTEGER, monto TEXT)")
    schema_before = sqlite3.connect(poa.store).execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
    result = poa(*args)
    schema_after = sqlite3.connect(poa.store).execute("SELECT name FROM sqlite_master ORDER BY name").fetchall()
    assert schema_after == schema_before, f"the foreign database was changed\n--- stderr ---\n{result.stderr}"
    assert_refused(result, str(poa.store), "not a POA ledger")
