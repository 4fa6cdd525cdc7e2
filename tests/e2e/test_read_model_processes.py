"""`poa project` as a real process: killed mid-way (SIGKILL) then re-run, and `--watch` following a
batch recorded while it runs, stopped by Ctrl-C (SIGINT). Waits poll the read model; nothing is timed."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from poa.adapters import use_cases as uc

from support.builders import SMALL, count_events, progress
from support.read_model import dirty, facts_by_plan, position, snapshot
from support.runners import poa_command, process_env

PLANS = 12


def store_of_many_plans(folder: Path) -> Path:
    """A store holding examples/small-2021.yaml as PLANS plans (23 events each)."""
    store = folder / "poa.db"
    text = SMALL.read_text()
    files = []
    for n in range(PLANS):
        batch = folder / f"plan-{n}.yaml"
        batch.write_text(text.replace("plan: DEMO-2021", f"plan: DEMO{n:02}-2021"))
        files.append(str(batch))
    uc.apply(str(store), files)
    return store


def until(condition, what: str, deadline: float = 60.0):
    """Poll `condition()` until it is true (the deadline only keeps a broken run from hanging)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


def tracked(db: Path) -> int:
    try:
        return position(db) if db.exists() else 0
    except Exception:  # noqa: BLE001 - the schema is still being created
        return 0


def test_a_killed_poa_project_then_a_rerun_loses_and_doubles_nothing(tmp_path):
    store = store_of_many_plans(tmp_path)
    total = count_events(store)
    db = tmp_path / "poa-read.db"
    process = subprocess.Popen([*poa_command(), "project", "--store", str(store), "--page-size", "3"],
                               env=process_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    until(lambda: tracked(db) > 0, "a first page committed")
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    killed_at = position(db)
    assert killed_at < total or dirty(db), "the kill landed after the end: no crash was tested"
    rerun = subprocess.run([*poa_command(), "project", "--store", str(store)], env=process_env(),
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f": {total - killed_at} new event" in rerun.stderr
    assert facts_by_plan(db) == {f"DEMO{n:02}-2021": list(range(1, 24)) for n in range(PLANS)}
    assert (position(db), dirty(db)) == (total, [])
    uc.project(str(store), str(tmp_path / "rebuilt.db"), rebuild=True)
    assert snapshot(db) == snapshot(tmp_path / "rebuilt.db")


def test_watch_follows_a_batch_recorded_while_it_runs_and_stops_on_ctrl_c(store, tmp_path):
    db = tmp_path / "poa-read.db"
    process = subprocess.Popen([*poa_command(), "project", "--store", str(store), "--watch", "--interval", "0.1"],
                               env=process_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        until(lambda: tracked(db) == 23, "the existing events projected")
        uc.record_entry(str(store), "DEMO-2021", "progress", progress("1.1.2.1", 95, "2021-12-31")["progress"])
        until(lambda: tracked(db) == 24 and not dirty(db), "the new event projected")
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    lines = err.splitlines()
    assert lines[0] == f"{db}: 23 new events, 1 plan recomputed (position 23)."
    assert lines[1] == f"{db}: 1 new event, 1 plan recomputed (position 24)."
    assert lines[-1] == f"{db}: stopped watching (24 events projected, position 24)."
    assert "Traceback" not in err and out == ""
    assert facts_by_plan(db) == {"DEMO-2021": list(range(1, 25))}


def test_a_progress_bar_on_a_terminal_and_none_when_piped(tmp_path):
    """On a terminal (a pseudo-terminal here) rich draws the bar on standard error: its label and
    the count of events; piped, standard error holds the one summary line and nothing else."""
    import os
    import pty

    store = store_of_many_plans(tmp_path)
    total = count_events(store)
    piped = subprocess.run([*poa_command(), "project", "--store", str(store), "--db", str(tmp_path / "piped.db"),
                            "--page-size", "10"], env=process_env(), capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr.splitlines() == [f"{tmp_path / 'piped.db'}: {total} new events, {PLANS} plans recomputed (position {total})."]

    leader, follower = pty.openpty()
    process = subprocess.Popen([*poa_command(), "project", "--store", str(store), "--db", str(tmp_path / "tty.db"),
                                "--page-size", "10"], env={**process_env(), "TERM": "xterm", "COLUMNS": "100"},
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait(timeout=120) == 0
    text = shown.decode("utf-8", "replace")
    assert "events" in text and f"/{total}" in text, text[-500:]  # the bar: label and done/total
    assert "\x1b[" in text  # drawn with terminal escapes, then erased (transient)
    assert f"{total} new events, {PLANS} plans recomputed" in text
