"""The POA ledger: an eventsourcing `Application` whose aggregates are plans, whatever the store.

A batch of entries, for one plan or several, is saved in one `save()` call, which
the library writes in one transaction. A version conflict with another writer is
retried after reloading the plans and re-validating every entry; a batch a plan
already holds is refused unless asked again.

What a store must do beyond the library's recorder — the version its commits
recorded for a plan, settling a reader's "now", checking that it is intact, and
telling a busy store from a damaged or read-only one — it provides through
`StoreOperations` (the SQLite store: `adapters/sqlite_store.py`; PostgreSQL:
`adapters/postgres_store.py`). The library's
persistence exceptions never leave this module's public methods: each becomes a
`StoreError` or a `StoreFailure` (`adapters/store_errors.py`).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from functools import wraps
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
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

from poa.domain.batches import batch_id
from poa.domain.commands import BatchRepeated, Command, CommandError
from poa.domain.facts import Approval, Recorded
from poa.domain.plan import Plan, plan_id
from poa.domain.values import EntryError

from .store_errors import StoreBusy, StoreDamaged, StoreError, StoreFailure, StoreReadOnly, operation_failed, unknown_plan
from .transcodings import register_values

WRITE_ATTEMPTS = 20


class StoreOperations(Protocol):
    """What the ledger asks of its store beyond the library's recorder (one implementation per kind of store)."""

    read_only: str  # why the store is open read-only ("" when it is not)

    def recorded_version(self, originator_id: UUID) -> int:
        """The version the commits recorded for an aggregate (0: none recorded)."""

    def settle(self) -> datetime:
        """Now, as the known_at of views that can no longer change (see `Ledger.settle`)."""

    def check_intact(self) -> None:
        """Raise `StoreDamaged` if the store's rows are not those its commits recorded."""

    def failure(self, error: Exception) -> StoreFailure:
        """A library error the input did not cause, as the failure it is (busy, damaged, read-only...)."""


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


class Ledger(Application):
    """The POA ledger application: every plan of the store, as event-sourced aggregates."""

    name = "PlanLedger"

    def __init__(self, env: dict[str, str], operations: Callable[[ApplicationRecorder], StoreOperations]):
        """`env` configures the library's persistence module; `operations(recorder)` gives the store's own."""
        super().__init__(env=env)
        self.store = operations(self.recorder)

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
        """The plan as stored, refused as damaged if it has fewer events than its commits recorded."""
        recorded = self.store.recorded_version(plan_id(key))
        try:
            plan = self.repository.get(plan_id(key), projector_func=_project)
        except AggregateNotFoundError:
            if recorded:
                raise StoreDamaged(f"the store is damaged: plan {key}'s {recorded} events cannot be found") from None
            raise unknown_plan(key) from None
        except OperationalError as error:
            raise self.store.failure(error) from None
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

    def history(self, key: str) -> list[Recorded]:
        return self.plan(key).history

    @_translated
    def plans(self) -> list[tuple[str, Recorded]]:
        """Every plan of the store (key and approval), in the order they were approved."""
        found = []
        for notification in self._notifications(topics=[get_topic(Plan.Approved)]):
            try:
                event = self.mapper.to_domain_event(notification)
            except Exception as error:
                raise StoreDamaged(f"the store is damaged: a plan's approval cannot be read back ({error})") from None
            found.append((event.key, Recorded(1, event.timestamp, event.actor, event.fact)))
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
    def verify(self, limit: int = 20) -> tuple[int, dict[str, int], list[str]]:
        """Read the whole store back: its rows against its commit record (`check_intact`), every
        event decoded, every plan loaded at the version its commits recorded. Returns the number
        of events, each plan's number of events, and what is wrong (at most `limit` lines)."""
        problems: list[str] = []
        try:
            self.check_intact()
        except StoreDamaged as error:
            problems.append(str(error))
        per_aggregate: Counter[str] = Counter()
        unreadable = 0
        for notification in self._notifications():
            per_aggregate[str(notification.originator_id)] += 1
            try:
                self.mapper.to_domain_event(notification)
            except Exception as error:  # noqa: BLE001 - any failure to decode is damage to report
                unreadable += 1
                if unreadable <= limit:
                    problems.append(f"event {notification.id}: cannot be read back ({type(error).__name__}: {error})")
        if unreadable > limit:
            problems.append(f"… and {unreadable - limit} more events that cannot be read back")
        plans = {}
        try:
            approved = self.plans()
        except StoreDamaged as error:
            problems.append(str(error))
            approved = []
        for key, _ in approved:
            try:
                plans[key] = self.plan(key).version
            except StoreDamaged as error:
                problems.append(str(error))
        events = sum(per_aggregate.values())
        orphans = events - sum(per_aggregate[str(plan_id(key))] for key, _ in approved)
        if orphans:
            problems.append(f"{orphans} events belong to no approved plan")
        return events, plans, problems

    # -- writing -----------------------------------------------------------------
    @_translated
    def copy_in(self, events: Sequence[StoredEvent]) -> None:
        """Insert events read from another store (`stored_events`) as they are, with their recorded
        times, in one transaction: refused (`StoreNotEmpty`, nothing written) unless this store is empty."""
        if self.read_only:
            raise StoreReadOnly(f"the store is open read-only ({self.read_only}): nothing was copied")
        self.recorder.keep_stamps = True
        try:
            self.recorder.insert_events(events)
        except PersistenceError as error:
            raise self.store.failure(error) from None
        finally:
            self.recorder.keep_stamps = False

    @_translated
    def record(self, batch: Sequence[Command], *, again: bool = False, saving=None) -> None:
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
            except PersistenceError as error:
                failure = self.store.failure(error)
                final = isinstance(failure, StoreReadOnly) or (isinstance(failure, StoreBusy) and failure.waited)
                if final or not isinstance(error, (IntegrityError, OperationalError)):
                    raise failure from None
                if attempt < WRITE_ATTEMPTS - 1:
                    time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise StoreBusy(
            f"the store is busy: other writers kept changing the same plans through {WRITE_ATTEMPTS} attempts "
            "(or held the lock longer than the timeout); nothing was recorded, try again"
        )

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
                            f"plan {command.plan} is already approved ({plan.approval.reference}, seq 1); "
                            "changes go through reformulate",
                        )
                    plans[command.plan] = Plan.approve(command.plan, command.fact, command.actor, ids[command.plan])
                elif plan is None:
                    raise unknown_plan(command.plan)
                else:
                    plan.record(command.fact, command.actor, ids[command.plan])
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
