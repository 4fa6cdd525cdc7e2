"""The event store, through the eventsourcing library: opening it and writing batches.

`Ledger` is an eventsourcing `Application` whose aggregates are plans. The
embedded default is the library's SQLite module (one file); a batch of entries,
for one plan or several, is saved in one `save()` call, which the library writes
in one transaction. A version conflict with another writer is retried after
reloading the plans and re-validating every entry.
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import attrs
from attrs import frozen
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    JSONTranscoder,
    OperationalError,
    PersistenceError,
    Transcoding,
)
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
            return self.repository.get(plan_id(key))
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
    def record(self, batch: Sequence["Command"]) -> list[Plan]:
        """Record every command of the batch, all or nothing; retried on a version conflict."""
        for attempt in range(WRITE_ATTEMPTS):
            plans = self._execute(batch)
            try:
                self.save(*plans)
                return plans
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


class CommandError(Exception):
    """An entry the ledger refuses, with the place it came from."""

    def __init__(self, command: Command, error: Exception):
        super().__init__(str(error))
        self.command = command
        self.error = error


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
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": os.environ.get("POA_LOCK_TIMEOUT", "30"),
    }
    try:
        return Ledger(env=env)
    except (PersistenceError, sqlite3.DatabaseError) as error:
        raise StoreError(f"{store}: not a POA ledger store ({error})") from None
