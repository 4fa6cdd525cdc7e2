"""`poa diff`: differences between two views of a plan and the events responsible, on a worked example.

Every expected value below is computed by hand from SPEC §4, never taken from
the program's output. The last test checks two invariants on random histories
(the strategies of test_properties.py): every difference has a responsible event
or moved with the quarter, and swapping the views mirrors the comparison.

Plan T-2021, approved 2021-01-04 (operation weights 1 unless said):

    AEI 1
      ACP 1.1  w60 (w70 from 10-15)  schedule 25/50/75/100
        op 1.1.1                    TGN 1000          (+1000 TGN on 11-02)
        op 1.1.2                    TGN 500, Otros 500
        op 1.1.3  w2  added 10-15   Otros 300
      ACP 1.2  w40 (w30 from 10-15)  schedule 10/40/70/100
        op 1.2.1                    Otros 2000
        op 1.2.2                    TGN 1000          (-1000 TGN on 11-02; cancelled 11-10)
    AEI 2
      ACP 2.1  w0                   schedule 100/100/100/100
        op 2.1.1                    TGN 100           (nothing changes here after Q2)

Recorded order (seq):
   1  approval
   2-5   progress at 09-30: 1.1.1 = 50, 1.1.2 = 30, 1.2.1 = 60, 1.2.2 = 20
   6  progress 2.1.1 = 100 at 06-30
   7-8   execution at 09-30: 1.1.1 = 400, 1.2.1 = 900
   9  execution 2.1.1 = 100 at 06-30
  10  the Q3 report issued as INF-T3-2021 (as of 09-30)
  11  reformulation R1 (10-15): add op 1.1.3; 1.1 weight 70; 1.2 weight 30
  12-13 transfer (11-02): 1.2.2 TGN -1000, 1.1.1 TGN +1000
  14  reformulation R2 (11-10): cancel op 1.2.2
  15-18 progress at 12-31: 1.1.1 = 100, 1.1.2 = 80, 1.1.3 = 50, 1.2.1 = 100
  19-21 execution at 12-31: 1.1.1 = 1300, 1.1.2 = 700, 1.2.1 = 1800
  22  correction, recorded after the issued report: progress 1.2.1 = 70 at 09-30 (was 60, seq 4)
  23  late record, recorded after the issued report: execution 1.1.2 = 300 at 09-30

Q3 as issued (09-30, known at seq 10):
  1.1 = (50 + 30) / 2 = 40; 1.2 = (60 + 20) / 2 = 40; AEI 1 = plan = (60·40 + 40·40) / 100 = 40
  (ACP 2.1 has weight 0: it counts for nothing). Programmed: 1.1 = 75, 1.2 = 70, plan =
  (60·75 + 40·70) / 100 = 73; deviation plan = 33, 1.2 = 30.
  Budget 1000 + 1000 + 2000 + 1000 + 100 = 5100 (AEI 1: 5000). Executed 400 + 0 + 900 + 100 = 1400
  (AEI 1: 1300, 1.1: 400); 1400 / 5100 = 27.4509… → 27.45; AEI 1 1300 / 5000 = 26; 1.1 400 / 2000 = 20.

Q3 as known now: 1.2.1 = 70 → 1.2 = (70 + 20) / 2 = 45; plan = (60·40 + 40·45) / 100 = 42;
  deviation 73 − 42 = 31, 1.2: 70 − 45 = 25. 1.1.2 executed 300 → 1.1 = 700 (35 %),
  AEI 1 = 1600 (32 %), plan = 1700; 1700 / 5100 = 33.333… → 33.33.

Q4 (12-31, known now): 1.1 = (1·100 + 1·80 + 2·50) / 4 = 70; 1.2 = its only active
  operation 1.2.1 = 100; plan = (70·70 + 30·100) / 100 = 79; programmed 100 everywhere;
  deviation plan 21, 1.1 30, 1.2 0. Budget: 1.1.1 TGN 2000, 1.1.3 Otros 300, 1.2.2 TGN 0;
  1.1 = 2500 TGN + 800 Otros = 3300; 1.2 = 2000; AEI 1 = 5300 (Otros 2800, TGN 2500);
  plan = 5400 (Otros 2800, TGN 2600 as before). Executed 1300 + 700 + 1800 + 100 = 3900;
  1.1 = 2000 → 2000 / 3300 = 60.6060… → 60.61; 1.2 = 1800 / 2000 = 90; AEI 1 3800 / 5300 =
  71.698… → 71.70; plan 3900 / 5400 = 72.222… → 72.22. Operations counted: 5 both (1.1.3 in,
  1.2.2 out), weights total 100 both, AEI 1 weight 100 both.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PoaRunner, record
from test_properties import AS_OF, FAR, KEY, order_free_facts, record_all
from poa.adapters.store import Command, open_ledger
from poa.domain.facts import Add, Reformulation, ReportIssued
from poa.projections.comparison import Comparison, ViewNotInForce, compare
from poa.projections.issued import View
from poa.projections.issued import issued, issued_view

PLAN = "T-2021"
REPORT = "INF-T3-2021"

APPROVAL = {
    "approve": {
        "entity": "Entidad de Prueba",
        "year": 2021,
        "date": "2021-01-04",
        "reference": "RA 001/2021",
        "strategic_actions": [
            {"code": "1", "title": "AEI uno", "sector_code": "6"},
            {"code": "2", "title": "AEI dos", "sector_code": "12"},
        ],
        "short_term_actions": [
            {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": "60"},
            {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": "40", "schedule": ["10", "40", "70", "100"]},
            {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": "0", "schedule": ["100", "100", "100", "100"]},
        ],
        "operations": [
            {"code": "1.1.1", "parent": "1.1", "title": "Op 1.1.1", "budget": {"TGN": "1000"}},
            {"code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "budget": {"TGN": "500", "Otros": "500"}},
            {"code": "1.2.1", "parent": "1.2", "title": "Op 1.2.1", "budget": {"Otros": "2000"}},
            {"code": "1.2.2", "parent": "1.2", "title": "Op 1.2.2", "budget": {"TGN": "1000"}},
            {"code": "2.1.1", "parent": "2.1", "title": "Op 2.1.1", "budget": {"TGN": "100"}},
        ],
    }
}


def progress(code: str, percent: str, day: str) -> dict:
    return {"progress": {"code": code, "percent": percent, "date": day}}


def execution(code: str, amount: str, day: str) -> dict:
    return {"execution": {"code": code, "amount": amount, "date": day}}


Q3 = [
    APPROVAL,
    progress("1.1.1", "50", "2021-09-30"),
    progress("1.1.2", "30", "2021-09-30"),
    progress("1.2.1", "60", "2021-09-30"),
    progress("1.2.2", "20", "2021-09-30"),
    progress("2.1.1", "100", "2021-06-30"),
    execution("1.1.1", "400", "2021-09-30"),
    execution("1.2.1", "900", "2021-09-30"),
    execution("2.1.1", "100", "2021-06-30"),
]
Q4 = [
    {"reformulate": {
        "date": "2021-10-15", "reference": "RD 020/2021", "reason": "Nueva operación y reponderación",
        "changes": [
            {"add": {"kind": "operation", "code": "1.1.3", "parent": "1.1", "title": "Op 1.1.3",
                     "weight": "2", "budget": {"Otros": "300"}}},
            {"update": {"code": "1.1", "weight": "70"}},
            {"update": {"code": "1.2", "weight": "30"}},
        ],
    }},
    {"budget": {"code": "1.2.2", "source": "TGN", "amount": "-1000", "date": "2021-11-02",
                "reference": "RA 050/2021", "reason": "Traspaso a 1.1.1"}},
    {"budget": {"code": "1.1.1", "source": "TGN", "amount": "1000", "date": "2021-11-02",
                "reference": "RA 050/2021", "reason": "Traspaso desde 1.2.2"}},
    {"reformulate": {"date": "2021-11-10", "reference": "RD 025/2021", "reason": "Cancelación",
                     "changes": [{"cancel": {"code": "1.2.2"}}]}},
    progress("1.1.1", "100", "2021-12-31"),
    progress("1.1.2", "80", "2021-12-31"),
    progress("1.1.3", "50", "2021-12-31"),
    progress("1.2.1", "100", "2021-12-31"),
    execution("1.1.1", "1300", "2021-12-31"),
    execution("1.1.2", "700", "2021-12-31"),
    execution("1.2.1", "1800", "2021-12-31"),
]
LATE = [
    progress("1.2.1", "70", "2021-09-30"),  # corrects seq 4 (60)
    execution("1.1.2", "300", "2021-09-30"),  # not known when the Q3 report was issued
]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    store = tmp_path_factory.mktemp("diff") / "poa.db"
    ledger = open_ledger(str(store), create=True)
    record(ledger, PLAN, *Q3)
    ledger.record([Command(PLAN, ReportIssued(REPORT, date(2021, 9, 30), "json"), "auditor", "test", 1)])
    record(ledger, PLAN, *Q4)
    record(ledger, PLAN, *LATE)
    history = ledger.history(PLAN)
    ledger.close()
    assert [r.kind for r in history] == (
        ["approve"] + ["progress"] * 5 + ["execution"] * 3 + ["issue", "reformulate", "budget", "budget", "reformulate"]
        + ["progress"] * 4 + ["execution"] * 3 + ["progress", "execution"]
    )
    return store, history


def known_now(as_of: str) -> View:
    return View(date.fromisoformat(as_of), datetime.now(timezone.utc))


def q(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def shown(value):
    return q(value) if isinstance(value, Decimal) else value


def who(responsible) -> str:
    """A responsible event as `seq`, or `seq[action code; ...]` for the changes of a reformulation."""
    if isinstance(responsible.recorded.fact, Reformulation):
        changes = "; ".join(f"{c.action} {c.element.code if isinstance(c, Add) else c.code}" for c in responsible.items)
        return f"{responsible.seq}[{changes}]"
    return str(responsible.seq)


def figures(changes) -> dict:
    return {
        (f.figure, f.source): (shown(f.before), shown(f.after), [who(r) for r in f.events])
        for f in changes
    }


def elements(c: Comparison) -> dict:
    return {e.code: (e.change, figures(e.figures)) for e in c.elements}


R1_ALL = "11[add 1.1.3; update 1.1; update 1.2]"
R1_WEIGHTS = "11[update 1.1; update 1.2]"
R1_ADD = "11[add 1.1.3]"
R2 = "14[cancel 1.2.2]"


def test_q3_to_q4_lists_exactly_the_expected_changes_and_their_events(scenario):
    _, history = scenario
    c = compare(PLAN, history, known_now("2021-09-30"), known_now("2021-12-31"))

    assert figures(c.summary) == {
        ("budget", "Otros"): ("2500.00", "2800.00", [R1_ADD]),  # TGN stays 2600: the transfer is internal
        ("budget_current", None): ("5100.00", "5400.00", [R1_ADD, "12", "13"]),
        ("budget_executed", None): ("1700.00", "3900.00", ["19", "20", "21"]),
        ("budget_execution_pct", None): ("33.33", "72.22", [R1_ADD, "12", "13", "19", "20", "21"]),
        ("physical_progress_pct", None): ("42.00", "79.00", [R1_ALL, R2, "15", "16", "17", "18"]),
        ("programmed_pct", None): ("73.00", "100.00", [R1_WEIGHTS]),  # and the quarter: 75/70 -> 100/100
        ("deviation_pts", None): ("31.00", "21.00", [R1_ALL, R2, "15", "16", "17", "18"]),
        ("reformulations", None): (0, 2, [R1_ALL, R2]),
    }
    assert {f.figure for f in c.summary if f.as_of_effect} == {"programmed_pct", "deviation_pts"}
    deltas = {(f.figure, f.source): shown(f.delta) for f in c.summary}
    assert deltas[("budget_execution_pct", None)] == "38.89"  # as shown: 72.22 − 33.33
    assert deltas[("reformulations", None)] == 2

    assert elements(c) == {
        "1": ("changed", {  # weight 60 + 40 = 70 + 30: unchanged, not listed
            ("progress_pct", None): ("42.00", "79.00", [R1_ALL, R2, "15", "16", "17", "18"]),
            ("programmed_pct", None): ("73.00", "100.00", [R1_WEIGHTS]),
            ("deviation_pts", None): ("31.00", "21.00", [R1_ALL, R2, "15", "16", "17", "18"]),
            ("budget", "Otros"): ("2500.00", "2800.00", [R1_ADD]),  # TGN 2500 both
            ("budget_current", None): ("5000.00", "5300.00", [R1_ADD, "12", "13"]),
            ("budget_executed", None): ("1600.00", "3800.00", ["19", "20", "21"]),
            ("budget_execution_pct", None): ("32.00", "71.70", [R1_ADD, "12", "13", "19", "20", "21"]),
        }),
        "1.1": ("changed", {
            ("weight", None): ("60.00", "70.00", ["11[update 1.1]"]),
            ("progress_pct", None): ("40.00", "70.00", [R1_ADD, "15", "16", "17"]),  # its own weight does not move it
            ("programmed_pct", None): ("75.00", "100.00", []),  # the quarter alone
            ("deviation_pts", None): ("35.00", "30.00", [R1_ADD, "15", "16", "17"]),
            ("budget", "Otros"): ("500.00", "800.00", [R1_ADD]),
            ("budget", "TGN"): ("1500.00", "2500.00", ["13"]),  # only the leg that lands under 1.1
            ("budget_current", None): ("2000.00", "3300.00", [R1_ADD, "13"]),
            ("budget_executed", None): ("700.00", "2000.00", ["19", "20"]),
            ("budget_execution_pct", None): ("35.00", "60.61", [R1_ADD, "13", "19", "20"]),
        }),
        "1.2": ("changed", {
            ("weight", None): ("40.00", "30.00", ["11[update 1.2]"]),
            ("progress_pct", None): ("45.00", "100.00", [R2, "18"]),
            ("programmed_pct", None): ("70.00", "100.00", []),
            ("deviation_pts", None): ("25.00", "0.00", [R2, "18"]),
            ("budget", "TGN"): ("1000.00", "0.00", ["12"]),
            ("budget_current", None): ("3000.00", "2000.00", ["12"]),
            ("budget_executed", None): ("900.00", "1800.00", ["21"]),
            ("budget_execution_pct", None): ("30.00", "90.00", ["12", "21"]),
        }),
        "1.1.1": ("changed", {
            ("progress_pct", None): ("50.00", "100.00", ["15"]),
            ("budget", "TGN"): ("1000.00", "2000.00", ["13"]),
            ("budget_current", None): ("1000.00", "2000.00", ["13"]),
            ("budget_executed", None): ("400.00", "1300.00", ["19"]),
            ("budget_execution_pct", None): ("40.00", "65.00", ["13", "19"]),
        }),
        "1.1.2": ("changed", {
            ("progress_pct", None): ("30.00", "80.00", ["16"]),
            ("budget_executed", None): ("300.00", "700.00", ["20"]),  # seq 23 (09-30) is visible in both
            ("budget_execution_pct", None): ("30.00", "70.00", ["20"]),
        }),
        "1.2.1": ("changed", {
            ("progress_pct", None): ("70.00", "100.00", ["18"]),
            ("budget_executed", None): ("900.00", "1800.00", ["21"]),
            ("budget_execution_pct", None): ("45.00", "90.00", ["21"]),
        }),
        "1.2.2": ("cancelled", {  # progress 20 both (its own record); executed 0 and 0 %, both
            ("status", None): ("active", "cancelled", [R2]),
            ("budget", "TGN"): ("1000.00", "0.00", ["12"]),
            ("budget_current", None): ("1000.00", "0.00", ["12"]),
        }),
        "1.1.3": ("added", {
            ("title", None): (None, "Op 1.1.3", [R1_ADD]),
            ("status", None): (None, "active", [R1_ADD]),
            ("weight", None): (None, "2.00", [R1_ADD]),
            ("progress_pct", None): (None, "50.00", [R1_ADD, "17"]),
            ("budget", "Otros"): (None, "300.00", [R1_ADD]),
            ("budget_current", None): (None, "300.00", [R1_ADD]),
            ("budget_executed", None): (None, "0.00", [R1_ADD]),
            ("budget_execution_pct", None): (None, "0.00", [R1_ADD]),
        }),
    }  # AEI 2, ACP 2.1 and op 2.1.1 do not change: not listed
    as_of_effect = {(e.code, f.figure) for e in c.elements for f in e.figures if f.as_of_effect}
    assert as_of_effect == {(code, figure) for code in ("1", "1.1", "1.2") for figure in ("programmed_pct", "deviation_pts")}

    # every event dated after 09-30 is visible in Q4 only; nothing of Q3 is in the difference
    assert [(r.seq, r.side, r.because) for r in c.events] == [(s, "added", "date") for s in range(11, 22)]
    transfer_leg = next(r for r in c.elements[1].figures if r.source == "TGN").events[0]
    assert (transfer_leg.recorded.actor, transfer_leg.recorded.reference, transfer_leg.recorded.fact.amount) == (
        "tester", "RA 050/2021", Decimal("1000")
    )


def test_issued_q3_against_q3_known_now_shows_only_the_late_figures(scenario):
    _, history = scenario
    report = issued(history, REPORT)
    assert report.seq == 10
    c = compare(PLAN, history, issued_view(report), known_now("2021-09-30"))

    # the two records made after the report, and nothing else; 22 corrects seq 4
    assert [(r.seq, r.side, r.because, r.corrects) for r in c.events] == [
        (22, "added", "recorded", 4),
        (23, "added", "recorded", None),
    ]
    assert figures(c.summary) == {
        ("budget_executed", None): ("1400.00", "1700.00", ["23"]),
        ("budget_execution_pct", None): ("27.45", "33.33", ["23"]),
        ("physical_progress_pct", None): ("40.00", "42.00", ["22"]),
        ("deviation_pts", None): ("33.00", "31.00", ["22"]),
    }
    assert not any(f.as_of_effect for f in c.summary)
    assert elements(c) == {
        "1": ("changed", {
            ("progress_pct", None): ("40.00", "42.00", ["22"]),
            ("deviation_pts", None): ("33.00", "31.00", ["22"]),
            ("budget_executed", None): ("1300.00", "1600.00", ["23"]),
            ("budget_execution_pct", None): ("26.00", "32.00", ["23"]),
        }),
        "1.1": ("changed", {
            ("budget_executed", None): ("400.00", "700.00", ["23"]),
            ("budget_execution_pct", None): ("20.00", "35.00", ["23"]),
        }),
        "1.2": ("changed", {
            ("progress_pct", None): ("40.00", "45.00", ["22"]),
            ("deviation_pts", None): ("30.00", "25.00", ["22"]),
        }),
        "1.1.2": ("changed", {
            ("budget_executed", None): ("0.00", "300.00", ["23"]),
            ("budget_execution_pct", None): ("0.00", "30.00", ["23"]),
        }),
        "1.2.1": ("changed", {
            ("progress_pct", None): ("60.00", "70.00", ["22"]),
        }),
    }


def test_swapping_the_views_mirrors_the_comparison(scenario):
    _, history = scenario
    q3, q4 = known_now("2021-09-30"), known_now("2021-12-31")
    forward, backward = compare(PLAN, history, q3, q4), compare(PLAN, history, q4, q3)

    def mirrored(c: Comparison, flip: bool) -> set:
        sides = {"added": "removed", "removed": "added"} if flip else {"added": "added", "removed": "removed"}
        found = set()
        for code, changes in [(None, c.summary)] + [(e.code, e.figures) for e in c.elements]:
            for f in changes:
                before, after = (f.after, f.before) if flip else (f.before, f.after)
                events = tuple((r.seq, sides[r.side]) for r in f.events)
                found.add((code, f.figure, f.source, shown(before), shown(after), events, f.as_of_effect))
        return found

    assert mirrored(forward, False) == mirrored(backward, True)
    assert {e.code: e.change for e in backward.elements}["1.1.3"] == "removed"
    assert {e.code: e.change for e in backward.elements}["1.2.2"] == "restored"


def test_every_difference_has_a_responsible_event_or_moved_with_the_quarter(scenario):
    _, history = scenario
    views = [known_now(d) for d in ("2021-03-31", "2021-06-30", "2021-09-30", "2021-11-05", "2021-12-31")]
    views.append(issued_view(issued(history, REPORT)))
    for before in views:
        for after in views:
            c = compare(PLAN, history, before, after)
            changes = list(c.summary) + [f for e in c.elements for f in e.figures]
            assert all(f.events or f.as_of_effect for f in changes), (before, after)
            if before == after:
                assert c.empty


def test_a_view_before_the_approval_is_refused(scenario):
    _, history = scenario
    with pytest.raises(ViewNotInForce) as refused:
        compare(PLAN, history, known_now("2021-09-30"), known_now("2020-12-31"))
    assert refused.value.side == "after"


# -- the command ------------------------------------------------------------------------


@pytest.fixture
def poa_t(scenario, tmp_path) -> PoaRunner:
    store, _ = scenario
    return PoaRunner(store, tmp_path)


def test_cli_json_issued_report_against_known_now(poa_t):
    result = poa_t.json("diff", "--from", f"issued:{REPORT}", "--to", "2021-09-30")
    assert set(result) == {"plan", "entity", "year", "from", "to", "summary", "elements", "events"}
    assert (result["plan"], result["year"]) == (PLAN, 2021)
    assert result["from"]["as_of"] == "2021-09-30"
    assert (result["from"]["issued"]["reference"], result["from"]["issued"]["seq"]) == (REPORT, 10)
    assert result["from"]["known_at"] == result["from"]["issued"]["recorded_at"]
    assert result["to"]["issued"] is None
    assert [(e["seq"], e["side"], e["because"], e["corrects"]) for e in result["events"]] == [
        (22, "added", "recorded", 4), (23, "added", "recorded", None),
    ]
    op = next(e for e in result["elements"] if e["code"] == "1.2.1")
    assert (op["kind"], op["parent"], op["title"], op["change"]) == ("operation", "1.2", "Op 1.2.1", "changed")
    [difference] = op["differences"]
    assert {k: v for k, v in difference.items() if k != "events"} == {
        "figure": "progress_pct", "source": None, "from": "60.00", "to": "70.00", "delta": "10.00",
        "as_of_effect": False,
    }
    [event] = difference["events"]
    assert set(event) == {"seq", "kind", "recorded_at", "actor", "reference", "date", "side", "because", "corrects", "values"}
    assert (event["seq"], event["kind"], event["date"], event["reference"], event["actor"]) == (
        22, "progress", "2021-09-30", None, "tester"
    )
    assert event["values"] == {"code": "1.2.1", "percent": "70.00"}
    summary = {d["figure"]: (d["from"], d["to"], d["delta"]) for d in result["summary"]}
    assert summary["budget_executed"] == ("1400.00", "1700.00", "300.00")
    assert summary["budget_execution_pct"] == ("27.45", "33.33", "5.88")  # as shown: 33.33 − 27.45


def test_cli_json_reformulation_values_are_the_changes_involved(poa_t):
    result = poa_t.json("diff", "--from", "2021-09-30", "--to", "2021-12-31@2100-01-01")
    acp = next(e for e in result["elements"] if e["code"] == "1.1")
    weight = next(d for d in acp["differences"] if d["figure"] == "weight")
    [event] = weight["events"]
    assert (event["seq"], event["kind"], event["reference"], event["date"]) == (11, "reformulate", "RD 020/2021", "2021-10-15")
    assert event["values"] == {
        "reason": "Nueva operación y reponderación", "changes": [{"update": {"code": "1.1", "weight": "70.00"}}],
    }
    top = next(e for e in result["events"] if e["seq"] == 11)
    assert [list(change) for change in top["values"]["changes"]] == [["add"], ["update"], ["update"]]
    assert top["values"]["changes"][0]["add"]["budget"] == {"Otros": "300.00"}


def test_cli_table_smoke(poa_t):
    result = poa_t("diff", "--from", "2021-09-30", "--to", "2021-12-31")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for expected in ("Diferencias entre dos vistas", "Cifras del POA", "1.1.3", "añadido", "cancelado",
                     "Presupuesto vigente Otros", "+11", "(trimestre)", "RD 025/2021"):
        assert expected in text, expected
    same = poa_t("diff", "--from", "2021-09-30", "--to", "2021-09-30")
    assert same.returncode == 0 and "Sin diferencias" in same.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("--from", "2021-09-31", "--to", "2021-12-31"), "option --from: AS_OF is not a real date"),
        (("--from", "2021-09-30", "--to", "2021-12-31@soon"), "option --to: KNOWN_AT must be a timestamp"),
        (("--from", "issued:NOPE", "--to", "2021-12-31"), "option --from: no report issued as 'NOPE' (issued: 'INF-T3-2021')"),
        (("--from", "2021-09-30", "--to", "2020-06-30"), "option --to: plan T-2021 is not in force at 2020-06-30"),
    ],
)
def test_cli_bad_views_exit_2_naming_the_option(poa_t, args, message):
    result = poa_t("diff", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


# -- on random histories (the strategies of test_properties) ---------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=order_free_facts(), choice=st.data())
def test_random_histories_every_difference_is_explained_and_swapping_mirrors(data, choice):
    approval, facts = data
    history = record_all(approval, facts).history
    moments = [FAR] + [r.recorded_at for r in history]

    def view() -> View:
        return View(date.fromisoformat(choice.draw(st.sampled_from(AS_OF))), choice.draw(st.sampled_from(moments)))

    before, after = view(), view()
    forward, backward = compare(KEY, history, before, after), compare(KEY, history, after, before)

    def shape(c: Comparison) -> set:
        return {
            (code, f.figure, f.source, f.as_of_effect, frozenset(r.seq for r in f.events))
            for code, changes in [(None, c.summary)] + [(e.code, e.figures) for e in c.elements]
            for f in changes
        }

    assert all(f.events or f.as_of_effect for f in list(forward.summary) + [f for e in forward.elements for f in e.figures])
    assert shape(forward) == shape(backward)
    assert {r.seq for r in forward.events} == {r.seq for r in backward.events}


def test_cli_end_to_end_with_a_report_issued_by_poa_report(tmp_path):
    """The same scenario through the CLI only: `poa apply`, `poa report --issue`, `poa diff --from issued:REF`."""
    poa = PoaRunner(tmp_path / "poa.db", tmp_path)
    for name, entries in (("q3", Q3), ("q4", Q4), ("late", LATE)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"plan": PLAN, "entries": entries}))
    assert poa("apply", str(tmp_path / "q3.json")).returncode == 0
    printed = poa.json("report", "--as-of", "2021-09-30", "--issue", REPORT)
    for name in ("q4", "late"):
        assert poa("apply", str(tmp_path / f"{name}.json")).returncode == 0

    result = poa.json("diff", "--from", f"issued:{REPORT}", "--to", "2021-09-30")
    assert [(e["seq"], e["because"]) for e in result["events"]] == [(22, "recorded"), (23, "recorded")]
    summary = {d["figure"]: (d["from"], d["to"]) for d in result["summary"]}
    assert summary == {
        "budget_executed": ("1400.00", "1700.00"),
        "budget_execution_pct": ("27.45", "33.33"),
        "physical_progress_pct": ("40.00", "42.00"),
        "deviation_pts": ("33.00", "31.00"),
    }
    for figure, (before, _) in summary.items():  # "from" is what the issued report printed
        assert printed["summary"][figure] == before, figure
    reprinted = poa.json("report", "--issued", REPORT)
    assert reprinted["summary"] == printed["summary"]
