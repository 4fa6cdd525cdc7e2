"""Unit tests of the domain (values, entries, rules) and of the structure fold / evaluation,
on plans built in memory and histories written by hand (no store, no process).

Every expected figure is worked out by hand from SPEC §3–§4 in the comments next
to it; none is copied from the program's output.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from poa.adapters.report_json import evaluation_to_dict
from poa.domain.fact_kinds import parse_entry
from poa.domain.facts import Recorded
from poa.domain.plan import Plan
from poa.domain.rules import HistoryError, check_history
from poa.domain.structure import CANCELLED, build
from poa.domain.values import EntryError, parse_date, parse_decimal, quantize
from poa.projections.evaluation import NotInForce, end_of_day, evaluate
from support.builders import FAR, UTC, at, base_approval, budget, execution, plan_of, progress, reformulate, shown

D = Decimal
KEY = "T-2021"


# -- helpers (the entry builders and the small plan `base_approval` are in support/builders.py) --


def new_plan(approval: dict | None = None, *entries: dict) -> Plan:
    """A pure Plan aggregate (the real validation runs on every record)."""
    return plan_of(KEY, approval or base_approval(), *entries)


def ev(plan_or_history, as_of: str, known_at: datetime = FAR):
    history = plan_or_history.history if isinstance(plan_or_history, Plan) else plan_or_history
    return evaluate(KEY, history, date.fromisoformat(as_of), known_at)


# -- values: decimals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (5, D("5")),
        ("12.5", D("12.5")),
        ("12.50", D("12.50")),
        (" 7.05 ", D("7.05")),
        (D("0.01"), D("0.01")),
        ("-3.25", D("-3.25")),
        ("100000000000.99", D("100000000000.99")),
    ],
)
def test_decimal_accepts_exact_numbers_with_at_most_two_places(raw, expected):
    assert parse_decimal(raw, "amount") == expected


@pytest.mark.parametrize("raw", ["1.234", "0.001", D("82.405"), "1.000"])
def test_decimal_with_more_than_two_places_is_refused(raw):
    with pytest.raises(EntryError, match="at most 2 decimals") as info:
        parse_decimal(raw, "amount")
    assert info.value.field == "amount"


@pytest.mark.parametrize("raw", [1.5, 0.1, 2.0, float("nan"), float("inf")])
def test_floats_are_refused(raw):
    # money and percentages are exact decimals: a float is refused even when it looks exact (2.0)
    with pytest.raises(EntryError) as info:
        parse_decimal(raw, "percent")
    assert info.value.field == "percent"


@pytest.mark.parametrize("raw", [True, False])
def test_bools_are_refused_as_numbers(raw):
    # bool is a subclass of int in Python; True must not become 1
    with pytest.raises(EntryError, match="must be a number"):
        parse_decimal(raw, "weight")


@pytest.mark.parametrize("raw", [None, "", "abc", "1,2,5", "1e3", "NaN", "Infinity", "--1", [1], {"a": 1}])  # "1,5" is 1.5 (test_decimal_comma.py)
def test_non_numbers_are_refused(raw):
    with pytest.raises(EntryError):
        parse_decimal(raw, "amount")


@pytest.mark.parametrize("raw", [D("NaN"), D("Infinity"), D("-Infinity")])
def test_non_finite_decimals_are_refused(raw):
    with pytest.raises(EntryError):
        parse_decimal(raw, "amount")


def test_decimal_bounds():
    assert parse_decimal("0", "p", minimum=D(0), maximum=D(100)) == 0
    assert parse_decimal("100", "p", minimum=D(0), maximum=D(100)) == 100
    with pytest.raises(EntryError, match="at least 0"):
        parse_decimal("-0.01", "p", minimum=D(0))
    with pytest.raises(EntryError, match="at most 100"):
        parse_decimal("100.01", "p", maximum=D(100))


# -- values: dates ------------------------------------------------------------------------


def test_dates_written_yyyy_mm_dd():
    assert parse_date("2021-03-31", "date") == date(2021, 3, 31)
    assert parse_date("2020-02-29", "date") == date(2020, 2, 29)  # 2020 is a leap year
    assert parse_date(date(2021, 1, 4), "date") == date(2021, 1, 4)  # a date a YAML loader produced


@pytest.mark.parametrize(
    "raw",
    ["2021-3-31", "21-03-31", "20210331", "2021/03/31", "31-03-2021", "2021-03-31T00:00:00", "2021-03-31x",
     "", 20210331, None, datetime(2021, 3, 31, 12, 0)],
)
def test_dates_not_written_strictly_are_refused(raw):
    with pytest.raises(EntryError, match="YYYY-MM-DD") as info:
        parse_date(raw, "date")
    assert info.value.field == "date"


@pytest.mark.parametrize("raw", ["2021-02-29", "2021-04-31", "2021-13-01", "2021-00-10", "2021-01-00", "2100-02-29"])
def test_impossible_dates_are_refused(raw):
    # 2021 is not a leap year; April has 30 days; there is no month 13 or 0; 2100 is not a leap year
    with pytest.raises(EntryError, match="not a real date"):
        parse_date(raw, "date")


def test_bad_date_inside_an_entry_names_its_field():
    with pytest.raises(EntryError) as info:
        parse_entry(progress("1.1", 10, "2021-02-30"))
    assert info.value.field == "date"


# -- schedules ----------------------------------------------------------------------------


def acp_with_schedule(schedule) -> dict:
    return base_approval(
        short_term_actions=[{"code": "1.1", "parent": "1", "title": "ACP", "weight": 100, "schedule": schedule}],
        operations=[],
        tasks=[],
    )


def test_schedule_given_is_kept_and_missing_one_defaults_to_quarters():
    approval = parse_entry(base_approval())
    schedules = {e.code: e.schedule for e in approval.elements if e.kind == "short_term_action"}
    assert schedules["1.1"] == (10, 40, 70, 100)
    assert schedules["1.2"] == (25, 50, 75, 100)  # SPEC §4 default schedule


def test_flat_schedule_reaching_100_early_is_accepted():
    approval = parse_entry(acp_with_schedule([100, 100, 100, 100]))
    assert approval.elements[2].schedule == (100, 100, 100, 100)
    approval = parse_entry(acp_with_schedule([0, 0, "12.5", 100]))
    assert approval.elements[2].schedule == (0, 0, D("12.5"), 100)


@pytest.mark.parametrize(
    "schedule, message",
    [
        ([10, 40, 30, 100], "may not go down"),
        ([50, 40, 70, 100], "may not go down"),
        ([10, 40, 70, 90], "must end at 100"),
        ([10, 40, 100], "4 cumulative"),
        ([10, 40, 70, 90, 100], "4 cumulative"),
        ([], "4 cumulative"),
        ("10,40,70,100", "4 cumulative"),
        ([10, 40, 70, 101], "at most 100"),
        ([-5, 40, 70, 100], "at least 0"),
        ([10, "40.125", 70, 100], "at most 2 decimals"),
    ],
)
def test_bad_schedules_are_refused(schedule, message):
    with pytest.raises(EntryError, match=message) as info:
        parse_entry(acp_with_schedule(schedule))
    assert info.value.field.startswith("short_term_actions[1].schedule")


def test_bad_schedule_in_a_reformulation_is_refused():
    with pytest.raises(EntryError, match="may not go down") as info:
        parse_entry(reformulate("2021-05-01", {"update": {"code": "1.1", "schedule": [30, 20, 70, 100]}}))
    assert info.value.field == "changes[1].update.schedule"


def test_schedule_update_only_on_short_term_actions():
    plan = new_plan()
    with pytest.raises(EntryError, match="only short-term actions have a schedule"):
        plan.record(parse_entry(reformulate("2021-05-01", {"update": {"code": "1.1.1", "schedule": [0, 0, 0, 100]}})), "t")


def test_programmed_progress_follows_the_schedule_in_force():
    # ACP 1.1 schedule 10/40/70/100; ACP 1.2 and 2.1 the default 25/50/75/100.
    plan = new_plan()
    # before the first quarter end nothing is programmed
    assert ev(plan, "2021-03-30").element("1.1").programmed_pct == 0
    # 31 Mar (one quarter end passed) → 10; 29 Jun still one → 10; 30 Jun → 40; 31 Dec → 100
    assert ev(plan, "2021-03-31").element("1.1").programmed_pct == 10
    assert ev(plan, "2021-06-29").element("1.1").programmed_pct == 10
    assert ev(plan, "2021-06-30").element("1.1").programmed_pct == 40
    assert ev(plan, "2021-12-31").element("1.1").programmed_pct == 100
    assert ev(plan, "2021-09-30").element("1.2").programmed_pct == 75
    # a reformulation effective 1 Jul changes the schedule from then on: 30 Sep → 3rd value 60
    plan.record(parse_entry(reformulate("2021-07-01", {"update": {"code": "1.1", "schedule": [10, 40, 60, 100]}})), "t")
    assert ev(plan, "2021-06-30").element("1.1").programmed_pct == 40
    assert ev(plan, "2021-09-30").element("1.1").programmed_pct == 60


# -- the structure: approval rules --------------------------------------------------------


def test_duplicate_code_is_refused():
    approval = base_approval()
    approval["approve"]["tasks"].append({"code": "1.1.1", "parent": "1.1.1", "title": "repetida"})
    with pytest.raises(EntryError, match="duplicate code 1.1.1") as info:
        Plan.approve(KEY, parse_entry(approval), "t")
    assert info.value.field == "tasks[3].code"


def test_parent_must_exist_and_be_of_the_right_kind():
    approval = base_approval()
    approval["approve"]["operations"].append({"code": "9.9", "parent": "1", "title": "bajo una AEI"})
    with pytest.raises(EntryError, match="expected a short-term action"):
        Plan.approve(KEY, parse_entry(approval), "t")
    approval = base_approval()
    approval["approve"]["tasks"].append({"code": "9.9", "parent": "7.7.7", "title": "huérfana"})
    with pytest.raises(EntryError, match="unknown parent 7.7.7"):
        Plan.approve(KEY, parse_entry(approval), "t")


@pytest.mark.parametrize(
    "where, element",
    [
        ("short_term_actions", {"code": "9", "parent": "1", "title": "x", "weight": -1}),
        ("operations", {"code": "9", "parent": "1.1", "title": "x", "weight": "-0.5"}),
        ("operations", {"code": "9", "parent": "1.1", "title": "x", "budget": {"TGN": -1}}),
        ("operations", {"code": "9", "parent": "1.1", "title": "x", "budget": {"TGN": "10.001"}}),
        ("operations", {"code": "9", "parent": "1.1", "title": "x", "budget": {"TGN": 10.5}}),
    ],
)
def test_negative_weights_and_bad_budget_amounts_are_refused(where, element):
    approval = base_approval()
    approval["approve"][where].append(element)
    with pytest.raises(EntryError):
        parse_entry(approval)


def test_approval_date_may_precede_the_year_but_not_follow_it():
    plan = new_plan(base_approval(date="2020-12-15"))
    assert plan.approval.date == date(2020, 12, 15)
    with pytest.raises(EntryError, match="after the end of the plan's year"):
        new_plan(base_approval(date="2022-01-01"))


def test_other_facts_fall_inside_the_year_and_not_before_the_approval():
    plan = new_plan()  # approved 2021-01-04
    for day in ("2020-12-31", "2022-01-01"):
        with pytest.raises(EntryError, match="outside the plan's year"):
            plan.record(parse_entry(progress("1.1", 10, day)), "t")
    with pytest.raises(EntryError, match="before the plan's approval"):
        plan.record(parse_entry(progress("1.1", 10, "2021-01-03")), "t")
    plan.record(parse_entry(progress("1.1", 10, "2021-01-04")), "t")  # the approval day itself is fine
    assert plan.version == 2


def test_a_second_approval_is_refused():
    plan = new_plan()
    with pytest.raises(EntryError, match="already approved"):
        plan.record(parse_entry(base_approval()), "t")


# -- weighted means -----------------------------------------------------------------------


def test_worked_example_of_the_evaluation():
    plan = new_plan(
        None,
        progress("1.1.1.1", 100, "2021-06-30"),
        progress("1.1.1.2", 20, "2021-06-30"),
        progress("1.1.2", 50, "2021-06-30"),
        progress("1.2", 45, "2021-06-30"),
        progress("2.1.1", 30, "2021-06-30"),
        execution("1.1.1", 40, "2021-06-30", "TGN"),
        execution("1.1.1", 5, "2021-06-30", "Otros"),
        execution("1.2.1", 90, "2021-06-30"),
        execution("2.1", 10, "2021-06-30"),
    )
    e = ev(plan, "2021-06-30")
    # op 1.1.1 from its tasks: (1·100 + 3·20) / 4 = 160/4 = 40
    assert e.element("1.1.1").progress_pct == 40
    # ACP 1.1 from its operations: (2·40 + 1·50) / 3 = 130/3 = 43.333… → 43.33
    assert shown(e.element("1.1").progress_pct) == "43.33"
    # ACP 1.2 has its own record (45) which wins over its operation (no record → 0)
    assert e.element("1.2").progress_pct == 45
    # ACP 2.1: its only operation (weight 1 by default) → 30
    assert e.element("2.1").progress_pct == 30
    # SA 1: (50·130/3 + 30·45) / 80 = (6500/3 + 4050/3) / 80 = 10550/240 = 43.958… → 43.96
    assert shown(e.element("1").progress_pct) == "43.96"
    assert e.element("2").progress_pct == 30
    # institutional: (50·130/3 + 30·45 + 20·30) / 100 = (6500/3 + 1950)/100 = 12350/300 = 41.166… → 41.17
    assert shown(e.summary.physical_progress_pct) == "41.17"
    # programmed at 30 Jun (two quarter ends): 1.1 → 40, 1.2 → 50, 2.1 → 50
    # institutional: (50·40 + 30·50 + 20·50)/100 = 4500/100 = 45; SA 1: (50·40 + 30·50)/80 = 3500/80 = 43.75
    assert e.summary.programmed_pct == 45
    assert e.element("1").programmed_pct == D("43.75")
    # deviation = 45 − 41.166… = 3.833… → 3.83
    assert shown(e.summary.deviation_pts) == "3.83"
    assert e.element("1.2").deviation_pts == 5  # 50 − 45
    # budget: 1.1.1 = 100+50 = 150; 1.1.2 = 30; 1.2.1 = 200; 2.1.1 = 80; plan 460
    assert e.element("1.1.1").budget == {"Otros": 50, "TGN": 100}
    assert e.element("1.1").budget_current == 180
    assert e.element("1").budget_current == 380
    assert e.summary.budget_current == 460
    # executed: 1.1.1 = 40 (TGN) + 5 (Otros) = 45; ACP 1.1 = 45 + 0; 1.2 = 90; ACP 2.1 own record 10
    assert e.element("1.1.1").budget_executed == 45
    assert e.element("1.1").budget_executed == 45
    assert e.element("2.1").budget_executed == 10
    # plan: 45 + 90 + 10 = 145; 145/460·100 = 31.5217… → 31.52
    assert e.summary.budget_executed == 145
    assert shown(e.summary.budget_execution_pct) == "31.52"
    # op 1.1.1: 45/150·100 = 30
    assert e.element("1.1.1").budget_execution_pct == 30
    # counts and weights of active elements; SA 1 weight = 50 + 30
    assert (e.summary.strategic_actions, e.summary.short_term_actions, e.summary.operations, e.summary.tasks) == (2, 3, 4, 2)
    assert e.summary.weights_total == 100
    assert e.element("1").weight == 80


def test_latest_progress_record_wins_and_same_date_correction_wins():
    plan = new_plan(
        None,
        progress("1.2", 30, "2021-06-30"),
        progress("1.2", 60, "2021-09-30"),
        progress("1.2", 20, "2021-03-31"),  # recorded last but with an earlier cut-off date
    )
    assert ev(plan, "2021-12-31").element("1.2").progress_pct == 60  # latest cut-off (30 Sep) wins
    assert ev(plan, "2021-08-01").element("1.2").progress_pct == 30  # only 31 Mar and 30 Jun visible → 30 Jun
    plan.record(parse_entry(progress("1.2", 55, "2021-09-30")), "t")  # a correction of 30 Sep
    assert ev(plan, "2021-12-31").element("1.2").progress_pct == 55


def test_zero_weight_children_give_the_plain_mean():
    approval = base_approval()
    ops = approval["approve"]["operations"]
    ops[0]["weight"] = 0  # 1.1.1
    ops[1]["weight"] = 0  # 1.1.2
    approval["approve"]["tasks"] = [
        {"code": "1.1.1.1", "parent": "1.1.1", "title": "T1", "weight": 0},
        {"code": "1.1.1.2", "parent": "1.1.1", "title": "T2", "weight": 0},
        {"code": "1.1.1.3", "parent": "1.1.1", "title": "T3", "weight": 0},
    ]
    plan = new_plan(
        approval,
        progress("1.1.1.1", 100, "2021-06-30"),
        progress("1.1.1.2", 50, "2021-06-30"),
        # 1.1.1.3 has no record → 0
        progress("1.1.2", 60, "2021-06-30"),
    )
    e = ev(plan, "2021-06-30")
    # tasks all weight 0 → plain mean (100 + 50 + 0)/3 = 50
    assert e.element("1.1.1").progress_pct == 50
    # operations all weight 0 → plain mean (50 + 60)/2 = 55
    assert e.element("1.1").progress_pct == 55


def test_zero_weight_short_term_actions_give_zero():
    approval = base_approval()
    for acp in approval["approve"]["short_term_actions"]:
        acp["weight"] = 0
    plan = new_plan(approval, progress("1.1", 80, "2021-06-30"), progress("2.1", 40, "2021-06-30"))
    e = ev(plan, "2021-06-30")
    assert e.element("1.1").progress_pct == 80  # the ACP's own figure is unaffected
    # Σ w = 0 for the ACPs: SA progress and institutional progress are 0 (not the plain mean)
    assert e.element("1").progress_pct == 0
    assert e.element("2").progress_pct == 0
    assert e.summary.physical_progress_pct == 0
    assert e.summary.programmed_pct == 0
    assert e.summary.weights_total == 0


def test_zero_weight_child_next_to_weighted_ones_does_not_count():
    approval = base_approval()
    approval["approve"]["operations"][1]["weight"] = 0  # 1.1.2 weight 0; 1.1.1 weight 2
    plan = new_plan(approval, progress("1.1.1", 30, "2021-06-30"), progress("1.1.2", 90, "2021-06-30"))
    # (2·30 + 0·90) / 2 = 30
    assert ev(plan, "2021-06-30").element("1.1").progress_pct == 30


def test_element_without_records_or_active_children_is_zero():
    plan = new_plan()
    e = ev(plan, "2021-12-31")
    assert e.element("1.2.1").progress_pct == 0
    assert e.element("1.2").progress_pct == 0
    assert e.summary.physical_progress_pct == 0
    # execution without any record: 0, and 0 % of the current budget
    assert e.summary.budget_executed == 0
    assert e.summary.budget_execution_pct == 0


# -- rounding at display ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        (D("82.405"), "82.41"),  # half-up: half-even would give 82.40
        (D("0.125"), "0.13"),  # half-even would give 0.12
        (D("0.135"), "0.14"),
        (D("82.404999"), "82.40"),
        (D(200) / D(3), "66.67"),  # 2/3 · 100
        (D(100) / D(3), "33.33"),
        (D(5), "5.00"),
        (D("578301240"), "578301240.00"),
    ],
)
def test_quantize_rounds_half_up_to_two_places(value, expected):
    assert str(quantize(value)) == expected


def test_report_json_shows_exact_figures_rounded_half_up():
    # ACP 1.1: operations 1.1.1 (w 1) at 82.40 and 1.1.2 (w 1) at 82.41 → mean exactly 82.405 → "82.41"
    approval = base_approval()
    approval["approve"]["operations"][0]["weight"] = 1
    approval["approve"]["tasks"] = []
    # ACP 1.2 gets two more operations: 100, 100 and 0 with equal weights → 200/3 = 66.666… → "66.67"
    approval["approve"]["operations"] += [
        {"code": "1.2.2", "parent": "1.2", "title": "Op 1.2.2"},
        {"code": "1.2.3", "parent": "1.2", "title": "Op 1.2.3"},
    ]
    plan = new_plan(
        approval,
        progress("1.1.1", "82.40", "2021-06-30"),
        progress("1.1.2", "82.41", "2021-06-30"),
        progress("1.2.1", 100, "2021-06-30"),
        progress("1.2.2", 100, "2021-06-30"),
        progress("1.2.3", 0, "2021-06-30"),
    )
    report = evaluation_to_dict(ev(plan, "2021-06-30"))
    acps = {a["code"]: a for a in report["short_term_actions"]}
    assert acps["1.1"]["progress_pct"] == "82.41"
    assert acps["1.2"]["progress_pct"] == "66.67"
    # deviation of 1.2: 50 − 200/3 = −16.666… → "-16.67"
    assert acps["1.2"]["deviation_pts"] == "-16.67"
    # amounts, weights and percentages are strings with two places; counts are integers
    assert report["summary"]["budget_current"] == "460.00"
    assert report["summary"]["weights_total"] == "100.00"
    assert report["summary"]["operations"] == 6


# -- visibility: as_of and known_at --------------------------------------------------------


def hand_history() -> list[Recorded]:
    """A history with recorded times chosen by hand (evaluate is a pure function of it)."""
    approval = parse_entry(base_approval())
    return [
        Recorded(1, at("2021-01-05T10:00:00"), "a", approval),
        Recorded(2, at("2021-04-10T15:00:00"), "a", parse_entry(progress("1.2", 20, "2021-03-31"))),
        Recorded(3, at("2021-07-01T00:00:00"), "a", parse_entry(progress("1.2", 50, "2021-06-30"))),
        Recorded(4, at("2021-07-20T09:30:00"), "a", parse_entry(progress("1.2", 45, "2021-06-30"))),  # correction
    ]


def test_end_of_day_is_the_last_microsecond_of_that_day_utc():
    assert end_of_day(date(2021, 4, 10)) == datetime(2021, 4, 10, 23, 59, 59, 999999, tzinfo=UTC)


def test_visibility_by_as_of():
    h = hand_history()
    assert ev(h, "2021-03-30").element("1.2").progress_pct == 0  # the 31 Mar record is not in effect yet
    assert ev(h, "2021-03-31").element("1.2").progress_pct == 20
    assert ev(h, "2021-06-29").element("1.2").progress_pct == 20
    assert ev(h, "2021-06-30").element("1.2").progress_pct == 45  # 30 Jun, corrected


def test_visibility_by_known_at():
    h = hand_history()
    # a bare date means the end of that day (UTC): recorded 10 Apr 15:00 is known by end of 10 Apr, not 9 Apr
    assert ev(h, "2021-12-31", end_of_day(date(2021, 4, 9))).element("1.2").progress_pct == 0
    assert ev(h, "2021-12-31", end_of_day(date(2021, 4, 10))).element("1.2").progress_pct == 20
    # recorded exactly at known_at is visible (recorded_at ≤ known_at); one microsecond earlier it is not
    assert ev(h, "2021-12-31", at("2021-04-10T15:00:00")).element("1.2").progress_pct == 20
    assert ev(h, "2021-12-31", at("2021-04-10T14:59:59.999999")).element("1.2").progress_pct == 0
    # recorded at 00:00 on 1 Jul: not known at the end of 30 Jun
    assert ev(h, "2021-12-31", end_of_day(date(2021, 6, 30))).element("1.2").progress_pct == 20
    assert ev(h, "2021-12-31", end_of_day(date(2021, 7, 1))).element("1.2").progress_pct == 50
    # the correction is known from 20 Jul
    assert ev(h, "2021-12-31", end_of_day(date(2021, 7, 20))).element("1.2").progress_pct == 45
    # known_at given in another time zone is the same instant
    bolivia = timezone(timedelta(hours=-4))
    assert ev(h, "2021-12-31", datetime(2021, 4, 10, 11, 0, tzinfo=bolivia)).element("1.2").progress_pct == 20
    assert ev(h, "2021-12-31", datetime(2021, 4, 10, 10, 59, tzinfo=bolivia)).element("1.2").progress_pct == 0


def test_not_in_force_before_the_approval_is_effective_or_known():
    h = hand_history()
    with pytest.raises(NotInForce):
        ev(h, "2021-01-03")  # approved 4 Jan
    with pytest.raises(NotInForce):
        ev(h, "2021-12-31", end_of_day(date(2021, 1, 4)))  # recorded 5 Jan


# -- budget: never negative at any date ----------------------------------------------------


def test_budget_modifications_change_the_current_budget_from_their_date():
    plan = new_plan(None, budget("1.1.1", "TGN", -40, "2021-05-01"), budget("1.1.1", "Nueva", "12.50", "2021-06-01"))
    assert ev(plan, "2021-04-30").element("1.1.1").budget == {"Otros": 50, "TGN": 100}
    assert ev(plan, "2021-05-01").element("1.1.1").budget == {"Otros": 50, "TGN": 60}  # 100 − 40
    e = ev(plan, "2021-06-01")
    assert e.element("1.1.1").budget == {"Nueva": D("12.50"), "Otros": 50, "TGN": 60}
    # plan: 460 − 40 + 12.50 = 432.50
    assert e.summary.budget_current == D("432.50")


def test_budget_may_reach_zero_but_a_later_negative_modification_is_refused():
    plan = new_plan(None, budget("1.1.1", "TGN", -100, "2021-05-01"))  # 100 − 100 = 0: allowed
    with pytest.raises(EntryError, match="never be negative"):
        plan.record(parse_entry(budget("1.1.1", "TGN", "-0.01", "2021-06-01")), "t")  # 0 − 0.01 < 0
    with pytest.raises(EntryError, match="never be negative"):
        plan.record(parse_entry(budget("1.1.2", "Otros", -31, "2021-06-01")), "t")  # 30 − 31 < 0
    assert plan.version == 2  # nothing more recorded


def test_negative_modification_of_a_source_without_budget_is_refused():
    plan = new_plan()
    with pytest.raises(EntryError, match="never be negative"):
        plan.record(parse_entry(budget("1.1.2", "TGN", -1, "2021-05-01")), "t")  # 1.1.2 has no TGN: 0 − 1


def test_backdated_modification_that_makes_a_later_state_negative_is_refused():
    # TGN of 1.1.1: 100; −80 on 1 Jun → 20 from June on
    plan = new_plan(None, budget("1.1.1", "TGN", -80, "2021-06-01"))
    # −50 on 1 Mar: fine on its own date (100 − 50 = 50) but makes 1 Jun 100 − 50 − 80 = −30
    with pytest.raises(EntryError, match="never be negative"):
        plan.record(parse_entry(budget("1.1.1", "TGN", -50, "2021-03-01")), "t")
    # −20 on 1 Mar leaves June at exactly 0: allowed
    plan.record(parse_entry(budget("1.1.1", "TGN", -20, "2021-03-01")), "t")
    assert ev(plan, "2021-12-31").element("1.1.1").budget["TGN"] == 0


def test_a_later_increase_does_not_cover_an_earlier_deficit():
    # +100 on 1 Jun; then −150 on 1 Mar: 100 − 150 = −50 from March to June, even though 50 at the end
    plan = new_plan(None, budget("1.1.1", "TGN", 100, "2021-06-01"))
    with pytest.raises(EntryError, match="never be negative"):
        plan.record(parse_entry(budget("1.1.1", "TGN", -150, "2021-03-01")), "t")
    # dated on or after the increase it is fine: 100 + 100 − 150 = 50
    plan.record(parse_entry(budget("1.1.1", "TGN", -150, "2021-06-01")), "t")


def test_budget_lines_of_reformulations_follow_the_same_rule():
    plan = new_plan()
    with pytest.raises(EntryError, match="never be negative"):
        plan.record(parse_entry(reformulate("2021-04-01", {"budget": {"code": "1.2.1", "source": "TGN", "amount": -201}})), "t")
    # a transfer of 200 from 1.2.1 to 2.1.1 (two lines summing to zero) is fine
    plan.record(parse_entry(reformulate(
        "2021-04-01",
        {"budget": {"code": "1.2.1", "source": "TGN", "amount": -200}},
        {"budget": {"code": "2.1.1", "source": "TGN", "amount": 200}},
    )), "t")
    e = ev(plan, "2021-04-01")
    assert e.element("1.2.1").budget_current == 0
    assert e.element("2.1.1").budget_current == 280  # 80 + 200
    assert e.summary.budget_current == 460  # a transfer keeps the total
    # now a backdated budget entry taking 1 from 1.2.1 before the transfer breaks the transfer's date
    with pytest.raises(EntryError, match="would break the reformulate entry recorded as seq 2"):
        plan.record(parse_entry(budget("1.2.1", "TGN", -1, "2021-03-15")), "t")


def test_negative_budget_line_of_a_reformulation_names_its_change():
    # SPEC §5: a refusal names the entry and the field. In a reformulate entry there is no
    # top-level `amount`: the field is the amount of the first change, changes[1].budget.amount
    # (as the other per-change errors are named, e.g. changes[1].update.schedule).
    plan = new_plan()
    entry = reformulate(
        "2021-04-01",
        {"update": {"code": "1.2", "weight": 30}},
        {"budget": {"code": "1.2.1", "source": "TGN", "amount": -201}},
    )
    with pytest.raises(EntryError, match="never be negative") as info:
        plan.record(parse_entry(entry), "t")
    assert info.value.field == "changes[2].budget.amount"


def test_budget_is_held_by_operations_only():
    plan = new_plan()
    with pytest.raises(EntryError, match="budgets are held by operations"):
        plan.record(parse_entry(budget("1.1", "TGN", 10, "2021-05-01")), "t")


def test_zero_budget_modification_is_refused():
    with pytest.raises(EntryError, match="must not be zero"):
        parse_entry(budget("1.1.1", "TGN", 0, "2021-05-01"))


def test_check_history_names_the_fact_that_breaks_the_budget():
    approval = parse_entry(base_approval())
    history = [
        Recorded(1, at("2021-01-05T10:00:00"), "a", approval),
        Recorded(2, at("2021-02-01T10:00:00"), "a", parse_entry(budget("1.1.1", "TGN", 50, "2021-06-01"))),
        Recorded(3, at("2021-02-02T10:00:00"), "a", parse_entry(budget("1.1.1", "TGN", -120, "2021-05-01"))),
    ]
    # on 1 May: 100 − 120 = −20 (the +50 of 1 Jun does not count yet)
    with pytest.raises(HistoryError) as info:
        check_history(history)
    assert info.value.recorded.seq == 3


# -- cancellation -------------------------------------------------------------------------


def test_cancellation_cascades_to_descendants_from_its_date():
    plan = new_plan(None, reformulate("2021-07-01", {"cancel": {"code": "1.1"}}))
    before = build(plan.history, date(2021, 6, 30))
    assert all(before.nodes[c].active for c in ("1.1", "1.1.1", "1.1.2", "1.1.1.1", "1.1.1.2"))
    after = build(plan.history, date(2021, 7, 1))
    for code in ("1.1", "1.1.1", "1.1.2", "1.1.1.1", "1.1.1.2"):
        assert after.nodes[code].status == CANCELLED
        assert after.nodes[code].cancelled_on == date(2021, 7, 1)
    assert after.nodes["1"].active and after.nodes["1.2"].active and after.nodes["1.2.1"].active


def test_cancelled_elements_stay_listed_drop_out_of_counts_and_progress_but_keep_their_money():
    plan = new_plan(
        None,
        progress("1.1", 80, "2021-06-30"),
        progress("1.2", 40, "2021-06-30"),
        progress("2.1", 10, "2021-06-30"),
        execution("1.1.1", 30, "2021-06-30"),
        reformulate("2021-07-01", {"cancel": {"code": "1.1"}}),
    )
    june = ev(plan, "2021-06-30")
    # institutional at 30 Jun: (50·80 + 30·40 + 20·10)/100 = (4000 + 1200 + 200)/100 = 54
    assert june.summary.physical_progress_pct == 54
    july = ev(plan, "2021-07-01")
    assert july.element("1.1").status == "cancelled"
    assert july.element("1.1.1.2").status == "cancelled"
    # counts: SAs 2, ACPs 3 − 1 = 2, operations 4 − 2 = 2, tasks 2 − 2 = 0
    s = july.summary
    assert (s.strategic_actions, s.short_term_actions, s.operations, s.tasks) == (2, 2, 2, 0)
    assert s.weights_total == 50  # 30 + 20
    # institutional at 1 Jul: (30·40 + 20·10)/50 = 1400/50 = 28; SA 1 now only 1.2 → 40
    assert s.physical_progress_pct == 28
    assert july.element("1").progress_pct == 40
    # programmed at 1 Jul (two quarter ends): (30·50 + 20·50)/50 = 50
    assert s.programmed_pct == 50
    # money never vanishes: 460 current and 30 executed, cancelled elements included
    assert s.budget_current == 460
    assert s.budget_executed == 30
    assert july.element("1").budget_current == 380  # 150 + 30 + 200
    # the cancelled ACP keeps its own figure
    assert july.element("1.1").progress_pct == 80
    kinds = {w.kind for w in july.warnings}
    assert "cancelled_with_budget" in kinds  # 1.1.1 keeps 150 − 30 = 120 unexecuted


def test_progress_on_a_cancelled_element_is_refused_from_its_cancellation_date():
    plan = new_plan(None, reformulate("2021-07-01", {"cancel": {"code": "1.1.1"}}))
    for code in ("1.1.1", "1.1.1.2"):  # the operation and (cascade) its task
        with pytest.raises(EntryError, match="cancelled on 2021-07-01"):
            plan.record(parse_entry(progress(code, 50, "2021-07-01")), "t")
    # before the cancellation date the element was active: progress is accepted, even recorded later
    plan.record(parse_entry(progress("1.1.1.2", 50, "2021-06-30")), "t")
    # updating or cancelling a cancelled element again is refused
    with pytest.raises(EntryError, match="cancelled"):
        plan.record(parse_entry(reformulate("2021-08-01", {"update": {"code": "1.1.1", "weight": 5}})), "t")
    with pytest.raises(EntryError, match="cancelled"):
        plan.record(parse_entry(reformulate("2021-08-01", {"cancel": {"code": "1.1.1.1"}})), "t")
    # and nothing can be added under it
    with pytest.raises(EntryError, match="cancelled"):
        plan.record(parse_entry(reformulate(
            "2021-08-01", {"add": {"kind": "task", "code": "1.1.1.9", "parent": "1.1.1", "title": "x"}})), "t")


def test_backdated_cancellation_before_recorded_progress_is_refused():
    plan = new_plan(None, progress("1.1.1.1", 60, "2021-06-30"))
    with pytest.raises(EntryError, match="would break the progress entry recorded as seq 2"):
        plan.record(parse_entry(reformulate("2021-05-01", {"cancel": {"code": "1.1"}})), "t")
    # cancelling after the progress date is fine
    plan.record(parse_entry(reformulate("2021-07-01", {"cancel": {"code": "1.1"}})), "t")


def test_execution_is_allowed_on_a_cancelled_operation():
    plan = new_plan(None, reformulate("2021-07-01", {"cancel": {"code": "1.1.1"}}))
    plan.record(parse_entry(execution("1.1.1", 150, "2021-08-31", "TGN")), "t")
    e = ev(plan, "2021-08-31")
    assert e.element("1.1.1").status == "cancelled"
    assert e.element("1.1.1").budget_executed == 150
    # ACP 1.1 from its operations (cancelled included): 150 + 0; plan 150
    assert e.element("1.1").budget_executed == 150
    assert e.summary.budget_executed == 150


# -- which elements take which records ------------------------------------------------------


def test_progress_on_a_strategic_action_is_refused():
    plan = new_plan()
    with pytest.raises(EntryError, match="strategic action") as info:
        plan.record(parse_entry(progress("1", 50, "2021-06-30")), "t")
    assert info.value.field == "code"


def test_execution_only_on_operations_and_short_term_actions():
    plan = new_plan()
    for code in ("1", "1.1.1.1"):
        with pytest.raises(EntryError, match="execution is recorded for operations and short-term actions"):
            plan.record(parse_entry(execution(code, 10, "2021-06-30")), "t")
    plan.record(parse_entry(execution("1.1", 10, "2021-06-30")), "t")
    plan.record(parse_entry(execution("1.1.1", 10, "2021-06-30")), "t")


def test_records_on_unknown_or_not_yet_added_elements_are_refused():
    plan = new_plan(None, reformulate(
        "2021-07-15", {"add": {"kind": "operation", "code": "1.2.9", "parent": "1.2", "title": "nueva", "budget": {"TGN": 5}}}))
    with pytest.raises(EntryError, match="unknown code 9.9"):
        plan.record(parse_entry(progress("9.9", 10, "2021-06-30")), "t")
    # 1.2.9 exists from 15 Jul only
    with pytest.raises(EntryError, match="unknown code 1.2.9"):
        plan.record(parse_entry(progress("1.2.9", 10, "2021-06-30")), "t")
    with pytest.raises(EntryError, match="unknown code 1.2.9"):
        plan.record(parse_entry(execution("1.2.9", 1, "2021-07-14")), "t")
    plan.record(parse_entry(progress("1.2.9", 10, "2021-07-15")), "t")
    plan.record(parse_entry(execution("1.2.9", 1, "2021-07-15")), "t")
    # added with weight 1 by default; 1.2 = (1·0 + 1·10)/2 = 5 on 15 Jul
    assert ev(plan, "2021-07-15").element("1.2").progress_pct == 5
    assert ev(plan, "2021-07-15").element("1.2").budget_current == 205


def test_progress_percent_must_be_within_0_and_100():
    for bad in (-1, "100.01", 101):
        with pytest.raises(EntryError, match="percent"):
            parse_entry(progress("1.1", bad, "2021-06-30"))


# -- recorded time --------------------------------------------------------------------------


def test_recorded_at_is_strictly_increasing_with_seq():
    plan = new_plan()
    for i in range(30):
        plan.record(parse_entry(progress("1.2", i, "2021-06-30")), "t")
    seqs = [r.seq for r in plan.history]
    assert seqs == list(range(1, 32))
    times = [r.recorded_at for r in plan.history]
    assert all(a < b for a, b in zip(times, times[1:]))
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)


def test_recorded_at_stays_strictly_increasing_when_the_clock_stalls_or_goes_back(monkeypatch):
    plan = new_plan()
    first = plan.history[0].recorded_at
    stalled = first - timedelta(seconds=5)  # a clock behind the last recorded event
    monkeypatch.setattr(Plan.Event, "create_timestamp", staticmethod(lambda: stalled))
    for i in range(5):
        plan.record(parse_entry(progress("1.2", i, "2021-06-30")), "t")
    times = [r.recorded_at for r in plan.history]
    assert all(a < b for a, b in zip(times, times[1:])), times
