"""The POA ledger: an eventsourcing `Application` whose aggregates are plans, whatever the store.

A batch of entries, for one plan or several, is saved in one `save()` call, which
the library writes in one transaction. A version conflict with another writer is
retried after reloading the plans and re-validating every entry; a batch a plan
already holds is refused unless asked again.

What a store must do beyond the library's recorder — the version its commits
recorded for a plan, settling a reader's "now", checking that it is intact, and
telling a busy store from a damaged or read-only one — it provides through
`StoreOperations` (the SQLite store: `adapters/sqlite_store.py`; PostgreSQL:
`adapters/postgres_store.py`) — its Merkle log too (adapters/merkle_log.py): each recorder logs
the events it inserts, hashed by the ledger (`_leaf_hashes`), and every plan read is checked
against the log before it is returned (`_check_log`; `check_log` False skips it). The library's
persistence exceptions never leave this module's public methods: each becomes a
`StoreError` or a `StoreFailure` (`adapters/store_errors.py`).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from functools import partial, wraps
from operator import attrgetter
from typing import Protocol
from uuid import UUID

import attrs
from attrs import frozen
from eventsourcing.application import Application
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    JSONTranscoder,
    Notification,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.utils import get_topic

from poa.domain.batches import batch_ids
from poa.domain.commands import BatchRepeated, Command, CommandError
from poa.domain.facts import Approval, Recorded
from poa.domain.plan import RECORDS, Plan, plan_id, recorded_of
from poa.domain.values import EntryError, figures_context
from poa.projections.issued import View
from poa.projections.selection import IndexRow, Selected, firsts, index_loads_at, index_row, index_rows_at, parents, select

from . import merkle, merkle_log
from .commit_stamps import originator_of
from .interface import translate as _, ngettext
from .merkle_log import LogBroken, LogEntry, StoredLeaf, TreeHead, event_leaf, event_name
from .plan_rows import catalogue_values, listed
from .store_errors import (
    BeyondTheLog,
    StoreBusy,
    StoreDamaged,
    StoreError,
    StoreFailure,
    StoreReadOnly,
    StoreTampered,
    operation_failed,
    unknown_plan,
)
from .transcodings import register_values

WRITE_ATTEMPTS = 20
FOREVER = datetime.max.replace(tzinfo=timezone.utc)  # a known_at that sees every fact
SNAPSHOT_EVERY = 500  # events of a plan between two of its snapshots: what a write reads beyond the plan's state


class StoreOperations(Protocol):
    """What the ledger asks of its store beyond the library's recorder (one implementation per kind of store)."""

    read_only: str  # why the store is open read-only ("" when it is not)

    def recorded_version(self, originator_id: UUID) -> int:
        """The version the commits recorded for an aggregate (0: none recorded)."""

    def settle(self) -> datetime:
        """Now, as the known_at of views that can no longer change (see `Ledger.settle`)."""

    def check_intact(self) -> None:
        """Raise `StoreDamaged` if the store's rows are not those its commits recorded."""

    def structure_problems(self) -> list[str]:
        """What the store's own check of its structure finds wrong (`verify`)."""

    def failure(self, error: Exception) -> StoreFailure:
        """A library error the input did not cause, as the failure it is (busy, damaged, read-only...)."""

    def log_entries(self, originator_id: UUID | None = None, up_to: int | None = None, after: int = 0) -> list[LogEntry]:
        """The Merkle log's entries of one aggregate (None: all of them), of its versions after `after` up
        to `up_to` (None: all), in log order (adapters/merkle_log.py)."""

    def log_head(self) -> LogEntry | None:
        """The Merkle log's last entry (None: an empty log)."""

    def log_entry(self, log_index: int) -> LogEntry | None:
        """The Merkle log's entry at a log index (None: none there)."""

    def log_nodes(self, positions: Iterable[tuple[int, int]] | None) -> dict[tuple[int, int], bytes]:
        """The stored perfect nodes at these (level, index) positions, level 0 being the leaves
        (None: every stored node of level 1 and above)."""

    def log_entries_at(self, originator_id: UUID, versions: Sequence[int]) -> list[LogEntry]:
        """The Merkle log's entries of one aggregate's events of these versions."""

    def index_rows(self, originator_id: UUID, as_of: date, known_at: datetime, others: bool) -> list[IndexRow] | None:
        """The index's rows of an aggregate's facts dated up to `as_of` and recorded up to `known_at`
        (`others`: its facts but the records; else its records), in seq order (projections/selection.py;
        [] or None: the store has no index)."""

    def index_loads(self, originator_id: UUID, as_of: date, known_at: datetime) -> dict[str, tuple[int, date, int]]:
        """Each initial load's facts dated up to `as_of` and recorded up to `known_at`: how many, the latest
        date, the first seq."""

    def index_count(self, originator_id: UUID) -> int:
        """How many of an aggregate's events the index holds."""

    def events_at(self, originator_id: UUID, versions: Sequence[int]) -> list[StoredEvent]:
        """An aggregate's stored events of these versions, in version order."""

    def plan_catalogue(self) -> list[tuple[UUID, tuple]]:
        """The catalogue of plans (adapters/plan_catalogue.py): each row's aggregate id and values, in the
        order of their notification ids ([]: none, or a store made before it)."""


def _translated(method):
    """The library's persistence errors that a method did not translate itself, as a `StoreFailure`."""

    @wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except PersistenceError as error:
            raise operation_failed(error) from None

    return wrapper


def _project(plan: Plan | None, events) -> Plan | None:
    """The library's `project_aggregate` without its per-event runtime protocol check
    (half the cost of loading a long history; our events are all aggregate events)."""
    for event in events:
        plan = event.mutate(plan)
    return plan


_seq = attrgetter("seq")


def _saved_events(processing_event, aggregate: UUID) -> list:
    """The events a save recorded for one aggregate."""
    return [e for e in processing_event.events if e.originator_id == aggregate]


def _plan_of(event, keys: dict[UUID, str]) -> str | None:
    """The key of a plan event's plan, learnt into `keys` from its approval (which comes before any
    other event of the plan, in a stream of events as in the store)."""
    if isinstance(event, Plan.Approved):
        keys[event.originator_id] = event.key
    return keys.get(event.originator_id)


def _leaf_as(key: str, aggregate: UUID, recorded: Recorded, seq: int) -> bytes:
    return event_leaf(key, aggregate, attrs.evolve(recorded, seq=seq))


def _at_most(lines: list[str], limit: int, more: Callable[[int], str]) -> list[str]:
    """The first `limit` lines, then ``more(n)`` saying how many more there are."""
    return lines if len(lines) <= limit else [*lines[:limit], more(len(lines) - limit)]


def _more_unreadable(count: int) -> str:
    # English keeps its plural for one as well ("1 more events"); other languages get both forms
    return ngettext(
        "… and {count} more events that cannot be read back", "… and {count} more events that cannot be read back", count
    ).format(count=count)


def _more_log_problems(count: int) -> str:
    return ngettext("… and {count} more problems in the Merkle log", "… and {count} more problems in the Merkle log", count).format(
        count=count
    )


@frozen
class Audit:
    """What `Ledger.verify` found: the events, each plan's number of events, what is wrong, the
    log's tree head, and each event's leaf hash recomputed from it (None: unreadable), in log order."""

    events: int
    plans: dict[str, int]
    problems: list[str]
    head: TreeHead
    leaves: list[bytes | None]


@frozen
class Inclusion:
    """An event (in its canonical form), its log entry, a tree head, and the inclusion proof."""

    event: dict
    entry: LogEntry
    head: TreeHead
    proof: tuple[bytes, ...]


@frozen
class Consistency:
    """Two tree heads and the proof that the larger extends the smaller."""

    old: TreeHead
    new: TreeHead
    proof: tuple[bytes, ...]


class Ledger(Application):
    """The POA ledger application: every plan of the store, as event-sourced aggregates."""

    name = "PlanLedger"
    is_snapshotting_enabled = True  # snapshots of each plan's validation state (`_take_snapshots`)
    check_log = True  # check every plan read against the store's Merkle log (`poa --no-verify`: False)

    def __init__(self, env: dict[str, str], operations: Callable[[ApplicationRecorder], StoreOperations]):
        """`env` configures the library's persistence module; `operations(recorder)` gives the store's own."""
        super().__init__(env=env)
        self._keys: dict[UUID, str] = {}  # each plan's key by aggregate id, as learnt from approvals and reads
        self._snapshotted: dict[str, int] = {}  # each plan's version at its latest snapshot, as read
        self.recorder.leaf_hashes = self._leaf_hashes  # the recorder logs each event it inserts
        self.recorder.index_rows = self._index_rows  # and indexes it (projections/selection.py)
        self.recorder.catalogue_rows = self._catalogue_rows  # and lists each plan approved (adapters/plan_catalogue.py)
        self._decoded: dict[tuple[UUID, int], Recorded] = {}  # the events `_leaf_hashes` decoded last, for `_index_rows`
        self._saving: dict[tuple[UUID, int], object] = {}  # the events of the save in progress (`_record`)
        self._logging: dict[UUID, dict[int, Recorded]] = {}  # the facts the save in progress logs, by plan and seq
        self._committed: dict[UUID, dict[int, Recorded]] = {}  # those of the last save, once committed (`_read_at`)
        self.store = operations(self.recorder)

    def close(self) -> None:
        """Close the store, and let go of the recorder's hooks into this ledger (a cycle that would keep
        it alive until the garbage collector runs, at a moment nobody chose)."""
        super().close()
        self.recorder.leaf_hashes = self.recorder.index_rows = self.recorder.catalogue_rows = None
        self._committed = {}

    def __del__(self) -> None:
        """The library's finaliser closes an application left open; a closed ledger has nothing to do
        there (an interrupt landing in a finaliser is lost and shown as an ignored exception)."""
        if not self.closing.is_set():
            super().__del__()

    @property
    def read_only(self) -> str:
        """Why the store is open read-only ("" when it is not)."""
        return self.store.read_only

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_values(transcoder)

    # -- reading -----------------------------------------------------------------
    @_translated
    def plan(self, key: str) -> Plan:
        """The plan as the next write needs it: its latest snapshot and the events since (all of them
        when it has none), checked against the Merkle log; refused as damaged if it has fewer events
        than its commits recorded. Its state is what validation needs (domain/plan.py); the facts
        themselves are read with `history`."""
        aggregate = plan_id(key)
        recorded = self.store.recorded_version(aggregate)
        snapshot = self._snapshot(aggregate)
        after = snapshot.originator_version if snapshot is not None else 0
        events = self._read(key, lambda: list(self.events.get(aggregate, gt=after or None)))
        if not events and snapshot is None:
            self._missing(key, recorded)
        plan = self._read(key, lambda: _project(snapshot.mutate(None) if snapshot is not None else None, events))
        self._check_version(key, plan.version, recorded)
        self._keys[plan.id] = key
        self._snapshotted[key] = after
        if self.check_log:
            self._check_log(key, plan.id, [recorded_of(e) for e in events], after=after)
        return plan

    @_translated
    def history(self, key: str) -> list[Recorded]:
        """Every fact of the plan as stored, in seq order, checked against the Merkle log; refused
        as damaged if there are fewer than its commits recorded."""
        aggregate = plan_id(key)
        recorded = self.store.recorded_version(aggregate)
        events = self._read(key, lambda: [recorded_of(e) for e in self.events.get(aggregate)])
        if not events:
            self._missing(key, recorded)
        if not isinstance(events[0].fact, Approval):
            raise StoreDamaged(
                _("the store is damaged: plan {plan}'s events cannot be read back ({error})").format(
                    plan=key, error=_("its first event is not its approval")
                )
            )
        self._check_version(key, len(events), recorded)
        self._keys[aggregate] = key
        if self.check_log:
            self._check_log(key, aggregate, events)
        return events

    @_translated
    def version(self, key: str) -> int:
        """How many facts the plan's commits recorded (0: no such plan)."""
        return self.store.recorded_version(plan_id(key))

    @_translated
    def facts(self, key: str) -> list[Recorded]:
        """Every fact of the plan but its progress and execution records, in seq order, read through
        the store's index and checked against the Merkle log: what choosing a view needs (its year, its
        approval, its issued reports), and the part of every view's facts that grows with the plan."""
        aggregate = plan_id(key)
        if not self._indexed(aggregate):
            return [r for r in self.history(key) if not isinstance(r.fact, RECORDS)]
        held = self._held(aggregate)
        if held is None:
            seqs = {r.seq for r in self.store.index_rows(aggregate, date.max, FOREVER, others=True)}
        else:  # a plan just loaded: what the index gives, from the facts committed
            seqs = {r.seq for r in held if not isinstance(r.fact, RECORDS)}
        return self._read_at(key, aggregate, {1} | seqs)  # the approval, whatever the view

    @_translated
    def selected(self, key: str, views: Sequence[View], facts: Sequence[Recorded] | None = None) -> Selected:
        """The facts of the plan the evaluations at `views` need (projections/selection.py, `Selected`:
        they evaluate as the whole history does): its `facts` (read here when not given), and the records
        chosen through the store's index, checked against the Merkle log. A store whose index does not
        cover the plan (made before it, and read-only since) gives the whole history."""
        aggregate = plan_id(key)
        if not self._indexed(aggregate):
            return Selected(self.history(key))
        facts = self.facts(key) if facts is None else facts
        latest, known = max(v.as_of for v in views), max(v.known_at for v in views)
        held = self._held(aggregate)
        if held is None:
            rows = self.store.index_rows(aggregate, latest, known, others=False)
            loads = self.store.index_loads(aggregate, views[0].as_of, views[0].known_at)
        else:  # a plan just loaded: the rows and the loads' tally the index gives, from the facts committed
            every = list(map(index_row, held))
            rows = index_rows_at(every, latest, known, others=False)
            loads = index_loads_at(every, views[0].as_of, views[0].known_at)
        chosen = select(rows, views, parents(facts), count_loads=False)[0]  # the store counts them (`index_loads`)
        wanted = (chosen | {load[2] for load in loads.values()}) - {r.seq for r in facts}
        records = self._read_at(key, aggregate, wanted) if wanted else []
        tally = {reference: load[:2] for reference, load in loads.items()}
        return Selected(sorted([*facts, *records], key=lambda r: r.seq), tally, firsts(rows, views[0]))

    def _held(self, aggregate: UUID) -> list[Recorded] | None:
        """The plan's facts in seq order, if the last save of this ledger committed every one the store
        holds (a plan just loaded, and none recorded since by another writer), else None: then what
        the index gives of it is made from them (`index_rows_at`, `index_loads_at`: the same rows)."""
        committed = self._committed.get(aggregate)
        if not committed or 1 not in committed or len(committed) != self.store.recorded_version(aggregate):
            return None
        return [committed[seq] for seq in range(1, len(committed) + 1)]

    def _indexed(self, aggregate: UUID) -> bool:
        """Whether the store's index holds every event of the plan its commits recorded."""
        recorded = self.store.recorded_version(aggregate)
        try:
            return recorded > 0 and self.store.index_count(aggregate) >= recorded
        except PersistenceError:  # no index: a store made before it, opened read-only
            return False

    def _read_at(self, key: str, aggregate: UUID, seqs: set[int]) -> list[Recorded]:
        """The plan's facts of these seqs, checked against the Merkle log; refused as damaged when one
        the index names cannot be found. Those the last save of this ledger committed are taken as it
        logged them (`_committed`: its leaves were hashed from these very facts), not read again."""
        committed = self._committed.get(aggregate, {})
        held = [r for r in map(committed.get, seqs) if r is not None]
        wanted = seqs.difference(r.seq for r in held) if held else seqs
        found = self._read(key, lambda: self._events_at(aggregate, sorted(wanted))) if wanted else []
        if len(found) != len(wanted) or (1 in wanted and not isinstance(found[0].fact, Approval)):
            self.history(key)  # events lost or changed: refused as the whole history's read refuses them
            missing = sorted(wanted - {r.seq for r in found})
            raise StoreDamaged(
                _("the store is damaged: plan {plan}'s events {seqs} are in its index but cannot be found").format(
                    plan=key, seqs=", ".join(map(str, missing[:10])) or "1"
                )
            )
        self._keys[aggregate] = key
        if self.check_log and found:
            self._check_log_at(key, aggregate, found)
        return sorted([*held, *found], key=_seq) if held else found

    def _events_at(self, aggregate: UUID, seqs: Sequence[int]) -> list[Recorded]:
        return [recorded_of(self.mapper.to_domain_event(e)) for e in self.store.events_at(aggregate, seqs)]

    def _check_log_at(self, key: str, aggregate: UUID, facts: Sequence[Recorded]) -> None:
        """Refuse facts read (some of the plan's, in seq order) that the store's Merkle log does not vouch for."""
        self._vouched(key, aggregate, facts, self.store.log_entries_at(aggregate, [r.seq for r in facts]))

    def history_of(self, plan: Plan) -> list[Recorded]:
        """A plan's whole history: as stored, then its events not saved yet (a preview's)."""
        return plan.whole_history(partial(self._stored_history, plan.key, plan))

    def _stored_history(self, key: str, plan: Plan) -> list[Recorded]:
        """The stored history of a plan being written (none for a plan not saved yet)."""
        saved = plan.version - len(plan.pending_events)
        return self.history(key) if saved else []

    def _read(self, key: str, read: Callable):
        """`read()`, its failures as the store's: busy, damaged..."""
        try:
            return read()
        except OperationalError as error:
            raise self.store.failure(error) from None
        except PersistenceError as error:
            raise StoreDamaged(
                _("the store is damaged: plan {plan}'s events cannot be read ({error})").format(plan=key, error=error)
            ) from None
        except StoreError:
            raise
        except Exception as error:  # a state or topic the library cannot turn back into an event
            raise StoreDamaged(
                _("the store is damaged: plan {plan}'s events cannot be read back ({error})").format(
                    plan=key, error=f"{type(error).__name__}: {error}"
                )
            ) from None

    def _missing(self, key: str, recorded: int):
        if recorded:
            raise StoreDamaged(
                _("the store is damaged: plan {plan}'s {count} events cannot be found").format(plan=key, count=recorded)
            )
        raise unknown_plan(key)

    def _check_version(self, key: str, version: int, recorded: int) -> None:
        if version < recorded:  # read later than the record: never fewer unless rows were lost
            raise StoreDamaged(
                _("the store is damaged: plan {plan} reads back {count} events, its commits recorded {recorded}").format(
                    plan=key, count=version, recorded=recorded
                )
            )

    def _snapshot(self, aggregate: UUID):
        """The plan's latest snapshot (None: none, or a store without snapshots: then the plan is read
        from its first event). A snapshot is a cache of the state its events fold to: `verify` checks it."""
        if self.snapshots is None:
            return None
        try:
            found = list(self.snapshots.get(aggregate, desc=True, limit=1))
        except PersistenceError:  # a store made before snapshots, opened read-only: no snapshot table
            return None
        return found[0] if found else None

    def _record(self, processing_event):
        """The library's recording of a save, with its events at hand for the recorder's hooks
        (`_leaf_hashes`, `_index_rows`): they need not decode what was just encoded."""
        self._saving = {(e.originator_id, e.originator_version): e for e in processing_event.events}
        self._committed = {}
        try:
            recordings = super()._record(processing_event)
            self._committed = self._logging  # stored and logged as they are: a read-back takes them from here
            return recordings
        finally:
            self._saving, self._logging = {}, {}

    def _take_snapshots(self, processing_event) -> None:
        """After a save: a snapshot of each plan that has `SNAPSHOT_EVERY` events or more since its last
        one, taken from the state in memory stamped with its commit's time (so the whole history is
        not read again); a snapshot that cannot be written is skipped (the next write takes one)."""
        stamp = getattr(self.recorder, "last_stamp", None)
        if self.snapshots is None or stamp is None:
            return
        for plan in processing_event.aggregates.values():
            after = self._snapshotted.get(plan.key, 0)
            if plan.version - after < SNAPSHOT_EVERY:
                continue
            plan.stamped(stamp, _saved_events(processing_event, plan.id))
            try:
                self.snapshots.put([Plan.Snapshot.take(plan)])
            except PersistenceError:
                continue
            self._snapshotted[plan.key] = plan.version

    def _check_log(
        self, key: str, aggregate: UUID, history: Sequence[Recorded], *, whole: bool = True, after: int = 0
    ) -> None:
        """Refuse events read that the store's Merkle log does not vouch for (`merkle_log.check_plan`);
        `whole`: the history read is the plan's whole history from seq `after` + 1 (not only its
        approval), so that the log's entries of later seqs must be events recorded since. Read after
        the events: the log's head then covers every event read."""
        self._vouched(key, aggregate, history, self.store.log_entries(aggregate, None if whole else len(history), after))

    def _vouched(self, key: str, aggregate: UUID, history: Sequence[Recorded], entries: Sequence[LogEntry]) -> None:
        try:
            merkle_log.check_plan(
                key, aggregate, history, entries, self.store.log_head(), self.store.log_nodes, self._stored,
                self.store.log_entries,
            )
        except LogBroken as error:
            raise StoreTampered(
                _(
                    "the store is damaged or was altered behind the ledger's back: its Merkle log says {problem}. "
                    "`poa verify` lists every problem; `poa --no-verify ...` reads the store anyway, for forensic work"
                ).format(problem=error)
            ) from None

    @_translated
    def plan_keys(self) -> list[str]:
        """The keys of the store's plans, in the order they were approved: from the catalogue of plans
        (no approval decoded; `verify` checks the catalogue, and a plan chosen from it is read and
        checked against the Merkle log as any is), or from the approvals in a store written before it."""
        catalogue = self.store.plan_catalogue()
        if catalogue:
            return [values[0] for _aggregate, values in catalogue]
        return [key for key, _approval in self.plans()]

    @_translated
    def plans(self) -> list[tuple[str, Recorded]]:
        """Every plan of the store (key and approval), in the order they were approved."""
        found = []
        for notification in self._notifications(topics=[get_topic(Plan.Approved)]):
            try:
                event = self.mapper.to_domain_event(notification)
            except Exception as error:
                raise StoreDamaged(
                    _("the store is damaged: a plan's approval cannot be read back ({error})").format(error=error)
                ) from None
            found.append((_plan_of(event, self._keys), recorded_of(event)))
        if self.check_log:
            for key, approval in found:
                self._check_log(key, plan_id(key), [approval], whole=False)
        return found

    @_translated
    def settle(self) -> datetime:
        """Now, as the known_at of views that can no longer change.

        Every transaction stamped at or before the moment returned has committed,
        and every later one is stamped after it (how: the store's `settle`). Read
        the history after this call.
        """
        return self.store.settle()

    @_translated
    def check_intact(self) -> None:
        """Refuse a damaged store: its event rows must be exactly those its commits recorded."""
        self.store.check_intact()

    def _notifications(self, topics: Sequence[str] = (), page: int = 500) -> Iterator[Notification]:
        """Every notification of the store (of these topics), in order, a page at a time."""
        start = 1
        try:
            while True:
                notifications = self.recorder.select_notifications(start, page, topics=topics)
                yield from notifications
                if len(notifications) < page:
                    return
                start = notifications[-1].id + 1
        except PersistenceError as error:  # the store says what it is: busy, damaged (a malformed page)...
            raise self.store.failure(error) from None

    @_translated
    def stored_events(self) -> Iterator[StoredEvent]:
        """Every event of the store as stored (topic and state bytes untouched), in notification order."""
        for n in self._notifications():
            yield StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)

    @_translated
    def verify(self, limit: int = 20) -> Audit:
        """Read the whole store back: its rows against its commit record (`check_intact`), every
        event decoded and hashed again, every plan loaded at the version its commits recorded, and
        the events against the Merkle log (`merkle_log.audit`). What is wrong: at most `limit` lines
        per kind of check."""
        problems: list[str] = []
        try:
            self.check_intact()
        except StoreDamaged as error:
            problems.append(str(error))
        problems += self.store.structure_problems()
        per_aggregate: Counter[str] = Counter()
        leaves: list[StoredLeaf] = []
        unreadable = []
        keys: dict[UUID, str] = {}
        for notification in self._notifications():
            per_aggregate[str(notification.originator_id)] += 1
            try:
                event = self.mapper.to_domain_event(notification)
            except Exception as error:  # noqa: BLE001 - any failure to decode is damage to report
                event = None
                unreadable.append(
                    _("event {id}: cannot be read back ({error})").format(id=notification.id, error=f"{type(error).__name__}: {error}")
                )
            key = _plan_of(event, keys) if event is not None else keys.get(notification.originator_id)
            name = event_name(key, notification.originator_version, notification.originator_id)
            leaf = as_seq = None
            if event is not None and key:
                recorded = recorded_of(event)
                leaf = event_leaf(key, event.originator_id, recorded)
                as_seq = partial(_leaf_as, key, event.originator_id, recorded)
            leaves.append(
                StoredLeaf(notification.id, notification.originator_id, notification.originator_version, name, leaf, as_seq)
            )
        problems += _at_most(unreadable, limit, _more_unreadable)
        plans = {}
        check_log, self.check_log = self.check_log, False  # the log is audited below, whole
        try:
            try:
                approved = self.plans()
            except StoreDamaged as error:
                problems.append(str(error))
                approved = []
            for key, _approval in approved:
                try:
                    history = self.history(key)
                except StoreDamaged as error:
                    problems.append(str(error))
                    continue
                plans[key] = len(history)
                problems += self._derived_problems(key, history)
            if approved:
                problems += self._catalogue_problems(approved)
        finally:
            self.check_log = check_log
        events = sum(per_aggregate.values())
        orphans = events - sum(per_aggregate[str(plan_id(key))] for key, _ in approved)
        if orphans:
            problems.append(
                ngettext("{count} events belong to no approved plan", "{count} events belong to no approved plan", orphans)
                .format(count=orphans)
            )
        entries = self.store.log_entries()
        problems += _at_most(merkle_log.audit(leaves, entries, self.store.log_nodes(None)), limit, _more_log_problems)
        return Audit(events, plans, problems, self.tree_head(), [leaf.leaf for leaf in leaves])

    def _catalogue_problems(self, approved: Sequence[tuple[str, Recorded]]) -> list[str]:
        """What is wrong with the catalogue of plans (adapters/plan_catalogue.py) against the approvals read
        (every plan's, in the order they were approved): a row that is not its approval's, a plan without a
        row, a row of no plan, rows in another order. An empty catalogue (a store made before it, not written
        since) is not wrong: `poa plans` reads the approvals then."""
        try:
            rows = self.store.plan_catalogue()
        except PersistenceError:
            rows = []
        if not rows:
            return []
        stored, problems, listed_plans = dict(rows), [], []
        for key, approval in approved:
            aggregate = plan_id(key)
            values = stored.pop(aggregate, None)
            if values is None:
                problems.append(
                    _("plan {plan} has no row in the catalogue of plans: `poa plans` reads the approvals instead").format(plan=key)
                )
                continue
            listed_plans.append(aggregate)
            if tuple(values) != catalogue_values(listed(key, approval)):
                logged = self.store.log_entries_at(aggregate, [1])
                # an approval changed since it was recorded is the Merkle log's problem to name, not the catalogue's
                if logged and logged[0].leaf != event_leaf(key, aggregate, approval):
                    continue
                problems.append(
                    _(
                        "plan {plan}'s row in the catalogue of plans does not match its approval: `poa plans` lists it; "
                        "`poa copy` into a new store writes the catalogue again"
                    ).format(plan=key)
                )
        for aggregate in stored:
            problems.append(
                _("the catalogue of plans has a row of aggregate {aggregate}, which no approval recorded").format(aggregate=aggregate)
            )
        kept = set(listed_plans)
        if [aggregate for aggregate, _values in rows if aggregate in kept] != listed_plans:
            problems.append(_("the catalogue of plans lists the plans in another order than they were approved"))
        return problems

    def _derived_problems(self, key: str, history: Sequence[Recorded]) -> list[str]:
        """What is wrong with what the store derives from a plan's events: its index rows
        (projections/selection.py) and its latest snapshot (`plan`), each against the events."""
        aggregate, problems = plan_id(key), []
        try:
            rows = [
                *self.store.index_rows(aggregate, date.max, FOREVER, others=True),
                *self.store.index_rows(aggregate, date.max, FOREVER, others=False),
            ]
        except PersistenceError:
            rows = []
        if rows or self.store.index_count(aggregate):
            stored = {r.seq: r for r in rows}
            wrong = [r for r in history if stored.get(r.seq) != index_row(r)]
            logged = {e.version: e.leaf for e in self.store.log_entries_at(aggregate, [r.seq for r in wrong])}
            # an event changed since it was recorded is the Merkle log's problem to name, not the index's
            wrong = [r.seq for r in wrong if logged.get(r.seq) == event_leaf(key, aggregate, r)]
            if wrong or len(stored) != len(history):
                problems.append(
                    _(
                        "plan {plan}'s index does not match its events (seq {seqs}): reports read through it; "
                        "`poa copy` into a new store indexes the events again"
                    ).format(plan=key, seqs=", ".join(map(str, wrong[:10])) or len(stored))
                )
        snapshot = self._snapshot(aggregate)
        if snapshot is not None:
            try:
                state = Plan.Snapshot.take(_project(None, self.events.get(aggregate, lte=snapshot.originator_version))).state
                matches = state == snapshot.state
            except Exception:  # noqa: BLE001 - events the snapshot's version does not reach, or a damaged snapshot
                matches = False
            if not matches:
                problems.append(
                    _(
                        "plan {plan}'s snapshot at seq {seq} does not match its events: writes check new facts against it; "
                        "`poa copy` into a new store leaves it behind"
                    ).format(plan=key, seq=snapshot.originator_version)
                )
        return problems

    @_translated
    def tree_head(self, size: int | None = None) -> TreeHead:
        """The tree head the Merkle log recorded after its first `size` events (default: all of them)."""
        if size == 0:
            return TreeHead(0, merkle.EMPTY_ROOT)
        last = self.store.log_head()
        if last is None or (size is not None and size > last.size):
            raise BeyondTheLog(
                _("the store's Merkle log holds {count} events, not {size}").format(count=last.size if last else 0, size=size)
            )
        entry = last if size is None or size == last.size else self._entry_at(size - 1)
        return TreeHead(entry.size, entry.root, self._recorded_time(entry))

    def inclusion(self, key: str, seq: int, size: int | None = None) -> Inclusion:
        """Plan `key`'s event `seq`, its log entry, and the proof that it is in the tree of `size` events."""
        return self.inclusions(key, [seq], size)[0]

    @_translated
    def inclusions(self, key: str, seqs: Sequence[int], size: int | None = None) -> list[Inclusion]:
        """Plan `key`'s events `seqs`, each with its log entry and the proof that it is in the tree of
        the log's first `size` events (default: all), against one tree head."""
        history = self.history(key)
        aggregate = plan_id(key)
        head = self.tree_head(size)
        entries = {e.version: e for e in self.store.log_entries(aggregate)}
        for seq in seqs:
            if not 1 <= seq <= len(history):
                raise StoreError(
                    _("plan {plan} has no seq {seq} (its seqs run from 1 to {last})").format(plan=key, seq=seq, last=len(history))
                )
            if seq not in entries:
                raise StoreTampered(_("plan {plan} seq {seq} is not in the store's Merkle log").format(plan=key, seq=seq))
            if entries[seq].log_index >= head.size:
                raise BeyondTheLog(
                    _("plan {plan} seq {seq} is event {event} of the log, after the tree of {size} events").format(
                        plan=key, seq=seq, event=entries[seq].size, size=head.size
                    )
                )
        wanted = {p for seq in seqs for p in merkle.proof_positions_inclusion(entries[seq].log_index, head.size)}
        found = self.store.log_nodes(wanted)
        proofs = []
        for seq in seqs:
            entry = entries[seq]
            try:
                path = merkle.inclusion_proof(entry.log_index, head.size, lambda level, index: found[(level, index)])
            except KeyError as missing:
                raise StoreTampered(
                    _("the store's Merkle log lacks the node {node} of plan {plan} seq {seq}'s proof").format(
                        node=missing, plan=key, seq=seq
                    )
                ) from None
            event = merkle_log.canonical_event(key, aggregate, history[seq - 1])
            proofs.append(Inclusion(event, entry, head, tuple(path)))
        return proofs

    @_translated
    def consistency(self, old_size: int, new_size: int | None = None) -> Consistency:
        """The proof that the tree of `new_size` events (default: all) extends the tree of `old_size`."""
        new = self.tree_head(new_size)
        if not 0 < old_size <= new.size:
            raise StoreError(
                _(
                    "a consistency proof goes from a tree of 1 to {size} events to a larger one, not from {old_size} "
                    "(every tree extends the empty one: RFC 9162 defines no proof for it)"
                ).format(size=new.size, old_size=old_size)
            )
        old = self.tree_head(old_size)
        proof: list[bytes] = []
        if old_size < new.size:
            found = self.store.log_nodes(merkle.proof_positions_consistency(old_size, new.size))
            try:
                proof = merkle.consistency_proof(old_size, new.size, lambda level, index: found[(level, index)])
            except KeyError as missing:
                raise StoreTampered(_("the store's Merkle log lacks the node {node} of the proof").format(node=missing)) from None
        return Consistency(old, new, tuple(proof))

    def _stored(self, notification_id: int) -> bool:
        """Whether the store still holds the event of this notification id."""
        found = self.recorder.select_notifications(notification_id, 1)
        return bool(found) and found[0].id == notification_id

    def _entry_at(self, log_index: int) -> LogEntry:
        entry = self.store.log_entry(log_index)
        if entry is None:
            raise StoreTampered(_("the store's Merkle log has no entry at log index {index}").format(index=log_index))
        return entry

    def _recorded_time(self, entry: LogEntry) -> datetime | None:
        """The recorded time of a log entry's event (its commit's stamp), None if it cannot be read."""
        events = self.recorder.select_events(entry.originator_id, gt=entry.version - 1, lte=entry.version)
        try:
            return self.mapper.to_domain_event(events[0]).timestamp if events else None
        except Exception:  # noqa: BLE001 - a damaged event: the head has no time, `verify` says why
            return None

    def _leaf_hashes(self, stored_events: Sequence[StoredEvent]) -> list[bytes]:
        """The leaf hash of each event a recorder logs, in the order given (`merkle_log.event_leaf`); the
        plan of an event is learnt from its approval (earlier in the same events, or read before).

        An event of the save in progress is hashed as it is in memory, with its transaction's stamp
        (`recorder.last_stamp`, taken before the insert): what its stored bytes decode to, as every
        read checks. Any other (a store made before the log, logged on its next write) is decoded."""
        leaves = []
        self._decoded = {}
        stamp = getattr(self.recorder, "last_stamp", None)
        for stored in stored_events:
            aggregate = originator_of(stored)
            event = self._saving.get((aggregate, stored.originator_version))
            if event is not None and stamp is not None:
                recorded = recorded_of(event, stamp)
            else:
                try:
                    event = self.mapper.to_domain_event(stored)
                except Exception as error:  # noqa: BLE001 - an event that cannot be read back cannot be logged
                    raise StoreDamaged(_("the store is damaged: an event to log cannot be read back ({error})").format(error=error)) from None
                recorded = recorded_of(event)
            key = _plan_of(event, self._keys)
            if key is None:
                raise StoreDamaged(
                    _("the store is damaged: an event of aggregate {aggregate} belongs to no approved plan").format(
                        aggregate=event.originator_id
                    )
                )
            self._decoded[(event.originator_id, recorded.seq)] = recorded
            leaves.append(event_leaf(key, event.originator_id, recorded))
        return leaves

    def _catalogue_rows(self, stored_events: Sequence[StoredEvent]) -> list[tuple[UUID, tuple]]:
        """The catalogue's row of each plan these events approve (adapters/plan_catalogue.py): its aggregate
        id and `catalogue_values`; an approval is its plan's first event, decoded by `_leaf_hashes` just
        before (else decoded here). Called before `_index_rows`, which lets go of what was decoded."""
        rows = []
        for stored in stored_events:
            if stored.originator_version != 1:
                continue
            aggregate = originator_of(stored)
            recorded, key = self._decoded.get((aggregate, 1)), self._keys.get(aggregate)
            if recorded is None or key is None:
                event = self.mapper.to_domain_event(stored)
                key, recorded = _plan_of(event, self._keys), recorded_of(event)
            if isinstance(recorded.fact, Approval) and key is not None:
                rows.append((aggregate, catalogue_values(listed(key, recorded))))
        return rows

    def _index_rows(self, stored_events: Sequence[StoredEvent]) -> list[tuple]:
        """The index's row of each event a recorder inserts (aggregate id, then `IndexRow` but its seq's
        place: the version), decoded by `_leaf_hashes` just before (else decoded here)."""
        rows = []
        decoded, self._decoded = self._decoded, {}
        for stored in stored_events:
            aggregate = originator_of(stored)
            recorded = decoded.get((aggregate, stored.originator_version))
            if recorded is None:
                recorded = recorded_of(self.mapper.to_domain_event(stored))
            rows.append((aggregate, *index_row(recorded)))
        for (aggregate, seq), recorded in decoded.items():
            self._logging.setdefault(aggregate, {})[seq] = recorded
        return rows

    # -- writing -----------------------------------------------------------------
    @_translated
    def copy_in(self, events: Sequence[StoredEvent]) -> None:
        """Insert events read from another store (`stored_events`) as they are, with their recorded
        times, in one transaction: refused (`StoreNotEmpty`, nothing written) unless this store is empty."""
        if self.read_only:
            raise StoreReadOnly(_("the store is open read-only ({reason}): nothing was copied").format(reason=self.read_only))
        self.recorder.keep_stamps = True
        try:
            self.recorder.insert_events(events)
        except PersistenceError as error:
            raise self.store.failure(error) from None
        finally:
            self.recorder.keep_stamps = False

    @_translated
    def record(
        self, batch: Sequence[Command], *, again: bool = False, saving=None, ids: Mapping[str, str] | None = None
    ) -> None:
        """Record every command of the batch, all or nothing; retried on a version conflict.

        The batch is refused if any of its plans already holds the same batch
        (`domain/batches.py`; `ids`: each plan's batch id, if the caller computed them), unless `again`.
        `saving()`, if given, is called just before each attempt to commit. The plans are not returned: their events are
        stamped when committed (`CommitTimeRecorder`), so read them back with `history()`.
        """
        if self.read_only:
            raise StoreReadOnly(_("the store is open read-only ({reason}): nothing was recorded").format(reason=self.read_only))
        ids = batch_ids((c.plan, c.fact) for c in batch) if ids is None else ids
        for attempt in range(WRITE_ATTEMPTS):
            plans = self._execute(batch, ids, again)
            if saving is not None:
                saving()
            try:
                self.save(*plans)
                return
            except PersistenceError as error:
                failure = self.store.failure(error)
                final = isinstance(failure, StoreReadOnly) or (isinstance(failure, StoreBusy) and failure.waited)
                if final or not isinstance(error, (IntegrityError, OperationalError)):
                    raise failure from None
                if attempt < WRITE_ATTEMPTS - 1:
                    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise StoreBusy(
            _(
                "the store is busy: other writers kept changing the same plans through {attempts} attempts "
                "(or held the lock longer than the timeout); nothing was recorded, try again"
            ).format(attempts=WRITE_ATTEMPTS)
        )

    @_translated
    def preview(self, batch: Sequence[Command], *, again: bool = False) -> list[Plan]:
        """The plans as they would be once the batch is recorded, checked by the same rules and
        refused for the same reasons as `record`, with nothing written (a store open read-only
        will do). Each plan's new events are its pending events (`Plan.pending_events`), stamped
        with the time they were checked at rather than a commit time."""
        ids = batch_ids((c.plan, c.fact) for c in batch)
        return self._execute(batch, ids, again)

    @figures_context  # once for the batch: each rule's own would enter it again for each entry
    def _execute(self, batch: Sequence[Command], ids: dict[str, str], again: bool) -> list[Plan]:
        plans: dict[str, Plan] = {}
        recorded_before = {}  # a plan's earlier recording of this batch, if any
        for command in batch:
            try:
                plan = plans.get(command.plan)
                if plan is None:
                    plan = self._existing(command.plan)
                    if plan is not None:
                        recorded_before[command.plan] = (plan, plan.batches.get(ids[command.plan]), command)
                        plans[command.plan] = plan
                if isinstance(command.fact, Approval):
                    if plan is not None:
                        raise EntryError(
                            None,
                            _("plan {plan} is already approved ({reference}, seq 1); changes go through reformulate").format(
                                plan=command.plan, reference=plan.approval.reference
                            ),
                        )
                    plans[command.plan] = Plan.approve(
                        command.plan, command.fact, command.actor, ids[command.plan], command.initial_load
                    )
                elif plan is None:
                    raise unknown_plan(command.plan)
                else:
                    plan.record(
                        command.fact, command.actor, ids[command.plan], command.initial_load,
                        history=partial(self._stored_history, command.plan, plan),
                    )
            except (EntryError, StoreError) as error:
                raise CommandError(command, error) from None
        # after the rules: an entry the rules refuse is reported as such, repeated or not
        for plan, known, command in recorded_before.values():
            if known is not None and not again:
                raise CommandError(command, BatchRepeated.of(plan.key, known))
        return list(plans.values())

    def _existing(self, key: str) -> Plan | None:
        try:
            return self.plan(key)
        except StoreError:
            return None
