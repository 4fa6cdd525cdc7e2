"""A batch is recorded once (issue 7, finding 4): applying the same batch again is refused
unless --again says so. The CLI runs in-process on `store` (conftest: a fresh copy of a
store holding examples/small-2021.yaml); that an interrupt after the commit never reports
a failure needs a real process and a real signal: tests/e2e/test_interrupts.py.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from support.builders import SMALL, count_events as events
from support.runners import invoke

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

# Moves 5,000.00 of operation 1.1.1.1 (TGN 100,000 + Otros 30,000 approved) from TGN to Otros.
TRANSFER = """\
plan: DEMO-2021
entries:
  - budget: {code: 1.1.1.1, source: TGN, amount: -5000, date: 2021-10-01, reference: RA 050/2021, reason: Traspaso}
  - budget: {code: 1.1.1.1, source: Otros, amount: 5000, date: 2021-10-01, reference: RA 050/2021, reason: Traspaso}
"""


def poa(*args: str):
    return invoke(*args)


def budget_of(db: Path | str, code: str) -> dict:
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


def test_finding_4_the_same_batch_file_twice_is_refused_and_says_when(store, tmp_path):
    transfer = tmp_path / "transfer.yaml"
    transfer.write_text(TRANSFER)
    first = poa("apply", str(transfer), "--store", str(store))
    assert first.exit_code == 0, first.output
    assert budget_of(store, "1.1.1.1") == {"TGN": "95000.00", "Otros": "35000.00"}
    count = events(store)
    second = poa("apply", str(transfer), "--store", str(store))
    assert second.exit_code == 2
    recorded_at = json.loads(poa("history", "--store", str(store), "--format", "json").output)["events"][-1]["recorded_at"]
    stamp = datetime.fromisoformat(recorded_at).isoformat()  # the message says it as Python does (+00:00)
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
