"""The SQLite store (the embedded default): one file, opened through the library's SQLite module.

`open_sqlite` takes the store's name literally as a file path, opens it read-only
when asked or when it cannot be written, and refuses a file that is not a ledger or
a damaged store. `SQLiteOperations` is what the ledger asks of the store beyond the
library's recorder (`adapters/ledger.py`, `StoreOperations`): the versions the
commits recorded (`CommitTimeRecorder`'s tables), settling a reader's "now" under
the write lock, the intactness check, and reading SQLite's error messages as
busy, damaged or read-only.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, OperationalError, PersistenceError, StoredEvent
from eventsourcing.utils import get_topic

from poa.projections.selection import IndexRow, microseconds

from .index_queries import INDEX_ROWS, LOADS

from .interface import translate as _
from .ledger import Ledger
from .merkle_log import LogEntry
from .plan_rows import CATALOGUE_COLUMNS
from .commit_stamps import tick_past, utc_now
from .sqlite_recorder import CommitTimeRecorder, stored_nodes
from .store_errors import StoreBusy, StoreDamaged, StoreError, StoreFailure, StoreReadOnly

DEFAULT_LOCK_TIMEOUT = 30
SQLITE_HEADER = b"SQLite format 3\x00"
MAX_NAME_BYTES = 255  # one component of a path, on every common file system
MAX_PATH_BYTES = 4096
MAX_VERSION = 2**63 - 1  # no aggregate version exceeds it (SQLite's and PostgreSQL's largest integer)


class SQLiteOperations:
    """The SQLite store's side of the ledger (`ledger.StoreOperations`)."""

    def __init__(self, recorder: ApplicationRecorder, uri: str, read_only: str, lock_timeout: int):
        self.recorder = recorder
        self.uri = uri  # the SQLite URI of the store's file
        self.read_only = read_only  # why the store is open read-only ("" when it is not)
        self.lock_timeout = lock_timeout

    def recorded_version(self, originator_id: UUID) -> int:
        """The version the commits recorded for an aggregate (0: none recorded, as in older stores)."""
        row = self._one("SELECT version FROM poa_versions WHERE originator_id = ?", (originator_id.hex,))
        return row[0] if row else 0

    def settle(self) -> datetime:
        """Now, as the known_at of views that can no longer change.

        Every transaction stamped at or before the moment returned has committed,
        and every later one is stamped after it: the write lock is taken (which
        waits for a transaction in flight to commit) and the clock read while it is
        held.
        """
        try:
            with closing(sqlite3.connect(self.uri, uri=True, timeout=self.lock_timeout, isolation_level=None)) as c:
                c.execute("BEGIN IMMEDIATE")
                now = utc_now()
                tick_past(now)  # a later transaction gets a later stamp, whatever the clock's grain
                c.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            failure = self.failure(error)
            if self.read_only and not isinstance(failure, StoreBusy):  # an archive that cannot be locked: no writer
                return utc_now()
            raise failure from None
        return now

    def check_intact(self) -> None:
        """Refuse a damaged store: its event rows must be exactly those its commits recorded.

        The notification ids must run from 1 without a gap, and their count and the
        last id must be those the last commit wrote (`CommitTimeRecorder`). Catches
        rows lost to a damaged page or deleted behind the ledger's back; a changed
        row is caught when it is read back (or by the tamper evidence to come).
        """
        # one statement, one snapshot: a writer committing between two reads would look like damage
        row = self._one(
            "SELECT COUNT(*), COALESCE(MAX(rowid), 0), "
            "(SELECT events FROM poa_write_lock WHERE id = 1), (SELECT last_id FROM poa_write_lock WHERE id = 1) "
            "FROM stored_events"
        )
        if row is None:  # a store made before the commit record existed
            row = (*self._one("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM stored_events"), None, None)
        count, last, events, last_id = row
        expected = (events, last_id) if events is not None else (count, count)
        if (count, last) != expected or count != last:
            raise StoreDamaged(
                _(
                    "the store is damaged: it holds {count} events with ids up to {last}, but its commits recorded "
                    "{recorded} events with ids up to {recorded_last}"
                ).format(count=count, last=last, recorded=expected[0], recorded_last=expected[1])
                + _quick_check(self.uri)
            )

    def structure_problems(self) -> list[str]:
        """SQLite's own check of the file's structure (every table and index, `PRAGMA quick_check`):
        a damaged page of an index no command of `verify` reads would otherwise go unseen."""
        found = _quick_check(self.uri)
        return [_("the store's file is damaged{verdict}").format(verdict=found)] if found else []

    def failure(self, error: Exception) -> StoreFailure:
        """The library's error read from SQLite's message: busy, damaged, read-only, or another failure."""
        return _failure(error)

    def log_entries(self, originator_id: UUID | None = None, up_to: int | None = None, after: int = 0) -> list[LogEntry]:
        """The Merkle log's entries of one aggregate (None: all), of its versions after `after` up to `up_to` (None: all),
        in log order (none in a store made before the log)."""
        if originator_id is None:
            return self._entries("ORDER BY log_index")
        return self._entries(
            "WHERE originator_id = ? AND originator_version > ? AND originator_version <= ? ORDER BY log_index",
            (originator_id.hex, after, up_to or MAX_VERSION),
        )

    def log_head(self) -> LogEntry | None:
        entries = self._entries("ORDER BY log_index DESC LIMIT 1")
        return entries[0] if entries else None

    def log_entry(self, log_index: int) -> LogEntry | None:
        entries = self._entries("WHERE log_index = ?", (log_index,))
        return entries[0] if entries else None

    def log_nodes(self, positions: Iterable[tuple[int, int]] | None) -> dict[tuple[int, int], bytes]:
        """The stored perfect nodes at these positions, level 0 being the leaves (None: every node of level >= 1)."""
        if positions is None:
            return {(level, index): bytes(value) for level, index, value in self._all("SELECT level, idx, hash FROM poa_log_nodes")}
        return self._read(lambda c: stored_nodes(c, positions), {})

    def log_entries_at(self, originator_id: UUID, versions: Sequence[int]) -> list[LogEntry]:
        found = []
        for chunk in _chunks(versions):
            found += self._entries(
                f"WHERE originator_id = ? AND originator_version IN ({','.join('?' * len(chunk))})", (originator_id.hex, *chunk)
            )
        return found

    def index_rows(self, originator_id: UUID, as_of: date, known_at: datetime, others: bool) -> list[IndexRow] | None:
        rows = self._all(
            INDEX_ROWS.format(placeholder="?", table="poa_index"), (originator_id.hex, as_of.toordinal(), microseconds(known_at), others)
        )
        return list(map(IndexRow._make, rows))

    def index_loads(self, originator_id: UUID, as_of: date, known_at: datetime) -> dict[str, tuple[int, date, int]]:
        rows = self._all(LOADS.format(placeholder="?", table="poa_index"), (originator_id.hex, as_of.toordinal(), microseconds(known_at)))
        return {r[0]: (r[1], date.fromordinal(r[2]), r[3]) for r in rows}

    def index_count(self, originator_id: UUID) -> int:
        row = self._one("SELECT COUNT(*) FROM poa_index WHERE originator_id = ?", (originator_id.hex,))
        return row[0] if row else 0

    def events_at(self, originator_id: UUID, versions: Sequence[int]) -> list[StoredEvent]:
        found = []
        for chunk in _chunks(versions):
            found += self._all(
                "SELECT originator_version, topic, state FROM stored_events "
                f"WHERE originator_id = ? AND originator_version IN ({','.join('?' * len(chunk))}) ORDER BY originator_version",
                (originator_id.hex, *chunk),
            )
        return [StoredEvent(originator_id, r[0], r[1], bytes(r[2])) for r in found]

    def plan_catalogue(self) -> list[tuple[UUID, tuple]]:
        rows = self._all(f"SELECT originator_id, {CATALOGUE_COLUMNS} FROM poa_plans ORDER BY notification_id")
        return [(UUID(r[0]), tuple(r[1:])) for r in rows]

    def _entries(self, clause: str, parameters: tuple = ()) -> list[LogEntry]:
        rows = self._all(
            f"SELECT log_index, notification_id, originator_id, originator_version, leaf, root FROM poa_log {clause}",
            parameters,
        )
        return [LogEntry(r[0], r[1], UUID(r[2]), r[3], bytes(r[4]), bytes(r[5])) for r in rows]

    def _all(self, statement: str, parameters: Sequence = ()) -> list:
        """Every row of a query of our own tables (none if a store made before the table lacks it)."""

        def rows(c) -> list:
            c.execute(statement, tuple(parameters))
            return c.fetchall()

        return self._read(rows, [])

    def _read(self, read: Callable, missing):
        """`read(cursor)` in a reading transaction of our own tables (`missing` if a store made before
        a table lacks it), the library's errors read as the store's failures."""
        try:
            with self.recorder.datastore.transaction(commit=False) as c:
                return read(c)
        except OperationalError as error:
            if "no such table" in str(error):
                return missing
            raise self.failure(error) from None
        except PersistenceError as error:
            raise self.failure(error) from None

    def _one(self, statement: str, parameters: tuple = ()):
        """The first row of a query of our own tables (None if none, or if a store made
        before the table existed lacks it)."""
        rows = self._all(statement, parameters)
        return rows[0] if rows else None


def _chunks(values: Sequence[int], size: int = 500) -> list[Sequence[int]]:
    """Within SQLite's limit on a statement's parameters."""
    values = list(values)
    return [values[i:i + size] for i in range(0, len(values), size)]


def _failure(error: Exception) -> StoreFailure:
    """A store error the input did not cause, as the failure it is (read from SQLite's message)."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreBusy(_("the store is busy: another process held it longer than the timeout ({error}); try again").format(error=text))
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreDamaged(_("the store is damaged ({error})").format(error=text))
    if "readonly" in text or "read-only" in text:
        return StoreReadOnly(_("the store cannot be written ({error}): nothing was recorded").format(error=text))
    return StoreFailure(_("the store could not complete the operation: {error}").format(error=text))


def _quick_check(uri: str) -> str:
    """SQLite's own verdict on the file's structure, as a sentence to append to a message."""
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
    except sqlite3.Error as error:
        return "; " + _("SQLite cannot check it ({error})").format(error=error)
    return "" if problems == ["ok"] else "; " + _("SQLite finds: {problems}").format(problems="; ".join(problems))


# -- opening a store -------------------------------------------------------------


def open_sqlite(store: str, *, create: bool, read_only: bool = False) -> Ledger:
    """The ledger in `store`, a SQLite file path.

    Reading commands pass ``create=False``: a mistyped path is an error, not a new
    empty store, and nothing is written to the file (not even a schema). A store
    that cannot be written (its file or folder is read-only), or `read_only`,
    opens read-only: queries work, writes are refused. A store whose rows do not
    match its commits is refused as damaged.
    """
    path = _store_path(store)
    if not create and not path.exists():
        raise StoreError(_("{store}: no such store (record something first with `poa apply`)").format(store=store))
    if path.exists() and path.is_dir():
        raise StoreError(_("{store}: is a directory, not a store file").format(store=store))
    if not path.parent.exists():
        raise StoreError(_("{store}: folder {folder} does not exist").format(store=store, folder=path.parent))
    existing = path.exists()
    if existing:
        if not os.access(path, os.R_OK):
            raise StoreFailure(_("{store}: cannot be read (permission denied)").format(store=store))
        _check_is_ledger(path, store, create)
    elif read_only:
        raise StoreError(_("{store}: no such store (it cannot be created read-only)").format(store=store))
    writable = not existing or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
    why = _("as asked") if read_only else "" if writable else _("its file or its folder cannot be written")
    uri = _sqlite_uri(path, _access(path) if why else "rw")
    timeout = lock_timeout()
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": uri,
        "SQLITE_LOCK_TIMEOUT": str(timeout),
        "APPLICATION_RECORDER_TOPIC": get_topic(CommitTimeRecorder),
        "CREATE_TABLE": "y" if create and not why else "n",
    }
    try:
        ledger = Ledger(env, lambda recorder: SQLiteOperations(recorder, uri, why, timeout))
    except OperationalError as error:
        raise _failure(error) from None
    except (PersistenceError, sqlite3.DatabaseError) as error:
        raise StoreError(_("{store}: not a POA ledger store ({error})").format(store=store, error=error)) from None
    if existing and path.stat().st_size > 0:
        ledger.check_intact()
    return ledger


def lock_timeout() -> int:
    """Seconds a writer waits for another's lock (env POA_LOCK_TIMEOUT, default 30)."""
    text = os.environ.get("POA_LOCK_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    if not text.isdigit() or not 0 < int(text) <= 3600:
        raise StoreError(
            _("POA_LOCK_TIMEOUT: must be a whole number of seconds from 1 to 3600, got {value}").format(value=repr(text[:20]))
        )
    return int(text)


def _store_path(store: str) -> Path:
    """The store's file path, taken literally (no URI, no in-memory database)."""
    if not store.strip():
        raise StoreError(_("option --store: the store's file name is empty"))
    if store == ":memory:" or store.startswith("file:"):
        raise StoreError(_("{store}: a store is a file path (an in-memory or URI database would keep nothing)").format(store=store))
    if "\x00" in store:
        raise StoreError(_("option --store: a file name cannot contain a NUL character"))
    try:
        encoded = os.fsencode(store)
    except UnicodeError:
        raise StoreError(_("option --store: the file name cannot be encoded for this file system")) from None
    if len(encoded) > MAX_PATH_BYTES or any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        raise StoreError(
            _("{store}...: file name too long (at most {name_bytes} bytes per name, {path_bytes} in all)").format(
                store=store[:60], name_bytes=MAX_NAME_BYTES, path_bytes=MAX_PATH_BYTES
            )
        )
    return Path(store)


def _access(path: Path) -> str:
    """How to read a store read-only: ``ro``, or ``immutable`` when SQLite could not even
    create its shared-memory file beside it (a folder we cannot write: an archived copy)."""
    shm = path.with_name(path.name + "-shm")
    return "ro" if os.access(path.parent, os.W_OK) or shm.exists() else "immutable"


def _sqlite_uri(path: Path, access: str) -> str:
    """A SQLite URI naming exactly this file (every character of the name taken literally),
    opened read-write (``rw``), read-only (``ro``) or as an unchanging archive (``immutable``)."""
    query = {"rw": "", "ro": "?mode=ro", "immutable": "?mode=ro&immutable=1"}[access]
    return f"file:{quote(str(path.absolute()), safe='/')}{query}"


def is_sqlite_file(path: Path) -> bool:
    """Whether the file starts with SQLite's header (raises `OSError` when it cannot be read)."""
    with open(path, "rb") as file:
        return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _check_is_ledger(path: Path, store: str, create: bool) -> None:
    """Refuse, without touching it, a file that is not a POA ledger (an empty file only to write)."""
    if path.stat().st_size == 0:
        if create:
            return
        raise StoreError(
            _("{store}: an empty file, not a POA ledger store (record something first with `poa apply`)").format(store=store)
        )
    try:
        sqlite = is_sqlite_file(path)
    except OSError as error:
        raise StoreFailure(_("{store}: cannot be read ({reason})").format(store=store, reason=error.strerror)) from None
    if not sqlite:
        raise StoreError(_("{store}: not a POA ledger store (not a SQLite database)").format(store=store))
    uri = _sqlite_uri(path, _access(path))
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise StoreDamaged(_("{store}: the store is damaged ({error})").format(store=store, error=error) + _quick_check(uri)) from None
    if tables and "stored_events" not in tables:
        raise StoreError(_("{store}: not a POA ledger store (a SQLite database with other tables)").format(store=store))
    if not tables and not create:
        raise StoreError(
            _("{store}: an empty database, not a POA ledger store (record something first with `poa apply`)").format(store=store)
        )
