"""Several real `poa` processes (the console script) on ONE store at the same time.

- `poa apply` in concurrent processes: every batch stored exactly once (issue 7, finding 4),
  on one SQLite file and on one PostgreSQL database (many operators, issue 10);
- processes racing to approve the same new plan: exactly one wins, the others exit 2;
- a `poa apply` waiting for another connection's write lock commits after a report issued in
  the meantime, and that report, as known at its moment, never changes (finding 3);
- a writer process applying large batches while this process reads the report as known at
  `now`, over and over: every one of those moments gives the same figure again (finding 3).

The in-process counterparts (forked writers through the ledger) are in
tests/integration/test_concurrency.py and tests/integration/test_commit_time.py.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from datetime import date, datetime, timezone

import pytest

from poa.projections.evaluation import evaluate
from support.builders import SMALL, Command, open_store, parse_entry
from support.runners import invoke, poa_command, process_env
from support.writers import APPROVAL, KEY, batch_entries, check_store, executed_1211, executions, write_batch


# -- the real CLI, several processes ----------------------------------------------------------


@pytest.mark.both_stores  # many operators on one PostgreSQL database, as on one SQLite file
def test_concurrent_cli_apply_stores_every_batch_exactly_once(tmp_path, store_name):
    store = store_name
    env = process_env(store)
    approve = write_batch(tmp_path / "approve.json", [APPROVAL])
    done = subprocess.run([*poa_command(), "apply", str(approve)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr

    writers, batches, size = 4, 3, 4
    expected: dict[str, list[str]] = {}
    procs = []
    poa = " ".join(poa_command())
    for w in range(writers):
        files = []
        for b in range(batches):
            entries = batch_entries(w, b, size)
            expected[f"w{w}-b{b}"] = [e["progress"]["note"] for e in entries]
            files.append(write_batch(tmp_path / f"w{w}-b{b}.json", entries))
        # one OS process per writer, applying its batches one after the other
        script = " && ".join(f"{poa} apply {f}" for f in files)
        procs.append(subprocess.Popen(["sh", "-c", script], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True))
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "Traceback" not in err

    history = check_store(store, expected)
    # and the CLI's own history view agrees: seq 1..N in recorded order
    shown = subprocess.run([*poa_command(), "history", "--format", "json"], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    events = json.loads(shown.stdout)["events"]
    assert [e["seq"] for e in events] == list(range(1, len(history) + 1))
    times = [datetime.fromisoformat(e["recorded_at"]) for e in events]  # compared as times, not as texts
    assert times == sorted(times)


# -- racing to approve the same new plan ----------------------------------------------------------


@pytest.mark.both_stores  # on PostgreSQL a new store is a schema the racers create at the same time
@pytest.mark.parametrize("fresh_store", [False, True], ids=["existing-store", "new-store"])
def test_cli_processes_racing_to_approve_the_same_plan(tmp_path, fresh_store, store_name):
    store = store_name
    env = process_env(store)
    if not fresh_store:
        open_store(str(store), create=True).close()  # the store file exists, the plan does not
    approve = write_batch(tmp_path / "approve.json", [APPROVAL])
    racers = [subprocess.Popen([*poa_command(), "apply", str(approve)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outcomes = [(p.wait(timeout=60), p.stderr.read()) for p in racers]
    for p in racers:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2, 2, 2], outcomes
    for code, err in outcomes:
        if code == 2:
            assert "already approved" in err, err
            assert "Traceback" not in err
    history = open_store(str(store), create=False).history(KEY)
    assert len(history) == 1 and history[0].fact == parse_entry(APPROVAL)


# -- a writer waiting for the store's lock ----------------------------------------------------------


def test_a_report_as_known_at_a_past_moment_never_changes(tmp_path):
    """SPEC §3: recorded_at is set by the system *when the fact is stored*; §1: an auditor sees what a
    report said when it was issued. So once a moment T has passed, the evaluation as known at T is
    fixed: a fact stored after T must have recorded_at > T.

    Here another connection holds the store's write lock while `poa apply` runs in a subprocess; the
    apply waits for the lock (up to POA_LOCK_TIMEOUT), and commits only after T.
    """
    store = tmp_path / "poa.db"
    setup = open_store(str(store), create=True)
    setup.record([Command(KEY, parse_entry(APPROVAL), "tester", "setup", 1)])
    setup.close()
    batch = write_batch(tmp_path / "progress.json",
                        [{"progress": {"code": "1.1", "percent": 40, "date": "2021-06-30"}}])

    lock = sqlite3.connect(str(store), isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    writer = subprocess.Popen([*poa_command(), "apply", str(batch)], env=process_env(store),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.0)  # the apply has started, validated its entry and is waiting for the lock
        assert writer.poll() is None, writer.stderr.read()
        issued_at = datetime.now(timezone.utc)  # a report is issued now, as known now
        as_of = date(2021, 12, 31)
        reader = open_store(str(store), create=False)
        then = evaluate(KEY, reader.history(KEY), as_of, issued_at)
        reader.close()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err

    history = open_store(str(store), create=False).history(KEY)
    assert len(history) == 2
    stored = history[1]
    # the progress was stored after the report was issued ...
    assert then.element("1.1").progress_pct == 0
    # ... so as known at that moment, it must still not be there
    again = evaluate(KEY, history, as_of, issued_at)
    assert again.element("1.1").progress_pct == then.element("1.1").progress_pct, (
        f"the report as known at {issued_at.isoformat()} changed after the fact: a fact stored after that "
        f"moment carries recorded_at {stored.recorded_at.isoformat()}"
    )
    assert stored.recorded_at > issued_at


def test_finding_3_a_view_as_known_at_a_moment_never_changes_while_large_batches_are_written(tmp_path):
    """A writer process applies large batches while this process reads the report as known at
    `now` over and over; afterwards every one of those moments gives the same figure again."""
    # the small example moved to this year, so that today's records are not late (short reports)
    today = date.today()
    example = tmp_path / "this-year.yaml"
    example.write_text(SMALL.read_text().replace("2021", str(today.year)))
    store = tmp_path / "poa.db"
    assert invoke("apply", str(example), "--store", str(store)).exit_code == 0
    before = executed_1211(invoke("report", "--store", str(store), "--format", "json").output)
    batches = [executions(tmp_path / f"b{i}.yaml", 2000 * i + 1, 2000, today.year, today.isoformat()) for i in range(3)]
    env = process_env(store, actor="writer")
    script = " && ".join(" ".join([*poa_command(), "apply", str(b)]) for b in batches)
    writer = subprocess.Popen(script, shell=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[tuple[str, str]] = []
    while writer.poll() is None:
        moment = datetime.now(timezone.utc).isoformat()
        result = invoke("report", "--store", str(store), "--known-at", moment, "--format", "json")
        assert result.exit_code == 0, result.output
        seen.append((moment, executed_1211(result.output)))
        time.sleep(0.03)
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    time.sleep(0.01)
    figures = {figure for _, figure in seen}
    # read while writing: the reads saw at least two states of the ledger, each a whole number of batches
    assert len(seen) >= 5 and len(figures) >= 2, seen
    assert figures <= {before, "2000.00", "4000.00", "6000.00"}, figures
    # every moment around a change of state, and a dozen others spread over the run (each
    # report reads the whole history again: all of them would cost more than the writing)
    around = {j for i in range(1, len(seen)) if seen[i][1] != seen[i - 1][1] for j in (i - 1, i)}
    spread = set(range(0, len(seen), max(1, len(seen) // 12))) | {len(seen) - 1}
    for moment, figure in (seen[i] for i in sorted(around | spread)):
        again = invoke("report", "--store", str(store), "--known-at", moment, "--format", "json")
        assert executed_1211(again.output) == figure, moment
