"""The worked example: one small POA whose every figure was computed by hand from SPEC §4.

The scenario (plan WX-2021, tests/support/worked_example.py) is recorded once, in
four batches, on a plan in memory; every test folds its history with `evaluate(...)`
at some (as_of, known_at). tests/integration/test_worked_example_cli.py records the
same batches through the real store, checks that it reads back the same facts, and
reads the same figures through `poa report --format json`. Every expected value below
comes from the arithmetic written next to it, never from the program's output.

Structure approved on 2021-01-04 (weights: ACP weights in force; operation and
task weights within their parent; a missing operation weight is 1):

    AEI 1
      ACP 1.1  w50 (w40 from 07-01)  schedule default 25/50/75/100
        op 1.1.1  w3 (w1 from 07-01)  TGN 60000 + Otros 20000
          task 1.1.1.1 w1
          task 1.1.1.2 w3
        op 1.1.2  w1                  TGN 20000
      ACP 1.2  w20                    schedule 10/40/70/100
        op 1.2.1  w1                  Otros 50000
        op 1.2.2  w1                  TGN 30000        (cancelled 08-16)
        op 1.2.3  w2  added 07-01     Otros 10000      (budget line 1.2.1 Otros -10000)
    AEI 2
      ACP 2.1  w20 (w30 from 07-01)  schedule default, 20/40/60/100 from 07-01
        op 2.1.1  w1                  TGN 100000
        op 2.1.2  w1                  Otros 20000      (+20000 on 09-15)
      ACP 2.2  w10                    schedule default (cancelled 08-16, with op 2.2.1)
        op 2.2.1  w1                  TGN 10000

Approved budget: 80000 + 20000 + 50000 + 30000 + 100000 + 20000 + 10000 = 310000.

Batches, in recorded order:
  A  approval; Q1 (03-31) progress and execution.
  B  transfer 1.1.2 -> 1.1.1 (TGN 5000, 05-10); Q2 (06-30) progress, including a
     direct record on ACP 2.1, and execution.
  C  reformulation R1 (07-01: add 1.2.3, weights, schedule, budget line);
     reformulation R2 (08-16: cancel 1.2.2 and ACP 2.2); budget +20000 (09-15);
     Q3 (09-30) progress and execution.
  D  late and corrective facts, recorded last: progress 1.2.2 = 20 at 06-30 (late),
     execution 1.2.1 Otros 8000 at 06-30 (late), ACP 2.1 progress 60 -> 55 at
     09-30 (correction), execution 1.1.1 TGN 50000 -> 45000 at 09-30
     (correction), justification of ACP 1.2 at 09-30.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from poa.projections.evaluation import Evaluation, NotInForce
from support.worked_example import Scenario, in_memory

D = Decimal


def q(value: Decimal) -> Decimal:
    """A figure as shown: rounded half-up to two places."""
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- the scenario (its data: tests/support/worked_example.py) -----------------------------


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return in_memory()


def progress_of(ev: Evaluation, code: str) -> Decimal:
    return ev.element(code).progress_pct


# -- the recording itself -----------------------------------------------------------------


def test_batches_are_recorded_in_order_and_the_late_facts_come_last(scenario):
    s = scenario
    assert [r.seq for r in s.history] == list(range(1, 10 + 14 + 12 + 5 + 1))
    assert s.last["A"] < s.first["B"] <= s.last["B"] < s.first["C"] <= s.last["C"] < s.first["D"] <= s.last["D"]
    late = s.history[-5]
    assert late.fact.code == "1.2.2" and late.fact.date == date(2021, 6, 30)
    # recorded after the Q3 facts of batch C, yet effective three months earlier
    q3 = [r for r in s.history if r.recorded_at <= s.last["C"] and r.fact.date == date(2021, 9, 30)]
    assert q3 and all(r.seq < late.seq and r.recorded_at < late.recorded_at for r in q3)


def test_plan_is_not_in_force_before_its_approval(scenario):
    with pytest.raises(NotInForce):
        scenario.at("2021-01-03")
    ev = scenario.at("2021-01-04")
    # approval day: no record yet, no quarter end passed
    assert ev.summary.physical_progress_pct == 0
    assert ev.summary.programmed_pct == 0
    assert ev.summary.budget_current == D(310000)  # 80000+20000+50000+30000+100000+20000+10000
    assert (ev.summary.short_term_actions, ev.summary.operations, ev.summary.tasks) == (4, 7, 2)


# -- progress: tasks -> operations -> ACPs -> AEIs and the plan ------------------------------


def test_q1_weighted_progress_from_tasks_up_to_the_institution(scenario):
    ev = scenario.at("2021-03-31")
    # op 1.1.1 from its tasks (w1, w3): (1·100 + 3·20) / 4 = 160/4 = 40
    assert progress_of(ev, "1.1.1") == D(40)
    # ACP 1.1 from its operations (w3, w1): (3·40 + 1·20) / 4 = 140/4 = 35
    assert progress_of(ev, "1.1") == D(35)
    # ACP 1.2, operation weights default to 1: (30 + 10) / 2 = 20
    assert progress_of(ev, "1.2") == D(20)
    # ACP 2.1 has no record of its own yet: (1·20 + 1·0) / 2 = 10 (2.1.2 has no record: 0)
    assert progress_of(ev, "2.1") == D(10)
    # ACP 2.2: its only operation has no record: 0
    assert progress_of(ev, "2.2") == D(0)
    # AEI 1 = (50·35 + 20·20) / (50+20) = 2150/70 = 30.714285… -> 30.71
    assert q(progress_of(ev, "1")) == D("30.71")
    # AEI 2 = (20·10 + 10·0) / (20+10) = 200/30 = 6.666… -> 6.67
    assert q(progress_of(ev, "2")) == D("6.67")
    # institution = (50·35 + 20·20 + 20·10 + 10·0) / 100 = 2350/100 = 23.5
    assert ev.summary.physical_progress_pct == D("23.5")
    assert ev.summary.weights_total == D(100)  # 50+20+20+10


def test_one_day_before_q1_cut_off_nothing_is_visible(scenario):
    ev = scenario.at("2021-03-30")
    # every progress record is dated 03-31 > 03-30
    assert all(f.progress_pct == 0 for f in ev.elements())
    assert ev.summary.physical_progress_pct == 0


def test_q2_progress_before_and_after_the_late_record_is_known(scenario):
    s = scenario
    before = s.at("2021-06-30", known_at=s.last["C"])  # batch D (the late record) not yet recorded
    after = s.at("2021-06-30")  # known now
    for ev in (before, after):
        # op 1.1.1 = (1·100 + 3·60) / 4 = 280/4 = 70
        assert progress_of(ev, "1.1.1") == D(70)
        # ACP 1.1 (w3, w1) = (3·70 + 1·50) / 4 = 260/4 = 65
        assert progress_of(ev, "1.1") == D(65)
        # ACP 2.2 = op 2.2.1 = 40
        assert progress_of(ev, "2.2") == D(40)
        # AEI 2 = (20·45 + 10·40) / 30 = 1300/30 = 43.333… -> 43.33
        assert q(progress_of(ev, "2")) == D("43.33")
    # before the late record: op 1.2.2 still at its Q1 figure 10
    assert progress_of(before, "1.2.2") == D(10)
    # ACP 1.2 = (50 + 10) / 2 = 30
    assert progress_of(before, "1.2") == D(30)
    # AEI 1 = (50·65 + 20·30) / 70 = 3850/70 = 55
    assert progress_of(before, "1") == D(55)
    # institution = (50·65 + 20·30 + 20·45 + 10·40) / 100 = (3250+600+900+400)/100 = 51.5
    assert before.summary.physical_progress_pct == D("51.5")
    # after: the late record (06-30, recorded last) is the latest cut-off of 1.2.2: 20
    assert progress_of(after, "1.2.2") == D(20)
    # ACP 1.2 = (50 + 20) / 2 = 35
    assert progress_of(after, "1.2") == D(35)
    # AEI 1 = (50·65 + 20·35) / 70 = 3950/70 = 56.428571… -> 56.43
    assert q(progress_of(after, "1")) == D("56.43")
    # institution = (3250 + 700 + 900 + 400) / 100 = 52.5
    assert after.summary.physical_progress_pct == D("52.5")


def test_the_late_record_is_not_visible_before_its_own_effective_date(scenario):
    ev = scenario.at("2021-05-31")  # known now, but the late record is dated 06-30
    assert progress_of(ev, "1.2.2") == D(10)
    # same figures as Q1 (no record between 03-31 and 05-31): 23.5
    assert ev.summary.physical_progress_pct == D("23.5")


def test_direct_progress_on_an_acp_wins_over_its_operations(scenario):
    s = scenario
    q2 = s.at("2021-06-30")
    # its operations would give (1·80 + 1·0) / 2 = 40, but the ACP's own record says 45
    assert progress_of(q2, "2.1.1") == D(80)
    assert progress_of(q2, "2.1.2") == D(0)
    assert progress_of(q2, "2.1") == D(45)
    # before that record existed (Q1) the ACP was the mean of its operations: 10
    assert progress_of(s.at("2021-06-29"), "2.1") == D(10)


def test_correction_of_an_acp_record_wins_once_recorded(scenario):
    s = scenario
    # ACP 2.1 at 09-30: 60 recorded in batch C, corrected to 55 in batch D (same element, same date)
    assert progress_of(s.at("2021-09-30", known_at=s.last["C"]), "2.1") == D(60)
    # the correction is batch D's third event (seq 39); a batch is committed at one moment, so
    # just before that moment the ledger says 60, and from it on 55: no view shows part of a batch
    correction = s.history[-3]
    assert (correction.seq, correction.fact.code, correction.fact.percent) == (39, "2.1", D(55))
    assert correction.recorded_at == s.history[-4].recorded_at == s.last["D"]
    assert progress_of(s.at("2021-09-30", known_at=correction.recorded_at - timedelta(microseconds=1)), "2.1") == D(60)
    assert progress_of(s.at("2021-09-30", known_at=correction.recorded_at), "2.1") == D(55)
    assert progress_of(s.at("2021-09-30"), "2.1") == D(55)
    # the correction does not touch the earlier cut-off: 06-30 stays 45 at any known_at
    assert progress_of(s.at("2021-06-30", known_at=s.last["C"]), "2.1") == D(45)
    assert progress_of(s.at("2021-06-30"), "2.1") == D(45)


# -- reformulation: an operation added, weights and a schedule changed on 07-01 -------------


def test_reformulation_changes_figures_from_its_effective_date(scenario):
    s = scenario
    before, after = s.at("2021-06-30"), s.at("2021-07-01")
    # weights in force
    assert before.element("1.1").weight == D(50) and after.element("1.1").weight == D(40)
    assert before.element("2.1").weight == D(20) and after.element("2.1").weight == D(30)
    assert before.element("1.1.1").weight == D(3) and after.element("1.1.1").weight == D(1)
    # the added operation exists only from 07-01, with its weight 2
    assert "1.2.3" not in {f.code for f in before.operations}
    assert after.element("1.2.3").weight == D(2)
    assert (before.summary.operations, after.summary.operations) == (7, 8)
    # ACP 1.1: before (3·70 + 1·50)/4 = 65; after, with weights 1 and 1: (70 + 50)/2 = 60
    assert progress_of(before, "1.1") == D(65)
    assert progress_of(after, "1.1") == D(60)
    # ACP 1.2: before (50 + 20)/2 = 35; after, 1.2.3 (w2) has no record: (1·50 + 1·20 + 2·0)/4 = 70/4 = 17.5
    assert progress_of(before, "1.2") == D(35)
    assert progress_of(after, "1.2") == D("17.5")
    # AEI 1 after = (40·60 + 20·17.5) / 60 = (2400 + 350)/60 = 2750/60 = 45.8333… -> 45.83
    assert q(progress_of(after, "1")) == D("45.83")
    # institution after = (40·60 + 20·17.5 + 30·45 + 10·40) / 100 = (2400+350+1350+400)/100 = 45
    assert after.summary.physical_progress_pct == D(45)
    assert before.summary.weights_total == D(100) and after.summary.weights_total == D(100)  # 40+20+30+10
    assert (before.summary.reformulations, after.summary.reformulations) == (0, 1)
    # as known before batch C (no reformulation recorded yet) 07-01 looks like 06-30 did then:
    # ACP 1.1 = 65 and the institution (50·65 + 20·30 + 20·45 + 10·40)/100 = 51.5
    then = s.at("2021-07-01", known_at=s.last["B"])
    assert progress_of(then, "1.1") == D(65)
    assert then.summary.physical_progress_pct == D("51.5")
    assert then.summary.reformulations == 0


# -- cancellation on 08-16: operation 1.2.2 and ACP 2.2 (with its operation 2.2.1) ------------


def test_cancellation_leaves_counts_and_aggregation_from_its_date(scenario):
    s = scenario
    before, after = s.at("2021-08-15"), s.at("2021-08-16")
    assert {c: before.element(c).status for c in ("1.2.2", "2.2", "2.2.1")} == dict.fromkeys(("1.2.2", "2.2", "2.2.1"), "active")
    assert {c: after.element(c).status for c in ("1.2.2", "2.2", "2.2.1")} == dict.fromkeys(("1.2.2", "2.2", "2.2.1"), "cancelled")
    # still listed, not counted
    assert {"1.2.2", "2.2.1"} <= {f.code for f in after.operations}
    assert "2.2" in {f.code for f in after.short_term_actions}
    assert (before.summary.short_term_actions, after.summary.short_term_actions) == (4, 3)
    assert (before.summary.operations, after.summary.operations) == (8, 6)
    assert (before.summary.weights_total, after.summary.weights_total) == (D(100), D(90))  # 40+20+30
    # ACP 1.2 on 08-15: (1·50 + 1·20 + 2·0)/4 = 17.5; on 08-16 without 1.2.2: (1·50 + 2·0)/3 = 16.666… -> 16.67
    assert progress_of(before, "1.2") == D("17.5")
    assert q(progress_of(after, "1.2")) == D("16.67")
    # AEI 2 on 08-15 = (30·45 + 10·40)/40 = 1750/40 = 43.75; on 08-16 only ACP 2.1 is active: 45
    assert progress_of(before, "2") == D("43.75")
    assert progress_of(after, "2") == D(45)
    # AEI 1 on 08-16 = (40·60 + 20·16.666…)/60 = 2733.333…/60 = 45.5555… -> 45.56
    assert q(progress_of(after, "1")) == D("45.56")
    # institution on 08-15 = (40·60 + 20·17.5 + 30·45 + 10·40)/100 = 4500/100 = 45
    assert before.summary.physical_progress_pct == D(45)
    # institution on 08-16 = (40·60 + 20·(50/3) + 30·45)/90 = (2400 + 333.33… + 1350)/90 = 4083.33…/90 = 45.370… -> 45.37
    assert q(after.summary.physical_progress_pct) == D("45.37")
    # a cancelled element keeps its own figure (the late record of 1.2.2: 20) but leaves its parent's
    assert progress_of(after, "1.2.2") == D(20)
    # ACP 2.2 has no record and no active child left: 0
    assert progress_of(after, "2.2") == D(0)


def test_cancelled_budget_stays_in_the_acp_and_plan_current_budget(scenario):
    ev = scenario.at("2021-08-16")
    assert ev.element("1.2.2").budget_current == D(30000)
    # ACP 1.2 = 1.2.1 (50000 - 10000) + 1.2.2 30000 (cancelled) + 1.2.3 10000 = 80000
    assert ev.element("1.2").budget_current == D(80000)
    assert ev.element("1.2").budget == {"Otros": D(50000), "TGN": D(30000)}  # 40000+10000; 30000
    # ACP 2.2 (cancelled) keeps 2.2.1's 10000; AEI 2 = 120000 + 10000 = 130000
    assert ev.element("2.2").budget_current == D(10000)
    assert ev.element("2").budget_current == D(130000)
    # plan: nothing moved out, 310000 (the +20000 of 09-15 is not yet in force)
    assert ev.summary.budget_current == D(310000)


# -- Q3 (09-30): the full picture, as known now and as known before batch D -------------------


def test_q3_progress_programmed_and_deviation(scenario):
    s = scenario
    ev = s.at("2021-09-30")
    # op 1.1.1 = (1·100 + 3·80)/4 = 340/4 = 85
    assert progress_of(ev, "1.1.1") == D(85)
    # ACP 1.1 (op weights 1, 1) = (85 + 70)/2 = 77.5
    assert progress_of(ev, "1.1") == D("77.5")
    # ACP 1.2 (1.2.2 cancelled) = (1·60 + 2·30)/3 = 120/3 = 40  [with 1.2.2 it would be 35]
    assert progress_of(ev, "1.2") == D(40)
    # ACP 2.1 = its own (corrected) record: 55
    assert progress_of(ev, "2.1") == D(55)
    # AEI 1 = (40·77.5 + 20·40)/60 = (3100 + 800)/60 = 3900/60 = 65
    assert progress_of(ev, "1") == D(65)
    # AEI 2 = only ACP 2.1 is active: 55
    assert progress_of(ev, "2") == D(55)
    # institution = (40·77.5 + 20·40 + 30·55)/(40+20+30) = (3100+800+1650)/90 = 5550/90 = 61.666… -> 61.67
    assert q(ev.summary.physical_progress_pct) == D("61.67")
    # programmed: 1.1 default Q3 75; 1.2 custom Q3 70; 2.1 new schedule Q3 60
    assert [ev.element(c).programmed_pct for c in ("1.1", "1.2", "2.1")] == [D(75), D(70), D(60)]
    # deviations: 75 - 77.5 = -2.5; 70 - 40 = 30; 60 - 55 = 5
    assert [ev.element(c).deviation_pts for c in ("1.1", "1.2", "2.1")] == [D("-2.5"), D(30), D(5)]
    # AEI 1 programmed = (40·75 + 20·70)/60 = 4400/60 = 73.333… -> 73.33; deviation 500/60 = 8.333… -> 8.33
    assert q(ev.element("1").programmed_pct) == D("73.33")
    assert q(ev.element("1").deviation_pts) == D("8.33")
    # institution programmed = (40·75 + 20·70 + 30·60)/90 = 6200/90 = 68.888… -> 68.89
    assert q(ev.summary.programmed_pct) == D("68.89")
    # deviation = 6200/90 - 5550/90 = 650/90 = 7.222… -> 7.22
    assert q(ev.summary.deviation_pts) == D("7.22")
    assert (ev.summary.strategic_actions, ev.summary.short_term_actions, ev.summary.operations, ev.summary.tasks) == (2, 3, 6, 2)
    assert ev.summary.weights_total == D(90)
    assert ev.summary.reformulations == 2


def test_q3_as_known_before_the_correction(scenario):
    s = scenario
    for known_at in (s.last["C"], s.last["C"] + (s.first["D"] - s.last["C"]) / 2):
        ev = s.at("2021-09-30", known_at=known_at)
        assert progress_of(ev, "2.1") == D(60)
        # institution = (3100 + 800 + 30·60)/90 = 5700/90 = 63.333… -> 63.33
        assert q(ev.summary.physical_progress_pct) == D("63.33")
        # deviation = (6200 - 5700)/90 = 500/90 = 5.555… -> 5.56
        assert q(ev.summary.deviation_pts) == D("5.56")


def test_q3_as_known_after_batch_a_and_after_batch_b(scenario):
    s = scenario
    # after A: approved structure only, Q1 records; programmed at 09-30 with the approved
    # schedules: 1.1 75, 1.2 70, 2.1 75, 2.2 75 -> (50·75 + 20·70 + 20·75 + 10·75)/100 = 7400/100 = 74
    a = s.at("2021-09-30", known_at=s.last["A"])
    assert a.summary.physical_progress_pct == D("23.5")  # the Q1 figure
    assert a.summary.programmed_pct == D(74)
    assert a.summary.deviation_pts == D("50.5")  # 74 - 23.5
    assert a.summary.budget_current == D(310000)
    assert a.summary.budget_executed == D(17500)  # ACP 1.1: 10500 + 2000 + 5000
    # after B: Q2 records known, no reformulation: (50·65 + 20·30 + 20·45 + 10·40)/100 = 51.5
    b = s.at("2021-09-30", known_at=s.last["B"])
    assert b.summary.physical_progress_pct == D("51.5")
    assert b.summary.programmed_pct == D(74)
    assert b.summary.deviation_pts == D("22.5")  # 74 - 51.5
    assert b.summary.operations == 7 and b.summary.reformulations == 0


# -- programmed progress by quarter ----------------------------------------------------------


@pytest.mark.parametrize(
    "as_of, acp_1_1, acp_1_2, acp_2_1, plan",
    [
        # before the first quarter end: 0 everywhere
        ("2021-03-30", 0, 0, 0, D(0)),
        # Q1: default 25, custom 10, default 25, (2.2) 25 -> (50·25 + 20·10 + 20·25 + 10·25)/100 = 2200/100 = 22
        ("2021-03-31", 25, 10, 25, D(22)),
        ("2021-06-29", 25, 10, 25, D(22)),
        # Q2: 50, 40, 50, (2.2) 50 -> (2500 + 800 + 1000 + 500)/100 = 48
        ("2021-06-30", 50, 40, 50, D(48)),
        # after R1, still two quarter ends: 2.1's new schedule gives 40; weights 40/20/30/10
        # -> (40·50 + 20·40 + 30·40 + 10·50)/100 = (2000+800+1200+500)/100 = 45
        ("2021-07-01", 50, 40, 40, D(45)),
        # after R2 (2.2 cancelled): (40·50 + 20·40 + 30·40)/90 = 4000/90 = 44.444… -> 44.44
        ("2021-08-16", 50, 40, 40, D("44.44")),
        # Q3: 75, 70, 60 -> 6200/90 = 68.888… -> 68.89
        ("2021-09-30", 75, 70, 60, D("68.89")),
        # Q4: 100 everywhere -> 100
        ("2021-12-31", 100, 100, 100, D(100)),
    ],
)
def test_programmed_progress_by_quarter(scenario, as_of, acp_1_1, acp_1_2, acp_2_1, plan):
    ev = scenario.at(as_of)
    assert [ev.element(c).programmed_pct for c in ("1.1", "1.2", "2.1")] == [D(acp_1_1), D(acp_1_2), D(acp_2_1)]
    assert q(ev.summary.programmed_pct) == plan


def test_deviation_is_programmed_minus_progress(scenario):
    q1 = scenario.at("2021-03-31")
    # 22 - 23.5 = -1.5; ACP 1.1: 25 - 35 = -10; ACP 1.2: 10 - 20 = -10; ACP 2.1: 25 - 10 = 15
    assert q1.summary.deviation_pts == D("-1.5")
    assert [q1.element(c).deviation_pts for c in ("1.1", "1.2", "2.1")] == [D(-10), D(-10), D(15)]
    q2 = scenario.at("2021-06-30")
    # 48 - 52.5 = -4.5; ACP 1.2: 40 - 35 = 5; ACP 2.1: 50 - 45 = 5
    assert q2.summary.deviation_pts == D("-4.5")
    assert q2.element("1.2").deviation_pts == D(5) and q2.element("2.1").deviation_pts == D(5)
    q4 = scenario.at("2021-12-31")
    # no record after 09-30: 100 - 5550/90 = 100 - 61.666… = 38.333… -> 38.33
    assert q(q4.summary.deviation_pts) == D("38.33")


# -- current budget -----------------------------------------------------------------------


def test_budget_transfer_moves_money_from_its_date(scenario):
    s = scenario
    before, after = s.at("2021-05-09"), s.at("2021-05-10")
    assert before.element("1.1.1").budget == {"Otros": D(20000), "TGN": D(60000)}
    assert before.element("1.1.2").budget == {"TGN": D(20000)}
    # 1.1.1 TGN 60000 + 5000 = 65000; 1.1.2 TGN 20000 - 5000 = 15000
    assert after.element("1.1.1").budget == {"Otros": D(20000), "TGN": D(65000)}
    assert after.element("1.1.1").budget_current == D(85000)
    assert after.element("1.1.2").budget_current == D(15000)
    # the transfer sums to zero: ACP 1.1 stays 80000 + 20000 = 100000, the plan 310000
    for ev in (before, after):
        assert ev.element("1.1").budget_current == D(100000)
        assert ev.summary.budget_current == D(310000)
    # as known before batch B, the transfer does not exist yet
    assert s.at("2021-05-10", known_at=s.last["A"]).element("1.1.1").budget_current == D(80000)


def test_budget_line_of_the_reformulation_and_a_later_increase(scenario):
    s = scenario
    assert s.at("2021-06-30").element("1.2.1").budget_current == D(50000)
    jul = s.at("2021-07-01")
    assert jul.element("1.2.1").budget_current == D(40000)  # 50000 - 10000
    assert jul.element("1.2.3").budget == {"Otros": D(10000)}  # the amount given when added
    assert jul.element("1.2").budget_current == D(80000)  # 40000 + 30000 + 10000
    assert jul.summary.budget_current == D(310000)
    # 09-15: 2.1.2 Otros 20000 + 20000 = 40000; ACP 2.1 = 100000 + 40000 = 140000
    assert s.at("2021-09-14").summary.budget_current == D(310000)
    sep = s.at("2021-09-15")
    assert sep.element("2.1.2").budget_current == D(40000)
    assert sep.element("2.1").budget_current == D(140000)
    assert sep.element("2").budget_current == D(150000)  # 140000 + 10000 (2.2, cancelled)
    assert sep.element("1").budget_current == D(180000)  # 100000 + 80000
    assert sep.summary.budget_current == D(330000)  # 310000 + 20000


# -- executed budget ------------------------------------------------------------------------


def test_q1_execution_per_source_and_half_up_rounding(scenario):
    ev = scenario.at("2021-03-31")
    # op 1.1.1 = TGN 10500 + Otros 2000 = 12500; of 80000 = 15.625 % -> half-up 15.63
    assert ev.element("1.1.1").budget_executed == D(12500)
    assert ev.element("1.1.1").budget_execution_pct == D("15.625")
    assert q(ev.element("1.1.1").budget_execution_pct) == D("15.63")
    # op 1.1.2 without source: 5000
    assert ev.element("1.1.2").budget_executed == D(5000)
    # ACP 1.1 has no records: 12500 + 5000 = 17500, of 100000 = 17.5 %
    assert ev.element("1.1").budget_executed == D(17500)
    assert ev.element("1.1").budget_execution_pct == D("17.5")
    # plan = Σ over ACPs = 17500 + 0 + 0 + 0; of 310000 = 5.645… -> 5.65
    assert ev.summary.budget_executed == D(17500)
    assert q(ev.summary.budget_execution_pct) == D("5.65")


def test_q2_execution_latest_record_per_source_key(scenario):
    s = scenario
    for known_at, late in ((s.last["C"], D(0)), (None, D(8000))):
        ev = s.at("2021-06-30", known_at=known_at)
        # op 1.1.1: TGN latest is 30000 (06-30), Otros latest is still 2000 (03-31): 32000
        assert ev.element("1.1.1").budget_executed == D(32000)
        # of 85000 = 37.647… -> 37.65
        assert q(ev.element("1.1.1").budget_execution_pct) == D("37.65")
        # op 1.1.2 without source: the 06-30 record replaces the 03-31 one: 15000
        assert ev.element("1.1.2").budget_executed == D(15000)
        # ACP 1.1 = 32000 + 15000 = 47000
        assert ev.element("1.1").budget_executed == D(47000)
        # ACP 2.1 has its own record: 50000 (not 30000 + 0 from its operations)
        assert ev.element("2.1.1").budget_executed == D(30000)
        assert ev.element("2.1").budget_executed == D(50000)
        # late execution of 1.2.1 (Otros 8000 at 06-30) is known only after batch D
        assert ev.element("1.2.1").budget_executed == late
        # ACP 1.2 = 1.2.1 + 12000 (1.2.2)
        assert ev.element("1.2").budget_executed == late + D(12000)
    before = s.at("2021-06-30", known_at=s.last["C"])
    # plan = 47000 + 12000 + 50000 + 4000 = 113000; of 310000 = 36.451… -> 36.45
    assert before.summary.budget_executed == D(113000)
    assert q(before.summary.budget_execution_pct) == D("36.45")
    now = s.at("2021-06-30")
    # plan = 47000 + 20000 + 50000 + 4000 = 121000; of 310000 = 39.032… -> 39.03
    assert now.summary.budget_executed == D(121000)
    assert q(now.summary.budget_execution_pct) == D("39.03")


def test_q3_execution_with_correction_cancellation_and_acp_records(scenario):
    s = scenario
    ev = s.at("2021-09-30")
    # op 1.1.1: TGN corrected to 45000 (09-30), Otros 2000 (03-31): 47000; of 85000 = 55.294… -> 55.29
    assert ev.element("1.1.1").budget_executed == D(47000)
    assert q(ev.element("1.1.1").budget_execution_pct) == D("55.29")
    # ACP 1.1 = 47000 + 15000 = 62000; of 100000 = 62 %
    assert ev.element("1.1").budget_executed == D(62000)
    assert ev.element("1.1").budget_execution_pct == D(62)
    # ACP 1.2 = 8000 (1.2.1) + 12000 (1.2.2, cancelled, included) + 3000 (1.2.3) = 23000; of 80000 = 28.75 %
    assert ev.element("1.2.2").budget_executed == D(12000)
    assert ev.element("1.2").budget_executed == D(23000)
    assert ev.element("1.2").budget_execution_pct == D("28.75")
    # ACP 2.1 own records: no-source key 70000 (09-30 replaces 50000) + Otros 5000 = 75000;
    # of 140000 = 53.571… -> 53.57
    assert ev.element("2.1").budget_executed == D(75000)
    assert q(ev.element("2.1").budget_execution_pct) == D("53.57")
    # ACP 2.2 (cancelled): its operation 2.2.1, 4000
    assert ev.element("2.2").budget_executed == D(4000)
    # AEI 1 = 62000 + 23000 = 85000 (= the sum over its operations, too)
    assert ev.element("1").budget_executed == D(85000)
    # AEI 2 = its ACPs (docs/design.md: a strategic action sums its short-term actions, so ACP 2.1's
    # own records count): 75000 + 4000 = 79000 — not the literal "sum over its operations" (34000)
    assert ev.element("2").budget_executed == D(79000)
    # plan = Σ over all ACPs, cancelled included: 62000 + 23000 + 75000 + 4000 = 164000;
    # of 330000 = 49.696… -> 49.70
    assert ev.summary.budget_executed == D(164000)
    assert q(ev.summary.budget_execution_pct) == D("49.70")
    # as known before batch D: 1.1.1 TGN 50000 (uncorrected) -> 52000; no late 8000 on 1.2.1;
    # plan = 67000 + 15000 + 75000 + 4000 = 161000; of 330000 = 48.787… -> 48.79
    before = s.at("2021-09-30", known_at=s.last["C"])
    assert before.element("1.1.1").budget_executed == D(52000)
    assert before.summary.budget_executed == D(161000)
    assert q(before.summary.budget_execution_pct) == D("48.79")


# -- warnings implied by the same figures -----------------------------------------------------


def test_q3_warnings(scenario):
    s = scenario

    def kinds(ev):
        return {(w.kind, w.code) for w in ev.warnings if w.kind != "late_record"}

    now = kinds(s.at("2021-09-30"))
    # active ACP weights 40 + 20 + 30 = 90 ≠ 100
    assert ("weights_total", None) in now
    # cancelled with unexecuted budget: 1.2.2 (30000 > 12000), 2.2.1 (10000 > 4000)
    assert {("cancelled_with_budget", "1.2.2"), ("cancelled_with_budget", "2.2.1")} <= now
    # ACP 1.2 deviates 30 > 10 points, justified on 09-30 (batch D): no warning now ...
    assert ("unjustified_deviation", "1.2") not in now
    # ... but there was one before the justification was recorded
    assert ("unjustified_deviation", "1.2") in kinds(s.at("2021-09-30", known_at=s.last["C"]))
    # on 06-30 the weights summed to 100 (50 + 20 + 20 + 10)
    assert ("weights_total", None) not in kinds(s.at("2021-06-30"))
