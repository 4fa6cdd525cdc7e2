"""The quarter-by-quarter trend of a plan: its progress and budget execution at each quarter end.

The same evaluation (`poa.projections.evaluation.evaluate`) at every quarter end of the
year up to the report's as_of, and at the as_of itself when it is not a quarter end,
all as known at the report's known_at: what the charts of the documents draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from attrs import frozen

from poa.domain.facts import Recorded

from .evaluation import Evaluation, NotInForce, evaluate, quarter_ends


@frozen
class QuarterPoint:
    """The plan's figures at one date of the trend."""

    date: date
    programmed_pct: Decimal
    physical_progress_pct: Decimal
    budget_current: Decimal
    budget_executed: Decimal
    budget_execution_pct: Decimal
    efficiency_pct: Decimal | None


def point(ev: Evaluation) -> QuarterPoint:
    s = ev.summary
    return QuarterPoint(
        ev.as_of, s.programmed_pct, s.physical_progress_pct, s.budget_current, s.budget_executed,
        s.budget_execution_pct, s.efficiency_pct,
    )


def quarterly(ev: Evaluation, history: Sequence[Recorded]) -> tuple[QuarterPoint, ...]:
    """The trend up to `ev`'s as_of, as known at its known_at: one point per quarter end on or
    before it where the plan is in force, then `ev`'s own when as_of is not a quarter end."""
    points = []
    for end in quarter_ends(ev.year):
        if end >= ev.as_of:
            break
        try:
            points.append(point(evaluate(ev.plan, history, end, ev.known_at)))
        except NotInForce:  # approved after that quarter end
            continue
    points.append(point(ev))
    return tuple(points)


def with_trend(ev: Evaluation, history: Sequence[Recorded]) -> Evaluation:
    """`ev` with its `trend` (`quarterly`), its derivations kept."""
    return ev.evolved(trend=quarterly(ev, history))
