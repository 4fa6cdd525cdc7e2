"""One recorded time per transaction, taken at commit: what every store's recorder writes into its events.

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

from eventsourcing.persistence import StoredEvent


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def next_stamp(previous: datetime | None) -> datetime:
    """The clock, or one microsecond after the previous transaction's stamp if the clock is behind it."""
    stamp = utc_now()
    if previous is not None and stamp <= previous:
        stamp = previous + timedelta(microseconds=1)
    return stamp


def tick_past(moment: datetime) -> None:
    """Wait until the clock reads later than `moment` (whatever the clock's grain)."""
    while utc_now() <= moment:
        pass


def stamped(stored_events: Sequence[StoredEvent], stamp: datetime) -> list[StoredEvent]:
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
