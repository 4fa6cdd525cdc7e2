"""The derivation the evaluation fold records for every figure (projections/figures.py, evaluation.py).

Plain histories, no store and no process. Every expected rule, part and figure
is worked out by hand in the comments; none is copied from the program's output.
The last test checks, on random small plans, that explain reads exactly the
fold's derivations: every value is the report's and every rule the derivation's.

The hand-built history (seq follows recorded order):

    SA 1 ─ ACP 1.1 (w 60, schedule 10/40/70/100) ─ op 1.1.1 (w 3, TGN 1000, Otros 500) ─ task 1.1.1.1 (w 1)
         │                                      │                                     └ task 1.1.1.2 (w 2)
         │                                      └ op 1.1.2 (w 1, TGN 400)
         └ ACP 1.2 (w 40 → 30 on 07-01, default schedule) ─ op 1.2.1 (w 1 by default, TGN 2000)
                                                          ├ op 1.2.2 (w 2, Otros 300; cancelled on 07-01)
                                                          └ op 1.2.3 (w 1, Otros 200; added on 07-01)
    SA 2 ─ ACP 2.1 (w 0; cancelled on 08-01) ─ op 2.1.1 (w 0, TGN 100)
                                              └ op 2.1.2 (w 0)

    seq  date   fact
      1  01-04  approve RA 001/2021
      2  03-31  progress 1.1.1.1 = 90
      3  03-31  progress 1.1.1.2 = 30
      4  03-31  progress 1.1.2 = 70
      5  03-31  progress 1.2.1 = 20
      6  06-30  progress 1.2.1 = 50
      7  06-30  progress 1.2.1 = 55            (corrects seq 6)
      8  06-30  progress 2.1.1 = 40
      9  06-30  progress 2.1.2 = 80
     10  03-31  execution 1.1.1 TGN 300
     11  06-30  execution 1.1.1 TGN 600
     12  06-30  execution 1.1.1 Otros 100
     13  06-30  execution 1.1.1 Otros 150      (corrects seq 12)
     14  06-30  execution 1.2 500              (the ACP's own record, no source)
     15  07-01  reformulate RD 1: update 1.2 weight 30; add op 1.2.3; budget line 1.2.1 TGN −500; cancel 1.2.2
     16  07-15  budget 1.1.2 TGN +100
     17  08-01  reformulate RD 2: cancel 2.1
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, localcontext

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poa.adapters.report_json import evaluation_to_dict
from poa.adapters.report_provenance import explanation_to_dict
from poa.domain.catalogue import FIGURE, Action, Role, Rule, Status
from poa.domain.fact_kinds import parse_entry
from poa.domain.facts import Add, BudgetLine, BudgetModification, Cancel, Element, Recorded, Update
from poa.domain.values import FIGURES, quantize
from poa.projections.evaluation import Evaluation, evaluate
from poa.projections.provenance import explain
from support.builders import execution, progress
from support.strategies import AS_OF, order_free_facts, record_all

D = Decimal
UTC = timezone.utc
FAR = datetime(2100, 1, 1, tzinfo=UTC)
KEY = "T-2021"
USED, SUPERSEDED, CORRECTED, EXCLUDED = Role.USED, Role.SUPERSEDED, Role.CORRECTED, Role.EXCLUDED

APPROVAL = {
    "approve": {
        "entity": "Entidad de Prueba",
        "year": 2021,
        "date": "2021-01-04",
        "reference": "RA 001/2021",
        "strategic_actions": [{"code": "1", "title": "AEI uno", "sector_code": "6"}, {"code": "2", "title": "AEI dos"}],
        "short_term_actions": [
            {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": 60, "schedule": [10, 40, 70, 100]},
            {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": 40},
            {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": 0},
        ],
        "operations": [
            {"code": "1.1.1", "parent": "1.1", "title": "Op 1.1.1", "weight": 3, "budget": {"TGN": 1000, "Otros": 500}},
            {"code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "weight": 1, "budget": {"TGN": 400}},
            {"code": "1.2.1", "parent": "1.2", "title": "Op 1.2.1", "budget": {"TGN": 2000}},
            {"code": "1.2.2", "parent": "1.2", "title": "Op 1.2.2", "weight": 2, "budget": {"Otros": 300}},
            {"code": "2.1.1", "parent": "2.1", "title": "Op 2.1.1", "weight": 0, "budget": {"TGN": 100}},
            {"code": "2.1.2", "parent": "2.1", "title": "Op 2.1.2", "weight": 0},
        ],
        "tasks": [
            {"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea 1", "weight": 1},
            {"code": "1.1.1.2", "parent": "1.1.1", "title": "Tarea 2", "weight": 2},
        ],
    }
}


ENTRIES = [
    APPROVAL,
    progress("1.1.1.1", 90, "2021-03-31"),
    progress("1.1.1.2", 30, "2021-03-31"),
    progress("1.1.2", 70, "2021-03-31"),
    progress("1.2.1", 20, "2021-03-31"),
    progress("1.2.1", 50, "2021-06-30"),
    progress("1.2.1", 55, "2021-06-30"),
    progress("2.1.1", 40, "2021-06-30"),
    progress("2.1.2", 80, "2021-06-30"),
    execution("1.1.1", 300, "2021-03-31", "TGN"),
    execution("1.1.1", 600, "2021-06-30", "TGN"),
    execution("1.1.1", 100, "2021-06-30", "Otros"),
    execution("1.1.1", 150, "2021-06-30", "Otros"),
    execution("1.2", 500, "2021-06-30"),
    {"reformulate": {"date": "2021-07-01", "reference": "RD 1", "reason": "ajuste", "changes": [
        {"update": {"code": "1.2", "weight": 30}},
        {"add": {"kind": "operation", "code": "1.2.3", "parent": "1.2", "title": "Op 1.2.3", "weight": 1,
                 "budget": {"Otros": 200}}},
        {"budget": {"code": "1.2.1", "source": "TGN", "amount": -500}},
        {"cancel": {"code": "1.2.2"}},
    ]}},
    {"budget": {"code": "1.1.2", "source": "TGN", "amount": 100, "date": "2021-07-15", "reference": "RA 2",
                "reason": "refuerzo"}},
    {"reformulate": {"date": "2021-08-01", "reference": "RD 2", "reason": "baja", "changes": [{"cancel": {"code": "2.1"}}]}},
]
START = datetime(2021, 1, 5, tzinfo=UTC)
HISTORY = [Recorded(i, START + timedelta(hours=i), "analista", parse_entry(e)) for i, e in enumerate(ENTRIES, 1)]


def ev(as_of: str) -> Evaluation:
    return evaluate(KEY, HISTORY, date.fromisoformat(as_of), FAR)


def exact(expression):
    """A value as the fold computes it: Decimal arithmetic in the figures' context."""
    with localcontext(FIGURES):
        return expression()


def parts(d) -> list[tuple]:
    return [(p.code, p.weight, p.value, p.role) for p in d.parts]


def roles(d) -> list[tuple]:
    return [(r.seq, r.role) for r in d.records]


# -- status and structure in force ------------------------------------------------------------------


def test_status_added_names_the_approval_and_cancelled_names_the_cancellation_in_effect():
    june, sept = ev("2021-06-30"), ev("2021-09-30")
    d = june.derivation("1.2.2", "status")
    assert (d.rule, d.value, dict(d.inputs)) == (Rule.ADDED, Status.ACTIVE, {"added_on": date(2021, 1, 4)})
    assert roles(d) == [(1, USED)] and isinstance(d.records[0].item, Element)
    d = sept.derivation("1.2.2", "status")
    assert (d.rule, d.value) == (Rule.CANCELLED, Status.CANCELLED)
    assert dict(d.inputs) == {"cancelled_on": date(2021, 7, 1), "cancelled_with": "1.2.2"}
    assert roles(d) == [(1, USED), (15, USED)] and isinstance(d.records[1].item, Cancel)
    # op 2.1.1 is cancelled by the cancellation of its ACP 2.1 (seq 17), which names 2.1
    d = sept.derivation("2.1.1", "status")
    assert (d.rule, d.inputs["cancelled_with"], roles(d)) == (Rule.CANCELLED, "2.1", [(1, USED), (17, USED)])
    # an element added by a reformulation: the add is the record
    d = sept.derivation("1.2.3", "status")
    assert roles(d) == [(15, USED)] and isinstance(d.records[0].item, Add)


def test_weight_schedule_title_and_sector_code_name_the_fact_in_force():
    june, sept = ev("2021-06-30"), ev("2021-09-30")
    assert (june.derivation("1.2", "weight").value, roles(june.derivation("1.2", "weight"))) == (D(40), [(1, USED)])
    d = sept.derivation("1.2", "weight")
    # updated to 30 by RD 1 (seq 15); the approval's 40 is no longer in force
    assert (d.rule, d.value, roles(d)) == (Rule.STRUCTURE_IN_FORCE, D(30), [(15, USED)])
    assert isinstance(d.records[0].item, Update) and d.records[0].item.weight == D(30)
    d = sept.derivation("1.1", "schedule")
    assert (d.rule, d.value, roles(d)) == (Rule.STRUCTURE_IN_FORCE, (D(10), D(40), D(70), D(100)), [(1, USED)])
    assert sept.derivation("1", "sector_code").value == "6"
    assert (sept.derivation("1.1.1", "title").value, roles(sept.derivation("1.1.1", "title"))) == ("Op 1.1.1", [(1, USED)])


def test_strategic_action_weight_is_the_sum_of_its_active_acps_and_references_their_derivations():
    sept = ev("2021-09-30")
    d = sept.derivation("1", "weight")
    # 60 + 30 (1.2 updated on 07-01) = 90
    assert (d.rule, d.value) == (Rule.SUM_OF_ACTIVE_WEIGHTS, D(90))
    assert parts(d) == [("1.1", D(60), D(60), USED), ("1.2", D(30), D(30), USED)]
    assert d.parts[1].derivation is sept.derivation("1.2", "weight")
    # SA 2: ACP 2.1 (w 0) is cancelled on 08-01: excluded, the sum is 0
    d = sept.derivation("2", "weight")
    assert (d.value, parts(d)) == (D(0), [("2.1", D(0), D(0), EXCLUDED)])


# -- progress -----------------------------------------------------------------------------------------


def test_direct_record_ranks_every_visible_record():
    d = ev("2021-06-30").derivation("1.2.1", "progress_pct")
    # 55 (seq 7, 30 Jun) corrects 50 (seq 6, same date, recorded earlier); 20 (seq 5, 31 Mar) is an earlier cut-off
    assert (d.rule, d.value, d.parts) == (Rule.DIRECT_RECORD, D(55), ())
    assert roles(d) == [(5, SUPERSEDED), (6, CORRECTED), (7, USED)]
    assert [r.item.percent for r in d.records] == [D(20), D(50), D(55)]
    # before 30 Jun only seq 5 is visible
    assert roles(ev("2021-06-29").derivation("1.2.1", "progress_pct")) == [(5, USED)]


def test_weighted_mean_of_children_names_each_child_and_references_its_derivation():
    june = ev("2021-06-30")
    d = june.derivation("1.1.1", "progress_pct")
    # (1·90 + 2·30) / (1 + 2) = 150 / 3 = 50
    assert (d.rule, d.value, dict(d.inputs)) == (Rule.WEIGHTED_MEAN_OF_CHILDREN, D(50), {"weights_total": D(3)})
    assert parts(d) == [("1.1.1.1", D(1), D(90), USED), ("1.1.1.2", D(2), D(30), USED)]
    assert d.parts[0].derivation is june.derivation("1.1.1.1", "progress_pct")
    d = june.derivation("1.1", "progress_pct")
    # (3·50 + 1·70) / 4 = 220 / 4 = 55; the operation's own derivation is referenced, not copied
    assert (d.rule, d.value, d.inputs["weights_total"]) == (Rule.WEIGHTED_MEAN_OF_CHILDREN, D(55), D(4))
    assert d.parts[0].derivation is june.derivation("1.1.1", "progress_pct")
    assert d.records == ()


def test_plain_mean_when_the_children_weigh_zero_and_default_zero_without_anything():
    june = ev("2021-06-30")
    d = june.derivation("2.1", "progress_pct")
    # ops 2.1.1 (w 0, 40) and 2.1.2 (w 0, 80): Σ w = 0 → plain mean (40 + 80) / 2 = 60
    assert (d.rule, d.value, d.inputs["weights_total"]) == (Rule.PLAIN_MEAN_OF_CHILDREN, D(60), D(0))
    d = june.derivation("1.2.2", "progress_pct")
    assert (d.rule, d.value, d.parts, d.records) == (Rule.DEFAULT_ZERO, D(0), (), ())


def test_a_cancelled_child_is_excluded_and_without_active_children_the_figure_is_zero():
    sept = ev("2021-09-30")
    d = sept.derivation("1.2", "progress_pct")
    # 1.2.1 = 55 (w 1), 1.2.2 cancelled, 1.2.3 added without record = 0 (w 1): (55 + 0) / 2 = 27.5
    assert (d.rule, d.value) == (Rule.WEIGHTED_MEAN_OF_CHILDREN, D("27.5"))
    assert parts(d) == [("1.2.1", D(1), D(55), USED), ("1.2.2", D(2), D(0), EXCLUDED), ("1.2.3", D(1), D(0), USED)]
    assert d.parts[1].derivation is None  # its value plays no part
    # ACP 2.1 and both its operations are cancelled: no active child → 0, both children excluded
    d = sept.derivation("2.1", "progress_pct")
    assert (d.rule, d.value) == (Rule.DEFAULT_ZERO, D(0))
    assert [(p.code, p.role) for p in d.parts] == [("2.1.1", EXCLUDED), ("2.1.2", EXCLUDED)]


def test_strategic_action_and_plan_progress_are_weighted_means_of_short_term_actions():
    june, sept = ev("2021-06-30"), ev("2021-09-30")
    d = june.derivation("1", "progress_pct")
    # 1.2 in June: (1·55 + 2·0) / 3 = 55/3; SA 1 = (60·55 + 40·55/3) / 100 = 40.33…
    expected = exact(lambda: (D(60) * D(55) + D(40) * (D(55) / D(3))) / D(100))
    assert (d.rule, d.value, d.inputs["weights_total"]) == (Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS, expected, D(100))
    assert quantize(d.value) == D("40.33")
    # SA 2: its only ACP weighs 0 → 0
    d = june.derivation("2", "progress_pct")
    assert (d.rule, d.value, d.inputs["weights_total"]) == (Rule.ZERO_WEIGHTS_TOTAL, D(0), D(0))
    # the plan in September: 1.1 (w 60, 55) and 1.2 (w 30, 27.5); 2.1 cancelled → (3300 + 825) / 90 = 45.83…
    d = sept.derivation(None, "physical_progress_pct")
    assert d.rule == Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS
    assert d.value == exact(lambda: (D(60) * D(55) + D(30) * D("27.5")) / D(90))
    assert [(p.code, p.role) for p in d.parts] == [("1.1", USED), ("1.2", USED), ("2.1", EXCLUDED)]
    assert sept.summary.physical_progress_pct == d.value


def test_programmed_is_the_schedule_value_and_deviation_the_difference():
    june = ev("2021-06-30")
    d = june.derivation("1.1", "programmed_pct")
    # 31 Mar and 30 Jun passed: the 2nd value of 10/40/70/100
    assert (d.rule, d.value) == (Rule.SCHEDULE, D(40))
    assert dict(d.inputs) == {"schedule": (D(10), D(40), D(70), D(100)), "quarter_ends_passed": (date(2021, 3, 31), date(2021, 6, 30))}
    assert roles(d) == [(1, USED)]
    assert ev("2021-03-30").derivation("1.1", "programmed_pct").value == 0
    d = june.derivation("1.1", "deviation_pts")
    # 40 − 55 = −15
    assert (d.rule, d.value, dict(d.inputs)) == (Rule.PROGRAMMED_MINUS_PROGRESS, D(-15), {"programmed": D(40), "progress": D(55)})
    d = june.derivation("1", "programmed_pct")
    # 1.1 → 40, 1.2 → default 50: (60·40 + 40·50) / 100 = 44
    assert (d.rule, d.value) == (Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS, D(44))
    assert [p.derivation.rule for p in d.parts] == [Rule.SCHEDULE, Rule.SCHEDULE]


# -- budget ---------------------------------------------------------------------------------------------


def test_current_budget_by_source_records_every_line_in_force():
    june, sept = ev("2021-06-30"), ev("2021-09-30")
    d = june.derivation("1.1", "budget", "TGN")
    # 1000 (1.1.1) + 400 (1.1.2), both approved
    assert (d.rule, d.value, roles(d)) == (Rule.SUM_OF_BUDGET_LINES, D(1400), [(1, USED), (1, USED)])
    assert sorted(r.item.code for r in d.records) == ["1.1.1", "1.1.2"]
    # September: + 100 on 1.1.2 (seq 16) = 1500
    d = sept.derivation("1.1", "budget", "TGN")
    assert d.value == D(1500) and isinstance(d.records[-1].item, BudgetModification)
    # ACP 1.2 TGN: 2000 − 500 (a line of RD 1); Otros: 300 (1.2.2, cancelled but kept) + 200 (1.2.3 added) = 500
    d = sept.derivation("1.2", "budget", "TGN")
    assert (d.value, [type(r.item) for r in d.records]) == (D(1500), [Element, BudgetLine])
    d = sept.derivation("1.2", "budget", "Otros")
    assert (d.value, [type(r.item) for r in d.records]) == (D(500), [Element, Add])
    # a source with no line in force: the empty sum
    d = sept.derivation("1.1.2", "budget", "Otros")
    assert (d.rule, d.value, d.records) == (Rule.SUM_OF_BUDGET_LINES, D(0), ())
    d = sept.derivation("1.2", "budget_current")
    # 1500 + 500 = 2000, one part per source
    assert (d.rule, d.value) == (Rule.SUM_OVER_SOURCES, D(2000))
    assert [(p.source, p.value) for p in d.parts] == [("Otros", D(500)), ("TGN", D(1500))]
    d = sept.derivation(None, "budget", "TGN")
    # the plan: 1000 + 500 (400 + 100) + 1500 + 100 = 3100
    assert d.value == D(3100) == sept.summary.budget["TGN"]


def test_executed_budget_latest_record_per_source_and_sums():
    june = ev("2021-06-30")
    d = june.derivation("1.1.1", "budget_executed")
    # TGN 600 (seq 11) replaces 300 (seq 10); Otros 150 (seq 13) corrects 100 (seq 12): 600 + 150 = 750
    assert (d.rule, d.value) == (Rule.LATEST_RECORD_PER_SOURCE, D(750))
    assert roles(d) == [(10, SUPERSEDED), (11, USED), (12, CORRECTED), (13, USED)]
    d = june.derivation("1.1", "budget_executed")
    # no record of its own: 750 + 0
    assert (d.rule, d.value) == (Rule.SUM_OVER_OPERATIONS, D(750))
    assert [(p.code, p.value, p.derivation.rule) for p in d.parts] == [
        ("1.1.1", D(750), Rule.LATEST_RECORD_PER_SOURCE), ("1.1.2", D(0), Rule.DEFAULT_ZERO)]
    # ACP 1.2 has its own record (seq 14): its operations do not count
    d = june.derivation("1.2", "budget_executed")
    assert (d.rule, d.value, d.parts, roles(d)) == (Rule.LATEST_RECORD_PER_SOURCE, D(500), (), [(14, USED)])
    d = june.derivation("1", "budget_executed")
    # 750 + 500 = 1250
    assert (d.rule, d.value) == (Rule.SUM_OVER_SHORT_TERM_ACTIONS, D(1250))
    d = june.derivation("1.1", "budget_execution_pct")
    # 750 / (1400 + 500) × 100 = 39.47…
    assert (d.rule, dict(d.inputs)) == (Rule.EXECUTED_OVER_CURRENT, {"executed": D(750), "current": D(1900)})
    assert quantize(d.value) == D("39.47")
    d = june.derivation("2.1.2", "budget_execution_pct")
    assert (d.rule, d.value) == (Rule.ZERO_CURRENT, D(0))


# -- the plan ----------------------------------------------------------------------------------------------


def test_plan_counts_and_reformulations():
    sept = ev("2021-09-30")
    d = sept.derivation(None, "operations")
    # 7 operations, 1.2.2, 2.1.1 and 2.1.2 cancelled → 4
    assert (d.rule, d.value) == (Rule.COUNT_OF_ACTIVE, 4) and sept.summary.operations == 4
    assert [p.code for p in d.parts if p.role == EXCLUDED] == ["1.2.2", "2.1.1", "2.1.2"]
    d = sept.derivation(None, "reformulations")
    assert (d.rule, d.value, roles(d)) == (Rule.COUNT_OF_REFORMULATIONS, 2, [(15, USED), (17, USED)])
    d = sept.derivation(None, "weights_total")
    # 60 + 30; 2.1 cancelled
    assert (d.rule, d.value) == (Rule.SUM_OF_ACTIVE_WEIGHTS, D(90))


# -- the API ------------------------------------------------------------------------------------------------


def test_every_figure_of_the_report_has_its_derivation_with_the_same_value():
    sept = ev("2021-09-30")
    for f in sept.elements():
        for figure in FIGURE.values():
            if not figure.carried_by(f.kind):
                continue
            if figure.by_source:
                for source, amount in f.budget.items():
                    assert sept.derivation(f.code, figure.name, source).value == amount
            else:
                assert sept.derivation(f.code, figure.name).value == getattr(f, figure.name), (f.code, figure.name)
    for figure in FIGURE.values():
        if figure.plan and not figure.by_source:
            assert sept.derivation(None, figure.name).value == getattr(sept.summary, figure.name), figure.name
    with pytest.raises(KeyError):
        sept.derivation("9.9", "status")
    with pytest.raises(KeyError):
        sept.derivation("1.1.1.1", "budget_current")  # a task carries no budget


def test_derivations_are_not_part_of_the_evaluation_equality():
    a, b = ev("2021-09-30"), ev("2021-09-30")
    assert a == b and a.derivation("1.2", "progress_pct") == b.derivation("1.2", "progress_pct")
    assert "derivation" not in repr(a) and "_derivations" not in attrs.asdict(a)


# -- explain reads the derivations -------------------------------------------------------------------------


def events(explanation) -> list[tuple]:
    return [(e.seq, e.action, e.code, e.value, e.role) for e in explanation.events]


def test_explain_adds_to_the_derivation_only_what_the_view_does_not_see():
    june = explain(KEY, HISTORY, "1.2", date(2021, 6, 30), FAR)
    # the approval's weight is in force on 30 Jun; RD 1's update (07-01) is dated after as_of
    assert events(june.figure("weight")) == [
        (1, Action.APPROVE, "1.2", D(40), USED), (15, Action.UPDATE, "1.2", D(30), Role.AFTER_AS_OF)]
    assert events(june.figure("budget", "TGN")) == [
        (1, Action.APPROVE, "1.2.1", D(2000), USED), (15, Action.BUDGET_LINE, "1.2.1", D(-500), Role.AFTER_AS_OF)]
    # in September the update is in force and the approval's value superseded
    sept = explain(KEY, HISTORY, "1.2", date(2021, 9, 30), FAR)
    assert [(e.seq, e.role) for e in sept.figure("weight").events] == [(1, SUPERSEDED), (15, USED)]
    # a strategic action's weight and programmed progress rest on no fact of their own: no events
    sa = explain(KEY, HISTORY, "1", date(2021, 6, 30), FAR)
    assert sa.figure("weight").events == () and sa.figure("programmed_pct").events == ()
    # as known before the correction (seq 7) was recorded, seq 6 is used and seq 7 not known
    before_correction = HISTORY[6].recorded_at - timedelta(microseconds=1)
    f = explain(KEY, HISTORY, "1.2.1", date(2021, 6, 30), before_correction).figure("progress_pct")
    assert [(e.seq, e.role) for e in f.events] == [(5, SUPERSEDED), (6, USED), (7, Role.NOT_KNOWN)]
    # a zero by default lists no components (its cancelled children are out of it)
    f = explain(KEY, HISTORY, "2.1", date(2021, 9, 30), FAR).figure("progress_pct")
    assert (f.rule, f.parts) == (Rule.DEFAULT_ZERO, ())
    # status of op 2.1.1: the approval, and its ACP's cancellation (after as_of on 30 Jun)
    f = explain(KEY, HISTORY, "2.1.1", date(2021, 6, 30), FAR).figure("status")
    assert events(f) == [(1, Action.APPROVE, "2.1.1", Status.ACTIVE, USED),
                         (17, Action.CANCEL, "2.1", Status.CANCELLED, Role.AFTER_AS_OF)]


# -- explain reads the derivations: random plans ---------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=order_free_facts(), day=st.sampled_from(AS_OF))
def test_explain_values_are_the_reports_and_rules_the_derivations(data, day):
    approval, facts = data
    history = record_all(approval, facts).history
    as_of = date.fromisoformat(day)
    evaluation = evaluate(KEY, history, as_of, FAR)
    report = evaluation_to_dict(evaluation)
    rows = {e["code"]: e for kind in ("strategic_actions", "short_term_actions", "operations", "tasks") for e in report[kind]}
    for code, row in rows.items():
        provenance = explain(KEY, history, code, as_of, FAR)
        for e in provenance.figures:
            value = explanation_to_dict(e)["value"]
            derivation = evaluation.derivation(code, e.figure, e.source)
            assert e.rule == derivation.rule and e.value == derivation.value
            if e.source is None:
                assert value == row[e.figure], (code, e.figure)
            elif e.source in row["budget"]:
                assert value == row["budget"][e.source], (code, e.source)
            else:  # a source whose lines the view does not see
                assert value == "0.00"
            for part in e.parts:
                if part.explanation is not None:
                    assert part.explanation.rule == evaluation.derivation(part.code, e.figure).rule
