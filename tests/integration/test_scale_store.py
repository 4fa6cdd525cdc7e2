"""What keeps a write and a report in proportion to the plan (issue 14, docs/performance.md), on SQLite and PostgreSQL.

- a write validates against the plan's snapshot and the events since, and refuses exactly as a
  check of the whole history would (the refusal names the same record);
- a snapshot is what the events fold to, and `verify` finds one that is not;
- the index is kept in the events' transaction, a report through it evaluates as the whole
  history, and `verify` finds an index row that does not match its event.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import attrs
import pytest

from poa.adapters import ledger as ledger_module
from poa.adapters.ledger import _project
from poa.adapters.stores import open_store
from poa.domain.commands import CommandError
from poa.domain.plan import Plan, plan_id
from poa.projections.evaluation import evaluate
from poa.projections.issued import View
from poa.projections.selection import views_of
from support.builders import base_approval, commands, execution, progress, record, reformulate

pytestmark = pytest.mark.both_stores

KEY = "DEMO-2021"
FAR = datetime(2100, 1, 1, tzinfo=timezone.utc)
MONTH_ENDS = ["2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30", "2021-05-31", "2021-06-30"]


@pytest.fixture
def small_snapshots(monkeypatch):
    """Snapshots every 4 events, so that a few records already leave a plan's history behind its state."""
    monkeypatch.setattr(ledger_module, "SNAPSHOT_EVERY", 4)


def monthly(ledger) -> None:
    """The plan, then task 1.1.1.1's progress and op 1.1.1's execution at each month end, one batch a month
    (seqs: 1 the approval; month m: progress 2m, execution 2m + 1), transcribed as an initial load (so
    not late: recorded now, about 2021)."""
    record(ledger, KEY, base_approval())
    for month, day in enumerate(MONTH_ENDS, 1):
        batch = commands(KEY, progress("1.1.1.1", 10 * month, day), execution("1.1.1", 10 * month, day, "TGN"))
        ledger.record([attrs.evolve(c, initial_load="informes mensuales") for c in batch])


def test_a_cancellation_that_strands_recorded_progress_names_the_first_record_it_breaks(store_name, small_snapshots):
    ledger = open_store(store_name, create=True)
    monthly(ledger)
    assert ledger.plan(KEY).facts[-1].seq == 1  # the state read holds the approval alone: records are spans
    cancel = reformulate("2021-03-15", {"cancel": {"code": "1.1.1.1"}})
    with pytest.raises(CommandError) as refused:
        ledger.record(commands(KEY, cancel))
    # the first progress of 1.1.1.1 on or after Mar 15 is Mar 31's, recorded third: seq 6
    assert "it would break the progress entry recorded as seq 6 (effective 2021-03-31)" in str(refused.value.error)
    assert ledger.version(KEY) == 13  # nothing recorded
    record(ledger, KEY, reformulate("2021-07-01", {"cancel": {"code": "1.1.1.1"}}))  # after its last record: fits
    assert ledger.version(KEY) == 14


def test_a_snapshot_is_what_the_events_fold_to(store_name, small_snapshots):
    ledger = open_store(store_name, create=True)
    monthly(ledger)
    aggregate = plan_id(KEY)
    snapshot = ledger._snapshot(aggregate)
    assert snapshot is not None and snapshot.originator_version >= 4
    replayed = _project(None, ledger.events.get(aggregate, lte=snapshot.originator_version))
    assert Plan.Snapshot.take(replayed).state == snapshot.state  # times as committed, batches as read back
    reopened = open_store(store_name, create=False)
    assert reopened.plan(KEY).version == 13
    assert reopened.verify().problems == []


def test_verify_finds_a_snapshot_that_is_not_what_the_events_fold_to(store_name, small_snapshots):
    ledger = open_store(store_name, create=True)
    monthly(ledger)
    record(ledger, KEY, progress("1.1.1.2", 10, "2021-06-30"))  # seq 14, after the last snapshot (seq 13)
    aggregate = plan_id(KEY)
    snapshot = ledger._snapshot(aggregate)
    state = dict(snapshot.state, spans={})  # the records' spans forgotten: a cancellation would pass unchecked
    forged = Plan.Snapshot(originator_id=aggregate, originator_version=snapshot.originator_version + 1,
                           timestamp=snapshot.timestamp, topic=snapshot.topic, state=state)
    if snapshot.originator_version + 1 > ledger.version(KEY):
        pytest.skip("no event after the snapshot to forge one at")
    ledger.snapshots.put([forged])
    problems = open_store(store_name, create=False).verify().problems
    assert any(f"snapshot at seq {forged.originator_version} does not match its events" in p for p in problems), problems


def test_a_report_through_the_index_evaluates_as_the_whole_history(store_name):
    ledger = open_store(store_name, create=True)
    monthly(ledger)
    record(ledger, KEY, progress("1.1.1.1", 15, "2021-02-28"))  # a correction of February's, recorded later: late
    record(ledger, KEY, progress("1.1.1.1", 5, "2021-06-30"))  # going down, late
    whole = ledger.history(KEY)
    moments = sorted({r.recorded_at for r in whole})
    for as_of in (date(2021, 3, 31), date(2021, 6, 30), date(2021, 12, 31), date(2021, 2, 1)):
        for known_at in (FAR, moments[3], moments[-2]):
            view = View(as_of, known_at)
            selected = ledger.selected(KEY, views_of(view, 2021, charted=True))
            assert evaluate(KEY, selected, as_of, known_at) == evaluate(KEY, whole, as_of, known_at)
    # as of Jun 30 as known now: the approval (1); the first fact of the initial load (2); the executions'
    # latest (13); the progress going down, May 31's 50 (10) to Jun 30's 5 (15, in effect over 12's 60);
    # the late records (14, 15), 14 in effect on Feb 28 over 4 (which is not needed): 6 facts of 15
    assert [r.seq for r in ledger.selected(KEY, [View(date(2021, 6, 30), FAR)])] == [1, 2, 10, 13, 14, 15]


def behind_the_ledger(store_name: str, request, statement: str) -> None:
    """Run a statement on the index table (`{table}`) behind the ledger's back (on PostgreSQL with its
    append-only trigger disabled)."""
    if store_name.startswith("postgresql://"):
        from psycopg.sql import SQL, Identifier

        from poa.adapters.postgres_store import parse_url

        schema = parse_url(store_name).schema
        postgres = request.getfixturevalue("postgres")
        postgres.execute(SQL("ALTER TABLE {0} DISABLE TRIGGER USER").format(Identifier(schema, "poa_index")))
        postgres.execute(SQL(statement.format(table="{0}")).format(Identifier(schema, "poa_index")))
    else:
        import sqlite3
        from contextlib import closing

        with closing(sqlite3.connect(store_name)) as connection, connection:
            connection.execute(statement.format(table="poa_index"))


def test_verify_finds_an_index_row_that_does_not_match_its_event(store_name, request):
    ledger = open_store(store_name, create=True)
    monthly(ledger)
    behind_the_ledger(store_name, request, "UPDATE {table} SET value = '99.00' WHERE originator_version = 4")
    problems = open_store(store_name, create=False).verify().problems
    assert any("index does not match its events (seq 4)" in p for p in problems), problems


def test_a_store_without_its_index_is_indexed_whole_by_its_next_write(store_name, request):
    """A store made before the index (here: its rows removed) has every earlier event indexed, in the
    transaction of its next write, and its reports through the index are the whole history's again."""
    ledger = open_store(store_name, create=True)
    monthly(ledger)
    ledger.close()
    behind_the_ledger(store_name, request, "DELETE FROM {table}")
    ledger = open_store(store_name, create=True)
    try:
        assert ledger.store.index_count(plan_id(KEY)) == 0
        record(ledger, KEY, progress("1.1.1.1", 70, "2021-07-31"))
        assert ledger.store.index_count(plan_id(KEY)) == 14  # the approval, 12 monthly records and the new one
        whole = ledger.history(KEY)
        view = View(date(2021, 12, 31), FAR)
        assert evaluate(KEY, ledger.selected(KEY, [view]), view.as_of, FAR) == evaluate(KEY, whole, view.as_of, FAR)
        assert ledger.verify().problems == []
    finally:
        ledger.close()


def test_a_batch_larger_than_one_insert_statement_is_one_transaction_in_order(store_name, monkeypatch):
    """PostgreSQL inserts a large batch in statements of `INSERT_CHUNK` events (one statement of every
    event stalls in pipeline mode): with chunks of 4, a batch of 10 events is 3 statements (4, 4, 2), one
    commit, its notification ids in seq order, logged and indexed (SQLite inserts it at once)."""
    from poa.adapters import postgres_recorder

    monkeypatch.setattr(postgres_recorder, "INSERT_CHUNK", 4)
    ledger = open_store(store_name, create=True)
    monthly(ledger)  # the approval, then six batches of two
    record(ledger, KEY, *[progress("1.1.1.2", 10 * day, f"2021-07-{day:02d}") for day in range(1, 11)])
    stored = [(e.originator_version, e.timestamp) for e in ledger.events.get(plan_id(KEY))]
    assert [seq for seq, _ in stored] == list(range(1, 24))
    assert len({at for seq, at in stored if seq > 13}) == 1  # one transaction, one stamp
    notifications = ledger.recorder.select_notifications(1, 100)
    assert [n.originator_version for n in notifications] == list(range(1, 24))  # ids follow the seqs
    assert open_store(store_name, create=False).verify().problems == []


def test_a_write_reads_back_the_facts_it_committed_from_memory_as_the_store_gives_them(store_name):
    """The read-back of a write (its warnings count, `use_cases._read_back`) takes the facts that write
    committed as they were logged, not read again; they are what a fresh reading of the store gives,
    commit stamps included. A save that fails leaves none of its facts held."""
    ledger = open_store(store_name, create=True)
    try:
        monthly(ledger)  # the last save: June's progress and execution, seqs 12 and 13
        read: list[list[int]] = []
        events_at = ledger.store.events_at

        def counted(aggregate, seqs):
            read.append(list(seqs))
            return events_at(aggregate, seqs)

        ledger.store.events_at = counted
        views = [View(date(2021, 12, 31), FAR)]
        selected = list(ledger.selected(KEY, views))
        # the approval (1), the load's first fact (2), the latest progress (12) and execution (13)
        assert [r.seq for r in selected] == [1, 2, 12, 13]
        assert read == [[1], [2]]  # seq 1 by `facts`, seq 2 by the selection; 12 and 13 from memory
        fresh = open_store(store_name, create=False)
        try:
            assert list(fresh.selected(KEY, views)) == selected
        finally:
            fresh.close()

        hashes = ledger.recorder.leaf_hashes

        def failing(stored):
            raise RuntimeError("the disk said no")

        ledger.recorder.leaf_hashes = failing
        with pytest.raises(RuntimeError, match="the disk said no"):
            ledger.record(commands(KEY, progress("1.1.1.1", 70, "2021-07-31")))
        ledger.recorder.leaf_hashes = hashes
        read.clear()
        assert list(ledger.selected(KEY, views)) == selected
        assert read == [[1], [2, 12, 13]]  # the last committed save's facts are no longer held either
    finally:
        ledger.close()


def test_a_plan_loaded_in_one_save_is_read_back_from_memory_as_the_store_gives_it(store_name):
    """A plan whose every event the ledger's last save committed (an initial load) is read back
    without the store's index: its rows and its loads' tally are made from the facts committed, and
    every view selects what a fresh reading of the store selects."""
    ledger = open_store(store_name, create=True)
    try:
        entries = [base_approval()]
        for month, day in enumerate(MONTH_ENDS, 1):
            entries += [progress("1.1.1.1", 10 * month, day), execution("1.1.1", 10 * month, day, "TGN")]
        ledger.record([attrs.evolve(c, initial_load="informes mensuales") for c in commands(KEY, *entries)])
        asked = []
        for name in ("index_rows", "index_loads"):
            method = getattr(ledger.store, name)
            setattr(ledger.store, name, lambda *args, method=method, name=name, **kw: asked.append(name) or method(*args, **kw))
        fresh = open_store(store_name, create=False)
        try:
            moments = sorted({r.recorded_at for r in fresh.history(KEY)})
            for as_of in (date(2021, 3, 31), date(2021, 6, 30), date(2021, 1, 15)):
                for known_at in (FAR, moments[0]):
                    views = views_of(View(as_of, known_at), 2021, charted=True)
                    held = ledger.selected(KEY, views)
                    assert list(held) == list(fresh.selected(KEY, views))
                    assert (held.tally, held.firsts) == (fresh.selected(KEY, views).tally, fresh.selected(KEY, views).firsts)
            assert asked == []  # nothing asked of the store's index
            record(fresh, KEY, progress("1.1.1.1", 70, "2021-07-31"))  # another writer: the store's index again
            view = [View(date(2021, 12, 31), FAR)]
            assert [r.seq for r in ledger.selected(KEY, view)] == [r.seq for r in fresh.selected(KEY, view)]
            assert "index_rows" in asked and "index_loads" in asked
        finally:
            fresh.close()
    finally:
        ledger.close()
