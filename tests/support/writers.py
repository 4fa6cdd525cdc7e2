"""Writers' scenarios shared by an integration file and its e2e counterpart: the data and the
checks, written once.

- plan CC-2021 and its batches of progress entries, for concurrent writers
  (tests/integration/test_concurrency.py, tests/e2e/test_concurrent_processes.py);
- large batches of executions of DEMO-2021's operation 1.2.1.1, for "recorded time is
  commit time" (tests/integration/test_commit_time.py, tests/e2e/test_concurrent_processes.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from support.builders import open_store

# -- concurrent writers: plan CC-2021 ------------------------------------------------------

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


def write_batch(path: Path, entries: list[dict]) -> Path:
    path.write_text(json.dumps({"plan": KEY, "entries": entries}))
    return path


def check_store(store: Path, expected: dict[str, list[str]]) -> list:
    """Every batch stored exactly once, contiguously and in order; seq 1..N; recorded_at increasing."""
    ledger = open_store(str(store), create=False)
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


# -- recorded time is commit time: large batches of DEMO-2021 ----------------------------------


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
