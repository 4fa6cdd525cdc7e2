"""The in-memory store (adapters/memory_store.py): the library's POPO recorder, stamped at commit.

Guards the one private name it uses (the POPO recorder's `_database_lock`, eventsourcing
9.5.6): holding `write_lock()` must hold back an insert. The library's own recorder
contract suite runs against `CommitTimePOPORecorder`, as tests/integration/test_store_contract.py
does for the SQLite recorder.
"""

from __future__ import annotations

import threading

import eventsourcing.tests.persistence as library  # the module, so pytest does not collect the abstract bases
import pytest

from poa.adapters.memory_store import CommitTimePOPORecorder, MemoryOperations
from poa.adapters.store_errors import StoreError

from support.builders import base_approval, memory_ledger, open_store, progress, record

PLAN = "T-2021"


class TestCommitTimePOPORecorder(library.ApplicationRecorderTestCase):
    def create_recorder(self) -> CommitTimePOPORecorder:
        return CommitTimePOPORecorder()


def test_holding_the_write_lock_holds_back_an_insert():
    ledger = memory_ledger()
    recorder = ledger.recorder
    assert isinstance(recorder, CommitTimePOPORecorder)
    with recorder.write_lock():
        writer = threading.Thread(target=record, args=(ledger, PLAN, base_approval()))
        writer.start()
        writer.join(0.3)
        assert writer.is_alive()  # waiting for the lock: the library's insert takes the same one
        assert recorder.max_notification_id() is None  # re-entrant for the holder
        held_until = ledger.settle()  # settle takes it too (re-entrant here)
    writer.join(5)
    assert not writer.is_alive()
    assert ledger.history(PLAN)[0].recorded_at > held_until  # stamped at commit, after the lock was let go


def test_settled_now_precedes_every_later_stamp_and_follows_every_earlier():
    ledger = memory_ledger()
    record(ledger, PLAN, base_approval())
    for n in range(20):
        now = ledger.settle()
        assert ledger.history(PLAN)[-1].recorded_at <= now
        record(ledger, PLAN, progress("1.1.2", n, "2021-02-01"))
        assert ledger.history(PLAN)[-1].recorded_at > now


def test_operations_read_the_library_recorder():
    ledger = memory_ledger()
    operations = ledger.store
    assert isinstance(operations, MemoryOperations) and operations.read_only == ""
    record(ledger, PLAN, base_approval(), progress("1.1.2", 10, "2021-02-01"))
    plan = ledger.plan(PLAN)
    assert operations.recorded_version(plan.id) == 2 == plan.version
    assert operations.recorded_version(type(plan.id)(int=0)) == 0
    ledger.check_intact()  # nothing to check in process memory


@pytest.mark.parametrize("name", [":memory:", "memory://x", "popo://x"])
def test_no_store_name_opens_a_store_that_keeps_nothing(name):
    with pytest.raises(StoreError):
        open_store(name, create=True)


@pytest.mark.parametrize("listing", ["plans", "plan_keys"])
def test_listing_the_plans_turns_a_store_failure_into_the_ledgers_own(listing, monkeypatch):
    """A failure of the store while the plans are listed is the ledger's `StoreFailure`, never the library's
    error (the CLI says "the store could not complete the operation", exit 1, instead of a traceback)."""
    from eventsourcing.persistence import OperationalError

    from poa.adapters.store_errors import StoreFailure

    ledger = memory_ledger()
    record(ledger, "DEMO-2021", base_approval())

    def failing(*_args, **_kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(ledger.recorder, "select_notifications", failing)
    monkeypatch.setattr(ledger.store, "plan_catalogue", failing)
    with pytest.raises(StoreFailure, match="disk I/O error"):
        getattr(ledger, listing)()
