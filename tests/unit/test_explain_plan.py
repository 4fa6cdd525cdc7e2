"""`poa explain` of the plan itself (its key, or no code) and of a strategic action (AEI): the
provenance of the plan's figures (projections/provenance.py and its renderers) on a history
written by hand; the command: tests/integration/test_explain_plan_cli.py.

Every expected figure is worked out by hand in the comments from the rules of docs/design.md
("Reading: the evaluation"); none is copied from the program's output.

The hand-built history (recorded times chosen by hand; seq follows recorded order):

    AEI 1 ─ ACP 1.1 (w 60, schedule 10/40/70/100) ─ op 1.1.1 (TGN 1000, Otros 500) ─ task 1.1.1.1
          └ ACP 1.2 (w 20, default 25/50/75/100)  ─ op 1.2.1 (TGN 400)
    AEI 2 ─ ACP 2.1 (w 20, schedule 0/20/60/100)  ─ op 2.1.1 (Otros 600)

    seq  recorded            date        fact
      1  2021-01-05 10:00    2021-01-04  approve RA 001/2021
      2  2021-07-02 09:00    2021-06-30  progress 1.1 = 50
      3  2021-07-02 09:01    2021-06-30  progress 1.2 = 80
      4  2021-07-02 09:02    2021-06-30  progress 2.1 = 10
      5  2021-07-02 09:03    2021-06-30  execution 1.1.1 TGN 300       (superseded by seq 13)
      6  2021-07-02 09:04    2021-06-30  execution 1.2 200             (the ACP's own record)
      7  2021-07-02 09:05    2021-06-30  execution 2.1.1 100
      8  2021-08-03 10:00    2021-08-01  reformulate RD 05/2021: budget line 1.2.1 TGN −400,
                                         budget line 1.1.1 TGN +400, cancel 1.2 (and so 1.2.1),
                                         add op 2.1.2 under 2.1 (Otros 300)
      9  2021-08-10 10:00    2021-08-09  budget 2.1.1 Otros −100 RA 30/2021   (a transfer ...)
     10  2021-08-10 10:01    2021-08-09  budget 2.1.2 Otros +100 RA 30/2021   (... summing to zero)
     11  2021-10-04 10:00    2021-09-30  progress 1.1 = 70
     12  2021-10-04 10:01    2021-09-30  progress 2.1 = 30
     13  2021-10-04 10:02    2021-09-30  execution 1.1.1 TGN 900
     14  2021-11-16 10:00    2021-11-15  reformulate RD 09/2021: add op 1.1.2 under 1.1 (TGN 200)
     15  2021-11-20 10:00    2021-11-19  budget 1.1.1 Otros −50 RA 40/2021

The view of most tests: as of 2021-09-30, every fact known (seq 14 and 15 are dated after it).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from jsonschema import Draft202012Validator

from poa.adapters.report_json import schema_path
from poa.adapters.report_provenance import layout, provenance_to_dict
from poa.adapters.report_text import to_rich
from poa.domain.catalogue import SUMMARY_FIGURES
from poa.projections.evaluation import NotInForce, end_of_day, evaluate
from poa.projections.provenance import UnknownElement, explain
from support.builders import FAR, budget, execution, history_by_hand, plan_of, progress, reformulate, shown

D = Decimal
KEY = "P-2021"

APPROVAL = {
    "approve": {
        "entity": "Entidad de Prueba",
        "year": 2021,
        "date": "2021-01-04",
        "reference": "RA 001/2021",
        "strategic_actions": [{"code": "1", "title": "AEI uno"}, {"code": "2", "title": "AEI dos"}],
        "short_term_actions": [
            {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": 60, "schedule": [10, 40, 70, 100]},
            {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": 20},
            {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": 20, "schedule": [0, 20, 60, 100]},
        ],
        "operations": [
            {"code": "1.1.1", "parent": "1.1", "title": "Op 1.1.1", "budget": {"TGN": 1000, "Otros": 500}},
            {"code": "1.2.1", "parent": "1.2", "title": "Op 1.2.1", "budget": {"TGN": 400}},
            {"code": "2.1.1", "parent": "2.1", "title": "Op 2.1.1", "budget": {"Otros": 600}},
        ],
        "tasks": [{"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea 1"}],
    }
}
ENTRIES = [
    ("2021-01-05T10:00:00", APPROVAL),
    ("2021-07-02T09:00:00", progress("1.1", 50, "2021-06-30")),
    ("2021-07-02T09:01:00", progress("1.2", 80, "2021-06-30")),
    ("2021-07-02T09:02:00", progress("2.1", 10, "2021-06-30")),
    ("2021-07-02T09:03:00", execution("1.1.1", 300, "2021-06-30", "TGN")),
    ("2021-07-02T09:04:00", execution("1.2", 200, "2021-06-30")),
    ("2021-07-02T09:05:00", execution("2.1.1", 100, "2021-06-30")),
    ("2021-08-03T10:00:00", reformulate(
        "2021-08-01",
        {"budget": {"code": "1.2.1", "source": "TGN", "amount": -400}},
        {"budget": {"code": "1.1.1", "source": "TGN", "amount": 400}},
        {"cancel": {"code": "1.2"}},
        {"add": {"kind": "operation", "code": "2.1.2", "parent": "2.1", "title": "Op 2.1.2", "budget": {"Otros": 300}}},
        reference="RD 05/2021",
    )),
    ("2021-08-10T10:00:00", budget("2.1.1", "Otros", -100, "2021-08-09", reference="RA 30/2021")),
    ("2021-08-10T10:01:00", budget("2.1.2", "Otros", 100, "2021-08-09", reference="RA 30/2021")),
    ("2021-10-04T10:00:00", progress("1.1", 70, "2021-09-30")),
    ("2021-10-04T10:01:00", progress("2.1", 30, "2021-09-30")),
    ("2021-10-04T10:02:00", execution("1.1.1", 900, "2021-09-30", "TGN")),
    ("2021-11-16T10:00:00", reformulate(
        "2021-11-15",
        {"add": {"kind": "operation", "code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "budget": {"TGN": 200}}},
        reference="RD 09/2021",
    )),
    ("2021-11-20T10:00:00", budget("1.1.1", "Otros", -50, "2021-11-19", reference="RA 40/2021")),
]
HISTORY = history_by_hand(ENTRIES, actor="analista")


def why(code: str | None = None, as_of: str = "2021-09-30", known_at: datetime = FAR):
    return explain(KEY, HISTORY, code, date.fromisoformat(as_of), known_at)


def events(explanation) -> list[tuple]:
    return [(e.seq, e.action, e.code, e.value, e.role) for e in explanation.events]


def roles(explanation) -> dict[int, str]:
    return {e.seq: e.role for e in explanation.events}


def test_the_history_written_by_hand_keeps_the_ledgers_rules():
    """Every entry is accepted by the real rules when recorded on a plan in memory."""
    plan = plan_of(KEY, APPROVAL, *(entry for _, entry in ENTRIES[1:]))
    assert len(plan.history) == len(ENTRIES)


# -- the plan: which one, and its heading -------------------------------------------------------


def test_no_code_and_the_plans_key_both_explain_the_plan():
    p = why()
    assert (p.code, p.kind, p.parent, p.title, p.status) == (KEY, "plan", None, "Entidad de Prueba", None)
    assert why(KEY) == p
    # the figures of the JSON report's summary, in its order, with the budget by source before its total
    assert [(f.figure, f.source) for f in p.figures] == [
        ("strategic_actions", None), ("short_term_actions", None), ("operations", None), ("tasks", None),
        ("weights_total", None), ("budget", "Otros"), ("budget", "TGN"), ("budget_current", None),
        ("budget_executed", None), ("budget_execution_pct", None), ("physical_progress_pct", None),
        ("programmed_pct", None), ("deviation_pts", None), ("reformulations", None), ("budget_modifications", None),
        ("physical_efficacy_pct", None), ("efficiency_pct", None), ("efficiency_band", None), ("relative_efficiency", None),
    ]
    # an unknown code is still refused, and the plan is not in force before its approval
    with pytest.raises(UnknownElement, match="unknown code P-2022 in plan P-2021"):
        why("P-2022")
    with pytest.raises(NotInForce):
        why(None, "2021-01-03")


def test_an_element_whose_code_is_the_plans_key_is_that_element():
    """The plan's key names the plan unless an element of the plan has that very code."""
    history = history_by_hand([("2021-01-05T10:00:00", {"approve": {
        "entity": "Entidad", "year": 2021, "date": "2021-01-04", "reference": "RA 1",
        "strategic_actions": [{"code": "9", "title": "AEI nueve"}],
        "short_term_actions": [{"code": "9.1", "parent": "9", "title": "ACP", "weight": 100}],
    }})])
    assert explain("9", history, "9", date(2021, 9, 30), FAR).kind == "strategic_action"
    assert explain("9", history, None, date(2021, 9, 30), FAR).kind == "plan"


# -- the counts ---------------------------------------------------------------------------------


def test_counts_take_the_active_elements_and_name_the_cancelled_and_the_unseen():
    p = why()
    # 2 AEIs; ACPs 1.1 and 2.1 (1.2 cancelled on 1 Aug) → 2; operations 1.1.1, 2.1.1 and 2.1.2 (added
    # on 1 Aug), 1.2.1 cancelled with 1.2 → 3; one task
    assert [(name, p.figure(name).value) for name in ("strategic_actions", "short_term_actions", "operations", "tasks")] == [
        ("strategic_actions", 2), ("short_term_actions", 2), ("operations", 3), ("tasks", 1),
    ]
    ops = p.figure("operations")
    assert ops.rule == "count_of_active" and ops.inputs == {}
    assert [(x.code, x.value, x.status, x.role) for x in ops.parts] == [
        ("1.1.1", 1, "active", "used"), ("1.2.1", 0, "cancelled", "excluded"),
        ("2.1.1", 1, "active", "used"), ("2.1.2", 1, "active", "used"),
    ]
    # the approval of the three approved, the cancellation of 1.2 that took 1.2.1 with it, the add
    # of 2.1.2, and the add of 1.1.2 on 15 Nov, after as_of
    assert events(ops) == [
        (1, "approve", "1.1.1", "active", "used"),
        (1, "approve", "1.2.1", "active", "used"),
        (1, "approve", "2.1.1", "active", "used"),
        (8, "cancel", "1.2", "cancelled", "used"),
        (8, "add", "2.1.2", "active", "used"),
        (14, "add", "1.1.2", "active", "after_as_of"),
    ]
    acps = p.figure("short_term_actions")
    assert [(x.code, x.role) for x in acps.parts] == [("1.1", "used"), ("1.2", "excluded"), ("2.1", "used")]
    # as known at the end of 2 Aug the reformulation of 1 Aug does not exist: 1.2 and 1.2.1 count
    before = why(known_at=end_of_day(date(2021, 8, 2)))
    assert (before.figure("short_term_actions").value, before.figure("operations").value) == (3, 3)
    assert roles(before.figure("operations")) == {1: "used", 8: "not_known", 14: "not_known"}


def test_a_cancellation_that_takes_several_elements_is_listed_once_as_used():
    """1.1.1 cancelled on 1 Mar, then its ACP 1.1 on 1 May, which takes 1.1.2 with it: for 1.1.1 the
    second cancellation is superseded (the first is in effect), for 1.1.2 it is the one in effect."""
    history = history_by_hand([
        ("2021-01-05T10:00:00", {"approve": {
            "entity": "Entidad", "year": 2021, "date": "2021-01-04", "reference": "RA 1",
            "strategic_actions": [{"code": "1", "title": "AEI"}],
            "short_term_actions": [{"code": "1.1", "parent": "1", "title": "ACP", "weight": 100}],
            "operations": [
                {"code": "1.1.1", "parent": "1.1", "title": "Op 1", "budget": {"TGN": 10}},
                {"code": "1.1.2", "parent": "1.1", "title": "Op 2", "budget": {"TGN": 20}},
            ],
        }}),
        ("2021-03-02T10:00:00", reformulate("2021-03-01", {"cancel": {"code": "1.1.1"}}, reference="RD 1")),
        ("2021-05-02T10:00:00", reformulate("2021-05-01", {"cancel": {"code": "1.1"}}, reference="RD 2")),
    ])
    ops = explain("Q-2021", history, None, date(2021, 6, 30), FAR).figure("operations")
    assert ops.value == 0
    assert [(x.code, x.role) for x in ops.parts] == [("1.1.1", "excluded"), ("1.1.2", "excluded")]
    assert events(ops) == [
        (1, "approve", "1.1.1", "active", "used"),
        (1, "approve", "1.1.2", "active", "used"),
        (2, "cancel", "1.1.1", "cancelled", "used"),
        (3, "cancel", "1.1", "cancelled", "used"),
    ]
    # the element's own explanation keeps the superseded one
    assert roles(explain("Q-2021", history, "1.1.1", date(2021, 6, 30), FAR).figure("status")) == {
        1: "used", 2: "used", 3: "superseded",
    }


def test_the_numbers_of_reformulations_and_budget_modifications_list_them():
    p = why()
    ref = p.figure("reformulations")
    # RD 05/2021 (1 Aug) counts; RD 09/2021 (15 Nov) is after as_of
    assert (ref.rule, ref.value) == ("count_of_reformulations", 1)
    assert [(e.seq, e.kind, e.action, e.reference, e.code, e.value, e.role) for e in ref.events] == [
        (8, "reformulate", "reformulate", "RD 05/2021", None, None, "used"),
        (14, "reformulate", "reformulate", "RD 09/2021", None, None, "after_as_of"),
    ]
    mods = p.figure("budget_modifications")
    # the two `budget` entries of the transfer (9 Aug) count; the −50 of 19 Nov is after as_of; the
    # reformulation's budget lines are part of the reformulation, not counted here
    assert (mods.rule, mods.value) == ("count_of_budget_modifications", 2)
    assert [(e.seq, e.code, e.source, e.value, e.role) for e in mods.events] == [
        (9, "2.1.1", "Otros", D(-100), "used"),
        (10, "2.1.2", "Otros", D(100), "used"),
        (15, "1.1.1", "Otros", D(-50), "after_as_of"),
    ]
    # as known at the end of 5 Aug: none of them is known yet
    then = why(known_at=end_of_day(date(2021, 8, 5)))
    assert then.figure("budget_modifications").value == 0
    assert roles(then.figure("budget_modifications")) == {9: "not_known", 10: "not_known", 15: "not_known"}
    assert roles(then.figure("reformulations")) == {8: "used", 14: "not_known"}


# -- the budget -----------------------------------------------------------------------------------


def test_the_plans_budget_by_source_lists_every_line_of_every_operation():
    p = why()
    tgn = p.figure("budget", "TGN")
    # TGN: 1.1.1 1000 + 400 (line of RD 05/2021) = 1400; 1.2.1 400 − 400 = 0 (cancelled, kept in the
    # sum) → 1400; 1.1.2's 200 is added on 15 Nov, after as_of
    assert (tgn.rule, tgn.value) == ("sum_of_budget_lines", D(1400))
    assert events(tgn) == [
        (1, "approve", "1.1.1", D(1000), "used"),
        (1, "approve", "1.2.1", D(400), "used"),
        (8, "budget_line", "1.2.1", D(-400), "used"),
        (8, "budget_line", "1.1.1", D(400), "used"),
        (14, "add", "1.1.2", D(200), "after_as_of"),
    ]
    otros = p.figure("budget", "Otros")
    # Otros: 1.1.1 500; 2.1.1 600 − 100 = 500; 2.1.2 300 + 100 = 400 → 1400; the −50 of 19 Nov after as_of
    assert otros.value == D(1400)
    assert events(otros) == [
        (1, "approve", "1.1.1", D(500), "used"),
        (1, "approve", "2.1.1", D(600), "used"),
        (8, "add", "2.1.2", D(300), "used"),
        (9, "budget_modification", "2.1.1", D(-100), "used"),
        (10, "budget_modification", "2.1.2", D(100), "used"),
        (15, "budget_modification", "1.1.1", D(-50), "after_as_of"),
    ]
    for f in (tgn, otros):
        assert sum((e.value for e in f.events if e.role == "used"), D(0)) == f.value
    total = p.figure("budget_current")
    # 1400 + 1400 = 2800
    assert (total.rule, total.value) == ("sum_over_sources", D(2800))
    assert [(x.source, x.value) for x in total.parts] == [("Otros", D(1400)), ("TGN", D(1400))]


def test_the_plans_executed_budget_sums_its_acps_cancelled_included():
    p = why()
    f = p.figure("budget_executed")
    # 1.1: no record of its own → its operation 1.1.1: TGN 900 (30 Sep, seq 13) replaces 300 (seq 5);
    # 1.2 (cancelled, still counted): its own record 200 (seq 6);
    # 2.1: its operations 2.1.1 100 (seq 7) + 2.1.2 0 → 100.  900 + 200 + 100 = 1200
    assert (f.rule, f.value) == ("sum_over_short_term_actions", D(1200))
    assert [(x.code, x.value, x.explanation.rule) for x in f.parts] == [
        ("1.1", D(900), "sum_over_operations"),
        ("1.2", D(200), "latest_record_per_source"),
        ("2.1", D(100), "sum_over_operations"),
    ]
    assert roles(f.parts[0].explanation.parts[0].explanation) == {5: "superseded", 13: "used"}
    pct = p.figure("budget_execution_pct")
    # 1200 / 2800 × 100 = 42.857… → 42.86
    assert pct.rule == "executed_over_current"
    assert pct.inputs == {"executed": D(1200), "current": D(2800)}
    assert shown(pct.value) == "42.86"


# -- progress, programmed and deviation (Cuadro 4) -------------------------------------------------


def test_institutional_progress_programmed_and_deviation():
    p = why()
    f = p.figure("physical_progress_pct")
    # active ACPs: 1.1 (w 60, 70 at 30 Sep, seq 11) and 2.1 (w 20, 30, seq 12); 1.2 cancelled is left out:
    # (60·70 + 20·30) / 80 = 4800 / 80 = 60
    assert (f.rule, f.value, f.inputs) == ("weighted_mean_of_short_term_actions", D(60), {"weights_total": D(80)})
    assert [(x.code, x.weight, x.value, x.role) for x in f.parts] == [
        ("1.1", D(60), D(70), "used"), ("1.2", D(20), D(80), "excluded"), ("2.1", D(20), D(30), "used"),
    ]
    assert roles(f.parts[0].explanation) == {2: "superseded", 11: "used"}
    g = p.figure("programmed_pct")
    # three quarter ends passed: 1.1 → 70, 2.1 → 60; (60·70 + 20·60) / 80 = 5400 / 80 = 67.5
    assert (g.rule, g.value) == ("weighted_mean_of_short_term_actions", D("67.5"))
    assert [(x.code, x.value, x.explanation.rule) for x in g.parts if x.role == "used"] == [
        ("1.1", D(70), "schedule"), ("2.1", D(60), "schedule"),
    ]
    d = p.figure("deviation_pts")
    # 67.5 − 60 = 7.5
    assert (d.rule, d.value, d.inputs) == ("programmed_minus_progress", D("7.5"), {"programmed": D("67.5"), "progress": D(60)})
    w = p.figure("weights_total")
    # 60 + 20 (1.2 cancelled: excluded) = 80
    assert (w.rule, w.value) == ("sum_of_active_short_term_action_weights", D(80))
    # as known at the end of 5 Aug, as of 30 Sep: 1.1 at 50 (seq 2), 2.1 at 10 (seq 4): (60·50 + 20·10) / 80 = 40
    assert why(known_at=end_of_day(date(2021, 8, 5))).figure("physical_progress_pct").value == D(40)


def test_every_plan_figure_is_the_evaluations_own():
    """The explanation's values are the figures the report prints (the same fold)."""
    p = why()
    summary = evaluate(KEY, HISTORY, date(2021, 9, 30), FAR).summary
    for figure in SUMMARY_FIGURES:
        assert p.figure(figure.name).value == getattr(summary, figure.name), figure.name
    assert {f.source: f.value for f in p.figures if f.figure == "budget"} == summary.budget


# -- a strategic action ----------------------------------------------------------------------------


def test_a_strategic_action_is_explained_with_its_budget_totals_and_progress():
    p = why("2")
    assert (p.kind, p.code, p.parent, p.title, p.status) == ("strategic_action", "2", None, "AEI dos", "active")
    assert [f.figure for f in p.figures] == [
        "title", "status", "weight", "progress_pct", "programmed_pct", "deviation_pts", "budget",
        "budget_current", "budget_executed", "budget_execution_pct",
    ]
    # its only ACP 2.1 (w 20): weight 20, progress 30, programmed 60, deviation 30
    assert [(name, p.figure(name).rule, p.figure(name).value) for name in ("weight", "progress_pct", "programmed_pct", "deviation_pts")] == [
        ("weight", "sum_of_active_short_term_action_weights", D(20)),
        ("progress_pct", "weighted_mean_of_short_term_actions", D(30)),
        ("programmed_pct", "weighted_mean_of_short_term_actions", D(60)),
        ("deviation_pts", "programmed_minus_progress", D(30)),
    ]
    otros = p.figure("budget", "Otros")
    # 2.1.1 600 − 100 + 2.1.2 300 + 100 = 900; no TGN line under AEI 2
    assert otros.value == D(900)
    assert events(otros) == [
        (1, "approve", "2.1.1", D(600), "used"),
        (8, "add", "2.1.2", D(300), "used"),
        (9, "budget_modification", "2.1.1", D(-100), "used"),
        (10, "budget_modification", "2.1.2", D(100), "used"),
    ]
    assert [f.source for f in p.figures if f.figure == "budget"] == ["Otros"]
    # executed: ACP 2.1 = 2.1.1 100 + 2.1.2 0 = 100; 100 / 900 × 100 = 11.11
    executed = p.figure("budget_executed")
    assert (executed.rule, executed.value) == ("sum_over_short_term_actions", D(100))
    assert shown(p.figure("budget_execution_pct").value) == "11.11"
    # AEI 1: 1.2 cancelled keeps its money and its execution but leaves the means:
    # weight 60, progress 70 (1.1 alone), current TGN 1400 + Otros 500 = 1900, executed 900 + 200 = 1100,
    # 1100 / 1900 × 100 = 57.894… → 57.89
    one = why("1")
    assert (one.figure("weight").value, one.figure("progress_pct").value) == (D(60), D(70))
    assert (one.figure("budget_current").value, one.figure("budget_executed").value) == (D(1900), D(1100))
    assert shown(one.figure("budget_execution_pct").value) == "57.89"


# -- the renderers -----------------------------------------------------------------------------------


def test_the_plans_json_counts_are_integers_and_it_validates():
    data = provenance_to_dict(why())
    assert data["element"] == {"code": KEY, "kind": "plan", "parent": None, "title": "Entidad de Prueba", "status": None}
    f = data["figures"]
    assert list(f) == [
        "strategic_actions", "short_term_actions", "operations", "tasks", "weights_total", "budget",
        "budget_current", "budget_executed", "budget_execution_pct", "physical_progress_pct", "programmed_pct",
        "deviation_pts", "reformulations", "budget_modifications", "physical_efficacy_pct", "efficiency_pct",
        "efficiency_band", "relative_efficiency",
    ]
    assert (f["operations"]["value"], f["operations"]["exact"]) == (3, None)
    assert [(x["code"], x["value"], x["role"]) for x in f["operations"]["parts"]][:2] == [
        ("1.1.1", 1, "used"), ("1.2.1", 0, "excluded"),
    ]
    assert (f["physical_progress_pct"]["value"], f["deviation_pts"]["value"]) == ("60.00", "7.50")
    assert (f["budget_current"]["value"], f["budget_execution_pct"]["value"]) == ("2800.00", "42.86")
    # efficacy 60 / 67.50 = 88.89; weighted 88.89 × 0.5 + 42.86 × 0.5 = 65.87: sufficient (51 to 75); 88.89 / 42.86
    assert [f[name]["value"] for name in ("physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency")] == [
        "88.89", "65.87", "sufficient", "2.07",
    ]
    assert f["efficiency_band"]["rule"] == "band_of_efficiency" and f["efficiency_pct"]["inputs"]["physical_weight"] == "0.50"
    assert {s: x["value"] for s, x in f["budget"].items()} == {"Otros": "1400.00", "TGN": "1400.00"}
    assert [(e["seq"], e["action"], e["code"], e["value"]) for e in f["reformulations"]["events"]] == [
        (8, "reformulate", None, None), (14, "reformulate", None, None),
    ]
    schema = json.loads(schema_path("explain").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema)
    assert list(validator.iter_errors(json.loads(json.dumps(data)))) == []
    # an element's document is still valid, and a plan's figures are not an element's
    assert list(validator.iter_errors(json.loads(json.dumps(provenance_to_dict(why("2")))))) == []
    mixed = json.loads(json.dumps(data))
    mixed["figures"]["status"] = mixed["figures"]["weights_total"]
    assert list(validator.iter_errors(mixed)) != []


def test_the_plans_spanish_table():
    text = to_rich(layout(why()))
    assert "Procedencia de las cifras — POA P-2021: Entidad de Prueba" in text
    assert "N° de Operaciones: 3" in text
    assert "Número de elementos de este tipo activos" in text  # the count's rule, in a sentence
    assert "Avance físico institucional (%): 60.00" in text
    assert "Programado (%): 67.50" in text and "Desviación (puntos): 7.50" in text
    assert "Ejecución presupuestaria (%): 42.86" in text
    assert "excluido (cancelado)" in text and "con fecha posterior a la vista" in text
    assert "reformulación" in text and "RD 09/2021" in text
    assert "None" not in text
