"""The library's own costs, the references of the benchmark's ratios (bench/run.py runs each as a process).

``python bench/baseline.py insert --events N --sqlite FILE``
``python bench/baseline.py insert --events N --postgres DBNAME [--schema NAME] [--host H] [--port P] [--user U]``
    R1's reference: an eventsourcing `Application` with one plain aggregate that triggers N events
    (the created event and N - 1 others), each carrying a small dict like a progress record's fact
    (a code, a Decimal, a date, a note, an actor and a batch id, all text but the Decimal), saved
    with ONE ``save()`` (one transaction) into an empty store: the library's SQLite module
    (``SQLITE_DBNAME``) or its PostgreSQL module (``POSTGRES_*``; the schema must exist).
    ``--per-save K`` saves every K events instead (R1-pg: the library's one insert statement of
    150,000 events stalls in psycopg's pipeline mode, so its reference inserts 2,000 per save, the
    size of the PostgreSQL recorder's own insert statements).

``python bench/baseline.py read --store NAME [--page 500]``
    R4's reference: every event of a POA store read through the library, as ``poa project`` has
    to read them: the recorder's ``select_notifications`` a page at a time, each notification
    decoded into its domain event by the ledger application's mapper (its transcodings
    included). Nothing else: no fold, no row written.

Each prints one line (what it did) on standard output.
"""

from __future__ import annotations

import argparse
import os
import sys
from decimal import Decimal


def insert(args: argparse.Namespace) -> int:
    if args.sqlite:
        os.environ.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=args.sqlite)
    else:
        os.environ.update(
            PERSISTENCE_MODULE="eventsourcing.postgres", POSTGRES_DBNAME=args.postgres, POSTGRES_HOST=args.host,
            POSTGRES_PORT=str(args.port), POSTGRES_USER=args.user, POSTGRES_PASSWORD="",
        )
        if args.schema:
            os.environ["POSTGRES_SCHEMA"] = args.schema
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Thing(Aggregate):
        @event("Recorded")
        def record(self, fact: dict) -> None:
            pass

    class Things(Application):
        name = "Baseline"

    app = Things()
    thing = Thing()
    batch = "9f2c" * 16
    saves = 0
    for i in range(args.events - 1):
        thing.record({
            "code": f"{i % 20 + 1}.{i % 10 + 1}.{i % 7 + 1}.{i % 5 + 1}",
            "percent": Decimal(i % 10000) / 100,
            "date": f"2025-{i % 12 + 1:02d}-28",
            "note": None,
            "actor": "bench",
            "batch": batch,
        })
        if args.per_save and len(thing.pending_events) >= args.per_save:
            app.save(thing)
            saves += 1
    app.save(thing)
    saves += 1
    print(f"{args.events} events saved in {saves} save()" + ("s" if saves > 1 else ""))
    return 0


def read(args: argparse.Namespace) -> int:
    from poa.adapters.stores import open_store

    ledger = open_store(args.store, create=False, read_only=True)
    recorder, mapper = ledger.recorder, ledger.mapper
    start, count = 1, 0
    while True:
        notifications = recorder.select_notifications(start, args.page)
        for n in notifications:
            mapper.to_domain_event(n)
        count += len(notifications)
        if len(notifications) < args.page:
            break
        start = notifications[-1].id + 1
    print(f"{count} events read and decoded")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("insert", help="N events of one aggregate in one save()")
    p.add_argument("--events", type=int, required=True)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--sqlite", help="the SQLite file to create")
    where.add_argument("--postgres", help="the PostgreSQL database")
    p.add_argument("--schema", help="the PostgreSQL schema (must exist; default public)")
    p.add_argument("--per-save", type=int, default=0,
                   help="save every N events (default: all in one save; on PostgreSQL one save of 150,000 stalls)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5432)
    p.add_argument("--user", default="postgres")
    p = sub.add_parser("read", help="every event of a POA store, read and decoded through the library")
    p.add_argument("--store", required=True)
    p.add_argument("--page", type=int, default=500)
    args = parser.parse_args(argv)
    return insert(args) if args.what == "insert" else read(args)


if __name__ == "__main__":
    sys.exit(main())
