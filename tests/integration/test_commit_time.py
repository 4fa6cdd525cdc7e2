"""Recorded time is commit time (issue 7, finding 3): one stamp per transaction, taken at
the commit, never in the future (the CLI in-process on a real store). That a view "as known
at T" never changes while large batches are written by another process is in
tests/e2e/test_concurrent_processes.py.
"""

from __future__ import annotations

from datetime import datetime, timezone

from support.builders import SMALL, open_store
from support.runners import invoke as poa
from support.writers import executions


def test_finding_3_a_batch_has_one_stamp_taken_at_commit_never_in_the_future(tmp_path):
    store = tmp_path / "poa.db"
    assert poa("apply", str(SMALL), "--store", str(store)).exit_code == 0
    started = datetime.now(timezone.utc)
    result = poa("apply", str(executions(tmp_path / "b.yaml", 1, 2000)), "--store", str(store))
    returned = datetime.now(timezone.utc)
    assert result.exit_code == 0, result.output
    history = open_store(str(store), create=False).history("DEMO-2021")
    stamps = {r.recorded_at for r in history[23:]}
    assert len(history) == 23 + 2000 and len(stamps) == 1  # one stamp for the whole transaction
    (stamp,) = stamps
    assert started < stamp <= returned  # taken while the write lock was held, before the commit returned
    assert history[22].recorded_at < stamp
