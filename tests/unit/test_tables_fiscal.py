"""The fiscal rows of the open-data exports (projections/tables.py `fiscal_rows`) and the dates
`evaluation_rows` can be asked for (`as_ofs`), on a history written by hand; every expected
amount is worked out below from the rules of docs/design.md and docs/open-data.md.

The plan is `base_approval()` (tests/support/builders.py):

    SA 1 ─ ACP 1.1 ─ op 1.1.1 (TGN 100, Otros 50), op 1.1.2 (Otros 30)
         └ ACP 1.2 ─ op 1.2.1 (TGN 200)
    SA 2 ─ ACP 2.1 ─ op 2.1.1 (TGN 80)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from poa.projections.evaluation import evaluate
from poa.projections.tables import evaluation_rows, fiscal_rows

from support.builders import at, base_approval, budget, execution, history_by_hand, plan_of, reformulate

KEY = "T-2021"
D = date.fromisoformat
Q1, Q2 = D("2021-03-31"), D("2021-06-30")
ENTRIES = [
    ("2021-01-05T10:00:00", base_approval()),  # seq 1
    ("2021-04-02T10:00:00", execution("1.1.1", 60, "2021-03-31", "TGN")),  # 2
    ("2021-04-02T10:00:01", execution("1.1.1", 10, "2021-03-31", "Otros")),  # 3
    ("2021-04-20T10:00:00", execution("1.1.1", 70, "2021-03-31", "TGN")),  # 4: corrects 2
    ("2021-04-20T10:00:01", execution("1.2", 120, "2021-03-31")),  # 5: the ACP's own record, no source
    ("2021-04-20T10:00:02", execution("1.2.1", 50, "2021-03-31", "TGN")),  # 6: under 1.2: not counted by the plan
    ("2021-05-03T10:00:00", budget("1.1.1", "TGN", 25, "2021-05-01")),  # 7
    ("2021-05-03T10:00:01", reformulate(
        "2021-05-01",
        {"add": {"kind": "operation", "code": "1.1.3", "parent": "1.1", "title": "Op 1.1.3", "budget": {"TGN": 40}}},
        {"budget": {"code": "1.2.1", "source": "TGN", "amount": -50}},
    )),  # 8
    ("2021-07-02T10:00:00", execution("1.1.2", 30, "2021-06-30")),  # 9
    ("2021-07-02T10:00:01", execution("1.1.1", 90, "2021-06-30", "TGN")),  # 10
]
HISTORY = history_by_hand(ENTRIES)


def amounts(rows, as_of, phase):
    return {(r["code"], r["source"]): r["amount"] for r in rows if r["as_of"] == as_of and r["phase"] == phase}


def test_the_hand_written_history_is_valid():
    assert plan_of(KEY, ENTRIES[0][1], *(e for _, e in ENTRIES[1:])).version == len(ENTRIES)


def test_approved_and_modified_by_operation_and_source():
    rows = fiscal_rows(KEY, HISTORY, as_ofs=[Q1, Q2])
    assert amounts(rows, Q1, "approved") == {
        ("1.1.1", "Otros"): 50, ("1.1.1", "TGN"): 100, ("1.1.2", "Otros"): 30, ("1.2.1", "TGN"): 200, ("2.1.1", "TGN"): 80}
    assert set(amounts(rows, Q1, "modified").values()) == {0}  # nothing modified by the end of Q1
    # by Q2: +25 TGN on 1.1.1 (seq 7), -50 TGN on 1.2.1 and the new 1.1.3 with TGN 40 (seq 8: a change, not approved)
    assert amounts(rows, Q2, "approved")[("1.1.3", "TGN")] == 0
    assert {k: v for k, v in amounts(rows, Q2, "modified").items() if v} == {
        ("1.1.1", "TGN"): 25, ("1.2.1", "TGN"): -50, ("1.1.3", "TGN"): 40}


def test_approved_plus_modified_is_the_current_budget_of_every_operation_and_source():
    rows = fiscal_rows(KEY, HISTORY, as_ofs=[Q2])
    ev = evaluate(KEY, HISTORY, Q2, at("2021-12-31T00:00:00"))
    approved, modified = amounts(rows, Q2, "approved"), amounts(rows, Q2, "modified")
    for op in ev.operations:
        for source, current in op.budget.items():
            assert approved[(op.code, source)] + modified[(op.code, source)] == current


def test_executed_follows_what_the_plan_total_adds_up():
    rows = fiscal_rows(KEY, HISTORY, as_ofs=[Q1, Q2])
    # Q1: ACP 1.1 has no records of its own -> its operations: 1.1.1 by source (TGN 70 corrects 60;
    # Otros 10), 1.1.2 none (0); ACP 1.2 has its own record (120, no source), so 1.2.1's 50 is
    # not counted; ACP 2.1 -> op 2.1.1, none (0)
    assert amounts(rows, Q1, "executed") == {
        ("1.1.1", "Otros"): 10, ("1.1.1", "TGN"): 70, ("1.1.2", None): 0, ("1.2", None): 120, ("2.1.1", None): 0}
    assert sum(amounts(rows, Q1, "executed").values()) == 200
    # Q2: 1.1.1's TGN is the later cut-off's 90, its Otros still Q1's 10; 1.1.2 30 without source; 1.1.3 none
    assert amounts(rows, Q2, "executed") == {
        ("1.1.1", "Otros"): 10, ("1.1.1", "TGN"): 90, ("1.1.2", None): 30, ("1.1.3", None): 0, ("1.2", None): 120,
        ("2.1.1", None): 0}
    summary = evaluate(KEY, HISTORY, Q2, at("2021-12-31T00:00:00")).summary
    assert summary.budget_executed == 250 == sum(amounts(rows, Q2, "executed").values())


def test_the_hierarchy_of_an_operation_and_of_a_short_term_action():
    rows = fiscal_rows(KEY, HISTORY, as_ofs=[Q1])
    op = next(r for r in rows if r["code"] == "1.1.1" and r["phase"] == "executed")
    assert (op["strategic_action"], op["strategic_action_title"], op["short_term_action"], op["operation"],
            op["operation_title"], op["kind"], op["entity"], op["year"]) == (
        "1", "Acción estratégica uno", "1.1", "1.1.1", "Op 1.1.1", "operation", "Entidad de Prueba", 2021)
    acp = next(r for r in rows if r["code"] == "1.2")
    assert (acp["strategic_action"], acp["short_term_action"], acp["short_term_action_title"], acp["operation"],
            acp["operation_title"]) == ("1", "1.2", "ACP 1.2", None, None)


def test_known_at_before_a_correction_shows_the_corrected_amount():
    rows = fiscal_rows(KEY, HISTORY, at("2021-04-10T00:00:00"), as_ofs=[Q1])
    assert amounts(rows, Q1, "executed") == {
        ("1.1.1", "Otros"): 10, ("1.1.1", "TGN"): 60, ("1.1.2", None): 0, ("1.2.1", None): 0, ("2.1.1", None): 0}
    assert {r["known_at"] for r in rows} == {at("2021-04-10T00:00:00")}


def test_default_dates_are_the_evaluation_dates():
    rows = fiscal_rows(KEY, HISTORY)
    assert sorted({r["as_of"] for r in rows}) == [Q1, Q2, D("2021-09-30"), D("2021-12-31")]
    assert {r["known_at"] for r in rows} == {at("2021-07-02T10:00:01")}  # the last event's time


def test_evaluation_rows_at_the_dates_asked():
    elements, plans = evaluation_rows(KEY, HISTORY, as_ofs=[D("2021-02-15"), D("2020-12-31")])
    assert [p["as_of"] for p in plans] == [D("2021-02-15")]  # before the approval: no rows
    assert {e["as_of"] for e in elements} == {D("2021-02-15")}
    assert plans[0]["budget_current"] == Decimal(460)  # 150 + 30 + 200 + 80
