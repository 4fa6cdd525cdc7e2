"""What a catch-up of the read model holds of each plan between its pages (adapters/read_model.py
`Held`, docs/read-model.md "What a catch-up costs"), against a real store holding
examples/small-2021.yaml (seq 1 the approval, 11 the reformulation, 12–13 the budget modifications,
14 the progress of 1.1.1.1.2 at 09-30):

- holding nothing between pages (every plan let go after each page: its series and the facts a
  correction may correct read back from the read model and from the store), catching up after each
  of several batches of corrections of amounts and re-recorded figures writes what a rebuild writes;
- a rebuild recomputes every plan from the history it has just read: no plan's history is read again.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from poa.adapters import read_model as rm
from poa.adapters import use_cases as uc
from poa.adapters.ledger import Ledger

from support.builders import ADUANA, ADUANA_LOAD
from support.read_model import snapshot

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

TRANSFER = (
    "transfer", "--from", "1.1.2.1", "--to", "1.1.2.2", "--source", "TGN", "--amount", "5000",
    "--date", "2021-11-02", "--reference", "RA 077/2021", "--reason", "Traspaso a firma digital",
)


def ok(ran):
    assert ran.returncode == 0, ran.stderr
    return ran


def rows(db, query: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(query).fetchall()


def test_catching_up_while_holding_nothing_between_pages_writes_what_a_rebuild_writes(demo, tmp_path, monkeypatch):
    db, rebuilt = tmp_path / "read.db", tmp_path / "rebuilt.db"
    monkeypatch.setattr(rm, "HELD", 0)

    def project():
        uc.project(str(demo.store), str(db), page_size=2)

    project()
    ok(demo(*TRANSFER))  # seq 24: TGN 5000 from 1.1.2.1 to 1.1.2.2
    ok(demo("correct", "--code", "1.1.2.2", "--budget", "TGN=3000", "--reason", "r"))  # 25: the transfer, to 3000
    project()
    ok(demo("correct", "--code", "1.1.2.1", "--budget", "TGN=-4000", "--reason", "r"))  # 26: again, by its giving side
    ok(demo("correct", "--code", "1.1.1.1", "--budget", "TGN=90000", "--corrects", "1", "--reason", "r"))  # 27
    ok(demo("progress", "--code", "1.1.1.1.2", "--percent", "65", "--date", "2021-09-30"))  # 28: corrects 14
    project()
    ok(demo("correct", "--code", "1.1.1.1", "--budget", "TGN=95000", "--corrects", "1", "--reason", "r"))  # 29
    ok(demo("correct", "--code", "1.1.1.2", "--budget", "Otros=-8000", "--corrects", "12", "--reason", "r"))  # 30
    ok(demo("progress", "--code", "1.1.1.1.2", "--percent", "66", "--date", "2021-09-30"))  # 31: corrects 28
    project()
    monkeypatch.undo()
    uc.project(str(demo.store), str(rebuilt), rebuild=True)
    assert snapshot(db) == snapshot(rebuilt)
    assert rows(db, "SELECT seq, corrects_seq FROM facts WHERE seq IN (14, 28, 31) ORDER BY seq") == [
        (14, None), (28, 14), (31, 28)
    ]
    # each correction of amounts: the difference from what the field held just before it
    assert rows(db, "SELECT seq, line, code, source, amount, phase FROM budget_lines WHERE seq > 24 ORDER BY seq, line") == [
        (25, 1, "1.1.2.2", "TGN", "-2000.00", "modified"), (25, 2, "1.1.2.1", "TGN", "2000.00", "modified"),
        (26, 1, "1.1.2.1", "TGN", "-1000.00", "modified"), (26, 2, "1.1.2.2", "TGN", "1000.00", "modified"),
        (27, 1, "1.1.1.1", "TGN", "-10000.00", "approved"),
        (29, 1, "1.1.1.1", "TGN", "5000.00", "approved"),
        (30, 1, "1.1.1.2", "Otros", "2000.00", "modified"),
    ]


def test_a_rebuild_reads_no_plans_history_again_to_recompute_it(demo, tmp_path, monkeypatch):
    ok(demo("apply", str(ADUANA), *ADUANA_LOAD))  # a second plan, after the first
    read = []
    history = Ledger.history

    def reading(self, key):
        read.append(key)
        return history(self, key)

    monkeypatch.setattr(Ledger, "history", reading)
    done = uc.project(str(demo.store), str(tmp_path / "read.db"), rebuild=True, page_size=7)
    assert (done.plans, read) == (("AN-2020", "DEMO-2021"), [])
    monkeypatch.undo()
    for size in (500, 3):  # the same rows whatever the pages, a plan recomputed after its last one
        paged = tmp_path / f"pages-{size}.db"
        uc.project(str(demo.store), str(paged), page_size=size)
        assert snapshot(paged) == snapshot(tmp_path / "read.db")
