"""The application layer (adapters/use_cases.py) on the library's in-memory store.

Every use-case runs on the real `Ledger` and recorder (`memory_ledger()`,
adapters/memory_store.py): no file, no SQLite, no process.

The plan is `base_approval()` (tests/support/builders.py) with one batch of records
(`RECORDS`). Its figures as of 2021-06-30 are computed by hand below from the rules
of docs/design.md, "Reading: the evaluation", never copied from the program's output.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from poa.adapters import use_cases as uc
from poa.adapters.use_cases import Refusal
from poa.domain.catalogue import Rule
from poa.projections.issued import View

from support.builders import (
    FAR, UTC, base_approval, commands, execution, memory_ledger, progress, record, reformulate, shown,
)

PLAN = "T-2021"
Q1, Q2 = "2021-03-31", "2021-06-30"
RECORDS = (
    progress("1.1.1.1", 40, Q1),  # task, weight 1
    progress("1.1.1.2", 80, Q1),  # task, weight 3
    progress("1.1.2", 60, Q1),  # operation, weight 1
    progress("1.2.1", 50, Q1),  # operation, weight 1 (default)
    execution("1.1.1", 60, Q1, "TGN"),
    execution("1.2.1", 100, Q1),  # no source: a source key of its own
)

# -- the figures as of 2021-06-30, by hand ------------------------------------------------
# Progress of an element without a record of its own: the weighted mean of its active children.
OP_111 = (1 * Decimal(40) + 3 * Decimal(80)) / (1 + 3)  # tasks 1.1.1.1, 1.1.1.2 -> 70
ACP_11 = (2 * OP_111 + 1 * Decimal(60)) / (2 + 1)  # ops 1.1.1 (w 2), 1.1.2 (w 1) -> 200/3
ACP_12 = Decimal(50)  # op 1.2.1, its only child
ACP_21 = Decimal(0)  # op 2.1.1: no record, no children -> 0
# Strategic action and plan: weighted mean over the active short-term actions (weights 50, 30, 20).
SA_1 = (50 * ACP_11 + 30 * ACP_12) / (50 + 30)
PLAN_PROGRESS = (50 * ACP_11 + 30 * ACP_12 + 20 * ACP_21) / 100
# Programmed: the schedule's value for the quarter ends passed (31 Mar, 30 Jun: 2).
PROG_11, PROG_12, PROG_21 = Decimal(40), Decimal(50), Decimal(50)  # 10/40/70/100; default 25/50/75/100
PLAN_PROGRAMMED = (50 * PROG_11 + 30 * PROG_12 + 20 * PROG_21) / 100
# Budget: current = approved lines; executed = the latest record per source key, else Σ operations.
CURRENT = Decimal(100 + 50 + 30 + 200 + 80)
EXECUTED = Decimal(60 + 100)  # ACP 1.1: Σ its ops (60); ACP 1.2: 100; ACP 2.1: 0


@pytest.fixture
def ledger():
    """The plan approved (one batch), then `RECORDS` (a second batch)."""
    ledger = memory_ledger()
    record(ledger, PLAN, base_approval())
    record(ledger, PLAN, *RECORDS)
    return ledger


# -- record_batch ------------------------------------------------------------------------


def test_a_batch_is_stored_whole_with_one_recorded_time(ledger):
    history = ledger.history(PLAN)
    assert [r.seq for r in history] == list(range(1, 8))
    batch = history[1:]
    assert [r.fact.kind for r in batch] == ["progress"] * 4 + ["execution"] * 2
    assert len({r.recorded_at for r in batch}) == 1  # one stamp per transaction, as on SQLite
    assert len({r.batch for r in batch}) == 1 and batch[0].batch != history[0].batch


def test_a_refused_batch_stores_nothing_and_names_the_entry_and_field(ledger):
    good, bad = progress("1.1.2", 70, Q2), progress("1.2.1", 20, "2020-12-01")  # outside the year
    with pytest.raises(Refusal) as refused:
        uc.record_batch(ledger, commands(PLAN, good, bad))
    assert refused.value.where == "test: entry 2 (progress)"
    assert refused.value.message.startswith("field 'date': 2020-12-01 is outside the plan's year 2021")
    assert len(ledger.history(PLAN)) == 7  # the good entry was not stored either


def test_the_same_batch_twice_is_refused_unless_again(ledger):
    batch = commands(PLAN, progress("1.1.2", 70, Q2), progress("1.2.1", 55, Q2))
    [first] = uc.record_batch(ledger, batch)
    assert (first.plan, first.entries, first.seq) == (PLAN, 2, 9)
    recorded_at = ledger.history(PLAN)[-1].recorded_at
    with pytest.raises(Refusal) as refused:
        uc.record_batch(ledger, batch)
    assert f"already recorded in plan {PLAN} at {recorded_at.isoformat()} by tester (seq 8-9)" in refused.value.message
    assert len(ledger.history(PLAN)) == 9
    [again] = uc.record_batch(ledger, batch, again=True)
    assert again.seq == 11


# -- report --------------------------------------------------------------------------------


def test_report_figures_computed_by_hand(ledger):
    report = uc.report(ledger, PLAN, as_of=Q2)
    e = report.evaluation
    assert (report.plan, report.format, report.issued, e.as_of) == (PLAN, "table", None, date(2021, 6, 30))
    s = e.summary
    assert (s.strategic_actions, s.short_term_actions, s.operations, s.tasks) == (2, 3, 4, 2)
    assert s.weights_total == 100
    assert shown(s.physical_progress_pct) == shown(PLAN_PROGRESS) == "48.33"
    assert shown(s.programmed_pct) == shown(PLAN_PROGRAMMED) == "45.00"
    assert shown(s.deviation_pts) == shown(PLAN_PROGRAMMED - PLAN_PROGRESS) == "-3.33"
    assert (s.budget_current, s.budget_executed) == (CURRENT, EXECUTED)
    assert shown(s.budget_execution_pct) == shown(EXECUTED / CURRENT * 100) == "34.78"
    assert e.element("1.1.1").progress_pct == OP_111 == 70
    assert shown(e.element("1.1").progress_pct) == shown(ACP_11) == "66.67"
    assert e.element("1.1").budget_executed == 60 and e.element("1.1").budget_current == 180
    assert shown(e.element("1.1").deviation_pts) == shown(PROG_11 - ACP_11) == "-26.67"
    assert e.element("1.2").progress_pct == ACP_12 and e.element("2.1").progress_pct == ACP_21
    assert shown(e.element("1").progress_pct) == shown(SA_1) == "60.42"


def test_report_default_view_is_the_end_of_the_plan_year_as_known_now(ledger):
    before = datetime.now(UTC)
    e = uc.report(ledger, PLAN).evaluation
    assert e.as_of == date(2021, 12, 31)  # today, clamped to the plan's year
    assert before <= e.known_at <= datetime.now(UTC)
    assert e.known_at >= ledger.history(PLAN)[-1].recorded_at
    assert e.summary.programmed_pct == 100  # four quarter ends passed: every schedule ends at 100
    assert e.summary.physical_progress_pct == PLAN_PROGRESS


def test_report_before_the_approval_is_refused_naming_the_parameter(ledger):
    with pytest.raises(Refusal) as refused:
        uc.report(ledger, PLAN, as_of="2021-01-03")
    assert refused.value.param == "as_of"
    assert refused.value.message.startswith(f"plan {PLAN} is not in force at 2021-01-03")
    approved_at = ledger.history(PLAN)[0].recorded_at
    with pytest.raises(Refusal) as refused:
        uc.report(ledger, PLAN, as_of=Q2, known_at=approved_at.replace(year=2020))
    assert refused.value.param == "known_at"


def test_issue_and_reproduce_a_report(ledger):
    issued = uc.issue_report(ledger, PLAN, "INF-1", as_of=Q2, format="json", actor="auditor")
    fact = ledger.history(PLAN)[-1]
    assert (fact.fact.kind, fact.fact.reference, fact.actor) == ("issue", "INF-1", "auditor")
    assert issued.evaluation.known_at == fact.fact.known_at < fact.recorded_at and issued.format == "json"
    record(ledger, PLAN, progress("2.1.1", 90, Q1))  # recorded later, dated within the view
    reproduced = uc.reproduce_report(ledger, PLAN, "INF-1")
    assert reproduced.format == "json" and reproduced.issued == issued.issued
    assert reproduced.evaluation == issued.evaluation  # the same view: the later record is not known there
    assert reproduced.evaluation.summary.physical_progress_pct == PLAN_PROGRESS
    assert uc.report(ledger, PLAN, as_of=Q2).evaluation.summary.physical_progress_pct != PLAN_PROGRESS
    assert [r.fact.reference for r in uc.issued_reports(ledger, PLAN).records] == ["INF-1"]


# -- explain, diff, reconcile ----------------------------------------------------------------


def test_explain_gives_the_rule_and_value_of_a_figure(ledger):
    provenance = uc.explain(ledger, PLAN, "1.1", as_of=Q2)
    progress_pct = provenance.figure("progress_pct")
    assert progress_pct.rule == Rule.WEIGHTED_MEAN_OF_CHILDREN and progress_pct.value == ACP_11
    assert [(p.code, p.weight, p.value) for p in progress_pct.parts] == [("1.1.1", 2, OP_111), ("1.1.2", 1, 60)]
    executed = provenance.figure("budget_executed")
    assert executed.rule == Rule.SUM_OVER_OPERATIONS and executed.value == 60
    with pytest.raises(Refusal) as refused:
        uc.explain(ledger, PLAN, "9.9", as_of=Q2)
    assert refused.value.param == "code"


def test_diff_names_the_figure_and_the_event_responsible(ledger):
    before = datetime.now(UTC)
    record(ledger, PLAN, progress("1.1.2", 90, Q2))
    changed = ledger.history(PLAN)[-1]
    comparison = uc.diff(ledger, PLAN, View(date(2021, 6, 30), before), f"{Q2}@{FAR.isoformat()}")
    [element] = [e for e in comparison.elements if e.code == "1.1.2"]
    [figure] = [f for f in element.figures if f.figure == "progress_pct"]
    assert (figure.before, figure.after) == (60, 90)
    assert [r.recorded.seq for r in figure.events] == [changed.seq]
    # ACP 1.1 moves with it: (2·70 + 1·90) / 3
    [acp] = [f for e in comparison.elements if e.code == "1.1" for f in e.figures if f.figure == "progress_pct"]
    assert acp.after == (2 * OP_111 + 90) / 3


def test_reconcile_lists_a_declared_figure_that_differs(ledger):
    declared = {"physical_progress_pct": "48.33", "budget_executed": "150"}  # the ledger computes 160
    record(ledger, PLAN, {"publish": {"reference": "INF-Q2", "issued": "2021-07-10", "date": Q2, "declared": declared}})
    result = uc.reconcile(ledger, PLAN)
    assert result.reports == 1
    [difference] = result.differences
    assert (difference.reference, difference.code, difference.figure) == ("INF-Q2", None, "budget_executed")
    assert (difference.declared, difference.computed, difference.difference) == (150, EXECUTED, 10)


# -- history, plans ------------------------------------------------------------------------


def test_history_with_filters(ledger):
    record(ledger, PLAN, reformulate("2021-05-03", {"update": {"code": "1.2", "weight": 35}}), actor="planner")
    executions = uc.history(ledger, PLAN, kinds=["execution"]).records
    assert [(r.seq, r.fact.code) for r in executions] == [(6, "1.1.1"), (7, "1.2.1")]
    under_11 = uc.history(ledger, PLAN, code="1.1.1", descendants=True, kinds=["progress"]).records
    assert [r.fact.code for r in under_11] == ["1.1.1.1", "1.1.1.2"]
    assert [r.seq for r in uc.history(ledger, PLAN, actor="planner").records] == [8]
    with pytest.raises(Refusal) as refused:
        uc.history(ledger, PLAN, code="9.9")
    assert refused.value.param == "code"


def test_plans_lists_every_plan_in_approval_order(ledger):
    record(ledger, "OTRO-2022", base_approval(year=2022, date="2022-01-03", entity="Otra entidad"))
    found = uc.plans(ledger)
    assert [(key, approval.fact.entity, approval.seq) for key, approval in found] == [
        (PLAN, "Entidad de Prueba", 1), ("OTRO-2022", "Otra entidad", 1),
    ]
    with pytest.raises(Refusal):  # two plans now: a use-case needs the plan named
        uc.report(ledger)
