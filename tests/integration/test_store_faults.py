"""The store under abuse (issue 7, findings 6, 7, 10 and 11): odd names, damaged files,
read-only copies, busy writers, bad settings and unexpected errors.

Every case gives its documented message and exit status: 2 when the input (a name, a
setting, an option) is wrong, 1 when the store cannot do what is asked (damaged, busy,
read-only, unreadable); never a traceback, never a partial result.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, poa_command
from poa.adapters.store import Ledger
from poa.cli.main import cli

SMALL = str(EXAMPLES / "small-2021.yaml")


def poa(*args: str, env: dict | None = None, cwd: Path | None = None):
    """`poa ARGS` in-process; the environment is cleared of POA_ settings first."""
    clean = {k: None for k in os.environ if k.startswith("POA_")}
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, list(args), env={**clean, "POA_ACTOR": "tester", **(env or {})})
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), env={**clean, "POA_ACTOR": "tester", **(env or {})})
    finally:
        os.chdir(previous)


def clean_exit(result, status: int) -> str:
    """The message of a command that ended with `status`, one message and no traceback."""
    assert result.exit_code == status, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output


def count_events(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("small") / "small.db"
    clean_exit(poa("apply", SMALL, "--store", str(db)), 0)
    return db


@pytest.fixture
def store(small_store: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "poa.db"
    shutil.copyfile(small_store, copy)
    return copy


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

    monkeypatch.setattr("poa.cli.reading.evaluation_at", broken)
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
    clean_exit(poa("apply", str(folder / "many.yaml"), "--store", str(db)), 0)
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
            # a write is refused too, instead of appending to a damaged history
            write = poa("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01", "--store", str(copy))
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
    monkeypatch.setattr("poa.adapters.store.time.sleep", lambda seconds: None)
    message = clean_exit(poa("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01", "--store", str(store)), 1)
    assert "the store is busy" in message and "nothing was recorded" in message
    assert "UNIQUE constraint" not in message


# -- finding 11 with real file permissions: run as an unprivileged user -----------------

NOBODY = 65534
SYSTEM_PYTHON = Path("/usr/bin/python3")


def nobody_command(*args: str) -> list[str]:
    """`poa ARGS` for the system Python, with this venv's packages (and this checkout)."""
    site = next(p for p in sys.path if p.endswith("site-packages"))
    code = f"import site, sys; site.addsitedir({site!r}); sys.argv[0] = 'poa'; from poa.cli.entry import main; main()"
    return [str(SYSTEM_PYTHON), "-c", code, *args]


def run_as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`poa ARGS` as user nobody (root ignores file permissions)."""
    return subprocess.run(
        nobody_command(*args), cwd=cwd, capture_output=True, text=True, timeout=60,
        user=NOBODY, env={"PATH": "/usr/bin:/bin", "POA_ACTOR": "auditor", "HOME": str(cwd)},
    )


def can_run_as_nobody() -> bool:
    """Root, a system Python of this version, and a venv and checkout that user nobody can read."""
    if os.geteuid() != 0 or not SYSTEM_PYTHON.exists():
        return False
    probe = run_as_nobody("--version", cwd=Path("/"))
    return probe.returncode == 0 and "version" in probe.stdout


needs_nobody = pytest.mark.skipif(not can_run_as_nobody(), reason="needs root, a system Python and a checkout that user nobody can read")


@pytest.fixture
def open_folder(store):
    """A folder that user nobody can reach (pytest's own are private to root), with a copy of the store."""
    folder = Path(tempfile.mkdtemp(prefix="poa-test-", dir="/tmp"))
    folder.chmod(0o755)
    shutil.copyfile(store, folder / "poa.db")
    yield folder
    for path in (folder, *folder.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


@needs_nobody
def test_finding_11_an_archived_read_only_copy_can_be_read_not_written(open_folder):
    archive = open_folder / "archive"
    archive.mkdir()
    copy = archive / "poa-2021.db"
    shutil.copyfile(open_folder / "poa.db", copy)
    copy.chmod(0o444)
    archive.chmod(0o555)
    report = run_as_nobody("report", "--store", str(copy), "--format", "json", cwd=archive)
    assert report.returncode == 0, report.stderr
    assert '"plan": "DEMO-2021"' in report.stdout
    write = run_as_nobody("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01", "--store", str(copy), cwd=archive)
    assert write.returncode == 1 and "read-only" in write.stderr and "Traceback" not in write.stderr, write.stderr
    assert sorted(p.name for p in archive.iterdir()) == ["poa-2021.db"]
    assert count_events(copy) == 23


@needs_nobody
def test_finding_11_an_unreadable_store_is_a_failure_not_a_foreign_file(open_folder):
    (open_folder / "poa.db").chmod(0o000)
    result = run_as_nobody("report", "--store", str(open_folder / "poa.db"), cwd=open_folder)
    assert result.returncode == 1, result.stderr
    assert "cannot be read (permission denied)" in result.stderr and "not a POA ledger" not in result.stderr


def test_finding_7_ctrl_c_during_start_up_shows_no_traceback(store):
    """SIGINT while the program is still importing: "poa: interrupted", never a traceback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("POA_")}
    outcomes = []
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3):
        process = subprocess.Popen([*poa_command(), "report", "--store", str(store)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert "Traceback" not in err, (delay, err)
        outcomes.append((process.returncode, err.strip()))
    # interrupted ones say so (130, or click's "Aborted!" once a command runs); finished ones succeeded
    assert all(code in (0, 1, 130, -signal.SIGINT) for code, _ in outcomes), outcomes
    assert any(code == 130 and message == "poa: interrupted" for code, message in outcomes), outcomes
