"""Benchmark: cost of recording and of reporting as a plan and its history grow.

Builds synthetic plans in a fresh SQLite store (through the real `Ledger`) and
times, with medians over repeats:
- recording the approval and batches of progress/execution records;
- loading a plan's history from the store (`Ledger.history`);
- the evaluation fold (`evaluate`) and the whole JSON report;
- rendering the report from that evaluation (the fold excluded) in each format, as
  `poa report --format table|md|csv|json` prints it (`render_report`), each with its
  time as a multiple of the fold's; the Blocks the table and Markdown forms share
  (`layout`); rich alone drawing the table form's tables (the same cells, none of our
  own work), which is how the table form drew them before adapters/text_table.py; and
  `draw_table` alone drawing the same tables, byte for byte what rich draws;
- `explain` of one short-term action;
- the same plan's report with another large plan in the same store;
- the SQLite read model (`poa project`): built from the first event, then brought up to
  date after one more batch of 500 records (incremental: reads only the new events,
  recomputes the plan), and the open-data package (`poa export --datapackage`).

Run: ``python benchmarks/bench_ledger.py [--operations 200] [--records 5000]
[--formats table,md,csv,json] [--repeats 5] [--store URL]``. ``--store`` names an empty
store to fill instead of a fresh SQLite file, e.g. ``postgresql://postgres@127.0.0.1/bench?schema=b1``
for the PostgreSQL store (docs/deployment.md). ``--formats`` picks the report formats
rendered (comma-separated; default all four), ``--repeats`` how many runs each median is
taken over (default 5; 1 for a quick look at a slow case).
Not a test: it prints a table of timings for the notes of an issue.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from poa.adapters.report_json import evaluation_to_dict
from poa.adapters.formats import render_report
from poa.adapters.report_text import layout
from poa.adapters.text_table import draw_table
from poa.adapters.stores import open_store
from poa.adapters.use_cases import export_datapackage, project, record_batch
from poa.domain.commands import Command
from poa.domain.fact_kinds import parse_entry
from poa.projections.evaluation import evaluate
from poa.projections.provenance import explain

YEAR = 2021
FORMATS = ("table", "md", "csv", "json")


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


def rich_alone(blocks) -> str:
    """The table form's tables drawn by rich with the same settings as `to_rich`, each cell a
    bare `Text` (what rich draws fastest; a `str` would first be parsed into one): rich's
    own cost, without our escaping or any other text."""
    buffer = StringIO()
    console = Console(
        file=buffer, width=160, color_system=None, force_terminal=False, markup=False, emoji=False, highlight=False
    )
    for b in blocks:
        if b.kind == "table":
            table = Table(title=Text(b.title), title_justify="left")
            for i, header in enumerate(b.headers):
                table.add_column(Text(header), justify="right" if i in b.right else "left", overflow="fold")
            for row in b.rows:
                table.add_row(*(Text(cell) for cell in row))
            console.print(table)
    return buffer.getvalue()


def drawn_alone(blocks) -> str:
    """The same tables drawn by `draw_table` (adapters/text_table.py), as `to_rich` draws them."""
    return "".join(
        draw_table(b.title, list(b.headers), [list(row) for row in b.rows], b.right, 160) or ""
        for b in blocks if b.kind == "table"
    )


def formats(text: str) -> list[str]:
    chosen = [f.strip() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"formats are {', '.join(FORMATS)}; got {text!r}")
    return chosen


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


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
    parser.add_argument("--formats", type=formats, default=list(FORMATS),
                        help="report formats rendered, comma-separated (default: table,md,csv,json)")
    parser.add_argument("--repeats", type=positive, default=5, help="runs per median (default: 5)")
    parser.add_argument("--store", help="an empty store to fill (default: a fresh SQLite file)")
    args = parser.parse_args()
    repeats = args.repeats
    with tempfile.TemporaryDirectory() as folder:
        store = args.store or str(Path(folder) / "bench.db")
        ledger = open_store(store, create=True)
        rows = []
        t = record(ledger, "B-1", [approval(args.operations)])
        rows.append(("approve", f"{args.operations} operations", t))
        entries = records(args.operations, args.records)
        t = record(ledger, "B-1", entries)
        rows.append(("record", f"{args.records} records in batches of 500", t))
        now = datetime.now(timezone.utc)
        as_of = date(YEAR, 12, 31)
        rows.append(("load history", "repository.get", median_time(lambda: ledger.history("B-1"), repeats)))
        history = ledger.history("B-1")
        fold = median_time(lambda: evaluate("B-1", history, as_of, now), repeats)
        rows.append(("evaluate", "the fold", fold))
        rows.append(("report JSON", "fold + JSON", median_time(lambda: evaluation_to_dict(evaluate("B-1", history, as_of, now)), repeats)))
        ev = evaluate("B-1", history, as_of, now)
        for fmt in args.formats:
            rows.append((f"render {fmt}", "the report text from the evaluation", median_time(lambda: render_report(ev, fmt), repeats), fold))
        if {"table", "md"} & set(args.formats):
            rows.append(("layout", "Blocks of the table and md forms", median_time(lambda: layout(ev), repeats), fold))
        if "table" in args.formats:
            blocks = layout(ev)
            rows.append(("rich alone", "the table form's tables, rich's own cost", median_time(lambda: rich_alone(blocks), repeats), fold))
            rows.append(("tables alone", "the same tables drawn by draw_table", median_time(lambda: drawn_alone(blocks), repeats), fold))
        rows.append(("explain", "one ACP", median_time(lambda: explain("B-1", history, "1.1", as_of, now), repeats)))
        read = str(Path(folder) / "read.db")
        rows.append(("project", "read model from the first event", median_time(lambda: project(store, read, rebuild=True), repeats)))
        extra = records(args.operations, 500)
        for i, entry in enumerate(extra):  # other amounts than the history's: a new batch, not a repeated one
            entry[next(iter(entry))]["date"] = f"{YEAR}-12-{1 + i % 28:02d}"
        record(ledger, "B-1", extra)
        start = time.perf_counter()
        project(store, read)
        rows.append(("project", "incremental: one more batch of 500", time.perf_counter() - start))
        package = Path(folder) / "package"
        rows.append(("export", "data package of the plan", median_time(lambda: export_datapackage(store, str(package)), repeats)))
        record(ledger, "B-2", [approval(args.operations)])
        record(ledger, "B-2", records(args.operations, args.records))
        rows.append(("load history", "with a second plan in the store", median_time(lambda: ledger.history("B-1"), repeats)))
        print(f"{'operation':<14} {'case':<40} {'seconds':>10} {'× fold':>8}")
        for name, case, seconds, *fold_time in rows:
            ratio = f"{seconds / fold_time[0]:>8.1f}" if fold_time else ""
            print(f"{name:<14} {case:<40} {seconds:>10.4f} {ratio}".rstrip())


if __name__ == "__main__":
    main()
