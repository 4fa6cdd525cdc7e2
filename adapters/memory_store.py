"""The in-memory store: the ledger on the eventsourcing library's POPO persistence, in this process only.

`open_memory()` is for tests and tools that embed the ledger in-process (the unit
tests of the use-cases, tests/unit/test_use_cases.py). It keeps nothing once the
process ends, so no store name opens it: `--store` and `open_store` never reach it
(`:memory:` stays refused there).

Recorded time, as on SQLite. The library's POPO recorder keeps the time each event
was stamped with when it was triggered, one per event, before the batch is checked
and long before its insert. Left so, the events of one batch would carry times a
few microseconds apart: a view known at a moment between two of them would show
part of a batch, and the plan's record of its batches (`Plan.batches`, one
transaction = consecutive seqs with one recorded time) would count a three-entry
batch as recorded three times. So `CommitTimePOPORecorder` does what the SQLite
store's `CommitTimeRecorder` does: holding the POPO recorder's lock (the one its
insert takes), it takes **one** stamp for all the events of the transaction — the
clock, or one microsecond after the previous transaction's stamp — writes it into
each, and inserts them under the same lock. `MemoryOperations.settle` takes that
lock too, reads the clock and waits for it to tick past that reading before letting
go. Hence, within the process, everything "Recorded time is commit time"
(docs/design.md) promises holds here as well, threads included: every event of a
batch has the same recorded time; stamps grow with commit order; a batch is inserted
whole or not at all, and a reader never sees part of it (reads take the lock); every
transaction stamped at or before a settled "now" has been inserted before the
reader reads, and every later one is stamped after it; so a view as known at any
moment up to "now" never changes. What differs: nothing outlives the process, other
processes never see it, the lock has no timeout (a writer waits, it is never told
"busy"), and a version conflict between two threads is retried as on SQLite.

Intactness: nothing outside this process can change its memory, and the ledger
writes only through the library's recorder, so `check_intact` has nothing to check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.popo import POPOApplicationRecorder, POPOFactory
from eventsourcing.utils import get_topic

from poa.projections.selection import IndexRow, index_loads_at, index_rows_at

from . import merkle
from .commit_stamps import tick_past, to_commit, utc_now
from .ledger import Ledger
from .merkle_log import CatalogueRows, IndexRows, LeafHashes, LogEntry, extend
from .store_errors import StoreFailure


class CommitTimePOPORecorder(POPOApplicationRecorder):
    """The library's in-memory recorder, stamping every event of a transaction with one commit time.

    The one place this module touches a private name of the library: the POPO
    recorder's `_database_lock` (an `RLock` that its insert and its selects take),
    as it is in eventsourcing 9.5.6 (pyproject.toml allows >=9.5.6,<9.6). Before
    widening that range, run tests/unit/test_memory_store.py, which checks that
    holding `write_lock()` holds back an insert and runs the library's recorder
    contract suite against this class.
    """

    def __init__(self) -> None:
        super().__init__()
        self.last_stamp: datetime | None = None  # the stamp of the last transaction inserted
        self.log: list[LogEntry] = []  # the Merkle log (adapters/merkle_log.py)
        self.nodes: dict[tuple[int, int], bytes] = {}  # its perfect nodes of level >= 1
        self.leaf_hashes: LeafHashes | None = None  # set by the ledger
        self.index_rows: IndexRows | None = None  # set by the ledger
        self.index: dict[UUID, list[IndexRow]] = {}  # each aggregate's index rows (projections/selection.py)
        self.catalogue_rows: CatalogueRows | None = None  # set by the ledger
        self.catalogue: dict[UUID, tuple] = {}  # each plan's row of the catalogue of plans: notification id, values

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the lock the library's insert and selects take (re-entrant)."""
        with self._database_lock:  # private in the library: see the class's docstring
            yield

    keep_stamps = False  # `Ledger.copy_in`: insert events with the stamps of their first store

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.write_lock():
            held = (self.max_notification_id() or 0) if self.keep_stamps else 0  # numbered 1, 2, … without gaps
            inserted, stamp = to_commit(stored_events, self.last_stamp, keep=self.keep_stamps, held=held)
            ids = super().insert_events(inserted, **kwargs)
            self.last_stamp = stamp  # not reached when the insert is refused (a version conflict)
            if self.leaf_hashes is not None and ids:
                self._log(inserted, ids)
            return ids

    def _log(self, inserted: Sequence[StoredEvent], ids: Sequence[int]) -> None:
        size = len(self.log)
        frontier = [self.log[i].leaf if level == 0 else self.nodes[(level, i)] for level, i in merkle.frontier_positions(size)]
        entries, nodes = extend(frontier, size, self.leaf_hashes(inserted))
        for (index, leaf, root), event, notification_id in zip(entries, inserted, ids):
            self.log.append(LogEntry(index, notification_id, event.originator_id, event.originator_version, leaf, root))
        self.nodes.update({(level, index): value for level, index, value in nodes})
        if self.catalogue_rows is not None:  # before the index: it lets go of the events the ledger decoded
            numbered = {(e.originator_id, e.originator_version): i for e, i in zip(inserted, ids)}
            for aggregate, values in self.catalogue_rows(inserted):
                self.catalogue.setdefault(aggregate, (numbered[(aggregate, 1)], values))
        if self.index_rows is not None:
            for aggregate, *row in self.index_rows(inserted):
                self.index.setdefault(aggregate, []).append(IndexRow(*row))


class CommitTimePOPOFactory(POPOFactory):
    """The library's POPO persistence module, with `CommitTimePOPORecorder` as the application's recorder
    (the POPO factory does not read ``APPLICATION_RECORDER_TOPIC``)."""

    def application_recorder(self) -> ApplicationRecorder:
        return CommitTimePOPORecorder()


class MemoryOperations:
    """The in-memory store's side of the ledger (`ledger.StoreOperations`)."""

    read_only = ""  # an in-memory store is always writable

    def __init__(self, recorder: ApplicationRecorder):
        if not isinstance(recorder, CommitTimePOPORecorder):
            raise TypeError(f"the in-memory store needs a CommitTimePOPORecorder, got {type(recorder).__name__}")
        self.recorder = recorder

    def recorded_version(self, originator_id: UUID) -> int:
        """The aggregate's last version, as the library's recorder holds it (0: none)."""
        last = self.recorder.select_events(originator_id, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def settle(self) -> datetime:
        """Now, as the known_at of views that can no longer change: read under the recorder's lock
        (an insert in flight has finished), which is held until the clock has passed it (a later
        insert is stamped after it)."""
        with self.recorder.write_lock():
            now = utc_now()
            tick_past(now)
        return now

    def structure_problems(self) -> list[str]:
        """Nothing beyond what `verify` reads: no file."""
        return []

    def check_intact(self) -> None:
        """Nothing to check: no other process, no file, nothing but the library's recorder writes here."""

    def failure(self, error: Exception) -> StoreFailure:
        """Any library error: the store could not complete the operation (never busy, damaged or read-only)."""
        return StoreFailure(f"the in-memory store could not complete the operation: {error}")

    def log_entries(self, originator_id: UUID | None = None, up_to: int | None = None, after: int = 0) -> list[LogEntry]:
        with self.recorder.write_lock():
            return [
                e for e in self.recorder.log
                if originator_id is None
                or (e.originator_id == originator_id and after < e.version and (up_to is None or e.version <= up_to))
            ]

    def log_head(self) -> LogEntry | None:
        with self.recorder.write_lock():
            return self.recorder.log[-1] if self.recorder.log else None

    def log_entry(self, log_index: int) -> LogEntry | None:
        with self.recorder.write_lock():
            return self.recorder.log[log_index] if 0 <= log_index < len(self.recorder.log) else None

    def log_nodes(self, positions: Iterable[tuple[int, int]] | None) -> dict[tuple[int, int], bytes]:
        with self.recorder.write_lock():
            if positions is None:
                return dict(self.recorder.nodes)
            log, nodes = self.recorder.log, self.recorder.nodes
            found = {}
            for level, index in positions:
                value = (log[index].leaf if index < len(log) else None) if level == 0 else nodes.get((level, index))
                if value is not None:
                    found[(level, index)] = value
            return found


    def log_entries_at(self, originator_id: UUID, versions: Sequence[int]) -> list[LogEntry]:
        wanted = set(versions)
        return [e for e in self.log_entries(originator_id) if e.version in wanted]

    def index_rows(self, originator_id: UUID, as_of: date, known_at: datetime, others: bool) -> list[IndexRow] | None:
        with self.recorder.write_lock():
            return index_rows_at(self.recorder.index.get(originator_id, []), as_of, known_at, others)

    def index_loads(self, originator_id: UUID, as_of: date, known_at: datetime) -> dict[str, tuple[int, date, int]]:
        with self.recorder.write_lock():
            return index_loads_at(self.recorder.index.get(originator_id, []), as_of, known_at)

    def index_count(self, originator_id: UUID) -> int:
        with self.recorder.write_lock():
            return len(self.recorder.index.get(originator_id, []))

    def events_at(self, originator_id: UUID, versions: Sequence[int]) -> list[StoredEvent]:
        wanted = set(versions)
        return [e for e in self.recorder.select_events(originator_id) if e.originator_version in wanted]

    def plan_catalogue(self) -> list[tuple[UUID, tuple]]:
        with self.recorder.write_lock():
            rows = sorted(self.recorder.catalogue.items(), key=lambda item: item[1][0])
            return [(aggregate, values) for aggregate, (_number, values) in rows]


def open_memory() -> Ledger:
    """A new, empty ledger kept in this process's memory (for tests and embedding; reachable by no store name)."""
    env = {"PERSISTENCE_MODULE": get_topic(CommitTimePOPOFactory)}
    return Ledger(env, MemoryOperations)
