"""The store under abuse (issue 7, findings 6, 7, 10 and 11): odd names, damaged files,
read-only copies, busy writers, bad settings and unexpected errors.

Every case gives its documented message and exit status: 2 when the input (a name, a
setting, an option) is wrong, 1 when the store cannot do what is asked (damaged, busy,
read-only, unreadable); never a traceback, never a partial result. The CLI runs
in-process; real file permissions (as user nobody) and Ctrl-C during start-up need real
processes: tests/e2e/test_store_permissions.py and tests/e2e/test_interrupts.py.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from support.builders import SMALL as SMALL_PATH
from support.builders import Ledger, count_events
from support.runners import invoke, no_traceback

SMALL = str(SMALL_PATH)


def poa(*args: str, env: dict | None = None, cwd: Path | None = None):
    """`poa ARGS` in-process; the environment is cleared of POA_ settings first."""
    return invoke(*args, env=env, cwd=cwd)


def clean_exit(result, status: int) -> str:
    """The message of a command that ended with `status`, one message and no traceback."""
    assert result.exit_code == status, (result.exit_code, result.output, result.exception)
    no_traceback(result)
    return result.output


# `store` (conftest): a fresh copy of a store holding examples/small-2021.yaml


# -- finding 6: store names are file names, taken literally ----------------------------


def test_finding_6_memory_store_is_refused_instead_of_keeping_nothing(tmp_path):
    message = clean_exit(poa("apply", SMALL, "--store", ":memory:", cwd=tmp_path), 2)
    assert ":memory:" in message and "file path" in message
    assert "recorded" not in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x.db?mode=memory", "pct%41.db", "a#b.db", "q?x.db", "ñandú 2021.db"])
def test_finding_6_uri_like_and_odd_names_are_plain_file_names(tmp_path, name):
    clean_exit(poa("apply", SMALL, "--store", name, cwd=tmp_path), 0)
    # the file is exactly the name given, nothing stray beside it, and it is a ledger the next time too
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [name]
    assert count_events(tmp_path / name) == 23
    report = clean_exit(poa("report", "--store", name, "--format", "json", cwd=tmp_path), 0)
    assert '"plan": "DEMO-2021"' in report
    clean_exit(poa("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01", "--store", name, cwd=tmp_path), 0)
    assert count_events(tmp_path / name) == 24


@pytest.mark.parametrize("name", ["n" * 256 + ".db", "dir" + "/x" * 2100 + ".db"])
def test_finding_6_and_7_names_too_long_are_refused(tmp_path, name):
    message = clean_exit(poa("apply", SMALL, "--store", name, cwd=tmp_path), 2)
    assert "file name too long" in message
    message = clean_exit(poa("report", "--store", name, cwd=tmp_path), 2)
    assert "file name too long" in message


# -- finding 7: settings and options that used to end in a traceback ----------------


def test_finding_7_a_bad_lock_timeout_setting_is_refused(store):
    message = clean_exit(poa("report", "--store", str(store), env={"POA_LOCK_TIMEOUT": "abc"}), 2)
    assert "POA_LOCK_TIMEOUT" in message and "'abc'" in message


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_finding_7_known_at_out_of_the_range_of_dates(store, moment):
    for args in (
        ("report", "--known-at", moment),
        ("explain", "1.1", "--known-at", moment),
        ("reconcile", "--known-at", moment),
        ("history", "--since", moment),
        ("history", "--until", moment),
        ("diff", "--from", "2021-06-30", "--to", f"2021-09-30@{moment}"),
    ):
        message = clean_exit(poa(*args, "--store", str(store)), 2)
        assert "out of the range of dates" in message, args


def test_finding_7_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(store, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug somewhere")

    monkeypatch.setattr("poa.adapters.use_cases.evaluation_at", broken)
    message = clean_exit(poa("report", "--store", str(store)), 1)
    assert "unexpected error (RuntimeError: a bug somewhere)" in message
    assert "--debug" in message
    debug = poa("--debug", "report", "--store", str(store))
    assert isinstance(debug.exception, RuntimeError)  # raised, so Python prints the traceback


@pytest.mark.parametrize(
    "damage, words",
    [
        ("DELETE FROM stored_events WHERE rowid = 12", "holds 22 events with ids up to 23"),
        ("UPDATE stored_events SET state = X'7b7b' WHERE rowid = 12", "cannot be read back"),
        ("UPDATE stored_events SET topic = 'poa.domain.plan:Plan.Nope' WHERE rowid = 12", "cannot be read back"),
        ("DELETE FROM stored_events WHERE rowid = 23", "holds 22 events with ids up to 22"),
    ],
    ids=["row-deleted-in-the-middle", "invalid-state-json", "changed-topic", "last-row-deleted"],
)
def test_finding_7_and_10_a_changed_store_is_damaged_not_a_traceback(store, damage, words):
    with sqlite3.connect(store) as connection:
        connection.execute(damage)
    for args in (("report",), ("history",), ("explain", "1.1"), ("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01")):
        message = clean_exit(poa(*args, "--store", str(store)), 1)
        assert "the store is damaged" in message and words in message, (args, message)


# -- finding 10: a damaged page is reported, never read as a shorter history ----------


EVENTS_IN_LONG_STORE = None  # set by `long_store`: the small example's events and 5,000 more


@pytest.fixture(scope="module")
def long_store(tmp_path_factory) -> Path:
    """The small example plus 5,000 executions of 1.2.1.1 (1 boliviano more each time), as in the finding."""
    folder = tmp_path_factory.mktemp("long")
    db = folder / "long.db"
    clean_exit(poa("apply", SMALL, "--store", str(db)), 0)
    lines = ["plan: DEMO-2021", "entries:"] + [
        f"  - execution: {{code: 1.2.1.1, amount: {i}, date: 2021-11-30}}" for i in range(1, 5001)
    ]
    (folder / "many.yaml").write_text("\n".join(lines) + "\n")
    recorded = clean_exit(poa("apply", str(folder / "many.yaml"), "--store", str(db)), 0)
    global EVENTS_IN_LONG_STORE
    EVENTS_IN_LONG_STORE = int(re.search(r"now seq (\d+)", recorded).group(1))
    return db


def test_finding_10_random_bytes_over_a_page_never_give_a_partial_report(long_store, tmp_path):
    page_size = 4096
    pages = long_store.stat().st_size // page_size
    generator = random.Random(7)
    full = None
    for trial in range(6):
        copy = tmp_path / f"damaged-{trial}.db"
        shutil.copyfile(long_store, copy)
        with open(copy, "r+b") as file:
            file.seek(generator.randrange(2, pages) * page_size + generator.randrange(0, page_size - 300))
            file.write(generator.randbytes(300))
        result = poa("report", "--store", str(copy), "--format", "json", "--known-at", "2100-01-01")
        if result.exit_code == 0:  # the bytes fell where nothing is read: then the report is the whole one
            if full is None:
                full = poa("report", "--store", str(long_store), "--format", "json", "--known-at", "2100-01-01").output
            assert result.output.replace(str(copy), "") == full.replace(str(long_store), "")
        else:
            message = clean_exit(result, 1)
            assert "damaged" in message
            # a write reads the plan's snapshot and the events since (docs/performance.md), never a
            # shorter history: refused when the damage is in what it reads, else it appends after the
            # last event, and the damage is still reported by every read and by `poa verify`
            write = poa("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01", "--store", str(copy))
            if write.exit_code == 0:
                with sqlite3.connect(copy) as connection:
                    (last,) = connection.execute("SELECT MAX(originator_version) FROM stored_events").fetchone()
                assert last == EVENTS_IN_LONG_STORE + 1, write.output
                assert "damaged" in clean_exit(poa("report", "--store", str(copy)), 1)
                assert poa("verify", "--store", str(copy)).exit_code != 0
            else:
                assert write.exit_code == 1 and "damaged" in write.output


def test_finding_10_a_plan_that_reads_back_fewer_events_than_committed_is_damaged(store):
    """Its last events lost while the store's totals still agree (as when a damaged index
    hides the tail of one plan): the plan's own recorded version catches it."""
    with sqlite3.connect(store) as connection:
        connection.execute("DELETE FROM stored_events WHERE rowid > 20")
        connection.execute("UPDATE poa_write_lock SET events = 20, last_id = 20")
    message = clean_exit(poa("report", "--store", str(store)), 1)
    assert "plan DEMO-2021 reads back 20 events, its commits recorded 23" in message


def test_finding_10_a_truncated_store_is_damaged(store):
    os.truncate(store, store.stat().st_size // 2)
    message = clean_exit(poa("report", "--store", str(store)), 1)
    assert "damaged" in message and "not a POA ledger" not in message


# -- finding 11: messages that say what is wrong ----------------------------------------


def test_finding_11_a_file_that_is_not_sqlite_is_not_a_ledger(tmp_path):
    text = tmp_path / "notes.db"
    text.write_text("just some notes\n" * 100)
    message = clean_exit(poa("report", "--store", str(text)), 2)
    assert "not a POA ledger store (not a SQLite database)" in message


def test_finding_11_reading_an_empty_file_writes_nothing_into_it(tmp_path):
    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (("report",), ("history",), ("plans",), ("reports",)):
        message = clean_exit(poa(*args, "--store", str(empty)), 2)
        assert "an empty file, not a POA ledger store" in message
    assert empty.stat().st_size == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
    clean_exit(poa("apply", SMALL, "--store", str(empty)), 0)  # a write may make it a store
    assert count_events(empty) == 23


def test_finding_11_read_only_by_option_or_environment(store):
    before = count_events(store)
    for prefix, env in ((("--read-only",), {}), ((), {"POA_READ_ONLY": "1"})):
        report = clean_exit(poa(*prefix, "report", "--store", str(store), "--format", "json", env=env), 0)
        assert '"plan": "DEMO-2021"' in report
        for args in (("apply", SMALL, "--again"), ("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01"),
                     ("report", "--issue", "Q4")):
            message = clean_exit(poa(*prefix, *args, "--store", str(store), env=env), 1)
            assert "read-only" in message and "nothing was recorded" in message, args
    assert count_events(store) == before


def test_finding_11_a_starved_writer_is_told_the_store_is_busy(store, monkeypatch):
    from eventsourcing.persistence import IntegrityError

    def always_conflicting(self, *plans):
        raise IntegrityError("UNIQUE constraint failed: stored_events.originator_id")

    monkeypatch.setattr(Ledger, "save", always_conflicting)
    monkeypatch.setattr("poa.adapters.ledger.time.sleep", lambda seconds: None)
    message = clean_exit(poa("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01", "--store", str(store)), 1)
    assert "the store is busy" in message and "nothing was recorded" in message
    assert "UNIQUE constraint" not in message
