"""Recorded time is commit time (issue 7, finding 3): a view "as known at T" includes every
event committed by T and none committed after, whatever the batch size and however many
writers and readers run; no stamp lies in the future.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import date, datetime, timezone
from pathlib import Path

from click.testing import CliRunner

from conftest import EXAMPLES, poa_command
from poa.adapters.store import open_ledger
from poa.cli.main import cli

SMALL = EXAMPLES / "small-2021.yaml"


def poa(*args: str):
    clean = {k: None for k in os.environ if k.startswith("POA_")}
    return CliRunner().invoke(cli, list(args), env={**clean, "POA_ACTOR": "tester"})


def executions(path: Path, first: int, size: int, year: int = 2021, day: str = "2021-11-30") -> Path:
    """Executions of operation 1.2.1.1 at one date, amounts first .. first + size - 1: the
    latest recorded one is the executed budget, so a report shows how much of the batch it sees."""
    lines = [f"plan: DEMO-{year}", "entries:"] + [
        f"  - execution: {{code: 1.2.1.1, amount: {amount}, date: {day}}}" for amount in range(first, first + size)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def executed_1211(output: str) -> str:
    report = json.loads(output)
    (operation,) = [o for o in report["operations"] if o["code"] == "1.2.1.1"]
    return operation["budget_executed"]


def test_finding_3_a_batch_has_one_stamp_taken_at_commit_never_in_the_future(tmp_path):
    store = tmp_path / "poa.db"
    assert poa("apply", str(SMALL), "--store", str(store)).exit_code == 0
    started = datetime.now(timezone.utc)
    result = poa("apply", str(executions(tmp_path / "b.yaml", 1, 2000)), "--store", str(store))
    returned = datetime.now(timezone.utc)
    assert result.exit_code == 0, result.output
    history = open_ledger(str(store), create=False).history("DEMO-2021")
    stamps = {r.recorded_at for r in history[23:]}
    assert len(history) == 23 + 2000 and len(stamps) == 1  # one stamp for the whole transaction
    (stamp,) = stamps
    assert started < stamp <= returned  # taken while the write lock was held, before the commit returned
    assert history[22].recorded_at < stamp


def test_finding_3_a_view_as_known_at_a_moment_never_changes_while_large_batches_are_written(tmp_path):
    """A writer process applies large batches while this process reads the report as known at
    `now` over and over; afterwards every one of those moments gives the same figure again."""
    # the small example moved to this year, so that today's records are not late (short reports)
    today = date.today()
    example = tmp_path / "this-year.yaml"
    example.write_text(SMALL.read_text().replace("2021", str(today.year)))
    store = tmp_path / "poa.db"
    assert poa("apply", str(example), "--store", str(store)).exit_code == 0
    before = executed_1211(poa("report", "--store", str(store), "--format", "json").output)
    batches = [executions(tmp_path / f"b{i}.yaml", 2000 * i + 1, 2000, today.year, today.isoformat()) for i in range(3)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("POA_")}
    env.update(POA_STORE=str(store), POA_ACTOR="writer")
    script = " && ".join(" ".join([*poa_command(), "apply", str(b)]) for b in batches)
    writer = subprocess.Popen(script, shell=True, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[tuple[str, str]] = []
    while writer.poll() is None:
        moment = datetime.now(timezone.utc).isoformat()
        result = poa("report", "--store", str(store), "--known-at", moment, "--format", "json")
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
    for moment, figure in seen:
        again = poa("report", "--store", str(store), "--known-at", moment, "--format", "json")
        assert executed_1211(again.output) == figure, moment
