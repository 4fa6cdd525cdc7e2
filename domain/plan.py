"""The plan aggregate: one POA (entity × year), the consistency boundary of its facts.

A plan is one event-sourced aggregate whose events are the facts of SPEC §3.
One aggregate per plan because every rule spans the whole plan (a cancellation
constrains later progress; a budget may not go negative at any date), and the
aggregate's version is the optimistic lock that serialises concurrent writers.
Its state is what validating the next fact needs, in proportion to the plan's size rather than
to its history (docs/performance.md): every fact but the progress and execution records, and
of those only each element's span of dates (`spans`, `widen`). The figures are folded from the history
read from the store (projections/), never from this state. A rule that must name one of the
records it left out (a cancellation that would strand recorded progress, a correction naming a
record's seq) asks for the full history through the `history` callable the ledger passes to
`record` — a cost paid by that refusal only.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable
from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from attrs import frozen
from eventsourcing.domain import Aggregate

from .facts import (
    STRUCTURAL,
    Approval,
    Closing,
    Correction,
    Execution,
    Fact,
    Progress,
    Recorded,
    Reopening,
)
from .corrections import TEXTS, settle
from .fact_kinds import FACT_KINDS
from .rules import SpansBroken, check_approval, check_new
from .structure import Structure, build
from .values import EntryError

RECORDS = (Progress, Execution)  # the facts the plan keeps as spans only (`widen`)
PLAN_NAMESPACE = uuid5(NAMESPACE_URL, "https://poa-ledger/plan")


def plan_id(key: str) -> UUID:
    """The deterministic aggregate id of a plan key such as ``AN-2020``."""
    return uuid5(PLAN_NAMESPACE, key)


class Plan(Aggregate):
    """One POA and the history of every fact recorded about it."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return plan_id(key)

    class Approved(Aggregate.Created):
        key: str
        actor: str
        fact: Approval
        batch: str | None = None  # events stored before batch ids existed read back as None
        initial_load: str | None = None  # the initial load's reference; events stored before it existed: None

        def apply(self, plan: "Plan") -> None:
            plan._remember(self)

    class FactRecorded(Aggregate.Event):
        actor: str
        fact: Fact
        batch: str | None = None
        initial_load: str | None = None

        def apply(self, plan: "Plan") -> None:
            plan._remember(self)

    class Reformulated(FactRecorded):
        pass

    class BudgetModified(FactRecorded):
        pass

    class Transferred(FactRecorded):
        pass

    class ProgressRecorded(FactRecorded):
        pass

    class ExecutionRecorded(FactRecorded):
        pass

    class ResultRecorded(FactRecorded):
        pass

    class JustificationRecorded(FactRecorded):
        pass

    class ReportPublished(FactRecorded):
        pass

    class Closed(FactRecorded):
        pass

    class Reopened(FactRecorded):
        pass

    class ReportIssued(FactRecorded):
        pass

    class Corrected(FactRecorded):
        pass

    def __init__(self, key: str, actor: str, fact: Approval, batch: str | None = None, initial_load: str | None = None):
        self.key = key
        self.facts: list[Recorded] = []  # every fact but progress and execution records, in seq order
        self.spans: dict[str, list[int]] = {}  # each element's records' span of dates (`widen`)
        self.batches: dict[str, BatchRecord] = {}  # every batch recorded, by id
        self.closed: Recorded | None = None  # the closing in force, by recorded order

    class Snapshot(Aggregate.Snapshot):
        """The plan's state without its caches (they are rebuilt when first asked for)."""

        @classmethod
        def take(cls, aggregate):
            snapshot = super().take(aggregate)
            for cache in CACHES:
                snapshot.state.pop(cache, None)
            return snapshot

    def collect_events(self) -> list:
        """The pending events, taken at once (the library's pops them one at a time from the
        front of a list: quadratic in a large batch)."""
        collected, self._pending_events = self._pending_events, []
        return collected

    # -- commands --------------------------------------------------------------
    @classmethod
    def approve(
        cls, key: str, approval: Approval, actor: str, batch: str | None = None, initial_load: str | None = None
    ) -> "Plan":
        """A new plan, after checking its approved structure (`initial_load`: the reference of the
        initial load it comes in, docs/design.md; None: recorded as it happened)."""
        check_approval(Recorded(1, cls.Event.create_timestamp(), actor, approval))
        return cls(key=key, actor=actor, fact=approval, batch=batch, initial_load=initial_load)

    def record(
        self, fact: Fact, actor: str, batch: str | None = None, initial_load: str | None = None,
        history: Callable[[], list[Recorded]] | None = None,
    ) -> None:
        """Record one more fact, after checking it keeps the history valid (`initial_load`: as in `approve`).

        `history()` gives the plan's events as stored (the ledger reads them): asked for only when a
        rule must look at the progress and execution records this state keeps as spans only.
        """
        timestamp = self.Event.create_timestamp()
        if timestamp <= self.modified_on:  # recorded order and recorded time never disagree
            timestamp = self.modified_on + timedelta(microseconds=1)
        whole = None
        if self._names_a_record(fact):
            whole = self.whole_history(history)
        fact = settle(whole or self.facts, fact, self.structure_on)  # what a correction or replacement refers to
        new = Recorded(self.version + 1, timestamp, actor, fact, batch, initial_load)
        latest = self._latest_structure() if whole is None and isinstance(fact, STRUCTURAL) else None
        extended = False
        try:
            extended = check_new(whole or self.facts, new, self.structure_on, self.closed, None if whole else self.spans, latest)
        except (SpansBroken, EntryError):
            if whole is not None or not isinstance(fact, STRUCTURAL) or not self.spans:
                raise
            # a record may not fit, or may break before the fact named: the whole history's check names the first
            check_new(self.whole_history(history), new, self.structure_on, self.closed)
        self.trigger_event(
            EVENT_FOR[type(fact)], actor=actor, fact=fact, batch=batch, initial_load=initial_load, timestamp=timestamp
        )
        if extended:  # the structure after every structural fact, `new` now included: kept, not folded again
            self._structures = {len(self._structural_facts()): latest}

    def _names_a_record(self, fact: Fact) -> bool:
        """Whether a correction or a replacement names a seq this state does not keep."""
        named = fact.corrects if isinstance(fact, Correction) else fact.replaces if isinstance(fact, TEXTS) else None
        return named is not None and not any(r.seq == named for r in self.facts)

    def whole_history(self, history: Callable[[], list[Recorded]] | None) -> list[Recorded]:
        """The plan's whole history: as stored, then the events of this batch not saved yet."""
        stored = history() if history is not None else []  # none: a plan never saved, all of it pending
        last = stored[-1].seq if stored else 0
        whole = [*stored, *(recorded_of(e) for e in self.pending_events if e.originator_version > last)]
        if len(whole) != self.version:
            raise ValueError(f"plan {self.key}: its history reads {len(whole)} facts, not {self.version}")
        return whole

    # -- state -----------------------------------------------------------------
    @property
    def approval(self) -> Approval:
        return self.facts[0].fact

    @property
    def history(self) -> list[Recorded]:
        """Every fact of a plan held in memory, not saved yet (a plan read from a store holds its state
        only: its facts are read with `Ledger.history`)."""
        return self.whole_history(None)

    def _structural_facts(self) -> list[Recorded]:
        """The structural facts in the order they take effect: (date, seq) (a cache, rebuilt after a snapshot)."""
        found = self.__dict__.get("_structural")
        if found is None:
            found = self._structural = sorted((r for r in self.facts if isinstance(r.fact, STRUCTURAL)), key=_effective)
        return found

    def structure_on(self, day: date) -> Structure | None:
        """The structure in force at the end of `day`, with every fact known now.

        Dates with the same structural facts in effect share one fold.
        """
        structural = self._structural_facts()
        cache = self.__dict__.setdefault("_structures", {})
        in_effect = bisect_right(structural, day, key=lambda r: r.fact.date)
        if in_effect not in cache:
            cache[in_effect] = build(structural[:in_effect])
        return cache[in_effect]

    def _latest_structure(self) -> Structure:
        """The structure in force after every structural fact, taken out of the cache (the caller changes it)."""
        self.structure_on(date.max)
        return self._structures.pop(len(self._structural_facts()))

    def _remember(self, event: "Plan.Approved | Plan.FactRecorded") -> None:
        fact, batch, seq = event.fact, event.batch, event.originator_version
        if batch is not None:
            known = self.batches.get(batch)
            if known is not None and known.last_seq == seq - 1 and known.first.recorded_at == event.timestamp:
                # the same transaction goes on (one stamp per transaction)
                self.batches[batch] = BatchRecord(known.first, seq, known.times)
            else:
                self.batches[batch] = BatchRecord(recorded_of(event), seq, known.times + 1 if known else 1)
        if isinstance(fact, RECORDS):
            widen(self.spans, fact)  # a record is kept as its element's span only: no `Recorded` made
            return
        recorded = recorded_of(event)
        self.facts.append(recorded)
        if isinstance(fact, STRUCTURAL):
            if "_structural" in self.__dict__:
                insort(self._structural, recorded, key=_effective)
            self.__dict__.pop("_structures", None)
        elif isinstance(fact, Closing):
            self.closed = recorded
        elif isinstance(fact, Reopening):
            self.closed = None

    def stamped(self, stamp: datetime, events: list) -> None:
        """The state once `events`, the last ones it recorded, are stamped with their commit's time
        `stamp` (the store stamps a transaction's events when it commits: adapters/commit_stamps.py),
        as reading them back from the store gives it."""
        after = events[0].originator_version - 1

        def restamp(r: Recorded) -> Recorded:
            return attrs.evolve(r, recorded_at=stamp) if r.seq > after else r

        self.facts = [restamp(r) for r in self.facts]
        self.closed = self.closed and restamp(self.closed)
        for batch in dict.fromkeys(e.batch for e in events if e.batch is not None):
            mine = [e for e in events if e.batch == batch]
            # with their own times, each opened a run of the batch (`_remember`); with one stamp, they are one
            times = self.batches[batch].times - len(mine) + 1
            self.batches[batch] = BatchRecord(restamp(recorded_of(mine[0])), mine[-1].originator_version, times)
        if after == 0:
            self._created_on = stamp
        self._modified_on = stamp
        for cache in CACHES:
            self.__dict__.pop(cache, None)


CACHES = ("_structural", "_structures")


def _effective(r: Recorded) -> tuple:
    return (r.fact.date, r.seq)


def recorded_of(event: "Plan.Approved | Plan.FactRecorded", stamp: datetime | None = None) -> Recorded:
    """A plan event as the fact recorded (`stamp`: as recorded at that time rather than its own)."""
    return Recorded(event.originator_version, stamp or event.timestamp, event.actor, event.fact, event.batch, event.initial_load)


def widen(spans: dict[str, list[int]], fact: Progress | Execution) -> None:
    """Widen the span of the element's records of this kind to the record's date: per element, the first and
    last date of its progress records, then of its execution records, as date ordinals (0: none)."""
    day = fact.date.toordinal()
    span = spans.get(fact.code)
    if span is None:
        span = spans[fact.code] = [0, 0, 0, 0]
    first, last = (0, 1) if isinstance(fact, Progress) else (2, 3)
    if not span[first] or day < span[first]:
        span[first] = day
    if day > span[last]:
        span[last] = day


@frozen
class BatchRecord:
    """Where a batch was last recorded in a plan (its first fact, the seq of its last) and how many times."""

    first: Recorded
    last_seq: int
    times: int


EVENT_FOR = {kind.fact: getattr(Plan, kind.event) for kind in FACT_KINDS}  # the registry's event of each fact
