"""Real file permissions (issue 7, finding 11): the CLI run as user nobody, since root
ignores them. An archived read-only copy can be read, not written; an unreadable store
is a failure, not a foreign file. Skipped, with the reason, where user nobody cannot run
this checkout's `poa` (not root, no system Python, a checkout in a private folder).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from support.builders import count_events

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


@functools.cache
def can_run_as_nobody() -> bool:
    """Root, a system Python of this version, and a venv and checkout that user nobody can read."""
    if os.geteuid() != 0 or not SYSTEM_PYTHON.exists():
        return False
    probe = run_as_nobody("--version", cwd=Path("/"))
    return probe.returncode == 0 and "version" in probe.stdout


@pytest.fixture
def needs_nobody():
    """Skips the test unless user nobody can run `poa` (probed once, when first needed, not
    while collecting: `pytest -m "not e2e"` starts no process for it)."""
    if not can_run_as_nobody():
        pytest.skip("needs root, a system Python and a checkout that user nobody can read")


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


def test_finding_11_an_archived_read_only_copy_can_be_read_not_written(needs_nobody, open_folder):
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


def test_finding_11_an_unreadable_store_is_a_failure_not_a_foreign_file(needs_nobody, open_folder):
    (open_folder / "poa.db").chmod(0o000)
    result = run_as_nobody("report", "--store", str(open_folder / "poa.db"), cwd=open_folder)
    assert result.returncode == 1, result.stderr
    assert "cannot be read (permission denied)" in result.stderr and "not a POA ledger" not in result.stderr
