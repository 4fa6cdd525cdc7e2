"""Recorded time is commit time on PostgreSQL too (issue 10): a writer that waits for the store's
commit lock stamps its events after it gets the lock, so a reader that saw "nothing recorded by T"
while the writer waited sees the same as known at T ever after; and `settle` waits for a writer in
flight, so that every transaction stamped up to the "now" it returns has committed.

A third connection holds the store's commit lock (the advisory lock `PostgresCommitTimeRecorder`
takes in each insert transaction) to play a writer that is slow to commit. The SQLite
counterparts are in tests/e2e/test_concurrent_processes.py and tests/integration/test_commit_time.py.
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone

from poa.adapters import use_cases as uc
from poa.adapters.postgres_store import parse_url
from poa.projections.evaluation import evaluate
from support.builders import open_store
from support.writers import APPROVAL, KEY, write_batch

AS_OF = date(2021, 12, 31)


def in_thread(function) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = function()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def history(url: str):
    ledger = open_store(url, create=False)
    try:
        return ledger.history(KEY)
    finally:
        ledger.close()


def test_a_reader_that_saw_nothing_by_t_while_a_writer_waited_sees_nothing_by_t_ever_after(postgres, postgres_store, tmp_path):
    url = postgres_store
    uc.apply(url, [str(write_batch(tmp_path / "approve.json", [APPROVAL]))], actor="tester")
    batch = write_batch(tmp_path / "progress.json", [{"progress": {"code": "1.1", "percent": 40, "date": "2021-06-30"}}])

    with postgres.commit_lock_held(url):
        writer, written = in_thread(lambda: uc.apply(url, [str(batch)], actor="slow writer"))
        time.sleep(1.0)  # the writer has validated its entry and waits for the commit lock
        assert writer.is_alive() and not written, written
        moment = datetime.now(timezone.utc)  # the reader notes T ...
        before = history(url)
        then = evaluate(KEY, before, AS_OF, moment)
        assert len(before) == 1 and then.element("1.1").progress_pct == 0  # ... and nothing recorded by T
    writer.join(30)
    assert "error" not in written, written

    after = history(url)
    assert len(after) == 2 and after[1].actor == "slow writer"
    assert after[1].recorded_at > moment  # stamped once it had the lock, after the reader's T
    assert evaluate(KEY, after, AS_OF, moment).element("1.1").progress_pct == then.element("1.1").progress_pct
    assert evaluate(KEY, after, AS_OF, after[1].recorded_at).element("1.1").progress_pct == 40


def test_settle_waits_for_a_writer_in_flight_and_everything_stamped_by_its_now_is_there(postgres, postgres_store, tmp_path):
    url = postgres_store
    uc.apply(url, [str(write_batch(tmp_path / "approve.json", [APPROVAL]))], actor="tester")
    batch = write_batch(tmp_path / "progress.json", [{"progress": {"code": "1.1", "percent": 40, "date": "2021-06-30"}}])

    def settle_then_read():
        ledger = open_store(url, create=False)
        try:
            now = ledger.settle()
            return now, ledger.history(KEY)
        finally:
            ledger.close()

    with postgres.commit_lock_held(url):
        writer, written = in_thread(lambda: uc.apply(url, [str(batch)], actor="writer"))
        reader, read = in_thread(settle_then_read)
        time.sleep(1.0)
        assert reader.is_alive() and not read, read  # settle waits while a writer may be in flight
    writer.join(30)
    reader.join(30)
    assert "error" not in written and "error" not in read, (written, read)
    now, seen = read["value"]
    final = history(url)
    assert len(final) == 2
    # whatever the order writer and reader got the lock in, what is stamped by `now` was there to read:
    # the view as known at `now` is the same from the reader's read and from the final store (a writer
    # that got the lock after the reader may commit, stamped after `now`, before the reader reads)
    assert [r.seq for r in final if r.recorded_at <= now] == [r.seq for r in seen if r.recorded_at <= now]
    assert len(seen) in (1, 2)


def test_stamps_come_from_the_server_clock_one_per_transaction(postgres, postgres_store, tmp_path):
    url = postgres_store
    started = postgres.execute("SELECT clock_timestamp()")[0][0]
    entries = [APPROVAL] + [{"progress": {"code": "1.1", "percent": p, "date": "2021-06-30"}} for p in (10, 20, 30)]
    uc.apply(url, [str(write_batch(tmp_path / "batch.json", entries))], actor="tester")
    ended = postgres.execute("SELECT clock_timestamp()")[0][0]
    recorded = history(url)
    stamps = {r.recorded_at for r in recorded}
    assert len(recorded) == 4 and len(stamps) == 1
    (stamp,) = stamps
    assert started < stamp < ended
    (row,) = postgres.execute(
        f"SELECT stamped, events, last_id FROM {parse_url(url).schema}.poa_write_lock WHERE id = 1"
    )
    assert row[0] == stamp and row[1] == 4 and row[2] >= 4  # the commit record: last stamp, events, last id
