"""The warnings about records that disagree with each other (projections/warnings.py,
docs/design.md "Warnings"):

- `execution_with_and_without_source`: an element's latest execution records per source key
  include one without a source and one or more by source (the executed budget adds them);
- `execution_differs_from_operations`: a short-term action's own execution figure at its latest
  cut-off date D differs from the sum of its operations' latest records up to D, when one of its
  operations has a record dated D;
- `progress_differs_from_children`: an element's progress record in use (dated D) differs, as
  shown, from the weighted mean of its active children's records dated D, when every one has one.

The plan is `base_approval` (support/builders.py): ACP 1.1 ─ op 1.1.1 (w 2, TGN 100, Otros 50) with
tasks 1.1.1.1 (w 1) and 1.1.1.2 (w 3), op 1.1.2 (w 1, Otros 30); ACP 1.2 ─ op 1.2.1; ACP 2.1 ─ op 2.1.1.
Every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

from datetime import date

import pytest

from poa.domain.catalogue import WarningKind, use_language
from poa.projections.evaluation import evaluate
from support.builders import FAR, base_approval, execution, plan_of, progress, reformulate

KEY = "W-2021"
MIXED = WarningKind.EXECUTION_MIXED
OPERATIONS = WarningKind.EXECUTION_DIFFERS_FROM_OPERATIONS
CHILDREN = WarningKind.PROGRESS_DIFFERS_FROM_CHILDREN


def warnings(*entries: dict, as_of: str = "2021-12-31", kind: WarningKind, approval: dict | None = None) -> list:
    """(code, English message) of the warnings of `kind` at `as_of`, with `entries` recorded."""
    plan = plan_of(KEY, approval or base_approval(), *entries)
    with use_language("en"):
        ev = evaluate(KEY, plan.history, date.fromisoformat(as_of), FAR)
    return [(w.code, w.message) for w in ev.warnings if w.kind == kind]


# -- execution recorded without a source and by source ------------------------------------------------------


def test_execution_without_and_with_source_warns_with_both_terms():
    entries = (execution("1.1.1", "30", "2021-03-31"), execution("1.1.1", "60", "2021-06-30", "TGN"),
               execution("1.1.1", "5", "2021-06-30", "Otros"))
    # executed: the latest per source key, 30 (no source) + 60 (TGN) + 5 (Otros) = 95; by source 60 + 5 = 65
    assert warnings(*entries, kind=MIXED) == [
        ("1.1.1", "1.1.1: execution recorded both without a source and by source; executed is their sum: "
                  "30.00 without source + 65.00 by source = 95.00."),
    ]
    assert warnings(*entries, as_of="2021-03-31", kind=MIXED) == []  # then only the one without source


@pytest.mark.parametrize(
    "entries",
    [
        (execution("1.1.1", "30", "2021-03-31"), execution("1.1.1", "60", "2021-06-30")),  # no source only
        (execution("1.1.1", "30", "2021-03-31", "TGN"), execution("1.1.1", "20", "2021-06-30", "Otros")),  # by source
        (execution("1.1", "30", "2021-03-31"), execution("1.1.1", "60", "2021-06-30", "TGN")),  # two elements
    ],
)
def test_execution_of_one_kind_per_element_does_not_warn(entries):
    assert warnings(*entries, kind=MIXED) == []


def test_the_short_term_action_warns_in_spanish_too():
    plan = plan_of(KEY, base_approval(), execution("1.1", "30", "2021-03-31"), execution("1.1", "60", "2021-06-30", "TGN"))
    ev = evaluate(KEY, plan.history, date(2021, 12, 31), FAR)
    assert [(w.code, w.message) for w in ev.warnings if w.kind == MIXED] == [
        ("1.1", "1.1: ejecución registrada sin fuente y por fuente; lo ejecutado es su suma: 30.00 sin fuente + "
                "60.00 por fuente = 90.00."),
    ]


# -- a short-term action's own execution against its operations' ---------------------------------------------


def test_an_acps_own_execution_differing_from_its_operations_warns_naming_both():
    entries = (
        execution("1.1", "100", "2021-06-30"),
        execution("1.1.1", "60", "2021-06-30", "TGN"),
        execution("1.1.2", "25", "2021-03-31"),
        execution("1.1.2", "30", "2021-09-30"),  # after D = 2021-06-30: not in the sum
    )
    # ACP 1.1 at D: 100; its operations up to D: 1.1.1 60 + 1.1.2 25 (latest ≤ D) = 85
    assert warnings(*entries, kind=OPERATIONS) == [
        ("1.1", "1.1: its execution record at 2021-06-30 (100.00) differs from the sum of its operations' records "
                "at that cut-off date (85.00)."),
    ]


@pytest.mark.parametrize(
    "entries",
    [
        # the same figure: 60 + 25 = 85
        (execution("1.1", "85", "2021-06-30"), execution("1.1.1", "60", "2021-06-30", "TGN"),
         execution("1.1.2", "25", "2021-03-31")),
        # no operation has a record dated D = 2021-06-30
        (execution("1.1", "100", "2021-06-30"), execution("1.1.1", "60", "2021-05-20"),
         execution("1.1.2", "25", "2021-03-31")),
        # the ACP has no record of its own: its executed is the operations' sum
        (execution("1.1.1", "60", "2021-06-30"), execution("1.1.2", "25", "2021-06-30")),
        # D is 2021-03-31: its operation's only record is dated after it
        (execution("1.1", "100", "2021-03-31"), execution("1.1.1", "60", "2021-06-30")),
    ],
)
def test_an_acps_own_execution_that_agrees_or_has_nothing_to_compare_does_not_warn(entries):
    assert warnings(*entries, kind=OPERATIONS) == []


def test_the_acps_figure_and_the_sum_are_read_per_source_key():
    entries = (
        execution("1.1", "40", "2021-06-30", "TGN"),
        execution("1.1", "20", "2021-06-30", "Otros"),
        execution("1.1.1", "40", "2021-06-30", "TGN"),
        execution("1.1.1", "15", "2021-03-31", "Otros"),
        execution("1.1.1", "15", "2021-06-30", "Otros"),  # corrects nothing: another date; the latest Otros is 15
    )
    # ACP: 40 + 20 = 60; operations: 1.1.1 TGN 40 + Otros 15 = 55 (1.1.2 has none: 0)
    assert warnings(*entries, kind=OPERATIONS) == [
        ("1.1", "1.1: its execution record at 2021-06-30 (60.00) differs from the sum of its operations' records "
                "at that cut-off date (55.00)."),
    ]


# -- progress of an element against its children's at the same date -----------------------------------------------


def test_an_operations_progress_differing_from_its_tasks_at_the_same_date_warns():
    entries = (progress("1.1.1.1", "40", "2021-06-30"), progress("1.1.1.2", "80", "2021-06-30"),
               progress("1.1.1", "60", "2021-06-30"))
    # tasks at D: (1 × 40 + 3 × 80) / (1 + 3) = 280 / 4 = 70; the operation's own record: 60
    assert warnings(*entries, kind=CHILDREN) == [
        ("1.1.1", "1.1.1: its progress recorded at 2021-06-30 (60.00%) differs from the weighted mean of its "
                  "elements' progress recorded at that date (70.00%)."),
    ]


@pytest.mark.parametrize(
    "entries",
    [
        # agrees: (40 + 3 × 80) / 4 = 70
        (progress("1.1.1.1", "40", "2021-06-30"), progress("1.1.1.2", "80", "2021-06-30"),
         progress("1.1.1", "70", "2021-06-30")),
        # one task has no record dated D
        (progress("1.1.1.1", "40", "2021-06-30"), progress("1.1.1.2", "80", "2021-05-20"),
         progress("1.1.1", "60", "2021-06-30")),
        # the operation's record in use is of a later date, when its tasks have none
        (progress("1.1.1.1", "40", "2021-06-30"), progress("1.1.1.2", "80", "2021-06-30"),
         progress("1.1.1", "60", "2021-06-30"), progress("1.1.1", "65", "2021-09-30")),
        # no record of its own: its progress is the tasks' mean
        (progress("1.1.1.1", "40", "2021-06-30"), progress("1.1.1.2", "80", "2021-06-30")),
    ],
)
def test_progress_that_agrees_or_has_nothing_to_compare_does_not_warn(entries):
    assert warnings(*entries, kind=CHILDREN) == []


def test_the_children_are_compared_as_shown_and_corrections_win():
    # ACP 1.1 from its operations at D: (2 × 50 + 1 × 51) / 3 = 151 / 3 = 50.333… → shown 50.33
    base = (progress("1.1.1", "50", "2021-06-30"), progress("1.1.2", "51", "2021-06-30"))
    assert warnings(*base, progress("1.1", "50.33", "2021-06-30"), kind=CHILDREN) == []
    assert warnings(*base, progress("1.1", "50.34", "2021-06-30"), kind=CHILDREN) == [
        ("1.1", "1.1: its progress recorded at 2021-06-30 (50.34%) differs from the weighted mean of its elements' "
                "progress recorded at that date (50.33%)."),
    ]
    # a later-recorded record of 1.1.2 for D corrects the first: (2 × 50 + 1 × 50.99) / 3 = 150.99 / 3 = 50.33
    corrected = (*base, progress("1.1.2", "50.99", "2021-06-30"), progress("1.1", "50.34", "2021-06-30"))
    assert warnings(*corrected, kind=CHILDREN) == [
        ("1.1", "1.1: its progress recorded at 2021-06-30 (50.34%) differs from the weighted mean of its elements' "
                "progress recorded at that date (50.33%)."),
    ]
    assert warnings(*base, progress("1.1.2", "53", "2021-06-30"), progress("1.1", "51", "2021-06-30"),
                    kind=CHILDREN) == []  # (100 + 53) / 3 = 51


def test_cancelled_children_are_left_out_and_zero_weights_take_the_plain_mean():
    cancel = reformulate("2021-05-01", {"cancel": {"code": "1.1.1.2"}})
    # only task 1.1.1.1 is active: its 60 is the mean
    assert warnings(cancel, progress("1.1.1.1", "60", "2021-06-30"), progress("1.1.1", "60", "2021-06-30"),
                    kind=CHILDREN) == []
    assert warnings(cancel, progress("1.1.1.1", "60", "2021-06-30"), progress("1.1.1", "50", "2021-06-30"),
                    kind=CHILDREN) == [
        ("1.1.1", "1.1.1: its progress recorded at 2021-06-30 (50.00%) differs from the weighted mean of its "
                  "elements' progress recorded at that date (60.00%)."),
    ]
    approval = base_approval()
    approval["approve"]["tasks"] = [
        {"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea 1", "weight": 0},
        {"code": "1.1.1.2", "parent": "1.1.1", "title": "Tarea 2", "weight": 0},
    ]
    entries = (progress("1.1.1.1", "40", "2021-06-30"), progress("1.1.1.2", "80", "2021-06-30"))
    # weights 0 + 0: the plain mean (40 + 80) / 2 = 60
    assert warnings(*entries, progress("1.1.1", "60", "2021-06-30"), kind=CHILDREN, approval=approval) == []
    assert len(warnings(*entries, progress("1.1.1", "70", "2021-06-30"), kind=CHILDREN, approval=approval)) == 1
