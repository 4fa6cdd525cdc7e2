"""Several OS processes writing to ONE SQLite store at the same time.

- the real CLI (`poa apply` in subprocesses) applying batches of progress entries concurrently;
- processes running `Ledger.record`, synchronised on a barrier between loading the plan and saving
  it, so that every round is a real version conflict that must be retried;
- processes racing to approve the same new plan: exactly one wins, the others exit 2.

Afterwards every batch is stored exactly once and contiguously, seq numbers are 1..N without
gaps, every event of a batch carries its transaction's one stamp, and stamps strictly increase
from one batch to the next.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import poa_command
from poa.adapters.store import Command, CommandError, Ledger, open_ledger
from poa.domain.entries import parse_entry

KEY = "CC-2021"
CODES = ["1.1", "1.2", "2.1", "1.1.1", "1.2.1", "2.1.1"]
DATES = ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]
APPROVAL = {"approve": {
    "entity": "Entidad Concurrente", "year": 2021, "date": "2021-01-04", "reference": "RA 1/2021",
    "strategic_actions": [{"code": "1", "title": "AEI 1"}, {"code": "2", "title": "AEI 2"}],
    "short_term_actions": [
        {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": 50},
        {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": 30},
        {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": 20},
    ],
    "operations": [
        {"code": "1.1.1", "parent": "1.1", "title": "Op", "budget": {"TGN": 1000}},
        {"code": "1.2.1", "parent": "1.2", "title": "Op", "budget": {"TGN": 2000}},
        {"code": "2.1.1", "parent": "2.1", "title": "Op", "budget": {"Otros": 500}},
    ],
}}


def batch_entries(writer: int, batch: int, size: int) -> list[dict]:
    """Distinct progress entries; the note says which writer, batch and entry each one is."""
    return [
        {"progress": {"code": CODES[(writer + batch + i) % len(CODES)], "percent": (writer * 7 + batch * 3 + i) % 101,
                      "date": DATES[(batch + i) % len(DATES)], "note": f"w{writer}-b{batch}-e{i}"}}
        for i in range(size)
    ]


def cli_env(store: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POA_", "PLANLEDGER_"))}
    env.update(POA_STORE=str(store), POA_ACTOR="tester")
    return env


def write_batch(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps({"plan": KEY, "entries": entries}))
    return path


def check_store(store: Path, expected: dict[str, list[str]]) -> list:
    """Every batch stored exactly once, contiguously and in order; seq 1..N; recorded_at increasing."""
    ledger = open_ledger(str(store), create=False)
    history = ledger.history(KEY)
    total = 1 + sum(len(notes) for notes in expected.values())
    assert len(history) == total
    assert [r.seq for r in history] == list(range(1, total + 1))
    assert all(a.recorded_at <= b.recorded_at for a, b in zip(history, history[1:]))
    # one stamp per transaction: a batch's events share it, the next batch's is later
    stamps = sorted({r.recorded_at for r in history})
    assert len(stamps) == 1 + len(expected)
    # the whole store holds exactly these events (nothing for another aggregate, nothing twice)
    notifications = ledger.recorder.select_notifications(1, 10_000)
    assert len(notifications) == total
    notes = [r.fact.note for r in history[1:]]
    assert sorted(notes) == sorted(n for batch in expected.values() for n in batch)
    assert len(set(notes)) == len(notes)
    position = {note: i for i, note in enumerate(notes)}
    for name, batch in expected.items():
        first = position[batch[0]]
        assert notes[first:first + len(batch)] == batch, f"batch {name} is not stored contiguously in order"
    ledger.close()
    return history


# -- the real CLI, several processes ----------------------------------------------------------


def test_concurrent_cli_apply_stores_every_batch_exactly_once(tmp_path):
    store = tmp_path / "poa.db"
    env = cli_env(store)
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
    events = json.loads(shown.stdout)
    assert [e["seq"] for e in events] == list(range(1, len(history) + 1))
    assert [e["recorded_at"] for e in events] == sorted(e["recorded_at"] for e in events)


# -- Ledger.record in several processes, forced to conflict on every round ----------------------


def _conflicting_writer(store: str, writer: int, batches: int, size: int, barrier, results) -> None:
    """Runs in a child process: each batch's first attempt waits for all writers after loading the plan,
    so all of them try to save the same version; the losers must reload, re-validate and retry."""
    state = {"first": False, "attempts": 0}
    original = Ledger._execute

    def execute_then_wait(self, batch, *args):
        plans = original(self, batch, *args)
        state["attempts"] += 1
        if state["first"]:
            state["first"] = False
            barrier.wait(timeout=30)
        return plans

    Ledger._execute = execute_then_wait  # this child's copy only
    ledger = open_ledger(store, create=True)
    for b in range(batches):
        state["first"] = True
        commands = [Command(KEY, parse_entry(e), f"writer-{writer}", f"w{writer}-b{b}", i)
                    for i, e in enumerate(batch_entries(writer, b, size), 1)]
        ledger.record(commands)
    results.put((writer, state["attempts"]))


def test_conflicting_writers_retry_and_store_every_batch_exactly_once(tmp_path):
    store = tmp_path / "poa.db"
    setup = open_ledger(str(store), create=True)
    setup.record([Command(KEY, parse_entry(APPROVAL), "tester", "setup", 1)])
    setup.close()

    writers, batches, size = 3, 6, 3
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    procs = [ctx.Process(target=_conflicting_writer, args=(str(store), w, batches, size, barrier, results))
             for w in range(writers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    attempts = dict(results.get(timeout=5) for _ in procs)

    expected = {f"w{w}-b{b}": [e["progress"]["note"] for e in batch_entries(w, b, size)]
                for w in range(writers) for b in range(batches)}
    history = check_store(store, expected)
    # every round, all writers loaded the same version: at most one could save it; each loser retried
    assert sum(attempts.values()) >= writers * batches + (writers - 1) * batches, attempts
    # each batch's actor is the writer that sent it
    for r in history[1:]:
        assert r.actor == f"writer-{r.fact.note[1]}"


# -- racing to approve the same new plan ----------------------------------------------------------


@pytest.mark.parametrize("fresh_store", [False, True], ids=["existing-store", "new-store-file"])
def test_cli_processes_racing_to_approve_the_same_plan(tmp_path, fresh_store):
    store = tmp_path / "poa.db"
    env = cli_env(store)
    if not fresh_store:
        open_ledger(str(store), create=True).close()  # the store file exists, the plan does not
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
    history = open_ledger(str(store), create=False).history(KEY)
    assert len(history) == 1 and history[0].fact == parse_entry(APPROVAL)


def _approving_cli(store: str, batch: str, errfile: str, barrier) -> None:
    """Runs in a child process: the real `poa apply` command, made to wait for the other racer
    after checking that the plan does not exist yet and before saving it."""
    from poa.cli.main import cli

    original = Ledger._execute
    state = {"first": True}

    def execute_then_wait(self, commands, *args):
        plans = original(self, commands, *args)
        if state["first"]:
            state["first"] = False
            barrier.wait(timeout=30)
        return plans

    Ledger._execute = execute_then_wait
    sys.stderr = open(errfile, "w")
    os.environ.update(POA_STORE=store, POA_ACTOR="racer")
    try:
        cli.main(["apply", batch], prog_name="poa")  # exits through SystemExit with the command's status
    finally:
        sys.stderr.flush()


def test_forced_race_to_approve_exactly_one_wins_the_other_exits_2(tmp_path):
    store = tmp_path / "poa.db"
    open_ledger(str(store), create=True).close()
    approve = write_batch(tmp_path / "approve.json", [APPROVAL])
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    errs = [tmp_path / f"err{i}.txt" for i in range(2)]
    procs = [ctx.Process(target=_approving_cli, args=(str(store), str(approve), str(errs[i]), barrier)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    codes = [p.exitcode for p in procs]
    assert sorted(codes) == [0, 2], (codes, [e.read_text() for e in errs])
    loser = errs[codes.index(2)].read_text()
    assert "already approved" in loser and "Traceback" not in loser
    history = open_ledger(str(store), create=False).history(KEY)
    assert len(history) == 1


def test_forced_race_to_approve_through_the_ledger(tmp_path):
    """Same race through `Ledger.record`: the loser's retry re-validates and refuses the second approval."""
    store = tmp_path / "poa.db"
    open_ledger(str(store), create=True).close()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()

    def racer(name):
        original = Ledger._execute
        state = {"first": True}

        def execute_then_wait(self, commands, *args):
            plans = original(self, commands, *args)
            if state["first"]:
                state["first"] = False
                barrier.wait(timeout=30)
            return plans

        Ledger._execute = execute_then_wait
        ledger = open_ledger(str(store), create=True)
        try:
            ledger.record([Command(KEY, parse_entry(APPROVAL), name, "race", 1)])
            results.put((name, "ok"))
        except CommandError as error:
            results.put((name, str(error)))

    procs = [ctx.Process(target=racer, args=(f"r{i}",)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0]
    outcomes = dict(results.get(timeout=5) for _ in procs)
    assert sorted(outcomes.values(), key=lambda v: v != "ok")[0] == "ok"
    refused = [v for v in outcomes.values() if v != "ok"]
    assert len(refused) == 1 and "already approved" in refused[0], outcomes
    history = open_ledger(str(store), create=False).history(KEY)
    assert len(history) == 1
    winner = next(name for name, v in outcomes.items() if v == "ok")
    assert history[0].actor == winner


# -- a writer waiting for the store's lock ----------------------------------------------------------


def test_a_report_as_known_at_a_past_moment_never_changes(tmp_path):
    """SPEC §3: recorded_at is set by the system *when the fact is stored*; §1: an auditor sees what a
    report said when it was issued. So once a moment T has passed, the evaluation as known at T is
    fixed: a fact stored after T must have recorded_at > T.

    Here another connection holds the store's write lock while `poa apply` runs in a subprocess; the
    apply waits for the lock (up to POA_LOCK_TIMEOUT), and commits only after T.
    """
    import sqlite3
    import time
    from datetime import date, datetime, timezone

    from poa.projections.evaluation import evaluate

    store = tmp_path / "poa.db"
    setup = open_ledger(str(store), create=True)
    setup.record([Command(KEY, parse_entry(APPROVAL), "tester", "setup", 1)])
    setup.close()
    batch = write_batch(tmp_path / "progress.json",
                        [{"progress": {"code": "1.1", "percent": 40, "date": "2021-06-30"}}])

    lock = sqlite3.connect(str(store), isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    writer = subprocess.Popen([*poa_command(), "apply", str(batch)], env=cli_env(store),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.0)  # the apply has started, validated its entry and is waiting for the lock
        assert writer.poll() is None, writer.stderr.read()
        issued_at = datetime.now(timezone.utc)  # a report is issued now, as known now
        as_of = date(2021, 12, 31)
        reader = open_ledger(str(store), create=False)
        then = evaluate(KEY, reader.history(KEY), as_of, issued_at)
        reader.close()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err

    history = open_ledger(str(store), create=False).history(KEY)
    assert len(history) == 2
    stored = history[1]
    # the progress was stored after the report was issued ...
    assert then.element("1.1").progress == 0
    # ... so as known at that moment, it must still not be there
    again = evaluate(KEY, history, as_of, issued_at)
    assert again.element("1.1").progress == then.element("1.1").progress, (
        f"the report as known at {issued_at.isoformat()} changed after the fact: a fact stored after that "
        f"moment carries recorded_at {stored.recorded_at.isoformat()}"
    )
    assert stored.recorded_at > issued_at
