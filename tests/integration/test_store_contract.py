"""Our recorders still keep the eventsourcing library's recorder contract.

`CommitTimeRecorder` (SQLite) and `PostgresCommitTimeRecorder` re-stamp events at
commit; the library's own test suite for application recorders (insert/select,
notifications, concurrency, conflicts) runs against each on a real store: a SQLite
file, and a schema of its own on the PostgreSQL server (tests/support/postgres.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import eventsourcing.tests.persistence as library  # the module, so pytest does not collect the abstract bases
import pytest
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.sql import SQL, Identifier

from poa.adapters.postgres_recorder import PostgresCommitTimeRecorder
from support.builders import CommitTimeRecorder
from support.postgres import PostgresDatabase


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
        return recorder


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
        return recorder
