"""Our SQLite recorder still keeps the eventsourcing library's recorder contract.

`CommitTimeRecorder` re-stamps events at commit; the library's own test suite for
application recorders (insert/select, notifications, concurrency, conflicts) runs
against it on a real SQLite file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import eventsourcing.tests.persistence as library  # the module, so pytest does not collect the abstract bases
from eventsourcing.sqlite import SQLiteDatastore

from support.builders import CommitTimeRecorder


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
