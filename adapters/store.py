"""The event store, through the eventsourcing library: opening it, reading it, writing batches.

`Ledger` is an eventsourcing `Application` whose aggregates are plans. The
embedded default is the library's SQLite module (one file); a batch of entries,
for one plan or several, is saved in one `save()` call, which the library writes
in one transaction. A version conflict with another writer is retried after
reloading the plans and re-validating every entry; a batch a plan already holds
is refused unless asked again.

`CommitTimeRecorder` stamps each transaction once, under the write lock, and
records what each commit wrote; `Ledger.settle` lets a reader wait for a
transaction in flight; `open_ledger` takes the store's name literally, opens it
read-only when asked or when it cannot be written, and refuses a damaged store.
Errors: `StoreError` when the input names an unusable store (exit 2),
`StoreFailure` (busy, damaged, read-only) when the store cannot do it (exit 1).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from collections.abc import Sequence
from contextlib import closing
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote
from uuid import UUID

import attrs
from attrs import frozen
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    StoredEvent,
    Transcoding,
)
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from poa.domain.batches import batch_id
from poa.domain.fact_kinds import VALUE_TYPES
from poa.domain.facts import Approval, Fact, Recorded
from poa.domain.plan import Plan, plan_id
from poa.domain.values import EntryError

WRITE_ATTEMPTS = 20
DEFAULT_LOCK_TIMEOUT = 30


class StoreError(Exception):
    """The store named cannot be used (bad path, not a ledger file, unknown plan): the input's fault."""


class StoreFailure(Exception):
    """The store cannot complete an operation through no fault of the input (exit status 1)."""


class StoreBusy(StoreFailure):
    """Other writers held the store longer than the timeout, or kept winning the race."""


class StoreDamaged(StoreFailure):
    """The store's file is damaged or was changed behind the ledger's back."""


class StoreReadOnly(StoreFailure):
    """A write to a store opened read-only."""


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class AttrsTranscoding(Transcoding):
    """Stores an attrs value object as the mapping of its fields (its name is persisted)."""

    def __init__(self, cls: type):
        self.type = cls
        self.name = f"poa.{cls.__name__}"

    def encode(self, obj) -> dict:
        return {f.name: getattr(obj, f.name) for f in attrs.fields(self.type)}

    def decode(self, data: dict):
        return self.type(**data)


class CommitTimeRecorder(SQLiteApplicationRecorder):
    """The library's SQLite recorder, stamping every event of a transaction with one commit time.

    The library stamps an event when it is triggered, before the writer waits for
    the write lock and long before it commits. Here the transaction first takes
    the write lock (a write to the one-row table `poa_write_lock`), then takes
    one stamp for all of its events — the clock, or just after the previous
    transaction's stamp if the clock is behind it — and records that stamp, the
    store's event count and its last notification id in the same row, in the same
    transaction. Stamps therefore grow with commit order, no stamp lies after its
    own commit by more than the time the insert takes, and `Ledger.settle` lets a
    reader wait for a transaction in flight (docs/design.md, "Recorded time is
    commit time").
    """

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS poa_write_lock "
            "(id INTEGER PRIMARY KEY, stamped TEXT, events INTEGER, last_id INTEGER)",
            "CREATE TABLE IF NOT EXISTS poa_versions (originator_id TEXT PRIMARY KEY, version INTEGER)",
        ]

    def _create_table(self, c) -> None:
        super()._create_table(c)
        c.execute("PRAGMA table_info(poa_write_lock)")
        columns = {row[1] for row in c.fetchall()}
        for column in ("events", "last_id"):  # stores made before the commit record kept them
            if column not in columns:
                c.execute(f"ALTER TABLE poa_write_lock ADD COLUMN {column} INTEGER")

    def _insert_events(self, c, stored_events, **kwargs):
        c.execute("INSERT OR IGNORE INTO poa_write_lock (id) VALUES (1)")  # takes the write lock
        c.execute("SELECT stamped, events, last_id FROM poa_write_lock WHERE id = 1")
        previous, events, last_id = c.fetchone()
        if events is None or last_id is None:
            c.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM stored_events")
            events, last_id = c.fetchone()
        stamp = _utc_now()
        if previous and stamp <= datetime.fromisoformat(previous):
            stamp = datetime.fromisoformat(previous) + timedelta(microseconds=1)
        ids = super()._insert_events(c, _stamped(stored_events, stamp), **kwargs)
        versions: dict[str, int] = {}
        for event in stored_events:
            key = event.originator_id.hex if isinstance(event.originator_id, UUID) else str(event.originator_id)
            versions[key] = max(versions.get(key, 0), event.originator_version)
        c.executemany(
            "INSERT INTO poa_versions (originator_id, version) VALUES (?, ?) "
            "ON CONFLICT (originator_id) DO UPDATE SET version = MAX(version, excluded.version)",
            list(versions.items()),
        )
        c.execute(
            "UPDATE poa_write_lock SET stamped = ?, events = ?, last_id = ? WHERE id = 1",
            (stamp.isoformat(), events + len(stored_events), ids[-1] if ids else last_id),
        )
        return ids


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stamped(stored_events, stamp: datetime) -> list[StoredEvent]:
    """The events with their timestamp replaced by the transaction's stamp.

    States that are not this application's JSON events (no transcoded timestamp)
    are stored as they are.
    """
    restamped = []
    for event in stored_events:
        try:
            state = json.loads(event.state)
            state["timestamp"]["_data_"] = stamp.isoformat()
        except (ValueError, TypeError, KeyError):
            restamped.append(event)
            continue
        state_bytes = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf8")
        restamped.append(StoredEvent(event.originator_id, event.originator_version, event.topic, state_bytes))
    return restamped


def _project(plan: Plan | None, events) -> Plan | None:
    """The library's `project_aggregate` without its per-event runtime protocol check
    (half the cost of loading a long history; our events are all aggregate events)."""
    for event in events:
        plan = event.mutate(plan)
    return plan


class Ledger(Application):
    """The POA ledger application: every plan of the store, as event-sourced aggregates."""

    name = "PlanLedger"
    uri = ""  # the SQLite URI of the store, set by `open_ledger`
    read_only = ""  # why the store is open read-only ("" when it is not)
    lock_timeout = DEFAULT_LOCK_TIMEOUT

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for cls in VALUE_TYPES:
            transcoder.register(AttrsTranscoding(cls))

    # -- reading -----------------------------------------------------------------
    def plan(self, key: str) -> Plan:
        """The plan as stored, refused as damaged if it has fewer events than its commits recorded."""
        recorded = self._recorded_version(plan_id(key))
        try:
            plan = self.repository.get(plan_id(key), projector_func=_project)
        except AggregateNotFoundError:
            if recorded:
                raise StoreDamaged(f"the store is damaged: plan {key}'s {recorded} events cannot be found") from None
            raise _unknown_plan(key) from None
        except OperationalError as error:
            raise _failure(error) from None
        except PersistenceError as error:
            raise StoreDamaged(f"the store is damaged: plan {key}'s events cannot be read ({error})") from None
        except Exception as error:  # a state or topic the library cannot turn back into an event
            raise StoreDamaged(
                f"the store is damaged: plan {key}'s events cannot be read back ({type(error).__name__}: {error})"
            ) from None
        if plan.version < recorded:  # read later than the record: never fewer unless rows were lost
            raise StoreDamaged(
                f"the store is damaged: plan {key} reads back {plan.version} events, its commits recorded {recorded}"
            )
        return plan

    def _recorded_version(self, originator_id: UUID) -> int:
        """The version the commits recorded for an aggregate (0: none recorded, as in older stores)."""
        row = self._one("SELECT version FROM poa_versions WHERE originator_id = ?", (originator_id.hex,))
        return row[0] if row else 0

    def _one(self, statement: str, parameters: tuple = ()):
        """The first row of a query of our own tables (None if none, or if a store made
        before the table existed lacks it)."""
        try:
            with self.recorder.datastore.transaction(commit=False) as c:
                c.execute(statement, parameters)
                return c.fetchone()
        except OperationalError as error:
            if "no such table" in str(error):
                return None
            raise _failure(error) from None
        except PersistenceError as error:
            raise _failure(error) from None

    def history(self, key: str) -> list[Recorded]:
        return self.plan(key).history

    def plans(self) -> list[tuple[str, Recorded]]:
        """Every plan of the store (key and approval), in the order they were approved."""
        topic = get_topic(Plan.Approved)
        found, start = [], 1
        try:
            while True:
                page = self.recorder.select_notifications(start, 500, topics=[topic])
                for notification in page:
                    event = self.mapper.to_domain_event(notification)
                    found.append((event.key, Recorded(1, event.timestamp, event.actor, event.fact)))
                if len(page) < 500:
                    return found
                start = page[-1].id + 1
        except OperationalError as error:
            raise _failure(error) from None
        except Exception as error:
            raise StoreDamaged(f"the store is damaged: a plan's approval cannot be read back ({error})") from None

    def settle(self) -> datetime:
        """Now, as the known_at of views that can no longer change.

        Every transaction stamped at or before the moment returned has committed,
        and every later one is stamped after it: the write lock is taken (which
        waits for a transaction in flight to commit) and the clock read while it is
        held. Read the history after this call.
        """
        try:
            with closing(sqlite3.connect(self.uri, uri=True, timeout=self.lock_timeout, isolation_level=None)) as c:
                c.execute("BEGIN IMMEDIATE")
                now = _utc_now()
                while _utc_now() <= now:  # a later transaction gets a later stamp, whatever the clock's grain
                    pass
                c.execute("ROLLBACK")
        except sqlite3.OperationalError as error:
            failure = _failure(error)
            if self.read_only and not isinstance(failure, StoreBusy):  # an archive that cannot be locked: no writer
                return _utc_now()
            raise failure from None
        return now

    def check_intact(self) -> None:
        """Refuse a damaged store: its event rows must be exactly those its commits recorded.

        The notification ids must run from 1 without a gap, and their count and the
        last id must be those the last commit wrote (`CommitTimeRecorder`). Catches
        rows lost to a damaged page or deleted behind the ledger's back; a changed
        row is caught when it is read back (or by the tamper evidence to come).
        """
        count, last = self._one("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM stored_events")
        row = self._one("SELECT events, last_id FROM poa_write_lock WHERE id = 1")
        expected = (row[0], row[1]) if row is not None and row[0] is not None else (count, count)
        if (count, last) != expected or count != last:
            raise StoreDamaged(
                f"the store is damaged: it holds {count} events with ids up to {last}, "
                f"but its commits recorded {expected[0]} events with ids up to {expected[1]}"
                + _quick_check(self.uri)
            )

    # -- writing -----------------------------------------------------------------
    def record(self, batch: Sequence["Command"], *, again: bool = False, saving=None) -> None:
        """Record every command of the batch, all or nothing; retried on a version conflict.

        The batch is refused if any of its plans already holds the same batch
        (`domain/batches.py`), unless `again`. `saving()`, if given, is called just
        before each attempt to commit. The plans are not returned: their events are
        stamped when committed (`CommitTimeRecorder`), so read them back with `history()`.
        """
        if self.read_only:
            raise StoreReadOnly(f"the store is open read-only ({self.read_only}): nothing was recorded")
        ids = {key: batch_id(key, [c.fact for c in batch if c.plan == key]) for key in dict.fromkeys(c.plan for c in batch)}
        for attempt in range(WRITE_ATTEMPTS):
            plans = self._execute(batch, ids, again)
            if saving is not None:
                saving()
            try:
                self.save(*plans)
                return
            except (IntegrityError, OperationalError) as error:
                failure = _failure(error)
                if isinstance(failure, StoreReadOnly):
                    raise failure from None
                if attempt < WRITE_ATTEMPTS - 1:
                    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise StoreBusy(
            f"the store is busy: other writers kept changing the same plans through {WRITE_ATTEMPTS} attempts "
            "(or held the lock longer than the timeout); nothing was recorded, try again"
        )

    def _execute(self, batch: Sequence["Command"], ids: dict[str, str], again: bool) -> list[Plan]:
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
                            f"plan {command.plan} is already approved ({plan.approval.reference}, seq 1); "
                            "changes go through reformulate",
                        )
                    plans[command.plan] = Plan.approve(command.plan, command.fact, command.actor, ids[command.plan])
                elif plan is None:
                    raise _unknown_plan(command.plan)
                else:
                    plan.record(command.fact, command.actor, ids[command.plan])
            except (EntryError, StoreError) as error:
                raise CommandError(command, error) from None
        # after the rules: an entry the rules refuse is reported as such, repeated or not
        for plan, known, command in recorded_before.values():
            if known is not None and not again:
                raise CommandError(command, BatchRepeated(_repeated(plan.key, known)))
        return list(plans.values())

    def _existing(self, key: str) -> Plan | None:
        try:
            return self.plan(key)
        except StoreError:
            return None


def _repeated(key: str, known) -> str:
    first = known.first
    seqs = f"seq {first.seq}" if known.last_seq == first.seq else f"seq {first.seq}-{known.last_seq}"
    times = "" if known.times == 1 else f" {known.times} times, last"
    return (
        f"this same batch was already recorded in plan {key}{times} at {first.recorded_at.isoformat()} "
        f"by {first.actor} ({seqs}); nothing was recorded. To record it once more, use --again"
    )


class BatchRepeated(EntryError):
    """A batch whose every entry a plan already holds, recorded together: refused unless asked again."""

    def __init__(self, message: str):
        super().__init__(None, message)


@frozen
class Command:
    """One entry to record: which plan, which fact, who records it, and where it came from."""

    plan: str
    fact: Fact
    actor: str
    source: str
    entry: int
    plan_origin: str = "field 'plan'"


class CommandError(Exception):
    """An entry the ledger refuses, with the place it came from."""

    def __init__(self, command: Command, error: Exception):
        super().__init__(str(error))
        self.command = command
        self.error = error


def _unknown_plan(key: str) -> StoreError:
    return StoreError(f"unknown plan {key!r}: it is not in this store")


def _failure(error: Exception) -> "StoreFailure":
    """A store error the input did not cause, as the failure it is."""
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreBusy(f"the store is busy: another process held it longer than the timeout ({text}); try again")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreDamaged(f"the store is damaged ({text})")
    if "readonly" in text or "read-only" in text:
        return StoreReadOnly(f"the store cannot be written ({text}): nothing was recorded")
    return StoreFailure(f"the store could not complete the operation: {text}")


def _quick_check(uri: str) -> str:
    """SQLite's own verdict on the file's structure, as a sentence to append to a message."""
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check(5)")]
    except sqlite3.Error as error:
        return f"; SQLite cannot check it ({error})"
    return "" if problems == ["ok"] else "; SQLite finds: " + "; ".join(problems)


# -- opening a store -------------------------------------------------------------

SQLITE_HEADER = b"SQLite format 3\x00"
MAX_NAME_BYTES = 255  # one component of a path, on every common file system
MAX_PATH_BYTES = 4096


def open_ledger(store: str, *, create: bool, read_only: bool = False) -> Ledger:
    """The ledger in `store`: a SQLite file path (the embedded default).

    Reading commands pass ``create=False``: a mistyped path is an error, not a new
    empty store, and nothing is written to the file (not even a schema). A store
    that cannot be written (its file or folder is read-only), or `read_only`,
    opens read-only: queries work, writes are refused. A store whose rows do not
    match its commits is refused as damaged.
    """
    if store.startswith(("postgresql://", "postgres://")):
        raise StoreError(
            f"{store}: PostgreSQL stores are not available in this version; use a SQLite file path"
        )
    path = _store_path(store)
    if not create and not path.exists():
        raise StoreError(f"{store}: no such store (record something first with `poa apply`)")
    if path.exists() and path.is_dir():
        raise StoreError(f"{store}: is a directory, not a store file")
    if not path.parent.exists():
        raise StoreError(f"{store}: folder {path.parent} does not exist")
    existing = path.exists()
    if existing:
        if not os.access(path, os.R_OK):
            raise StoreFailure(f"{store}: cannot be read (permission denied)")
        _check_is_ledger(path, store, create)
    elif read_only:
        raise StoreError(f"{store}: no such store (it cannot be created read-only)")
    writable = not existing or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
    why = "as asked" if read_only else "" if writable else "its file or its folder cannot be written"
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
        ledger = Ledger(env=env)
    except OperationalError as error:
        raise _failure(error) from None
    except (PersistenceError, sqlite3.DatabaseError) as error:
        raise StoreError(f"{store}: not a POA ledger store ({error})") from None
    ledger.uri, ledger.read_only, ledger.lock_timeout = uri, why, timeout
    if existing and path.stat().st_size > 0:
        ledger.check_intact()
    return ledger


def lock_timeout() -> int:
    """Seconds a writer waits for another's lock (env POA_LOCK_TIMEOUT, default 30)."""
    text = os.environ.get("POA_LOCK_TIMEOUT", "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT
    if not text.isdigit() or not 0 < int(text) <= 3600:
        raise StoreError(f"POA_LOCK_TIMEOUT: must be a whole number of seconds from 1 to 3600, got {text[:20]!r}")
    return int(text)


def _store_path(store: str) -> Path:
    """The store's file path, taken literally (no URI, no in-memory database)."""
    if not store.strip():
        raise StoreError("option --store: the store's file name is empty")
    if store == ":memory:" or store.startswith("file:"):
        raise StoreError(f"{store}: a store is a file path (an in-memory or URI database would keep nothing)")
    if "\x00" in store:
        raise StoreError("option --store: a file name cannot contain a NUL character")
    try:
        encoded = os.fsencode(store)
    except UnicodeError:
        raise StoreError("option --store: the file name cannot be encoded for this file system") from None
    if len(encoded) > MAX_PATH_BYTES or any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        raise StoreError(
            f"{store[:60]}...: file name too long (at most {MAX_NAME_BYTES} bytes per name, {MAX_PATH_BYTES} in all)"
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


def _check_is_ledger(path: Path, store: str, create: bool) -> None:
    """Refuse, without touching it, a file that is not a POA ledger (an empty file only to write)."""
    if path.stat().st_size == 0:
        if create:
            return
        raise StoreError(f"{store}: an empty file, not a POA ledger store (record something first with `poa apply`)")
    try:
        with open(path, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StoreFailure(f"{store}: cannot be read ({error.strerror})") from None
    if header != SQLITE_HEADER:
        raise StoreError(f"{store}: not a POA ledger store (not a SQLite database)")
    uri = _sqlite_uri(path, _access(path))
    try:
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise StoreDamaged(f"{store}: the store is damaged ({error})" + _quick_check(uri)) from None
    if tables and "stored_events" not in tables:
        raise StoreError(f"{store}: not a POA ledger store (a SQLite database with other tables)")
    if not tables and not create:
        raise StoreError(f"{store}: an empty database, not a POA ledger store (record something first with `poa apply`)")
