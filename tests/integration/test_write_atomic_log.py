"""A write is atomic through the Merkle log and the index it writes with its events (issue 14), on SQLite
and PostgreSQL: the log and the index of a large batch are written a chunk at a time in the events'
transaction, and a failure in any chunk leaves nothing stored.

On PostgreSQL the library catches any exception raised after its insert inside its transaction block
(then commits, then raises it): the recorder carries its own errors past that catch
(adapters/postgres_recorder.py, `_AfterInsert`), which this test would have caught: a failure in the
second chunk committed the events with half a log.
"""

from __future__ import annotations

import pytest

from poa.adapters import postgres_recorder, sqlite_recorder
from poa.adapters.stores import open_store
from support.builders import base_approval, commands, count_events, progress, record

pytestmark = pytest.mark.both_stores

KEY = "DEMO-2021"


@pytest.mark.parametrize("failing_chunk", [1, 2])
def test_a_failure_while_logging_any_chunk_stores_nothing(store_name, monkeypatch, failing_chunk):
    monkeypatch.setattr(sqlite_recorder, "LOG_CHUNK", 3)
    monkeypatch.setattr(postgres_recorder, "LOG_CHUNK", 3)
    ledger = open_store(store_name, create=True)
    try:
        record(ledger, KEY, base_approval())
        before = count_events(store_name)
        hashes, calls = ledger.recorder.leaf_hashes, []

        def failing(stored):
            calls.append(len(stored))
            if len(calls) == failing_chunk:
                raise RuntimeError("the disk said no")
            return hashes(stored)

        ledger.recorder.leaf_hashes = failing
        days = ["2021-03-31", "2021-04-30", "2021-05-31", "2021-06-30", "2021-07-31", "2021-08-31", "2021-09-30"]
        with pytest.raises(RuntimeError, match="the disk said no"):
            ledger.record(commands(KEY, *(progress("1.1.1.1", 10 * n, day) for n, day in enumerate(days, 1))))
        assert calls[:failing_chunk] == [3] * failing_chunk  # 7 events: chunks of 3, 3 and 1
    finally:
        ledger.close()
    assert count_events(store_name) == before
    checked = open_store(store_name, create=False)
    try:
        audit = checked.verify()
        assert (audit.events, audit.problems) == (before, [])
        assert len(checked.history(KEY)) == before
    finally:
        checked.close()
