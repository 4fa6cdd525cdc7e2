"""The rows of the read model and of the exports (projections/tables.py), on a history written
by hand (recorded times chosen, so lateness is known); every expected value is worked out
below from the rules of docs/design.md and docs/read-model.md, never copied from the output.

The plan is `base_approval()` (tests/support/builders.py):

    SA 1 ─ ACP 1.1 (w 50, schedule 10/40/70/100) ─ op 1.1.1 (w 2, TGN 100, Otros 50) ─ tasks 1.1.1.1 (w 1), 1.1.1.2 (w 3)
         │                                      └ op 1.1.2 (w 1, Otros 30)
         └ ACP 1.2 (w 30) ─ op 1.2.1 (w 1, TGN 200)
    SA 2 ─ ACP 2.1 (w 20) ─ op 2.1.1 (TGN 80)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from poa.projections.tables import (
    budget_line_rows, element_versions, evaluation_dates, evaluation_rows, fact_rows, plan_row,
)

from support.builders import (
    at, base_approval, budget, execution, history_by_hand, memory_ledger, plan_of, progress, record,
    reformulate, shown,
)

KEY = "T-2021"
D = date.fromisoformat
REFORMULATION = reformulate(
    "2021-05-01",
    {"update": {"code": "1.1.1", "weight": 5, "title": "Op nueva"}},
    {"add": {"kind": "operation", "code": "1.1.3", "parent": "1.1", "title": "Op 1.1.3", "weight": 1,
             "budget": {"TGN": 40}}},
    {"budget": {"code": "1.2.1", "source": "TGN", "amount": -50}},
    {"cancel": {"code": "1.1.2"}},
    reference="RD 2/2021",
)
ENTRIES = [
    ("2021-01-05T10:00:00", base_approval()),  # seq 1
    ("2021-04-02T10:00:00", progress("1.1.1", 40, "2021-03-31")),  # 2
    ("2021-04-10T10:00:00", progress("1.1.1", 45, "2021-03-31")),  # 3: corrects 2
    ("2021-06-15T10:00:00", execution("1.1.1", 60, "2021-03-31", "TGN")),  # 4: 76 days late
    ("2021-06-15T10:00:01", execution("1.1.1", 10, "2021-03-31", "Otros")),  # 5: another source, corrects nothing
    ("2021-06-15T10:00:02", execution("1.1.1", 70, "2021-03-31", "TGN")),  # 6: corrects 4
    ("2021-06-16T10:00:00", REFORMULATION),  # 7
    ("2021-06-16T10:00:01", budget("1.1.1", "TGN", 25, "2021-05-01", reference="RA 9/2021")),  # 8: same day as 7
    ("2021-06-16T10:00:02", budget("1.1.1", "Otros", -20, "2021-06-01", reference="RA 10/2021")),  # 9
    ("2021-07-01T10:00:00", {"result": {"code": "1.1", "date": "2021-06-30", "text": "uno"}}),  # 10
    ("2021-07-01T10:00:01", {"result": {"code": "1.1", "date": "2021-06-30", "text": "dos"}}),  # 11: accumulates
    ("2021-07-02T10:00:00", progress("1.1.1", 50, "2021-06-30")),  # 12
    ("2021-07-03T10:00:00", {"close": {"date": "2021-12-31", "reference": "RA 99/2021"}}),  # 13
]
HISTORY = history_by_hand(ENTRIES)


def test_the_hand_written_history_is_valid():
    plan = plan_of(KEY, ENTRIES[0][1], *(entry for _, entry in ENTRIES[1:]))  # every entry checked by the rules
    assert plan.version == len(ENTRIES)


def test_plan_row():
    assert plan_row(KEY, HISTORY) == {
        "plan": KEY, "entity": "Entidad de Prueba", "year": 2021, "approved_on": D("2021-01-04"),
        "reference": "RA 001/2021", "recorded_at": at("2021-01-05T10:00:00"), "actor": "tester",
        "events": 13, "last_seq": 13, "last_recorded_at": at("2021-07-03T10:00:00"), "closed": D("2021-12-31"),
    }


def test_fact_rows_flatten_every_fact_with_the_columns_its_kind_carries():
    rows = fact_rows(KEY, HISTORY)
    assert [r["seq"] for r in rows] == list(range(1, 14))
    assert len({tuple(r) for r in rows}) == 1  # every row has the same columns, in the same order
    approval, first = rows[0], rows[1]
    assert (approval["kind"], approval["entity"], approval["year"], approval["items"]) == ("approve", "Entidad de Prueba", 2021, 11)
    assert (approval["code"], approval["percent"], approval["days_late"]) == (None, None, 1)  # 01-04 -> 01-05
    assert (first["kind"], first["code"], first["percent"], first["date"], first["amount"]) == (
        "progress", "1.1.1", Decimal(40), D("2021-03-31"), None)
    execution_row = rows[3]
    assert (execution_row["amount"], execution_row["source"], execution_row["days_late"]) == (Decimal(60), "TGN", 76)
    reform = rows[6]
    assert (reform["kind"], reform["reference"], reform["reason"], reform["items"], reform["code"]) == (
        "reformulate", "RD 2/2021", "motivo", 4, None)
    assert (rows[7]["kind"], rows[7]["amount"], rows[7]["source"], rows[7]["reference"]) == (
        "budget", Decimal(25), "TGN", "RA 9/2021")
    assert (rows[9]["kind"], rows[9]["text"]) == ("result", "uno")
    assert (rows[12]["kind"], rows[12]["reference"], rows[12]["days_late"]) == ("close", "RA 99/2021", -181)


def test_corrects_seq_names_the_record_a_progress_or_execution_record_corrects():
    corrects = {r["seq"]: r["corrects_seq"] for r in fact_rows(KEY, HISTORY)}
    # 3 corrects 2 (same element and cut-off); 6 corrects 4 (same source), not 5 (Otros);
    # 12 is a later cut-off (it supersedes, it does not correct); results accumulate
    assert {seq: c for seq, c in corrects.items() if c is not None} == {3: 2, 6: 4}


def test_element_versions_of_an_updated_and_budget_modified_operation():
    versions = [v for v in element_versions(KEY, HISTORY) if v["code"] == "1.1.1"]
    assert [(v["version"], v["valid_from"], v["valid_to"]) for v in versions] == [
        (1, D("2021-01-04"), D("2021-05-01")),
        (2, D("2021-05-01"), D("2021-06-01")),
        (3, D("2021-06-01"), None),
    ]
    # v1: approved; v2: the reformulation's update (weight 5, title) and the +25 TGN of the
    # same day, made (last) by seq 8; v3: -20 Otros
    assert [(v["weight"], v["title"], v["budget_current"]) for v in versions] == [
        (Decimal(2), "Op 1.1.1", Decimal(150)), (Decimal(5), "Op nueva", Decimal(175)), (Decimal(5), "Op nueva", Decimal(155)),
    ]
    assert [(v["made_by_seq"], v["made_by_kind"], v["reference"], v["made_by_recorded_at"]) for v in versions] == [
        (1, "approve", "RA 001/2021", at("2021-01-05T10:00:00")),
        (8, "budget", "RA 9/2021", at("2021-06-16T10:00:01")),
        (9, "budget", "RA 10/2021", at("2021-06-16T10:00:02")),
    ]
    assert {v["status"] for v in versions} == {"active"}


def test_element_versions_of_a_cancelled_an_added_and_an_unchanged_element():
    by_code: dict[str, list[dict]] = {}
    for v in element_versions(KEY, HISTORY):
        by_code.setdefault(v["code"], []).append(v)
    cancelled = by_code["1.1.2"]
    assert [(v["status"], v["valid_from"], v["valid_to"], v["made_by_seq"], v["reference"]) for v in cancelled] == [
        ("active", D("2021-01-04"), D("2021-05-01"), 1, "RA 001/2021"),
        ("cancelled", D("2021-05-01"), None, 7, "RD 2/2021"),
    ]
    added = by_code["1.1.3"]
    assert [(v["version"], v["valid_from"], v["valid_to"], v["budget_current"], v["made_by_seq"]) for v in added] == [
        (1, D("2021-05-01"), None, Decimal(40), 7)]
    assert [(v["valid_from"], v["budget_current"]) for v in by_code["1.2.1"]] == [
        (D("2021-01-04"), Decimal(200)), (D("2021-05-01"), Decimal(150))]
    acp = by_code["1.1"]  # its children changed, it did not: one version, no budget of its own
    assert [(v["version"], v["valid_to"], v["budget_current"], v["schedule_q2"], v["weight"]) for v in acp] == [
        (1, None, None, Decimal(40), Decimal(50))]
    assert by_code["1"][0]["sector_code"] == "6"
    assert list(by_code)[:4] == ["1", "2", "1.1", "1.2"]  # the order elements entered the structure
    assert list(by_code)[-1] == "1.1.3"


def test_budget_lines_every_approved_amount_and_every_change():
    rows = budget_line_rows(KEY, HISTORY)
    assert [(r["seq"], r["line"], r["code"], r["source"], r["amount"], r["phase"], r["by"], r["action"]) for r in rows] == [
        (1, 1, "1.1.1", "TGN", Decimal(100), "approved", "approve", "element"),
        (1, 2, "1.1.1", "Otros", Decimal(50), "approved", "approve", "element"),
        (1, 3, "1.1.2", "Otros", Decimal(30), "approved", "approve", "element"),
        (1, 4, "1.2.1", "TGN", Decimal(200), "approved", "approve", "element"),
        (1, 5, "2.1.1", "TGN", Decimal(80), "approved", "approve", "element"),
        (7, 1, "1.1.3", "TGN", Decimal(40), "modified", "reformulate", "add"),
        (7, 2, "1.2.1", "TGN", Decimal(-50), "modified", "reformulate", "budget"),
        (8, 1, "1.1.1", "TGN", Decimal(25), "modified", "budget", "budget"),
        (9, 1, "1.1.1", "Otros", Decimal(-20), "modified", "budget", "budget"),
    ]
    assert (rows[5]["date"], rows[5]["reference"], rows[5]["reason"]) == (D("2021-05-01"), "RD 2/2021", "motivo")
    assert (rows[0]["reason"], rows[0]["actor"], rows[0]["recorded_at"]) == (None, "tester", at("2021-01-05T10:00:00"))


def test_evaluation_dates_are_the_quarter_ends_and_the_latest_cut_off():
    assert evaluation_dates(HISTORY) == [D("2021-03-31"), D("2021-06-30"), D("2021-09-30"), D("2021-12-31")]
    later = history_by_hand(ENTRIES[:12] + [("2021-08-01T00:00:00", progress("1.1.1", 60, "2021-07-20"))])
    assert evaluation_dates(later) == [D("2021-03-31"), D("2021-06-30"), D("2021-07-20"), D("2021-09-30"), D("2021-12-31")]


def test_evaluation_rows_at_every_quarter_end_as_known_at_the_last_event():
    elements, plans = evaluation_rows(KEY, HISTORY)
    known = at("2021-07-03T10:00:00")
    assert {(r["as_of"], r["known_at"]) for r in plans} == {
        (D(day), known) for day in ("2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31")}
    row = {(r["as_of"], r["code"]): r for r in elements}
    q1 = row[(D("2021-03-31"), "1.1.1")]
    # progress: 45 (seq 3 corrected seq 2); executed: latest per source, TGN 70 + Otros 10 = 80;
    # execution: 80 × 100 / 150 = 53.33
    assert (q1["progress_pct"], q1["weight"], q1["budget"], q1["budget_current"], q1["budget_executed"]) == (
        Decimal(45), Decimal(2), {"Otros": Decimal(50), "TGN": Decimal(100)}, Decimal(150), Decimal(80))
    assert shown(q1["budget_execution_pct"]) == "53.33"
    assert (q1["programmed_pct"], q1["deviation_pts"], q1["sector_code"], q1["kind"], q1["parent"]) == (
        None, None, None, "operation", "1.1")
    q2 = row[(D("2021-06-30"), "1.1.1")]
    # weight 5 after the reformulation; budget TGN 125, Otros 30 = 155; 80 × 100 / 155 = 51.61
    assert (q2["progress_pct"], q2["weight"], q2["budget_current"], shown(q2["budget_execution_pct"])) == (
        Decimal(50), Decimal(5), Decimal(155), "51.61")
    acp = row[(D("2021-06-30"), "1.1")]
    # programmed: schedule at the second quarter end, 40; progress: (5 × 50 + 1 × 0) / 6 = 41.67 (1.1.2 cancelled)
    assert (acp["programmed_pct"], shown(acp["progress_pct"]), shown(acp["deviation_pts"])) == (
        Decimal(40), "41.67", "-1.67")
    assert acp["status"] == "active" and row[(D("2021-06-30"), "1.1.2")]["status"] == "cancelled"
    task = row[(D("2021-06-30"), "1.1.1.1")]
    assert (task["budget"], task["budget_current"], task["weight"]) == (None, None, Decimal(1))
    plan = {r["as_of"]: r for r in plans}
    assert (plan[D("2021-03-31")]["reformulations"], plan[D("2021-06-30")]["reformulations"]) == (0, 1)
    assert (plan[D("2021-03-31")]["operations"], plan[D("2021-06-30")]["operations"]) == (4, 4)  # 1.1.2 out, 1.1.3 in
    # current budget at Q2: 1.1.1 155 + 1.1.2 30 (cancelled, still counted) + 1.1.3 40 + 1.2.1 150 + 2.1.1 80
    assert plan[D("2021-06-30")]["budget_current"] == Decimal(455)
    assert plan[D("2021-06-30")]["budget"] == {"Otros": Decimal(60), "TGN": Decimal(395)}


def test_a_quarter_end_before_the_approval_has_no_rows():
    history = history_by_hand([("2021-05-01T00:00:00", base_approval(date="2021-04-15"))])
    elements, plans = evaluation_rows(KEY, history)
    assert [r["as_of"] for r in plans] == [D("2021-06-30"), D("2021-09-30"), D("2021-12-31")]
    assert len(elements) == 3 * 11


def test_rows_of_a_plan_read_from_the_in_memory_store_are_those_of_its_history():
    ledger = memory_ledger()
    record(ledger, KEY, base_approval(), progress("1.1.1", 40, "2021-03-31"))
    record(ledger, KEY, progress("1.1.1", 45, "2021-03-31"))
    history = ledger.history(KEY)
    rows = fact_rows(KEY, history)
    assert [(r["seq"], r["corrects_seq"]) for r in rows] == [(1, None), (2, None), (3, 2)]
    assert rows[0]["batch"] == rows[1]["batch"] != rows[2]["batch"]
    elements, _ = evaluation_rows(KEY, history)
    assert {r["known_at"] for r in elements} == {history[-1].recorded_at}
