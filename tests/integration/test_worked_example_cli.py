"""The worked example (plan WX-2021, worked out by hand in tests/unit/test_worked_example.py)
through the real store: it reads back the facts the unit tests fold, one recorded time per
batch, and `poa report --format json` (in-process) shows the hand-computed figures.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.postgres import STORE_KINDS, empty_store
from support.runners import PoaInProcess
from support.worked_example import BATCHES, PLAN, Scenario, in_memory, in_store

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL


@pytest.fixture(scope="module", params=STORE_KINDS)
def worked_store(request, tmp_path_factory) -> Iterator[str]:
    """The module's store for the worked example, one of each kind: a SQLite file,
    or a PostgreSQL store of its own (a fresh schema, dropped afterwards)."""
    with empty_store(request.param, tmp_path_factory.mktemp("worked"), request) as store:
        yield store


@pytest.fixture(scope="module")
def scenario(worked_store) -> Scenario:
    return in_store(worked_store)


def test_the_store_reads_back_the_facts_the_unit_tests_fold(scenario):
    s, memory = scenario, in_memory()
    assert [(r.seq, r.actor, r.fact) for r in s.history] == [(r.seq, r.actor, r.fact) for r in memory.history]
    # one recorded time per batch (the transaction's), later for each later batch: as in memory
    assert all(s.first[name] == s.last[name] for name, _ in BATCHES)
    assert s.last["A"] < s.last["B"] < s.last["C"] < s.last["D"]
    stamps = {r.seq: r.recorded_at for r in s.history}
    shape = {r.seq: r.recorded_at for r in memory.history}
    assert [stamps[a] == stamps[b] for a, b in zip(stamps, list(stamps)[1:])] == [
        shape[a] == shape[b] for a, b in zip(shape, list(shape)[1:])
    ]


def test_cli_json_report_shows_the_hand_computed_figures(scenario, tmp_path):
    s = scenario
    poa = PoaInProcess(s.store, tmp_path)

    q3 = poa.json("report", "--plan", PLAN, "--as-of", "2021-09-30")
    summary = q3["summary"]
    assert summary == {
        "strategic_actions": 2,
        "short_term_actions": 3,
        "operations": 6,
        "tasks": 2,
        "weights_total": "90.00",  # 40 + 20 + 30
        "budget_current": "330000.00",  # 310000 + 20000
        "budget_executed": "164000.00",  # 62000 + 23000 + 75000 + 4000
        "budget_execution_pct": "49.70",  # 164000/330000 = 49.696…
        "physical_progress_pct": "61.67",  # 5550/90
        "programmed_pct": "68.89",  # 6200/90
        "deviation_pts": "7.22",  # 650/90
        "reformulations": 2,
        "budget_modifications": 3,  # RA 020/2021 (two, 05-10) and RA 050/2021 (09-15), counted apart
        "physical_efficacy_pct": "89.52",  # 5550/6200 × 100
        "efficiency_pct": "69.61",  # 89.516… × 0.5 + 49.696… × 0.5 = 69.606…
        "efficiency_band": "sufficient",  # 51 ≤ 69.61 < 76
        "relative_efficiency": "1.80",  # 89.516… / 49.696…
    }
    by_code = {e["code"]: e for kind in ("strategic_actions", "short_term_actions", "operations", "tasks") for e in q3[kind]}
    aei1 = by_code["1"]
    assert (aei1["progress_pct"], aei1["programmed_pct"], aei1["deviation_pts"]) == ("65.00", "73.33", "8.33")
    assert aei1["budget_current"] == "180000.00"
    acp11 = by_code["1.1"]
    assert (acp11["weight"], acp11["progress_pct"], acp11["programmed_pct"], acp11["deviation_pts"]) == (
        "40.00", "77.50", "75.00", "-2.50")
    assert acp11["budget"] == {"Otros": "20000.00", "TGN": "80000.00"}
    assert (acp11["budget_executed"], acp11["budget_execution_pct"]) == ("62000.00", "62.00")
    acp12 = by_code["1.2"]
    assert (acp12["progress_pct"], acp12["programmed_pct"], acp12["deviation_pts"]) == ("40.00", "70.00", "30.00")
    assert (acp12["budget_current"], acp12["budget_executed"], acp12["budget_execution_pct"]) == (
        "80000.00", "23000.00", "28.75")
    acp21 = by_code["2.1"]
    assert (acp21["progress_pct"], acp21["programmed_pct"], acp21["deviation_pts"]) == ("55.00", "60.00", "5.00")
    assert (acp21["budget_current"], acp21["budget_executed"], acp21["budget_execution_pct"]) == (
        "140000.00", "75000.00", "53.57")
    assert (by_code["2.2"]["status"], by_code["2.2"]["budget_current"], by_code["2.2"]["budget_executed"]) == (
        "cancelled", "10000.00", "4000.00")
    op122 = by_code["1.2.2"]
    assert (op122["status"], op122["budget"], op122["budget_executed"]) == ("cancelled", {"TGN": "30000.00"}, "12000.00")
    op111 = by_code["1.1.1"]
    assert (op111["weight"], op111["progress_pct"]) == ("1.00", "85.00")  # (1·100 + 3·80)/4
    assert op111["budget"] == {"Otros": "20000.00", "TGN": "65000.00"}
    assert (op111["budget_executed"], op111["budget_execution_pct"]) == ("47000.00", "55.29")
    assert (by_code["1.2.3"]["weight"], by_code["1.2.3"]["budget"]) == ("2.00", {"Otros": "10000.00"})

    # as known at the last event of batch C: before the correction and the late facts
    then = poa.json("report", "--plan", PLAN, "--as-of", "2021-09-30", "--known-at", s.last["C"].isoformat())
    assert then["summary"]["physical_progress_pct"] == "63.33"  # 5700/90
    assert then["summary"]["deviation_pts"] == "5.56"  # 500/90
    assert then["summary"]["budget_executed"] == "161000.00"
    assert then["summary"]["budget_execution_pct"] == "48.79"  # 161000/330000
    assert next(e for e in then["short_term_actions"] if e["code"] == "2.1")["progress_pct"] == "60.00"

    # Q1: half-up rounding of an exact .xx5
    q1 = poa.json("report", "--plan", PLAN, "--as-of", "2021-03-31")
    assert next(e for e in q1["operations"] if e["code"] == "1.1.1")["budget_execution_pct"] == "15.63"  # 12500/80000
    aeis = {e["code"]: e["progress_pct"] for e in q1["strategic_actions"]}
    assert aeis == {"1": "30.71", "2": "6.67"}  # 2150/70; 200/30
    assert (q1["summary"]["physical_progress_pct"], q1["summary"]["programmed_pct"], q1["summary"]["deviation_pts"]) == (
        "23.50", "22.00", "-1.50")
    assert q1["summary"]["budget_execution_pct"] == "5.65"  # 17500/310000 = 5.645…
