"""The initial loads a view shows: facts transcribed from earlier records (`poa apply --initial-load`).

A fact recorded in an initial load carries the load's reference (`Recorded.initial_load`). It is
not late (`warnings.days_late`), and the report says once, per load, that the plan's history up to
a date was loaded from documents (docs/design.md, "Initial load"). Pure: a function of the facts
visible in the view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import attrs
from attrs import frozen

from poa.domain.facts import Recorded


@frozen
class InitialLoad:
    """One initial load as a view sees it: its reference, the latest effective date among its
    visible facts (`up_to`), when and by whom its first visible fact was recorded, and how many
    of its facts the view sees."""

    reference: str
    up_to: date
    recorded_at: datetime
    actor: str
    facts: int


def initial_loads(seen: Iterable[Recorded], tally: Mapping[str, tuple[int, date]] | None = None) -> tuple[InitialLoad, ...]:
    """The initial loads among the facts `seen` (those visible in a view), one per reference, in
    the order of their first fact (seq). `tally`: each load's visible facts and latest date, counted
    by the index when `seen` is a selection of them (projections/selection.py)."""
    found: dict[str, InitialLoad] = {}
    for r in sorted(seen, key=lambda r: r.seq):
        if r.initial_load is None:
            continue
        load = found.get(r.initial_load)
        if load is None:
            found[r.initial_load] = InitialLoad(r.initial_load, r.fact.date, r.recorded_at, r.actor, 1)
        else:
            found[r.initial_load] = InitialLoad(load.reference, max(load.up_to, r.fact.date), load.recorded_at, load.actor, load.facts + 1)
    if tally:
        found = {ref: attrs.evolve(load, facts=tally[ref][0], up_to=tally[ref][1]) for ref, load in found.items()}
    return tuple(found.values())
