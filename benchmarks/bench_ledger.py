"""Benchmark: cost of recording and of reporting as a plan and its history grow.

Builds synthetic plans in a fresh SQLite store (through the real `Ledger`) and
times, with medians over repeats:
- recording the approval and batches of progress/execution records;
- loading a plan's history from the store (`Ledger.history`);
- the evaluation fold (`evaluate`) and the whole JSON report;
- `explain` of one short-term action;
- the same plan's report with another large plan in the same store.

Run: ``python benchmarks/bench_ledger.py [--operations 200] [--records 5000]``.
Not a test: it prints a table of timings for the notes of an issue.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from poa.adapters.report_json import evaluation_to_dict
from poa.adapters.stores import open_store
from poa.adapters.use_cases import record_batch
from poa.domain.commands import Command
from poa.domain.fact_kinds import parse_entry
from poa.projections.evaluation import evaluate
from poa.projections.provenance import explain

YEAR = 2021


def approval(operations: int) -> dict:
    acps = max(1, operations // 5)
    return {
        "approve": {
            "entity": "Entidad de prueba",
            "year": YEAR,
            "date": f"{YEAR}-01-04",
            "reference": "RA 1",
            "strategic_actions": [{"code": "1", "title": "AEI"}],
            "short_term_actions": [
                {"code": f"1.{a}", "parent": "1", "title": f"ACP {a}", "weight": "1"} for a in range(1, acps + 1)
            ],
            "operations": [
                {"code": f"1.{o % acps + 1}.{o}", "parent": f"1.{o % acps + 1}", "title": f"Op {o}",
                 "budget": {"TGN": "100000", "Otros": "50000"}}
                for o in range(1, operations + 1)
            ],
        }
    }


def records(operations: int, count: int) -> list[dict]:
    """Progress and execution records spread over the year's days, cycling through operations."""
    acps = max(1, operations // 5)
    entries = []
    for i in range(count):
        o = i % operations + 1
        day = date(YEAR, 1, 5) + timedelta(days=(i * 7) % 360)
        code = f"1.{o % acps + 1}.{o}"
        if i % 2:
            entries.append({"progress": {"code": code, "percent": str(i % 100), "date": day.isoformat()}})
        else:
            entries.append({"execution": {"code": code, "amount": str(100 * (i % 500)), "date": day.isoformat(),
                                          "source": "TGN"}})
    return entries


def record(ledger, key: str, entries: list[dict], batch: int = 500) -> float:
    start = time.perf_counter()
    for i in range(0, len(entries), batch):
        commands = [Command(key, parse_entry(e), "bench", "bench", n) for n, e in enumerate(entries[i:i + batch])]
        record_batch(ledger, commands, read_back=lambda: False)  # the write alone, without the CLI's read-back
    return time.perf_counter() - start


def median_time(fn, repeats: int = 5) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=200)
    parser.add_argument("--records", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        ledger = open_store(str(Path(folder) / "bench.db"), create=True)
        rows = []
        t = record(ledger, "B-1", [approval(args.operations)])
        rows.append(("approve", f"{args.operations} operations", t))
        entries = records(args.operations, args.records)
        t = record(ledger, "B-1", entries)
        rows.append(("record", f"{args.records} records in batches of 500", t))
        now = datetime.now(timezone.utc)
        as_of = date(YEAR, 12, 31)
        rows.append(("load history", "repository.get", median_time(lambda: ledger.history("B-1"))))
        history = ledger.history("B-1")
        rows.append(("evaluate", "the fold", median_time(lambda: evaluate("B-1", history, as_of, now))))
        rows.append(("report JSON", "fold + JSON", median_time(lambda: evaluation_to_dict(evaluate("B-1", history, as_of, now)))))
        rows.append(("explain", "one ACP", median_time(lambda: explain("B-1", history, "1.1", as_of, now))))
        record(ledger, "B-2", [approval(args.operations)])
        record(ledger, "B-2", records(args.operations, args.records))
        rows.append(("load history", "with a second plan in the store", median_time(lambda: ledger.history("B-1"))))
        print(f"{'operation':<14} {'case':<40} {'seconds':>10}")
        for name, case, seconds in rows:
            print(f"{name:<14} {case:<40} {seconds:>10.4f}")


if __name__ == "__main__":
    main()
