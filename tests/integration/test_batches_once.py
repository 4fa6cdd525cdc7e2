"""A batch is recorded once (issue 7, finding 4): applying the same batch again is refused
unless --again says so, and an interrupt after the commit never reports a failure.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, poa_command
from poa.cli.main import cli

SMALL = EXAMPLES / "small-2021.yaml"

# Moves 5,000.00 of operation 1.1.1.1 (TGN 100,000 + Otros 30,000 approved) from TGN to Otros.
TRANSFER = """\
plan: DEMO-2021
entries:
  - budget: {code: 1.1.1.1, source: TGN, amount: -5000, date: 2021-10-01, reference: RA 050/2021, reason: Traspaso}
  - budget: {code: 1.1.1.1, source: Otros, amount: 5000, date: 2021-10-01, reference: RA 050/2021, reason: Traspaso}
"""


def poa(*args: str):
    clean = {k: None for k in os.environ if k.startswith("POA_")}
    return CliRunner().invoke(cli, list(args), env={**clean, "POA_ACTOR": "tester"})


def events(db: Path) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]


def budget_of(db: Path, code: str) -> dict:
    report = json.loads(poa("report", "--store", str(db), "--format", "json").output)
    found = [e for level in ("strategic_actions", "short_term_actions", "operations") for e in report.get(level, []) if e["code"] == code]
    if not found:  # the nested layout: look through the tree
        def walk(items):
            for item in items:
                yield item
                for key in ("short_term_actions", "operations", "tasks", "children"):
                    yield from walk(item.get(key, []))
        found = [e for e in walk(report["strategic_actions"]) if e["code"] == code]
    return found[0]["budget"]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    db = tmp_path / "poa.db"
    assert poa("apply", str(SMALL), "--store", str(db)).exit_code == 0
    return db


def test_finding_4_the_same_batch_file_twice_is_refused_and_says_when(store, tmp_path):
    transfer = tmp_path / "transfer.yaml"
    transfer.write_text(TRANSFER)
    first = poa("apply", str(transfer), "--store", str(store))
    assert first.exit_code == 0, first.output
    assert budget_of(store, "1.1.1.1") == {"TGN": "95000.00", "Otros": "35000.00"}
    count = events(store)
    second = poa("apply", str(transfer), "--store", str(store))
    assert second.exit_code == 2
    stamp = json.loads(poa("history", "--store", str(store), "--format", "json").output)[-1]["recorded_at"]
    assert f"{transfer}: this same batch was already recorded in plan DEMO-2021 at {stamp} by tester (seq 24-25)" in second.output
    assert "--again" in second.output
    assert events(store) == count  # nothing stored: the transfer did not double
    assert budget_of(store, "1.1.1.1") == {"TGN": "95000.00", "Otros": "35000.00"}


def test_finding_4_again_records_it_once_more(store, tmp_path):
    transfer = tmp_path / "transfer.yaml"
    transfer.write_text(TRANSFER)
    assert poa("apply", str(transfer), "--store", str(store)).exit_code == 0
    again = poa("apply", str(transfer), "--again", "--store", str(store))
    assert again.exit_code == 0, again.output
    assert budget_of(store, "1.1.1.1") == {"TGN": "90000.00", "Otros": "40000.00"}
    third = poa("apply", str(transfer), "--store", str(store))
    assert third.exit_code == 2 and "already recorded in plan DEMO-2021 2 times, last at" in third.output


def test_finding_4_the_same_entries_written_otherwise_are_the_same_batch(store, tmp_path):
    """The batch id is the content: JSON or YAML, key order, 5000 or 5000.00, comments make no difference."""
    (tmp_path / "transfer.yaml").write_text(TRANSFER)
    assert poa("apply", str(tmp_path / "transfer.yaml"), "--store", str(store)).exit_code == 0
    as_json = {"plan": "DEMO-2021", "entries": [
        {"budget": {"reason": "Traspaso", "reference": "RA 050/2021", "date": "2021-10-01", "amount": "-5000.00", "source": "TGN", "code": "1.1.1.1"}},
        {"budget": {"amount": 5000.0, "code": "1.1.1.1", "source": "Otros", "date": "2021-10-01", "reference": "RA 050/2021", "reason": "Traspaso"}},
    ]}
    (tmp_path / "transfer.json").write_text(json.dumps(as_json))
    result = poa("apply", str(tmp_path / "transfer.json"), "--store", str(store))
    assert result.exit_code == 2 and "this same batch was already recorded" in result.output


def test_finding_4_a_single_entry_command_is_a_batch_too(store):
    args = ("budget", "--code", "1.1.1.1", "--source", "TGN", "--amount", "-100", "--date", "2021-10-02",
            "--reference", "RA 051/2021", "--reason", "Ajuste", "--store", str(store))
    assert poa(*args).exit_code == 0
    repeated = poa(*args)
    assert repeated.exit_code == 2 and repeated.output.startswith("Error: this same batch was already recorded")
    assert poa(*args, "--again").exit_code == 0
    assert budget_of(store, "1.1.1.1")["TGN"] == "99800.00"


def test_finding_4_other_entries_or_another_plan_are_other_batches(store, tmp_path):
    (tmp_path / "t1.yaml").write_text(TRANSFER)
    (tmp_path / "t2.yaml").write_text(TRANSFER.replace("2021-10-01", "2021-10-02"))
    assert poa("apply", str(tmp_path / "t1.yaml"), "--store", str(store)).exit_code == 0
    assert poa("apply", str(tmp_path / "t2.yaml"), "--store", str(store)).exit_code == 0
    assert budget_of(store, "1.1.1.1") == {"TGN": "90000.00", "Otros": "40000.00"}


def test_finding_4_a_rule_refusal_is_reported_before_the_repetition(store):
    """Re-applying the approval itself says the plan is approved already, the rule it breaks."""
    result = poa("apply", str(SMALL), "--store", str(store))
    assert result.exit_code == 2 and "plan DEMO-2021 is already approved" in result.output


# -- Ctrl-C ------------------------------------------------------------------------------


def big_batch(path: Path, size: int, tag: str) -> Path:
    lines = ["plan: DEMO-2021", "entries:"] + [
        f"  - execution: {{code: 1.2.1.1, amount: {i}, date: 2021-11-30, source: {tag}}}" for i in range(1, size + 1)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def start_apply(batch: Path, store: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POA_")}
    env.update(POA_STORE=str(store), POA_ACTOR="tester")
    return subprocess.Popen([*poa_command(), "apply", str(batch)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_finding_4_an_interrupt_after_the_commit_reports_success(store, tmp_path):
    """SIGINT sent the moment the batch's rows appear in the store: the command must say it
    recorded them and exit 0 (it used to print "Aborted!" and exit 1 with the batch stored)."""
    before = events(store)
    for attempt, size in enumerate((5000, 10000, 20000)):
        process = start_apply(big_batch(tmp_path / f"big{attempt}.yaml", size, f"S{attempt}"), store)
        with sqlite3.connect(store, timeout=30) as reader:
            while process.poll() is None and reader.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0] == before:
                time.sleep(0.001)
        running = process.poll() is None
        if running:
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
        assert "Traceback" not in err and "Aborted" not in err, err
        assert process.returncode == 0, err
        assert f"DEMO-2021: {size} entries recorded" in err
        before += size
        assert events(store) == before
        if running:
            return
    pytest.fail("the interrupt never reached the command between its commit and its end")


def test_finding_4_an_interrupt_before_the_commit_stores_nothing(store, tmp_path):
    before = events(store)
    process = start_apply(big_batch(tmp_path / "big.yaml", 20000, "S9"), store)
    time.sleep(0.8)  # started, reading and checking the batch; far from its commit
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err
    if process.returncode == 0:  # the machine was fast enough to commit first: then all of it
        assert events(store) == before + 20000
    else:
        assert process.returncode in (1, 130) and events(store) == before, err
