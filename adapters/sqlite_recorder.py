"""`CommitTimeRecorder`: the library's SQLite recorder, stamping every event of a transaction with one commit time.

This is the one place that overrides private methods of the eventsourcing library
(`_insert_events`, to act inside the write transaction, and `_create_table`, to add
columns to stores made before them in the same transaction): they are internals of
`eventsourcing.sqlite.SQLiteApplicationRecorder` as it is in the versions
pyproject.toml allows (eventsourcing >=9.5.6,<9.6). Before widening that range, run
tests/integration/test_store_contract.py, which runs the library's own recorder contract suite
(`eventsourcing.tests.persistence.ApplicationRecorderTestCase`) against this class,
and tests/integration/test_commit_time.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from . import merkle
from .commit_stamps import last_versions, originator_of, to_commit, utc_now
from .index_queries import INDEX_COLUMNS
from .merkle_log import CatalogueRows, IndexRows, LeafHashes, extend
from .plan_rows import CATALOGUE_COLUMNS, CATALOGUE_TABLE
from .store_errors import StoreDamaged

__all__ = ["CommitTimeRecorder", "stored_nodes", "utc_now"]

# the index of every plan's facts (projections/selection.py, `IndexRow`), kept in the transaction of its events
INDEX_TABLE = (
    "CREATE TABLE IF NOT EXISTS poa_index (originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, kind TEXT NOT NULL, "
    "code TEXT, source TEXT, day INTEGER NOT NULL, recorded INTEGER NOT NULL, value TEXT, initial_load TEXT, "
    "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID"
)
LOG_CHUNK = 5000  # events logged and indexed at a time: a large batch's log rows are never all held at once
INDEX_INSERT = f"INSERT OR IGNORE INTO poa_index ({INDEX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # a log made anew: indexed
# the catalogue of plans (adapters/plan_catalogue.py): a plan's row, numbered as its approval (its first event) is
CATALOGUE_INSERT = (
    f"INSERT OR IGNORE INTO poa_plans (originator_id, notification_id, {CATALOGUE_COLUMNS}) "
    "SELECT originator_id, rowid, ?, ?, ?, ?, ?, ? FROM stored_events WHERE originator_id = ? AND originator_version = 1"
)


class CommitTimeRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, stamping every event of a transaction with one commit time.

    The library stamps an event when it is triggered, before the writer waits for
    the write lock and long before it commits. Here the transaction first takes
    the write lock (a write to the one-row table `poa_write_lock`), then takes
    one stamp for all of its events — the clock, or just after the previous
    transaction's stamp if the clock is behind it — and records that stamp, the
    store's event count and its last notification id in the same row, in the same
    transaction. Stamps therefore grow with commit order, no stamp lies after its
    own commit by more than the time the insert takes, and the SQLite store's
    `settle` lets a reader wait for a transaction in flight (docs/design.md,
    "Recorded time is commit time").
    """

    keep_stamps = False  # `poa copy` (`Ledger.copy_in`): insert events with the stamps of their first store
    last_stamp: datetime | None = None  # the stamp of the last transaction this recorder inserted events in
    leaf_hashes: LeafHashes | None = None  # set by the ledger: the events' leaf hashes for the Merkle log
    index_rows: IndexRows | None = None  # set by the ledger: the events' rows of the index (`poa_index`)
    catalogue_rows: CatalogueRows | None = None  # set by the ledger: the rows of the plans approved (`poa_plans`)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS poa_write_lock "
            "(id INTEGER PRIMARY KEY, stamped TEXT, events INTEGER, last_id INTEGER)",
            "CREATE TABLE IF NOT EXISTS poa_versions (originator_id TEXT PRIMARY KEY, version INTEGER)",
            "CREATE TABLE IF NOT EXISTS poa_log (log_index INTEGER PRIMARY KEY, notification_id INTEGER NOT NULL UNIQUE, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, leaf BLOB NOT NULL, root BLOB NOT NULL)",
            "CREATE INDEX IF NOT EXISTS poa_log_by_aggregate ON poa_log (originator_id, originator_version)",
            "CREATE TABLE IF NOT EXISTS poa_log_nodes "
            "(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx))",
            INDEX_TABLE,
            CATALOGUE_TABLE,
        ]

    def _create_table(self, c) -> None:  # private in the library: see the module's docstring
        super()._create_table(c)
        c.execute("PRAGMA table_info(poa_write_lock)")
        columns = {row[1] for row in c.fetchall()}
        for column in ("events", "last_id"):  # stores made before the commit record kept them
            if column not in columns:
                c.execute(f"ALTER TABLE poa_write_lock ADD COLUMN {column} INTEGER")

    def _insert_events(self, c, stored_events, **kwargs):  # private in the library: see the module's docstring
        c.execute("INSERT OR IGNORE INTO poa_write_lock (id) VALUES (1)")  # takes the write lock
        c.execute("SELECT stamped, events, last_id FROM poa_write_lock WHERE id = 1")
        previous, events, last_id = c.fetchone()
        if events is None or last_id is None:
            c.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM stored_events")
            events, last_id = c.fetchone()
        inserted, stamp = to_commit(
            stored_events, datetime.fromisoformat(previous) if previous else None, keep=self.keep_stamps, held=events
        )
        self.last_stamp = stamp  # the ledger stamps its snapshots with it once the save returns (`Ledger._take_snapshots`)
        ids = super()._insert_events(c, inserted, **kwargs)
        versions = {key.hex: version for key, version in last_versions(stored_events).items()}
        c.executemany(
            "INSERT INTO poa_versions (originator_id, version) VALUES (?, ?) "
            "ON CONFLICT (originator_id) DO UPDATE SET version = MAX(version, excluded.version)",
            list(versions.items()),
        )
        c.execute(
            "UPDATE poa_write_lock SET stamped = ?, events = ?, last_id = ? WHERE id = 1",
            (stamp.isoformat(), events + len(stored_events), ids[-1] if ids else last_id),
        )
        if self.leaf_hashes is not None:
            self._log(c, inserted, ids, last_id)
        return ids

    def _log(self, c, inserted: list[StoredEvent], ids, last_id: int) -> None:
        """Append every event not yet in the Merkle log (those just `inserted`, numbered `ids`, after the
        store's last id `last_id`; all of a store made before the log, read back) to it, with the perfect
        nodes they complete (adapters/merkle_log.py), `LOG_CHUNK` events at a time."""
        c.execute("SELECT COALESCE(MAX(log_index) + 1, 0), COALESCE(MAX(notification_id), 0) FROM poa_log")
        size, last = c.fetchone()
        if ids and len(ids) == len(inserted) and last == last_id:  # the log held every earlier event
            numbered, stored = ids, inserted
        else:
            c.execute(
                "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events WHERE rowid > ? ORDER BY rowid",
                (last,),
            )
            read = c.fetchall()
            numbered = [r[0] for r in read]
            stored = [StoredEvent(UUID(r[1]), r[2], r[3], bytes(r[4])) for r in read]
        for start in range(0, len(stored), LOG_CHUNK):
            self._log_chunk(c, size + start, numbered[start:start + LOG_CHUNK], stored[start:start + LOG_CHUNK])

    def _log_chunk(self, c, size: int, ids: list[int], stored: list[StoredEvent]) -> None:
        """Append these events, numbered `ids`, to a log of `size` entries, and index them."""
        leaves = self.leaf_hashes(stored)
        positions = merkle.frontier_positions(size)
        found = stored_nodes(c, positions)
        if len(found) != len(positions):
            raise StoreDamaged(f"the store is damaged: its Merkle log lacks nodes {sorted(set(positions) - set(found))} it must extend")
        entries, nodes = extend([found[p] for p in positions], size, leaves)
        c.executemany(
            "INSERT INTO poa_log (log_index, notification_id, originator_id, originator_version, leaf, root) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                (index, notification_id, originator_of(event).hex, event.originator_version, leaf, root)
                for (index, leaf, root), notification_id, event in zip(entries, ids, stored)
            ],
        )
        c.executemany("INSERT INTO poa_log_nodes (level, idx, hash) VALUES (?, ?, ?)", nodes)
        if self.index_rows is not None:
            self._index(c, stored, ids[0])

    def _index(self, c, stored: list[StoredEvent], first: int) -> None:
        """Index the events just logged, and every earlier one if the index is new (a store made before it);
        list the plans they approve in the catalogue of plans (`_catalogue`) first."""
        if self.catalogue_rows is not None:
            self._catalogue(c, stored, first)
        stored = _earlier(c, "poa_index", first) + list(stored)
        c.executemany(INDEX_INSERT, [(row[0].hex, *row[1:]) for row in self.index_rows(stored)])

    def _catalogue(self, c, stored: list[StoredEvent], first: int) -> None:
        """List the plans these events approve in the catalogue of plans, and every plan approved before
        them if the catalogue is new (a store made before it: its approvals are its aggregates' first events)."""
        c.execute(CATALOGUE_TABLE)  # a store made before it and written without creating tables (`report --issue`)
        stored = _earlier(c, "poa_plans", first, approvals=True) + list(stored)
        c.executemany(CATALOGUE_INSERT, [(*values, aggregate.hex) for aggregate, values in self.catalogue_rows(stored)])



def _earlier(c, table: str, first: int, *, approvals: bool = False) -> list[StoredEvent]:
    """The events before rowid `first` (`approvals`: only the plans' first events) if `table` is empty
    (new in a store made before it, which its next write fills), else none."""
    c.execute(f"SELECT 1 FROM {table} LIMIT 1")
    if c.fetchone() is not None or first <= 1:
        return []
    c.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events WHERE rowid < ?"
        + (" AND originator_version = 1" if approvals else "") + " ORDER BY rowid",
        (first,),
    )
    return [StoredEvent(UUID(r[0]), r[1], r[2], bytes(r[3])) for r in c.fetchall()]


def stored_nodes(c, positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The Merkle log's stored perfect nodes at these (level, index) positions, level 0 being the leaves,
    read with the cursor `c` (the writer's, in its transaction, or a reader's); those not stored are absent."""
    by_level: dict[int, list[int]] = {}
    for level, index in sorted(set(positions)):
        by_level.setdefault(level, []).append(index)
    rows = []
    for level, indexes in by_level.items():
        for start in range(0, len(indexes), 500):  # within SQLite's limit on a statement's parameters
            chunk = indexes[start:start + 500]
            marks = ",".join("?" * len(chunk))
            if level == 0:
                c.execute(f"SELECT 0, log_index, leaf FROM poa_log WHERE log_index IN ({marks})", chunk)
            else:  # one level at a time: a search of the primary key (a row-value IN list scans the whole table)
                c.execute(f"SELECT level, idx, hash FROM poa_log_nodes WHERE level = ? AND idx IN ({marks})", [level, *chunk])
            rows += c.fetchall()
    return {(level, index): bytes(value) for level, index, value in rows}
