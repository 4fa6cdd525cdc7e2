"""One recorded time per transaction, taken at commit: what every store's recorder writes into its events
(and, with them, each aggregate's last version, `last_versions`).

The library stamps an event when it is triggered, long before its commit. A store's
recorder instead takes one stamp for all the events of a transaction while it holds
the store's write lock (`next_stamp`) and writes it into each of them (`stamped`):
the SQLite store's `CommitTimeRecorder` (adapters/sqlite_recorder.py) and the
in-memory store's `CommitTimePOPORecorder` (adapters/memory_store.py). See
docs/design.md, "Recorded time is commit time".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from uuid import UUID

from eventsourcing.persistence import StoredEvent

from .store_errors import StoreNotEmpty


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def next_stamp(previous: datetime | None, clock: datetime | None = None) -> datetime:
    """The clock (this process's, or `clock`, read by the caller: a database server's), or one
    microsecond after the previous transaction's stamp if the clock is behind it."""
    stamp = clock or utc_now()
    if previous is not None and stamp <= previous:
        stamp = previous + timedelta(microseconds=1)
    return stamp


def to_commit(
    stored_events: Sequence[StoredEvent], previous: datetime | None, *, keep: bool, held: int,
    clock: datetime | None = None,
) -> tuple[list[StoredEvent], datetime]:
    """What a recorder inserts, holding its write lock, and the stamp its commit record keeps.

    Usually the events restamped with `next_stamp(previous, clock)` (in the list given, when it is one:
    the library's list of the events of a save, which it does not use again once inserted). With `keep` (`poa copy`,
    `Ledger.copy_in`) the events as they are, with their latest recorded time; refused
    (`StoreNotEmpty`) when the store already holds events (`held`).
    """
    if keep:
        if held:
            raise StoreNotEmpty(f"the target store already holds {held} events: a copy goes into an empty store")
        return list(stored_events), latest_stamp(stored_events) or next_stamp(None, clock)
    stamp = next_stamp(previous, clock)
    if isinstance(stored_events, list):  # the save's own list: restamped in place, so no state is held twice
        iso = stamp.isoformat().encode("ascii")
        for i, event in enumerate(stored_events):
            stored_events[i] = _stamped(event, stamp, iso)
        return stored_events, stamp
    return stamped(stored_events, stamp), stamp


def last_versions(stored_events: Sequence[StoredEvent]) -> dict[UUID, int]:
    """Each aggregate's last version among the events: what a commit records in `poa_versions`."""
    versions: dict[UUID, int] = {}
    for event in stored_events:
        key = originator_of(event)
        versions[key] = max(versions.get(key, 0), event.originator_version)
    return versions


def originator_of(event: StoredEvent) -> UUID:
    """A stored event's aggregate id, as a UUID (a row read back may give it as text)."""
    return event.originator_id if isinstance(event.originator_id, UUID) else UUID(str(event.originator_id))


def tick_past(moment: datetime) -> None:
    """Wait until the clock reads later than `moment` (whatever the clock's grain)."""
    while utc_now() <= moment:
        pass


STAMPED_HEAD = b'{"timestamp":{"_type_":"datetime_iso","_data_":"'  # how the library's JSON transcoder begins an event


def stamped(stored_events: Sequence[StoredEvent], stamp: datetime) -> list[StoredEvent]:
    """The events with their timestamp replaced by the transaction's stamp.

    An event's state as the library's transcoder writes it (compact JSON, its
    timestamp first) has the stamp put in place of its timestamp, byte for byte what
    decoding, restamping and encoding it again gives (`restamped`, used for any other
    state). States that are not this application's JSON events (no transcoded
    timestamp) are stored as they are.
    """
    iso = stamp.isoformat().encode("ascii")
    return [_stamped(event, stamp, iso) for event in stored_events]


def _stamped(event: StoredEvent, stamp: datetime, iso: bytes) -> StoredEvent:
    """One event of `stamped` (`iso`: the stamp's ISO form)."""
    state = event.state
    end = state.find(b'"', len(STAMPED_HEAD)) if state.startswith(STAMPED_HEAD) else -1
    if end > 0 and state[end + 1:end + 2] == b"}":
        return StoredEvent(event.originator_id, event.originator_version, event.topic, STAMPED_HEAD + iso + state[end:])
    return restamped(event, stamp)


def restamped(event: StoredEvent, stamp: datetime) -> StoredEvent:
    """The event with its timestamp replaced by `stamp`, decoded and encoded again (unchanged if
    its state is not this application's JSON event)."""
    try:
        state = json.loads(event.state)
        state["timestamp"]["_data_"] = stamp.isoformat()
    except (ValueError, TypeError, KeyError):
        return event
    state_bytes = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf8")
    return StoredEvent(event.originator_id, event.originator_version, event.topic, state_bytes)


def latest_stamp(stored_events: Sequence[StoredEvent]) -> datetime | None:
    """The latest recorded time among the events (None if none carries one): what a store's
    commit record keeps after `poa copy` inserts events with the stamps of their first store."""
    latest = None
    for event in stored_events:
        try:
            stamp = datetime.fromisoformat(json.loads(event.state)["timestamp"]["_data_"])
        except (ValueError, TypeError, KeyError):
            continue
        latest = stamp if latest is None or stamp > latest else latest
    return latest
