"""`poa explain`: the provenance of every figure of an element (projections/provenance.py and its
renderers) on a history written by hand; the command itself: tests/integration/test_explain_cli.py.

Every expected figure is worked out by hand in the comments; none is copied from
the program's output.

The hand-built history (recorded times chosen by hand; seq follows recorded order):

    SA 1 ─ ACP 1.1 (w 60, schedule 10/40/70/100) ─ op 1.1.1 (w 3, TGN 1000, Otros 500) ─ task 1.1.1.1 (w 1)
         │                                      │                                     └ task 1.1.1.2 (w 2)
         │                                      └ op 1.1.2 (w 1, TGN 400)
         └ ACP 1.2 (w 40, default schedule) ─ op 1.2.1 (w 1, TGN 2000)

    seq  recorded            date        fact
      1  2021-01-05 10:00    2021-01-04  approve RA 001/2021
      2  2021-04-05 12:00    2021-03-31  progress 1.2 = 20
      3  2021-07-02 09:00    2021-06-30  progress 1.1.1.1 = 90
      4  2021-07-02 09:01    2021-06-30  progress 1.1.1.2 = 30
      5  2021-07-02 09:02    2021-06-30  progress 1.1.2 = 70
      6  2021-07-02 09:03    2021-06-30  progress 1.2 = 55            (corrected by seq 9)
      7  2021-07-02 09:04    2021-06-30  execution 1.1.1 TGN 300     (superseded by seq 13)
      8  2021-07-02 09:05    2021-06-30  execution 1.1.1 Otros 100   (corrected by seq 15)
      9  2021-07-20 15:00    2021-06-30  progress 1.2 = 45            (the correction)
     10  2021-08-03 10:00    2021-08-01  reformulate RD 05/2021: add op 1.1.3 (w 1, Otros 200);
                                         update 1.2 weight 30; budget line 1.2.1 TGN −500;
                                         budget line 1.1.2 TGN +500
     11  2021-08-10 10:00    2021-08-09  budget 1.1.1 Otros −150 RA 30/2021   (a transfer ...)
     12  2021-08-10 10:01    2021-08-09  budget 1.1.2 Otros +150 RA 30/2021   (... summing to zero)
     13  2021-10-04 10:00    2021-09-30  execution 1.1.1 TGN 700
     14  2021-10-04 10:01    2021-09-30  progress 1.2 = 80
     15  2021-10-06 10:00    2021-06-30  execution 1.1.1 Otros 120   (correction of seq 8)
     16  2021-11-16 10:00    2021-11-15  reformulate RD 09/2021: cancel 1.1.2
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from poa.adapters.report_provenance import layout, provenance_to_dict
from poa.adapters.report_text import to_rich
from poa.projections.evaluation import NotInForce, end_of_day
from poa.projections.provenance import UnknownElement, explain
from support.builders import FAR, budget, execution, history_by_hand, progress, shown

D = Decimal
KEY = "T-2021"

APPROVAL = {
    "approve": {
        "entity": "Entidad de Prueba",
        "year": 2021,
        "date": "2021-01-04",
        "reference": "RA 001/2021",
        "strategic_actions": [{"code": "1", "title": "AEI uno"}],
        "short_term_actions": [
            {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": 60, "schedule": [10, 40, 70, 100]},
            {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": 40},
        ],
        "operations": [
            {"code": "1.1.1", "parent": "1.1", "title": "Op 1.1.1", "weight": 3, "budget": {"TGN": 1000, "Otros": 500}},
            {"code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "weight": 1, "budget": {"TGN": 400}},
            {"code": "1.2.1", "parent": "1.2", "title": "Op 1.2.1", "budget": {"TGN": 2000}},
        ],
        "tasks": [
            {"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea 1", "weight": 1},
            {"code": "1.1.1.2", "parent": "1.1.1", "title": "Tarea 2", "weight": 2},
        ],
    }
}


def transfer(code, source, amount, day):
    return budget(code, source, amount, day, reference="RA 30/2021", reason="traspaso")


ENTRIES = [
    ("2021-01-05T10:00:00", APPROVAL),
    ("2021-04-05T12:00:00", progress("1.2", 20, "2021-03-31")),
    ("2021-07-02T09:00:00", progress("1.1.1.1", 90, "2021-06-30")),
    ("2021-07-02T09:01:00", progress("1.1.1.2", 30, "2021-06-30")),
    ("2021-07-02T09:02:00", progress("1.1.2", 70, "2021-06-30")),
    ("2021-07-02T09:03:00", progress("1.2", 55, "2021-06-30")),
    ("2021-07-02T09:04:00", execution("1.1.1", 300, "2021-06-30", "TGN")),
    ("2021-07-02T09:05:00", execution("1.1.1", 100, "2021-06-30", "Otros")),
    ("2021-07-20T15:00:00", progress("1.2", 45, "2021-06-30")),
    ("2021-08-03T10:00:00", {"reformulate": {"date": "2021-08-01", "reference": "RD 05/2021", "reason": "ajuste", "changes": [
        {"add": {"kind": "operation", "code": "1.1.3", "parent": "1.1", "title": "Op 1.1.3", "weight": 1, "budget": {"Otros": 200}}},
        {"update": {"code": "1.2", "weight": 30}},
        {"budget": {"code": "1.2.1", "source": "TGN", "amount": -500}},
        {"budget": {"code": "1.1.2", "source": "TGN", "amount": 500}},
    ]}}),
    ("2021-08-10T10:00:00", transfer("1.1.1", "Otros", -150, "2021-08-09")),
    ("2021-08-10T10:01:00", transfer("1.1.2", "Otros", 150, "2021-08-09")),
    ("2021-10-04T10:00:00", execution("1.1.1", 700, "2021-09-30", "TGN")),
    ("2021-10-04T10:01:00", progress("1.2", 80, "2021-09-30")),
    ("2021-10-06T10:00:00", execution("1.1.1", 120, "2021-06-30", "Otros")),
    ("2021-11-16T10:00:00", {"reformulate": {"date": "2021-11-15", "reference": "RD 09/2021", "reason": "baja",
                                             "changes": [{"cancel": {"code": "1.1.2"}}]}}),
]
HISTORY = history_by_hand(ENTRIES, actor="analista")


def why(code: str, as_of: str, known_at: datetime = FAR):
    return explain(KEY, HISTORY, code, date.fromisoformat(as_of), known_at)


def roles(explanation) -> dict[int, str]:
    return {e.seq: e.role for e in explanation.events}


# -- progress ------------------------------------------------------------------------------


def test_progress_derived_from_operations_and_tasks_names_the_children_weights_and_values():
    f = why("1.1", "2021-06-30").figure("progress_pct")
    # op 1.1.1 from its tasks: (1·90 + 2·30) / 3 = 150 / 3 = 50; op 1.1.2 direct 70 (seq 5)
    # ACP 1.1 = (3·50 + 1·70) / (3 + 1) = 220 / 4 = 55
    assert f.rule == "weighted_mean_of_children"
    assert f.value == D(55)
    assert f.inputs == {"weights_total": D(4)}
    assert [(p.code, p.weight, p.value, p.role) for p in f.parts] == [
        ("1.1.1", D(3), D(50), "used"),
        ("1.1.2", D(1), D(70), "used"),
    ]
    op, direct = f.parts
    assert op.explanation.rule == "weighted_mean_of_children"
    assert [(t.code, t.weight, t.value) for t in op.explanation.parts] == [("1.1.1.1", D(1), D(90)), ("1.1.1.2", D(2), D(30))]
    assert [(t.explanation.rule, roles(t.explanation)) for t in op.explanation.parts] == [
        ("direct_record", {3: "used"}),
        ("direct_record", {4: "used"}),
    ]
    assert (direct.explanation.rule, roles(direct.explanation)) == ("direct_record", {5: "used"})
    assert f.events == ()  # ACP 1.1 has no progress record of its own


def test_an_operation_added_later_counts_with_progress_0_and_a_cancelled_one_is_excluded():
    # 30 Sep: 1.1.3 (added 1 Aug, w 1) has no record and no children → 0 by default
    # ACP 1.1 = (3·50 + 1·70 + 1·0) / 5 = 220 / 5 = 44
    f = why("1.1", "2021-09-30").figure("progress_pct")
    assert f.value == D(44)
    assert [(p.code, p.value, p.explanation.rule) for p in f.parts][2] == ("1.1.3", D(0), "default_zero")
    # 31 Dec: 1.1.2 cancelled on 15 Nov drops out: (3·50 + 1·0) / 4 = 37.5
    f = why("1.1", "2021-12-31").figure("progress_pct")
    assert f.value == D("37.5")
    assert f.inputs == {"weights_total": D(4)}
    assert [(p.code, p.status, p.role) for p in f.parts] == [
        ("1.1.1", "active", "used"), ("1.1.2", "cancelled", "excluded"), ("1.1.3", "active", "used"),
    ]


def test_a_direct_record_names_its_seq_and_the_records_it_replaced():
    f = why("1.2", "2021-06-30").figure("progress_pct")
    # the 30 Jun record corrected on 20 Jul (seq 9: 45) wins over seq 6 (55, same date, recorded earlier);
    # seq 2 (31 Mar) has an earlier cut-off date; seq 14 is dated 30 Sep, after as_of
    assert (f.rule, f.value) == ("direct_record", D(45))
    assert roles(f) == {2: "superseded", 6: "corrected", 9: "used", 14: "after_as_of"}
    assert [e.value for e in f.events] == [D(20), D(55), D(45), D(80)]
    assert f.parts == ()  # its operation does not count: the ACP has its own record


def test_a_correction_recorded_after_known_at_is_not_known_and_the_first_record_is_used():
    # as known at the end of 10 Jul: seq 9 (20 Jul) and seq 14 (4 Oct) do not exist yet
    f = why("1.2", "2021-06-30", end_of_day(date(2021, 7, 10))).figure("progress_pct")
    assert f.value == D(55)
    # seq 14 is also dated after as_of, but not being known comes first
    assert roles(f) == {2: "superseded", 6: "used", 9: "not_known", 14: "not_known"}


def test_strategic_action_progress_and_programmed_are_weighted_means_of_its_acps():
    p = why("1", "2021-06-30")
    f = p.figure("progress_pct")
    # (60·55 + 40·45) / 100 = (3300 + 1800) / 100 = 51
    assert (f.rule, f.value) == ("weighted_mean_of_short_term_actions", D(51))
    assert [(x.code, x.weight, x.value) for x in f.parts] == [("1.1", D(60), D(55)), ("1.2", D(40), D(45))]
    # programmed at 30 Jun (2 quarter ends): 1.1 → 40, 1.2 → default 50; (60·40 + 40·50) / 100 = 44
    g = p.figure("programmed_pct")
    assert (g.rule, g.value) == ("weighted_mean_of_short_term_actions", D(44))
    assert [(x.code, x.value, x.explanation.rule) for x in g.parts] == [("1.1", D(40), "schedule"), ("1.2", D(50), "schedule")]
    # weight: 60 + 40 = 100, each ACP weight from the approval (seq 1)
    w = p.figure("weight")
    assert (w.rule, w.value) == ("sum_of_active_short_term_action_weights", D(100))


def test_programmed_is_the_schedule_value_for_the_quarter_ends_passed():
    p = why("1.1", "2021-06-30")
    f = p.figure("programmed_pct")
    # 31 Mar and 30 Jun ≤ as_of → 2nd value of 10/40/70/100 = 40; deviation 40 − 55 = −15
    assert (f.rule, f.value) == ("schedule", D(40))
    assert f.inputs["quarter_ends_passed"] == (date(2021, 3, 31), date(2021, 6, 30))
    assert f.inputs["schedule"] == (D(10), D(40), D(70), D(100))
    assert roles(f) == {1: "used"}
    d = p.figure("deviation_pts")
    assert (d.rule, d.value, d.inputs) == ("programmed_minus_progress", D(-15), {"programmed": D(40), "progress": D(55)})
    # before 31 Mar no quarter end has passed: 0
    assert why("1.1", "2021-03-30").figure("programmed_pct").value == 0


# -- status and weight ------------------------------------------------------------------------


def test_status_names_the_approval_and_the_cancellation():
    before = why("1.1.2", "2021-09-30").figure("status")
    assert (before.value, before.rule) == ("active", "added")
    assert roles(before) == {1: "used", 16: "after_as_of"}
    after = why("1.1.2", "2021-12-31").figure("status")
    assert (after.value, after.rule) == ("cancelled", "cancelled")
    assert after.inputs == {"cancelled_on": date(2021, 11, 15), "cancelled_with": "1.1.2"}
    assert roles(after) == {1: "used", 16: "used"}
    added = why("1.1.3", "2021-09-30").figure("status")
    assert [(e.seq, e.action, e.reference, e.date) for e in added.events] == [(10, "add", "RD 05/2021", date(2021, 8, 1))]


def test_weight_names_the_update_in_force_and_the_value_it_replaced():
    f = why("1.2", "2021-09-30").figure("weight")
    assert (f.rule, f.value) == ("structure_in_force", D(30))
    assert [(e.seq, e.action, e.value, e.role) for e in f.events] == [(1, "approve", D(40), "superseded"), (10, "update", D(30), "used")]
    f = why("1.2", "2021-07-31").figure("weight")
    assert f.value == D(40)
    assert roles(f) == {1: "used", 10: "after_as_of"}


# -- budget -----------------------------------------------------------------------------------


def lines(explanation) -> list[tuple]:
    return [(e.seq, e.action, e.code, e.value, e.role) for e in explanation.events]


def test_current_budget_lists_the_approval_reformulation_lines_and_the_transfer():
    p = why("1.1", "2021-09-30")
    tgn = p.figure("budget", "TGN")
    # TGN: 1000 (1.1.1) + 400 (1.1.2) approved, + 500 reformulation line on 1.1.2 = 1900
    assert (tgn.rule, tgn.value) == ("sum_of_budget_lines", D(1900))
    assert lines(tgn) == [
        (1, "approve", "1.1.1", D(1000), "used"),
        (1, "approve", "1.1.2", D(400), "used"),
        (10, "budget_line", "1.1.2", D(500), "used"),
    ]
    otros = p.figure("budget", "Otros")
    # Otros: 500 approved + 200 (1.1.3 added by the reformulation) − 150 + 150 (the transfer) = 700
    assert otros.value == D(700)
    assert lines(otros) == [
        (1, "approve", "1.1.1", D(500), "used"),
        (10, "add", "1.1.3", D(200), "used"),
        (11, "budget_modification", "1.1.1", D(-150), "used"),
        (12, "budget_modification", "1.1.2", D(150), "used"),
    ]
    for f in (tgn, otros):
        assert sum((e.value for e in f.events if e.role == "used"), D(0)) == f.value
    total = p.figure("budget_current")
    # 1900 + 700 = 2600
    assert (total.rule, total.value) == ("sum_over_sources", D(2600))
    assert {(x.source, x.value) for x in total.parts} == {("TGN", D(1900)), ("Otros", D(700))}


def test_budget_lines_after_as_of_are_listed_but_not_counted():
    p = why("1.1", "2021-07-31")
    # before the reformulation (1 Aug) and the transfer (9 Aug): TGN 1000 + 400 = 1400, Otros 500
    assert p.figure("budget", "TGN").value == D(1400)
    assert roles(p.figure("budget", "TGN")) == {1: "used", 10: "after_as_of"}
    otros = p.figure("budget", "Otros")
    assert otros.value == D(500)
    assert [(e.seq, e.role) for e in otros.events] == [(1, "used"), (10, "after_as_of"), (11, "after_as_of"), (12, "after_as_of")]
    # the other ACP: 2000 − 500 (reformulation line) = 1500 at 30 Sep
    other = why("1.2", "2021-09-30").figure("budget", "TGN")
    assert other.value == D(1500)
    assert lines(other) == [(1, "approve", "1.2.1", D(2000), "used"), (10, "budget_line", "1.2.1", D(-500), "used")]


def test_executed_budget_takes_the_latest_record_per_source():
    p = why("1.1.1", "2021-09-30")
    f = p.figure("budget_executed")
    # TGN: 700 at 30 Sep (seq 13) replaces 300 at 30 Jun (seq 7);
    # Otros: 120 (seq 15) corrects 100 (seq 8), both at 30 Jun → 700 + 120 = 820
    assert (f.rule, f.value) == ("latest_record_per_source", D(820))
    assert [(e.seq, e.source, e.value, e.role) for e in f.events] == [
        (7, "TGN", D(300), "superseded"),
        (8, "Otros", D(100), "corrected"),
        (13, "TGN", D(700), "used"),
        (15, "Otros", D(120), "used"),
    ]
    pct = p.figure("budget_execution_pct")
    # current of 1.1.1: TGN 1000 + Otros (500 − 150) = 1350; 820 / 1350 × 100 = 60.7407… → 60.74
    assert pct.rule == "executed_over_current"
    assert pct.inputs == {"executed": D(820), "current": D(1350)}
    assert shown(pct.value) == "60.74"
    # as known at the end of 5 Oct the Otros correction (seq 15) is not known: 700 + 100 = 800
    f = why("1.1.1", "2021-09-30", end_of_day(date(2021, 10, 5))).figure("budget_executed")
    assert f.value == D(800)
    assert roles(f) == {7: "superseded", 8: "used", 13: "used", 15: "not_known"}


def test_executed_budget_of_an_acp_without_records_sums_its_operations():
    p = why("1.1", "2021-09-30")
    f = p.figure("budget_executed")
    # 1.1.1 = 820 (its records), 1.1.2 and 1.1.3 none → 0: 820 + 0 + 0 = 820
    assert (f.rule, f.value) == ("sum_over_operations", D(820))
    assert [(x.code, x.value, x.explanation.rule) for x in f.parts] == [
        ("1.1.1", D(820), "latest_record_per_source"),
        ("1.1.2", D(0), "default_zero"),
        ("1.1.3", D(0), "default_zero"),
    ]
    # 820 / 2600 × 100 = 31.5384… → 31.54
    assert shown(p.figure("budget_execution_pct").value) == "31.54"


def test_unknown_codes_and_dates_before_the_approval_are_refused():
    with pytest.raises(UnknownElement, match="unknown code 9.9"):
        why("9.9", "2021-06-30")
    with pytest.raises(UnknownElement, match=r"1\.1\.3 is not in plan T-2021 as of 2021-07-31 .*RD 05/2021 \(seq 10\)"):
        why("1.1.3", "2021-07-31")
    with pytest.raises(NotInForce):
        why("1.1", "2021-01-03")


def test_renderers_json_keys_and_spanish_table():
    p = why("1.2", "2021-06-30", end_of_day(date(2021, 7, 10)))
    data = provenance_to_dict(p)
    assert set(data) == {"schema_version", "plan", "entity", "year", "as_of", "known_at", "element", "figures"}
    assert (data["schema_version"], data["known_at"]) == ("2.0", "2021-07-10T23:59:59.999999Z")
    assert set(data["figures"]) == {
        "title", "status", "weight", "progress_pct", "programmed_pct", "deviation_pts", "budget",
        "budget_current", "budget_executed", "budget_execution_pct",
    }
    progress_pct = data["figures"]["progress_pct"]
    assert set(progress_pct) == {"value", "exact", "rule", "inputs", "parts", "events"}
    assert progress_pct["value"] == "55.00"
    assert [(e["seq"], e["value"], e["role"]) for e in progress_pct["events"]] == [
        (2, "20.00", "superseded"), (6, "55.00", "used"), (9, "45.00", "not_known"), (14, "80.00", "not_known"),
    ]
    # tasks carry no money and no programmed progress
    assert set(provenance_to_dict(why("1.1.1.1", "2021-06-30"))["figures"]) == {"title", "status", "weight", "progress_pct"}
    text = to_rich(layout(p))
    assert "Avance físico (%): 55.00" in text
    assert "registrado después de la vista" in text and "reemplazado" in text
