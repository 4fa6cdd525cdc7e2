"""Which facts a view needs: the part of a plan's history that decides its evaluation (docs/performance.md).

A report reads the plan's facts through the store's index (one `IndexRow` per fact, kept in
the same transaction as the events) and asks `select` which of them the evaluation at
(as_of, known_at) can depend on. The evaluation's one fold (`projections/evaluation.py`) then
runs over those facts only, and gives the same evaluation as over the whole history:

- every fact but the progress and execution records known at known_at, whatever its date (the
  structure, texts, publications, closings, issued reports: they grow with the plan, not with
  its history; a closing dated after as_of is known all the same);
- of each series of records — one element's progress, one element's execution by source key —
  among the visible ones (effective date ≤ as_of, recorded ≤ known_at):
  - the latest (the figure);
  - of an element whose parent has records of the same kind, the latest dated on or before the
    parent's latest date (what `warnings` compares a parent's own record with its children's at
    its cut-off);
  - both records of every decrease between consecutive cut-off dates (the going-down warnings);
  - every late record (the late warnings; `warnings.days_late`);
- the first visible fact of each initial load (the report names the load by it, its time and actor);
- with every record kept, the one in effect on its date (the last recorded of that date, as
  each view sees it), so that the records kept on each date are read as the fold reads them;
- and, for each initial load, the number of its visible facts and its latest date
  (`Selected.tally`), and each element's first visible record of each kind (`Selected.firsts`:
  warnings list elements in that order), which the fold would otherwise find among every fact.

Any set of facts that holds the selection, is visible, and holds with each record the one in
effect on its date gives the same evaluation (tests/unit/test_selection.py checks it against the
whole history). So the selections of several views (a report and its quarter-by-quarter trend)
are read as one: their union, closed that way for each view.
"""

from __future__ import annotations

from bisect import bisect_right
from operator import itemgetter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import NamedTuple

from poa.domain.facts import Add, Approval, Execution, Progress, Recorded, Reformulation

from .issued import View
from .warnings import LATE_AFTER_DAYS

PROGRESS, EXECUTION = "progress", "execution"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class IndexRow(NamedTuple):
    """One fact of a plan as the store's index keeps it: plain values, no fact to decode.

    `kind` is ``progress``, ``execution`` or ``other``; `code`, `source` and `value` (the percent
    or the amount) are those of a record; `day` is the effective date as an ordinal and
    `recorded` the recorded time in microseconds since 1970 (UTC), so that both compare as numbers.
    """

    seq: int
    kind: str
    code: str | None
    source: str | None
    day: int
    recorded: int
    value: str | None
    initial_load: str | None


class Selected(list):
    """The facts a view needs (`select`), in seq order, with each initial load's visible facts
    counted (`tally`: reference → (facts, latest effective date)) and each element's first visible
    record of each kind and of each series (`firsts`), for the view they were
    selected for (None: `evaluate` finds them among the facts, as in a whole history)."""

    def __init__(
        self, facts: Iterable[Recorded] = (), tally: dict[str, tuple[int, date]] | None = None,
        firsts: dict[tuple, tuple[int, int]] | None = None,
    ):
        super().__init__(facts)
        self.tally = tally or {}
        self.firsts = firsts


def microseconds(moment: datetime) -> int:
    """A recorded time as the index keeps it."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def index_row(recorded: Recorded) -> IndexRow:
    """The index's row of a fact."""
    fact = recorded.fact
    if isinstance(fact, Progress):
        kind, source, value = PROGRESS, None, fact.percent
    elif isinstance(fact, Execution):
        kind, source, value = EXECUTION, fact.source, fact.amount
    else:
        kind, source, value = "other", None, None
    return IndexRow(
        recorded.seq, kind, getattr(fact, "code", None) if value is not None else None, source, fact.date.toordinal(),
        microseconds(recorded.recorded_at), None if value is None else str(value), recorded.initial_load,
    )


def index_rows_at(rows: Iterable[IndexRow], as_of: date, known_at: datetime, others: bool) -> list[IndexRow]:
    """What a store's `index_rows` gives of a plan's rows (in seq order): those of the facts effective
    by `as_of` and recorded by `known_at`, its facts but the records (`others`) or its records."""
    day, moment = as_of.toordinal(), microseconds(known_at)
    return [r for r in rows if r.day <= day and r.recorded <= moment and (r.kind == "other") == others]


def index_loads_at(rows: Iterable[IndexRow], as_of: date, known_at: datetime) -> dict[str, tuple[int, date, int]]:
    """What a store's `index_loads` gives of a plan's rows: for each initial load, how many of its
    facts are effective by `as_of` and recorded by `known_at`, the latest of their dates, the first seq."""
    day, moment = as_of.toordinal(), microseconds(known_at)
    loads: dict[str, tuple[int, int, int]] = {}
    for r in rows:
        if r.initial_load is not None and r.day <= day and r.recorded <= moment:
            count, latest, first = loads.get(r.initial_load, (0, r.day, r.seq))
            loads[r.initial_load] = (count + 1, max(latest, r.day), min(first, r.seq))
    return {reference: (count, date.fromordinal(latest), first) for reference, (count, latest, first) in loads.items()}


def parents(facts: Iterable[Recorded]) -> dict[str, str | None]:
    """The parent of every element ever approved or added, from the plan's structural facts (an
    element keeps its parent: a reformulation adds, updates or cancels elements, never moves them)."""
    found: dict[str, str | None] = {}
    for r in facts:
        if isinstance(r.fact, Approval):
            found.update((e.code, e.parent) for e in r.fact.elements)
        elif isinstance(r.fact, Reformulation):
            found.update((c.element.code, c.element.parent) for c in r.fact.changes if isinstance(c, Add))
    return found


def select(
    rows: Iterable[IndexRow], views: Sequence[View], parent_of: Mapping[str, str | None], *, count_loads: bool = True
) -> tuple[set[int], dict[str, tuple[int, date]]]:
    """The seqs of the facts the views need (`parent_of`: each element's parent, `parents`), and the
    initial loads' tally of the first view (not `count_loads`: none, for a store that counts them)."""
    views = list(views)
    rows = list(rows)
    seqs: set[int] = set()
    for view in views:
        seqs |= _select(rows, view, parent_of)
    if len(views) > 1:  # what another view needs, read in this one as this one reads it
        for view in views:
            seqs |= _in_effect_on_kept_days(_visible(rows, view), seqs)
    return seqs, _tally(rows, views[0]) if count_loads else {}


def firsts(rows: Iterable[IndexRow], view: View) -> dict[tuple, tuple[int, int]]:
    """Where each element's visible records start, as `warnings` orders them: (kind, code) → (date
    ordinal, seq) of its first record; (kind, code, source) → that of the first record in effect
    of each of its series (the last recorded on its earliest date)."""
    found: dict[tuple, tuple[int, int]] = {}
    last_day, moment = view.as_of.toordinal(), microseconds(view.known_at)
    for seq, kind, code, source, day, recorded, _value, _load in rows:  # unpacked: the hot loop of a long history
        if kind == "other" or day > last_day or recorded > moment:
            continue
        element, series, at = (kind, code), (kind, code, source), (day, seq)
        if element not in found or at < found[element]:
            found[element] = at
        known = found.get(series)
        if known is None or day < known[0] or (day == known[0] and seq > known[1]):
            found[series] = at
    return found


def views_of(view: View, year: int, charted: bool) -> list[View]:
    """The views a report at `view` evaluates: its own, and when it charts its trend
    (projections/trend.py) the quarter ends before its as_of, as known at its known_at."""
    ends = [date(year, month, day) for month, day in ((3, 31), (6, 30), (9, 30), (12, 31))]
    return [view, *(View(end, view.known_at) for end in ends if charted and end < view.as_of)]


def _visible(rows: Iterable[IndexRow], view: View) -> list[IndexRow]:
    """The rows visible in the view."""
    day, moment = view.as_of.toordinal(), microseconds(view.known_at)
    return [r for r in rows if r.day <= day and r.recorded <= moment]


DAY = 86_400_000_000  # microseconds
EPOCH_DAY = EPOCH.date().toordinal()


def _select(rows: Sequence[IndexRow], view: View, parent_of: Mapping[str, str | None]) -> set[int]:
    keep: set[int] = set()
    series: dict[tuple[str, str | None, str | None], list[IndexRow]] = {}
    load_firsts: dict[str, int] = {}
    last_day, moment = view.as_of.toordinal(), microseconds(view.known_at)
    for r in rows:
        seq, kind, code, source, day, recorded, _value, load = r  # unpacked: the hot loop of a long history
        if recorded > moment:
            continue
        if kind == "other":
            keep.add(seq)  # whatever its date (a closing after as_of is known): the fold filters
            continue
        if day > last_day:
            continue
        key = (kind, code, source)
        found = series.get(key)
        if found is None:
            series[key] = [r]
        else:
            found.append(r)
        if load is None:
            if recorded // DAY + EPOCH_DAY - day > LATE_AFTER_DAYS:  # late, as `warnings.days_late` judges it
                keep.add(seq)
        elif seq < load_firsts.get(load, seq + 1):
            load_firsts[load] = seq  # the first visible fact of each load (the others are all kept)
    keep.update(load_firsts.values())
    latest_day: dict[tuple[str, str | None], int] = {}  # per element and kind, its records' latest date
    in_effect: dict[tuple, list[IndexRow]] = {}
    for key, found in series.items():
        found.sort(key=_day_and_seq)
        last_of_day = _last_of_each_day(found)
        in_effect[key] = last_of_day
        keep.add(last_of_day[-1].seq)
        for before, after in zip(last_of_day, last_of_day[1:]):
            if _lower(after.value, before.value):
                keep.update((before.seq, after.seq))
        element = key[:2]
        if latest_day.get(element, 0) < last_of_day[-1].day:
            latest_day[element] = last_of_day[-1].day
    for key, last_of_day in in_effect.items():
        parent_day = latest_day.get((key[0], parent_of.get(key[1])))
        if parent_day is not None:
            at = bisect_right([r.day for r in last_of_day], parent_day)
            if at:
                keep.add(last_of_day[at - 1].seq)
    for key, found in series.items():  # a kept record corrected on its date: the one in effect with it
        last_of_day = in_effect[key]
        if len(found) > len(last_of_day):
            kept_days = {r.day for r in found if r.seq in keep}
            keep.update(r.seq for r in last_of_day if r.day in kept_days)
    return keep


def _lower(value: str, than: str) -> bool:
    """Whether a record's value (a decimal's text) is lower than another's, exactly."""
    return value != than and Decimal(value) < Decimal(than)


def _last_of_each_day(found: list[IndexRow]) -> list[IndexRow]:
    """A series' records in (date, seq) order, the last recorded of each date: the one in effect."""
    last_of_day = [r for r, later in zip(found, found[1:]) if later.day != r.day]
    last_of_day.append(found[-1])
    return last_of_day


def _in_effect_on_kept_days(visible: Iterable[IndexRow], keep: set[int]) -> set[int]:
    """The record in effect (among `visible`) on each date of a series on which a record is kept."""
    series: dict[tuple, list[IndexRow]] = {}
    for r in visible:
        if r.kind != "other":
            series.setdefault((r.kind, r.code, r.source), []).append(r)
    found = set()
    for records in series.values():
        kept_days = {r.day for r in records if r.seq in keep}
        if not kept_days:
            continue
        records.sort(key=_day_and_seq)
        found.update(r.seq for r in _last_of_each_day(records) if r.day in kept_days)
    return found


_day_and_seq = itemgetter(4, 0)  # an IndexRow's (day, seq)


def _tally(rows: Iterable[IndexRow], view: View) -> dict[str, tuple[int, date]]:
    """Each initial load's count of visible facts and their latest date (`index_loads_at`, its first seq aside)."""
    return {reference: load[:2] for reference, load in index_loads_at(rows, view.as_of, view.known_at).items()}


