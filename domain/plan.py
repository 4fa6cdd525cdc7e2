"""The plan aggregate: one POA (entity × year), the consistency boundary of its facts.

A plan is one event-sourced aggregate whose events are the facts of SPEC §3.
One aggregate per plan because every rule spans the whole plan (a cancellation
constrains later progress; a budget may not go negative at any date), and the
aggregate's version is the optimistic lock that serialises concurrent writers.
Its state is simply the history of recorded facts; figures are folded from it.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

import attrs
from attrs import frozen
from eventsourcing.domain import Aggregate

from .facts import (
    STRUCTURAL,
    Approval,
    Closing,
    Fact,
    Recorded,
    Reopening,
)
from .corrections import settle
from .fact_kinds import FACT_KINDS
from .rules import check_approval, check_new
from .structure import Structure, build

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
        self.history: list[Recorded] = []
        self.batches: dict[str, BatchRecord] = {}  # every batch recorded, by id
        self.closed: Recorded | None = None  # the closing in force, by recorded order
        self._structural: list[Recorded] = []  # in the order they take effect: (date, seq)
        self._structures: dict[int, Structure | None] = {}

    # -- commands --------------------------------------------------------------
    @classmethod
    def approve(
        cls, key: str, approval: Approval, actor: str, batch: str | None = None, initial_load: str | None = None
    ) -> "Plan":
        """A new plan, after checking its approved structure (`initial_load`: the reference of the
        initial load it comes in, docs/design.md; None: recorded as it happened)."""
        check_approval(Recorded(1, cls.Event.create_timestamp(), actor, approval))
        return cls(key=key, actor=actor, fact=approval, batch=batch, initial_load=initial_load)

    def record(self, fact: Fact, actor: str, batch: str | None = None, initial_load: str | None = None) -> None:
        """Record one more fact, after checking it keeps the history valid (`initial_load`: as in `approve`)."""
        timestamp = self.Event.create_timestamp()
        if timestamp <= self.modified_on:  # recorded order and recorded time never disagree
            timestamp = self.modified_on + timedelta(microseconds=1)
        fact = settle(self.history, fact, self.structure_on)  # what a correction or replacement refers to
        check_new(self.history, Recorded(self.version + 1, timestamp, actor, fact), self.structure_on, self.closed)
        self.trigger_event(
            EVENT_FOR[type(fact)], actor=actor, fact=fact, batch=batch, initial_load=initial_load, timestamp=timestamp
        )

    # -- state -----------------------------------------------------------------
    @property
    def approval(self) -> Approval:
        return self.history[0].fact

    def structure_on(self, day: date) -> Structure | None:
        """The structure in force at the end of `day`, with every fact known now.

        Dates with the same structural facts in effect share one fold.
        """
        in_effect = bisect_right(self._structural, day, key=lambda r: r.fact.date)
        if in_effect not in self._structures:
            self._structures[in_effect] = build(self._structural[:in_effect])
        return self._structures[in_effect]

    def _remember(self, event: "Plan.Approved | Plan.FactRecorded") -> None:
        fact = event.fact
        recorded = Recorded(event.originator_version, event.timestamp, event.actor, fact, event.batch, event.initial_load)
        self.history.append(recorded)
        if recorded.batch is not None:
            known = self.batches.get(recorded.batch)
            if known is not None and known.last_seq == recorded.seq - 1 and known.first.recorded_at == recorded.recorded_at:
                # the same transaction goes on (one stamp per transaction)
                self.batches[recorded.batch] = attrs.evolve(known, last_seq=recorded.seq)
            else:
                self.batches[recorded.batch] = BatchRecord(recorded, recorded.seq, known.times + 1 if known else 1)
        if isinstance(fact, STRUCTURAL):
            insort(self._structural, recorded, key=lambda r: (r.fact.date, r.seq))
            self._structures = {}
        elif isinstance(fact, Closing):
            self.closed = recorded
        elif isinstance(fact, Reopening):
            self.closed = None


@frozen
class BatchRecord:
    """Where a batch was last recorded in a plan (its first fact, the seq of its last) and how many times."""

    first: Recorded
    last_seq: int
    times: int


EVENT_FOR = {kind.fact: getattr(Plan, kind.event) for kind in FACT_KINDS}  # the registry's event of each fact
