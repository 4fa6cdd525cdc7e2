"""The worked example (plan WX-2021, described and worked out by hand in
tests/unit/test_worked_example.py), in four batches: recorded in memory for the fold
tests, and in a real store for the CLI (tests/integration/test_worked_example_cli.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from poa.domain.facts import Recorded
from poa.projections.evaluation import Evaluation, evaluate
from support.builders import execution, history_in_batches, open_store, progress, record

PLAN = "WX-2021"

APPROVAL = {
    "approve": {
        "entity": "Entidad del Ejemplo",
        "year": 2021,
        "date": "2021-01-04",
        "reference": "RA 001/2021",
        "strategic_actions": [
            {"code": "1", "title": "AEI uno", "sector_code": "6"},
            {"code": "2", "title": "AEI dos", "sector_code": "12"},
        ],
        "short_term_actions": [
            {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": "50"},
            {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": "20", "schedule": ["10", "40", "70", "100"]},
            {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": "20"},
            {"code": "2.2", "parent": "2", "title": "ACP 2.2", "weight": "10"},
        ],
        "operations": [
            {"code": "1.1.1", "parent": "1.1", "title": "Op 1.1.1", "weight": "3", "budget": {"TGN": "60000", "Otros": "20000"}},
            {"code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "weight": "1", "budget": {"TGN": "20000"}},
            {"code": "1.2.1", "parent": "1.2", "title": "Op 1.2.1", "budget": {"Otros": "50000"}},
            {"code": "1.2.2", "parent": "1.2", "title": "Op 1.2.2", "budget": {"TGN": "30000"}},
            {"code": "2.1.1", "parent": "2.1", "title": "Op 2.1.1", "weight": "1", "budget": {"TGN": "100000"}},
            {"code": "2.1.2", "parent": "2.1", "title": "Op 2.1.2", "weight": "1", "budget": {"Otros": "20000"}},
            {"code": "2.2.1", "parent": "2.2", "title": "Op 2.2.1", "budget": {"TGN": "10000"}},
        ],
        "tasks": [
            {"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea 1.1.1.1", "weight": "1"},
            {"code": "1.1.1.2", "parent": "1.1.1", "title": "Tarea 1.1.1.2", "weight": "3"},
        ],
    }
}


BATCH_A = [
    APPROVAL,
    progress("1.1.1.1", "100", "2021-03-31"),
    progress("1.1.1.2", "20", "2021-03-31"),
    progress("1.1.2", "20", "2021-03-31"),
    progress("1.2.1", "30", "2021-03-31"),
    progress("1.2.2", "10", "2021-03-31"),
    progress("2.1.1", "20", "2021-03-31"),
    execution("1.1.1", "10500", "2021-03-31", "TGN"),
    execution("1.1.1", "2000", "2021-03-31", "Otros"),
    execution("1.1.2", "5000", "2021-03-31"),
]

BATCH_B = [
    {"budget": {"code": "1.1.2", "source": "TGN", "amount": "-5000", "date": "2021-05-10",
                "reference": "RA 020/2021", "reason": "Traspaso a 1.1.1"}},
    {"budget": {"code": "1.1.1", "source": "TGN", "amount": "5000", "date": "2021-05-10",
                "reference": "RA 020/2021", "reason": "Traspaso desde 1.1.2"}},
    progress("1.1.1.2", "60", "2021-06-30"),
    progress("1.1.2", "50", "2021-06-30"),
    progress("1.2.1", "50", "2021-06-30"),
    progress("2.1.1", "80", "2021-06-30"),
    progress("2.1", "45", "2021-06-30"),  # directly on an ACP that has operations
    progress("2.2.1", "40", "2021-06-30"),
    execution("1.1.1", "30000", "2021-06-30", "TGN"),
    execution("1.1.2", "15000", "2021-06-30"),
    execution("1.2.2", "12000", "2021-06-30"),
    execution("2.1.1", "30000", "2021-06-30"),
    execution("2.1", "50000", "2021-06-30"),  # the ACP's own record
    execution("2.2.1", "4000", "2021-06-30", "TGN"),
]

BATCH_C = [
    {"reformulate": {
        "date": "2021-07-01", "reference": "RD 010/2021", "reason": "Nueva operación y reponderación",
        "changes": [
            {"add": {"kind": "operation", "code": "1.2.3", "parent": "1.2", "title": "Op 1.2.3",
                     "weight": "2", "budget": {"Otros": "10000"}}},
            {"budget": {"code": "1.2.1", "source": "Otros", "amount": "-10000"}},
            {"update": {"code": "1.1", "weight": "40"}},
            {"update": {"code": "2.1", "weight": "30", "schedule": ["20", "40", "60", "100"]}},
            {"update": {"code": "1.1.1", "weight": "1"}},
        ],
    }},
    {"reformulate": {
        "date": "2021-08-16", "reference": "RD 015/2021", "reason": "Cancelaciones",
        "changes": [{"cancel": {"code": "1.2.2"}}, {"cancel": {"code": "2.2"}}],
    }},
    {"budget": {"code": "2.1.2", "source": "Otros", "amount": "20000", "date": "2021-09-15",
                "reference": "RA 050/2021", "reason": "Incremento"}},
    progress("1.1.1.2", "80", "2021-09-30"),
    progress("1.1.2", "70", "2021-09-30"),
    progress("1.2.1", "60", "2021-09-30"),
    progress("1.2.3", "30", "2021-09-30"),
    progress("2.1", "60", "2021-09-30"),
    execution("1.1.1", "50000", "2021-09-30", "TGN"),
    execution("1.2.3", "3000", "2021-09-30", "Otros"),
    execution("2.1", "70000", "2021-09-30"),
    execution("2.1", "5000", "2021-09-30", "Otros"),
]

BATCH_D = [
    progress("1.2.2", "20", "2021-06-30"),  # late: backdated, recorded after the Q3 facts
    execution("1.2.1", "8000", "2021-06-30", "Otros"),  # late
    progress("2.1", "55", "2021-09-30"),  # correction of 60 (same element, same cut-off date)
    execution("1.1.1", "45000", "2021-09-30", "TGN"),  # correction of 50000 (same key and date)
    {"justify": {"code": "1.2", "date": "2021-09-30", "text": "Retraso de la contratación."}},
]

BATCHES = (("A", BATCH_A), ("B", BATCH_B), ("C", BATCH_C), ("D", BATCH_D))


@dataclass
class Scenario:
    store: Path | None  # None: recorded in memory
    history: list[Recorded]
    first: dict[str, datetime]  # recorded_at of the first event of each batch
    last: dict[str, datetime]  # recorded_at of the last event of each batch
    now: datetime

    def at(self, as_of: str, known_at: datetime | None = None) -> Evaluation:
        return evaluate(PLAN, self.history, date.fromisoformat(as_of), known_at or self.now)


def _scenario(store: Path | None, record_batch, read_history) -> Scenario:
    first, last, seen = {}, {}, 0
    for name, batch in BATCHES:
        record_batch(batch)
        history = read_history()
        assert len(history) == seen + len(batch)
        first[name], last[name] = history[seen].recorded_at, history[-1].recorded_at
        seen = len(history)
    return Scenario(store, read_history(), first, last, datetime.now(timezone.utc))


def in_memory() -> Scenario:
    """The batches recorded in memory, each with one recorded time (as a store stamps them)."""
    history = history_in_batches(PLAN, *(batch for _, batch in BATCHES))
    read = []

    def record_batch(batch):
        read.extend(history[len(read):len(read) + len(batch)])

    return _scenario(None, record_batch, lambda: list(read))


def in_store(path: Path) -> Scenario:
    """Every batch recorded in a new store at `path`, one transaction each (one time each)."""
    ledger = open_store(str(path), create=True)
    try:
        return _scenario(path, lambda batch: record(ledger, PLAN, *batch), lambda: ledger.history(PLAN))
    finally:
        ledger.close()
