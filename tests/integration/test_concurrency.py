"""Several OS processes writing to ONE store (SQLite, and PostgreSQL) at the same time, through the ledger.

- processes running `Ledger.record`, synchronised on a barrier between loading the plan and saving
  it, so that every round is a real version conflict that must be retried;
- two processes racing to approve the same new plan, through the CLI's click command (forked
  children running it in-process) and through `Ledger.record`: exactly one wins.

Afterwards every batch is stored exactly once and contiguously, seq numbers are 1..N without
gaps, every event of a batch carries its transaction's one stamp, and stamps strictly increase
from one batch to the next. The same through the real console script (concurrent `poa apply`
processes, processes racing to approve, a writer waiting for the lock) is in
tests/e2e/test_concurrent_processes.py.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from datetime import date

import pytest

from poa.projections.evaluation import evaluate
from support.builders import FAR, Command, CommandError, Ledger, memory_ledger, open_store, parse_entry, record
from support.writers import APPROVAL, KEY, batch_entries, check_store, write_batch

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL


def history_of(store: str) -> list:
    """Plan CC-2021's history, read back through a ledger opened (and closed) for it."""
    ledger = open_store(store, create=False)
    try:
        return ledger.history(KEY)
    finally:
        ledger.close()


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
    ledger = open_store(store, create=True)
    for b in range(batches):
        state["first"] = True
        commands = [Command(KEY, parse_entry(e), f"writer-{writer}", f"w{writer}-b{b}", i)
                    for i, e in enumerate(batch_entries(writer, b, size), 1)]
        ledger.record(commands)
    ledger.close()
    results.put((writer, state["attempts"]))


def test_conflicting_writers_retry_and_store_every_batch_exactly_once(store_name):
    store = store_name
    setup = open_store(store, create=True)
    setup.record([Command(KEY, parse_entry(APPROVAL), "tester", "setup", 1)])
    setup.close()

    writers, batches, size = 3, 6, 3
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    procs = [ctx.Process(target=_conflicting_writer, args=(store, w, batches, size, barrier, results))
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
    # the figures are those of the same batches recorded one after the other, in the order stored
    order = list(dict.fromkeys(r.fact.note.rsplit("-", 1)[0] for r in history[1:]))
    sequential = memory_ledger()
    record(sequential, KEY, APPROVAL)
    for name in order:
        w, b = (int(part[1:]) for part in name.split("-"))
        record(sequential, KEY, *batch_entries(w, b, size), actor=f"writer-{w}")
    concurrent, alone = (evaluate(KEY, h, date(2021, 12, 31), FAR) for h in (history, sequential.history(KEY)))
    assert concurrent.summary == alone.summary
    assert concurrent.elements() == alone.elements()


def _wait_once_before_saving(barrier) -> None:
    """In a child process: the first batch, once validated and before it is saved, waits for the
    other racer at the barrier, so that both try to save against the same version."""
    original = Ledger._execute
    state = {"first": True}

    def execute_then_wait(self, commands, *args):
        plans = original(self, commands, *args)
        if state["first"]:
            state["first"] = False
            barrier.wait(timeout=30)
        return plans

    Ledger._execute = execute_then_wait  # this child's copy only


def _approving_cli(store: str, batch: str, errfile: str, barrier) -> None:
    """Runs in a child process: the real `poa apply` command, made to wait for the other racer
    after checking that the plan does not exist yet and before saving it."""
    from poa.cli.main import cli

    _wait_once_before_saving(barrier)
    sys.stderr = open(errfile, "w")
    os.environ.update(POA_STORE=store, POA_ACTOR="racer")
    try:
        cli.main(["apply", batch], prog_name="poa")  # exits through SystemExit with the command's status
    finally:
        sys.stderr.flush()


def test_forced_race_to_approve_exactly_one_wins_the_other_exits_2(store_name, tmp_path):
    store = store_name
    open_store(store, create=True).close()
    approve = write_batch(tmp_path / "approve.json", [APPROVAL])
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    errs = [tmp_path / f"err{i}.txt" for i in range(2)]
    procs = [ctx.Process(target=_approving_cli, args=(store, str(approve), str(errs[i]), barrier)) for i in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    codes = [p.exitcode for p in procs]
    assert sorted(codes) == [0, 2], (codes, [e.read_text() for e in errs])
    loser = errs[codes.index(2)].read_text()
    assert "already approved" in loser and "Traceback" not in loser
    assert len(history_of(store)) == 1


def test_forced_race_to_approve_through_the_ledger(store_name):
    """Same race through `Ledger.record`: the loser's retry re-validates and refuses the second approval."""
    store = store_name
    open_store(store, create=True).close()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()

    def racer(name):
        _wait_once_before_saving(barrier)
        ledger = open_store(store, create=True)
        try:
            ledger.record([Command(KEY, parse_entry(APPROVAL), name, "race", 1)])
            results.put((name, "ok"))
        except CommandError as error:
            results.put((name, str(error)))
        finally:
            ledger.close()

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
    history = history_of(store)
    assert len(history) == 1
    winner = next(name for name, v in outcomes.items() if v == "ok")
    assert history[0].actor == winner


# -- opening a store while another process writes to it ----------------------------------------


def _steady_writer(store: str, batches: int, done) -> None:
    ledger = open_store(store, create=True)
    for b in range(batches):
        ledger.record([Command(KEY, parse_entry(e), "writer", f"b{b}", i) for i, e in enumerate(batch_entries(9, b, 2), 1)])
    ledger.close()
    done.set()


def test_a_store_being_written_is_never_taken_for_a_damaged_one(store_name):
    """Opening a store checks that its rows are those its commits recorded; a commit landing
    between reading the rows and reading the record must not look like damage. (On PostgreSQL the
    check is one statement, so one snapshot; it is held to the same promise all the same.)"""
    store = store_name
    setup = open_store(store, create=True)
    setup.record([Command(KEY, parse_entry(APPROVAL), "tester", "setup", 1)])
    setup.close()
    ctx = multiprocessing.get_context("fork")
    done = ctx.Event()
    writer = ctx.Process(target=_steady_writer, args=(store, 60, done))
    writer.start()
    opened = 0
    try:
        while not done.is_set():
            open_store(store, create=False).close()  # raises StoreDamaged if the check is torn
            opened += 1
    finally:
        writer.join(timeout=60)
    assert writer.exitcode == 0
    assert opened > 0
    assert len(history_of(store)) == 1 + 60 * 2
