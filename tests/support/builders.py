"""Shared builders: the example files, entries written as in a batch, plans and histories
built in memory, and the few helpers that record into or look inside a real store.

One definition of each; every test module imports them from here.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

# the store's public names, imported here once for every test (the store module may be split)
from poa.adapters.ledger import Ledger
from poa.adapters.memory_store import open_memory
from poa.adapters.sqlite_recorder import CommitTimeRecorder
from poa.adapters.stores import open_store
from poa.adapters.use_cases import record_batch
from poa.domain.commands import Command, CommandError
from poa.domain.fact_kinds import parse_entry
from poa.domain.facts import Recorded
from poa.domain.plan import Plan
from poa.domain.values import EntryError, quantize

__all__ = [
    "ROOT", "EXAMPLES", "SMALL", "ADUANA", "ADUANA_LOAD", "UTC", "FAR",
    "at", "shown", "progress", "execution", "budget", "reformulate", "base_approval", "batch_text",
    "plan_of", "history_by_hand", "history_in_batches", "parse_entry",
    "Command", "CommandError", "CommitTimeRecorder", "Ledger", "open_store", "record", "count_events", "raw_events",
    "memory_ledger", "commands",
]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SMALL = EXAMPLES / "small-2021.yaml"  # plan DEMO-2021: 23 entries, see tests/integration/test_audit.py
ADUANA = EXAMPLES / "aduana-nacional-2020.yaml"
# `poa apply ADUANA *ADUANA_LOAD`: as a planning unit loads it, transcribed from its published report (an
# initial load: none of its 72 facts is a late record; tests/integration/test_initial_load_cli.py loads it without)
ADUANA_LOAD = ("--initial-load", "--load-reference", "Informe de Seguimiento POA, IV trimestre 2020")

UTC = timezone.utc
FAR = datetime(2100, 1, 1, tzinfo=UTC)  # known_at after everything: every recorded fact is known


def at(text: str) -> datetime:
    """A recorded time written by hand: an ISO timestamp in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def shown(value: Decimal) -> str:
    """A figure as printed: rounded half-up to two places."""
    return str(quantize(value))


# -- entries, written as in a batch file --------------------------------------------------


def progress(code, percent, day, **extra) -> dict:
    return {"progress": {"code": code, "percent": percent, "date": day, **extra}}


def execution(code, amount, day, source=None) -> dict:
    body = {"code": code, "amount": amount, "date": day}
    if source is not None:
        body["source"] = source
    return {"execution": body}


def budget(code, source, amount, day, *, reference="RA 9/2021", reason="ajuste") -> dict:
    return {"budget": {"code": code, "source": source, "amount": amount, "date": day,
                       "reference": reference, "reason": reason}}


def reformulate(day, *changes, reference="RD 1/2021", reason="motivo") -> dict:
    return {"reformulate": {"date": day, "reference": reference, "reason": reason, "changes": list(changes)}}


def base_approval(**overrides) -> dict:
    """A small plan for 2021 (the domain tests' plan).

    SA 1 ─ ACP 1.1 (w 50, schedule 10/40/70/100) ─ op 1.1.1 (w 2, TGN 100, Otros 50) ─ tasks 1.1.1.1 (w 1), 1.1.1.2 (w 3)
         │                                      └ op 1.1.2 (w 1, Otros 30)
         └ ACP 1.2 (w 30, default schedule 25/50/75/100) ─ op 1.2.1 (w 1 by default, TGN 200)
    SA 2 ─ ACP 2.1 (w 20, default schedule) ─ op 2.1.1 (TGN 80)
    """
    data = {
        "entity": "Entidad de Prueba",
        "year": 2021,
        "date": "2021-01-04",
        "reference": "RA 001/2021",
        "strategic_actions": [
            {"code": "1", "title": "Acción estratégica uno", "sector_code": "6"},
            {"code": "2", "title": "Acción estratégica dos"},
        ],
        "short_term_actions": [
            {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": 50, "schedule": [10, 40, 70, 100]},
            {"code": "1.2", "parent": "1", "title": "ACP 1.2", "weight": 30},
            {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": 20},
        ],
        "operations": [
            {"code": "1.1.1", "parent": "1.1", "title": "Op 1.1.1", "weight": 2, "budget": {"TGN": 100, "Otros": 50}},
            {"code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "weight": 1, "budget": {"Otros": 30}},
            {"code": "1.2.1", "parent": "1.2", "title": "Op 1.2.1", "budget": {"TGN": 200}},
            {"code": "2.1.1", "parent": "2.1", "title": "Op 2.1.1", "budget": {"TGN": 80}},
        ],
        "tasks": [
            {"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea 1", "weight": 1},
            {"code": "1.1.1.2", "parent": "1.1.1", "title": "Tarea 2", "weight": 3},
        ],
    }
    data.update(overrides)
    return {"approve": data}


def batch_text(*entries: str, plan: str | None = "DEMO-2021") -> str:
    """A YAML batch file whose entries are given as YAML flow text, one per line."""
    return (f"plan: {plan}\n" if plan else "") + "entries:\n" + "".join(f"  - {e}\n" for e in entries)


# -- plans and histories in memory (no store, no file) ------------------------------------


def plan_of(key: str, approval: dict, *entries: dict, actor: str = "tester") -> Plan:
    """A pure Plan aggregate: every entry checked by the real rules as it is recorded, each
    recorded at the clock's time (strictly increasing)."""
    plan = Plan.approve(key, parse_entry(approval), actor)
    for entry in entries:
        plan.record(parse_entry(entry), actor)
    return plan


def refusal(plan: Plan, entry: dict) -> EntryError:
    """The rules' refusal of `entry` by `plan`, which records nothing."""
    stored = len(plan.history)
    with pytest.raises(EntryError) as caught:
        plan.record(parse_entry(entry), "tester")
    assert len(plan.history) == stored
    return caught.value


def just_before(plan: Plan, seq: int) -> datetime:
    """A moment just before the fact of `seq` was recorded: a known_at that does not see it."""
    return plan.history[seq - 1].recorded_at - timedelta(microseconds=1)


def history_by_hand(entries, actor: str = "tester") -> list[Recorded]:
    """A history with recorded times chosen by hand: `entries` are (recorded_at, entry) pairs,
    the time a datetime or an ISO text in UTC; seq follows their order."""
    return [
        Recorded(seq, at(when) if isinstance(when, str) else when, actor, parse_entry(entry))
        for seq, (when, entry) in enumerate(entries, 1)
    ]


def history_in_batches(key: str, *batches: list, actors: list[str] | None = None) -> list[Recorded]:
    """Batches (lists of entries, or of facts) recorded on a plan in memory, every entry checked
    by the real rules; then each batch's facts get one recorded time, its last fact's, as the
    store stamps a transaction: the history the store reads back, without a store. `actors`,
    one per batch, default to "tester"."""
    plan, stamps = None, []
    for batch, actor in zip(batches, actors or ["tester"] * len(batches)):
        for entry in batch:
            fact = parse_entry(entry) if isinstance(entry, dict) else entry
            if plan is None:
                plan = Plan.approve(key, fact, actor)
            else:
                plan.record(fact, actor)
        stamps += [plan.history[-1].recorded_at] * (len(plan.history) - len(stamps))
    return [attrs.evolve(r, recorded_at=stamp) for r, stamp in zip(plan.history, stamps)]


# -- a real store ---------------------------------------------------------------------------


def memory_ledger() -> Ledger:
    """A new, empty ledger on the library's in-memory store (adapters/memory_store.py): the real
    `Ledger`, recorder and use-cases, no file and no SQLite, so usable in tests/unit."""
    return open_memory()


def commands(plan: str, *entries: dict, actor: str = "tester", source: str = "test") -> list[Command]:
    """Entries (written as in a batch file) as the commands of one batch, numbered from 1."""
    return [Command(plan, parse_entry(e), actor, source, i) for i, e in enumerate(entries, 1)]


def record(ledger: Ledger, plan: str, *entries: dict, actor: str = "tester") -> None:
    """Record entries (written as in a batch file) in one atomic batch through the real store
    (a SQLite ledger, or `memory_ledger()`)."""
    record_batch(ledger, commands(plan, *entries, actor=actor))


def raw_events(store: Path | str) -> list[tuple]:
    """Every event of the store (every plan's), as stored: id, version, topic and state bytes, in
    the store's order, read through the ledger opened read-only (a SQLite file or a PostgreSQL URL)."""
    ledger = open_store(str(store), create=False, read_only=True)
    try:
        return [(str(e.originator_id), e.originator_version, e.topic, bytes(e.state)) for e in ledger.stored_events()]
    finally:
        ledger.close()


def count_events(store: Path | str) -> int:
    """The number of events the store holds (every plan's)."""
    return len(raw_events(store))
