"""A structural fact that takes effect after every other is checked against the structure in force,
not by folding the history again (domain/rules.py `_extends`, domain/plan.py `Plan.record`; issue 14).

The property (hypothesis): for random valid histories — records summarised as spans, reformulations,
budget changes — and one more structural fact (a reformulation cancelling, adding or moving budget, a
budget modification possibly below zero, a transfer), dated anywhere in the year, the plan accepts it
exactly when the whole history's check (`check_new` without the state's shortcuts) does, refuses it
with the same message, and keeps as its latest structure what a fresh fold of its history gives.

Pure: no store, no file.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poa.domain.facts import Recorded
from poa.domain.rules import check_new
from poa.domain.structure import build
from poa.domain.values import EntryError
from support.builders import UTC, parse_entry, plan_of
from support.strategies import DATES, KEY, SOURCES, cents, order_free_facts

PROPERTY = settings(max_examples=int(os.environ.get("POA_HYP_EXAMPLES", "150")), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def structural_entries(draw, codes: list[str], operations: list[str]):
    """One structural entry about the plan's elements (or unknown ones), dated anywhere in its year."""
    day = draw(st.sampled_from(DATES))
    what = draw(st.sampled_from(["cancel", "add", "budget line", "budget", "transfer"]))
    code = draw(st.sampled_from(codes + ["9.9"]))
    operation = draw(st.sampled_from(operations or ["9.9"]))
    amount = cents(draw(st.integers(-2_000_000, 2_000_000).filter(bool)))
    source = draw(st.sampled_from(SOURCES))
    if what == "cancel":
        return {"reformulate": {"date": day, "reference": "RD 9/2021", "reason": "r", "changes": [{"cancel": {"code": code}}]}}
    if what == "add":
        task = {"kind": "task", "code": f"{operation}.77", "parent": operation, "title": "nueva"}
        return {"reformulate": {"date": day, "reference": "RD 9/2021", "reason": "r", "changes": [{"add": task}]}}
    if what == "budget line":
        line = {"code": operation, "source": source, "amount": amount}
        return {"reformulate": {"date": day, "reference": "RD 9/2021", "reason": "r", "changes": [{"budget": line}]}}
    if what == "budget":
        return {"budget": {"code": operation, "source": source, "amount": amount, "date": day, "reference": "RA 9/2021", "reason": "r"}}
    other = draw(st.sampled_from(operations or ["9.9"]))
    return {"transfer": {"from": {"code": operation, "source": source}, "to": {"code": other, "source": source},
                         "amount": cents(draw(st.integers(1, 2_000_000))), "date": day, "reference": "RA 9/2021", "reason": "r"}}


def whole_history_says(history: list[Recorded], new: Recorded) -> str | None:
    """The whole history's check of `new`: None (accepted) or the refusal's message."""
    try:
        check_new(history, new, lambda day: build(history, day), None)
    except EntryError as error:
        return f"{error.field}: {error.message}"
    return None


@PROPERTY
@given(data=order_free_facts(), more=st.data())
def test_a_structural_fact_is_checked_as_the_whole_history_checks_it(data, more):
    approval, facts = data
    plan = plan_of(KEY, approval, *facts)
    codes = [e.code for e in plan.approval.elements]
    operations = [e.code for e in plan.approval.elements if e.kind == "operation"]
    for _ in range(more.draw(st.integers(1, 3))):
        entry = more.draw(structural_entries(codes, operations))
        try:
            fact = parse_entry(entry)
        except EntryError:  # an entry no plan takes (a transfer to its own line): not this property's
            continue
        history = plan.history
        new = Recorded(plan.version + 1, datetime(2100, 1, 1, tzinfo=UTC) + timedelta(seconds=plan.version), "tester", fact)
        expected = whole_history_says(history, new)
        try:
            plan.record(fact, "tester")
            said = None
        except EntryError as error:
            said = f"{error.field}: {error.message}"
        assert said == expected, entry
        assert plan.structure_on(date.max) == build(plan.history)


def test_a_cancellation_after_the_last_progress_record_is_accepted_and_one_before_it_refused():
    """By hand: task 1.1.1.1 has progress on 2021-05-20; cancelling it on 2021-06-30 fits, on 2021-05-20 does not."""
    approval = {"approve": {"entity": "E", "year": 2021, "date": "2021-01-04", "reference": "RA 1/2021",
                            "strategic_actions": [{"code": "1", "title": "A"}],
                            "short_term_actions": [{"code": "1.1", "parent": "1", "title": "B", "weight": "100"}],
                            "operations": [{"code": "1.1.1", "parent": "1.1", "title": "C", "budget": {"TGN": "100.00"}}],
                            "tasks": [{"code": "1.1.1.1", "parent": "1.1.1", "title": "D"}, {"code": "1.1.1.2", "parent": "1.1.1", "title": "F"}]}}
    progress = {"progress": {"code": "1.1.1.1", "percent": "40", "date": "2021-05-20"}}

    def cancel(day):
        return parse_entry({"reformulate": {"date": day, "reference": "RD 2/2021", "reason": "r", "changes": [{"cancel": {"code": "1.1.1.1"}}]}})

    late = plan_of(KEY, approval, progress)
    late.record(cancel("2021-06-30"), "tester")
    assert late.structure_on(date.max).nodes["1.1.1.1"].cancelled_on == date(2021, 6, 30)

    early = plan_of(KEY, approval, progress)
    try:
        early.record(cancel("2021-05-20"), "tester")
    except EntryError as error:
        assert "seq 2" in error.message and "cancelled on 2021-05-20" in error.message
    else:
        raise AssertionError("a cancellation on the date of a progress record was accepted")
    assert early.version == 2


def test_a_budget_modification_below_zero_is_refused_and_leaves_the_latest_structure_as_it_was():
    """By hand: operation 1.1.1 holds TGN 100.00; -100.01 would leave -0.01, -100.00 leaves 0.00."""
    approval = {"approve": {"entity": "E", "year": 2021, "date": "2021-01-04", "reference": "RA 1/2021",
                            "strategic_actions": [{"code": "1", "title": "A"}],
                            "short_term_actions": [{"code": "1.1", "parent": "1", "title": "B", "weight": "100"}],
                            "operations": [{"code": "1.1.1", "parent": "1.1", "title": "C", "budget": {"TGN": "100.00"}}],
                            "tasks": []}}
    plan = plan_of(KEY, approval)

    def budget(amount):
        return parse_entry({"budget": {"code": "1.1.1", "source": "TGN", "amount": amount, "date": "2021-03-31",
                                       "reference": "RA 2/2021", "reason": "r"}})

    try:
        plan.record(budget("-100.01"), "tester")
    except EntryError as error:
        assert "-0.01" in error.message
    else:
        raise AssertionError("a budget below zero was accepted")
    assert plan.structure_on(date.max).nodes["1.1.1"].budget["TGN"] == build(plan.history).nodes["1.1.1"].budget["TGN"]
    plan.record(budget("-100.00"), "tester")
    assert plan.structure_on(date.max).nodes["1.1.1"].budget["TGN"] == 0
