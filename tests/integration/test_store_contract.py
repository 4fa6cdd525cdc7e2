"""Our recorders still keep the eventsourcing library's recorder contract.

`CommitTimeRecorder` (SQLite) and `PostgresCommitTimeRecorder` re-stamp events at
commit; the library's own test suite for application recorders (insert/select,
notifications, concurrency, conflicts) runs against each on a real store: a SQLite
file, and a schema of its own on the PostgreSQL server (tests/support/postgres.py).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from uuid import uuid4

import eventsourcing.tests.persistence as library  # the module, so pytest does not collect the abstract bases
import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.sql import SQL, Identifier

from poa.adapters.postgres_recorder import PostgresCommitTimeRecorder
from support.builders import CommitTimeRecorder
from support.postgres import PostgresDatabase
from test_merkle_log import mth


def raw_leaves(events) -> list[bytes]:
    """A leaf per event from its stored bytes: the ledger hashes its events' canonical form instead
    (adapters/merkle_log.py), but the library's suite stores states that are not events."""
    return [hashlib.sha256(b"\x00" + bytes(e.state)).digest() for e in events]


def check_log(recorder, rows) -> None:
    """The Merkle log the recorder wrote holds each event, in notification order, with the tree head after it."""
    events = recorder.select_notifications(1, 10_000)
    assert [r[0] for r in rows] == list(range(len(events)))  # log indexes 0..n-1
    assert [r[1] for r in rows] == [n.id for n in events]  # each event's notification id, in order
    leaves = raw_leaves(events)
    assert [bytes(r[2]) for r in rows] == leaves
    assert [bytes(r[3]) for r in rows] == [mth(leaves[: i + 1]) for i in range(len(leaves))]


def insert_batches(recorder) -> None:
    for batch in range(3):
        originator = uuid4()
        recorder.insert_events([StoredEvent(originator, v, "topic", f"state {batch} {v}".encode()) for v in range(1, batch + 3)])


class TestCommitTimeRecorder(library.ApplicationRecorderTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.folder = tempfile.TemporaryDirectory()
        self.db_name = str(Path(self.folder.name) / "contract.db")

    def tearDown(self) -> None:
        self.folder.cleanup()
        super().tearDown()

    def create_recorder(self) -> CommitTimeRecorder:
        recorder = CommitTimeRecorder(SQLiteDatastore(db_name=self.db_name))
        recorder.create_table()
        recorder.leaf_hashes = raw_leaves  # every insert of the library's suite also writes the Merkle log
        return recorder

    def test_the_merkle_log_follows_every_insert(self) -> None:
        recorder = self.create_recorder()
        insert_batches(recorder)
        with recorder.datastore.transaction(commit=False) as c:
            c.execute("SELECT log_index, notification_id, leaf, root FROM poa_log ORDER BY log_index")
            check_log(recorder, c.fetchall())


class TestPostgresCommitTimeRecorder(library.ApplicationRecorderTestCase):
    EXPECT_CONTIGUOUS_NOTIFICATION_IDS = False  # PostgreSQL's sequences skip the ids a refused insert took

    @pytest.fixture(autouse=True)
    def _server(self, postgres: PostgresDatabase):
        self.postgres = postgres
        self.url = postgres.new_schema()  # skips (or fails under CI=true) when no server can be reached
        self.schema = self.url.rsplit("=", 1)[1]
        self.datastores: list[PostgresDatastore] = []
        postgres.execute(SQL("CREATE SCHEMA {0}").format(Identifier(self.schema)))
        yield
        for datastore in self.datastores:
            datastore.close()
        postgres.drop_schema(self.url)

    def create_recorder(self) -> PostgresCommitTimeRecorder:
        target = self.postgres.target
        datastore = PostgresDatastore(
            target.dbname, target.host, target.port, target.user, target.password, schema=self.schema, pool_size=2
        )
        self.datastores.append(datastore)
        recorder = PostgresCommitTimeRecorder(datastore, events_table_name="stored_events")
        recorder.create_table()
        recorder.leaf_hashes = raw_leaves  # every insert of the library's suite also writes the Merkle log
        return recorder

    def test_the_merkle_log_follows_every_insert(self) -> None:
        recorder = self.create_recorder()
        insert_batches(recorder)
        rows = self.postgres.execute(
            SQL("SELECT log_index, notification_id, leaf, root FROM {0} ORDER BY log_index").format(
                Identifier(self.schema, "poa_log")
            )
        )
        check_log(recorder, rows)
