"""The event store, through the eventsourcing library: opening it and writing batches.

`Ledger` is an eventsourcing `Application` whose aggregates are plans. The
embedded default is the library's SQLite module (one file); a batch of entries,
for one plan or several, is saved in one `save()` call, which the library writes
in one transaction. A version conflict with another writer is retried after
reloading the plans and re-validating every entry.
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

from poa.domain.facts import VALUE_TYPES, Approval, Fact, Recorded
from poa.domain.plan import Plan, plan_id
from poa.domain.values import EntryError

WRITE_ATTEMPTS = 20


class StoreError(Exception):
    """The store cannot be opened or read (bad path, not a ledger file, unknown plan)."""


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
    """The library's SQLite recorder, stamping events with the time they are committed.

    An event's timestamp is taken when it is triggered; a writer may then wait for
    the write lock, so another reader could see "nothing recorded by T" and later
    find an event stamped before T. Here the write lock is taken first (a write to
    a one-row table of ours), and only then are the events re-stamped with the
    clock, keeping their order and gaps: a fact's recorded time is never earlier
    than the moment it could first be seen, so a view "as known at T" never
    changes once T has passed.
    """

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS poa_write_lock (id INTEGER PRIMARY KEY, stamped TEXT)",
        ]

    def _insert_events(self, c, stored_events, **kwargs):
        c.execute("INSERT OR REPLACE INTO poa_write_lock (id, stamped) VALUES (1, ?)", (_utc_now().isoformat(),))
        return super()._insert_events(c, _restamped(stored_events, _utc_now()), **kwargs)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _restamped(stored_events, now: datetime) -> list[StoredEvent]:
    """The events with timestamps moved to `now` (never earlier), order and gaps kept.

    States that are not this application's JSON events (no transcoded timestamp)
    are stored as they are.
    """
    try:
        states = [json.loads(e.state) for e in stored_events]
        stamps = [datetime.fromisoformat(state["timestamp"]["_data_"]) for state in states]
    except (ValueError, TypeError, KeyError):
        return list(stored_events)
    shift = max(now - stamps[0], timedelta(0)) if stamps else timedelta(0)
    restamped = []
    for event, state, stamp in zip(stored_events, states, stamps):
        state["timestamp"]["_data_"] = (stamp + shift).isoformat()
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

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for cls in VALUE_TYPES:
            transcoder.register(AttrsTranscoding(cls))

    # -- reading -----------------------------------------------------------------
    def plan(self, key: str) -> Plan:
        try:
            return self.repository.get(plan_id(key), projector_func=_project)
        except AggregateNotFoundError:
            raise StoreError(f"unknown plan {key!r}: it is not in this store") from None

    def history(self, key: str) -> list[Recorded]:
        return self.plan(key).history

    def plans(self) -> list[tuple[str, Recorded]]:
        """Every plan of the store (key and approval), in the order they were approved."""
        topic = get_topic(Plan.Approved)
        found, start = [], 1
        while True:
            page = self.recorder.select_notifications(start, 500, topics=[topic])
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                found.append((event.key, Recorded(1, event.timestamp, event.actor, event.fact)))
            if len(page) < 500:
                return found
            start = page[-1].id + 1

    # -- writing -----------------------------------------------------------------
    def record(self, batch: Sequence["Command"]) -> None:
        """Record every command of the batch, all or nothing; retried on a version conflict.

        The plans are not returned: their events are re-stamped when committed
        (`CommitTimeRecorder`), so read them back with `history()`.
        """
        for attempt in range(WRITE_ATTEMPTS):
            plans = self._execute(batch)
            try:
                self.save(*plans)
                return
            except (IntegrityError, OperationalError):
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    def _execute(self, batch: Sequence["Command"]) -> list[Plan]:
        plans: dict[str, Plan] = {}
        for command in batch:
            try:
                plan = plans.get(command.plan)
                if isinstance(command.fact, Approval):
                    if plan is None:
                        plan = self._existing(command.plan)
                    if plan is not None:
                        raise EntryError(
                            None,
                            f"plan {command.plan} is already approved ({plan.approval.reference}, seq 1); "
                            "changes go through reformulate",
                        )
                    plans[command.plan] = Plan.approve(command.plan, command.fact, command.actor)
                else:
                    if plan is None:
                        plan = plans[command.plan] = self.plan(command.plan)
                    plan.record(command.fact, command.actor)
            except (EntryError, StoreError) as error:
                raise CommandError(command, error) from None
        return list(plans.values())

    def _existing(self, key: str) -> Plan | None:
        try:
            return self.plan(key)
        except StoreError:
            return None


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


def _check_is_ledger(path: Path, store: str) -> None:
    """Refuse, without touching it, a file that is not empty and not a POA ledger."""
    if path.stat().st_size == 0:
        return
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        raise StoreError(f"{store}: not a POA ledger store (not a SQLite database)") from None
    if tables and "stored_events" not in tables:
        raise StoreError(f"{store}: not a POA ledger store (a SQLite database with other tables)")


def open_ledger(store: str, *, create: bool) -> Ledger:
    """The ledger in `store`: a SQLite file path (the embedded default).

    Reading commands pass ``create=False`` so that a mistyped path is an error,
    not a new empty store.
    """
    if store.startswith(("postgresql://", "postgres://")):
        raise StoreError(
            f"{store}: PostgreSQL stores are not available in this version; use a SQLite file path"
        )
    path = Path(store)
    if not create and not path.exists():
        raise StoreError(f"{store}: no such store (record something first with `poa apply`)")
    if path.exists() and path.is_dir():
        raise StoreError(f"{store}: is a directory, not a store file")
    if not path.parent.exists():
        raise StoreError(f"{store}: folder {path.parent} does not exist")
    if path.exists():
        _check_is_ledger(path, store)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": os.environ.get("POA_LOCK_TIMEOUT", "30"),
        "APPLICATION_RECORDER_TOPIC": get_topic(CommitTimeRecorder),
    }
    try:
        return Ledger(env=env)
    except (PersistenceError, sqlite3.DatabaseError) as error:
        raise StoreError(f"{store}: not a POA ledger store ({error})") from None
