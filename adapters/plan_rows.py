"""The catalogue of plans' table and its rows: one row per approval, kept beside the events.

Every recorder writes, in the transaction that stores a plan's approval, the plan's row of the
table `poa_plans`: its aggregate id, the approval's notification id (the listing's order), the
plan's key, and the approval's entity, year, date, reference and recorded time (`catalogue_values`
of `listed`, from `Ledger._catalogue_rows`, adapters/ledger.py; each recorder's `_index`). A store
made before the table gets it, with a row for every approval it holds, on its next write.
`poa plans` reads it (adapters/plan_catalogue.py); `poa verify` compares every row with its
approval (`Ledger._catalogue_problems`). Plain values only: no domain, no library.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from .outputs import timestamp

# the SQLite table (adapters/sqlite_recorder.py; PostgreSQL's: adapters/postgres_recorder.py)
CATALOGUE_TABLE = (
    "CREATE TABLE IF NOT EXISTS poa_plans (originator_id TEXT PRIMARY KEY, notification_id INTEGER NOT NULL, "
    "plan TEXT NOT NULL, entity TEXT NOT NULL, year INTEGER NOT NULL, approved TEXT NOT NULL, reference TEXT NOT NULL, "
    "recorded_at TEXT NOT NULL)"
)
CATALOGUE_COLUMNS = "plan, entity, year, approved, reference, recorded_at"  # `catalogue_values`, in this order


class PlanListed(NamedTuple):
    """One plan as `poa plans` lists it: its key, and its approval's entity, year, date, reference and recorded time."""

    plan: str
    entity: str
    year: int
    date: date
    reference: str
    recorded_at: datetime


def listed(key: str, approval) -> PlanListed:
    """A plan as listed, from its key and its approval (a `Recorded` approval, domain/facts.py)."""
    fact = approval.fact
    return PlanListed(key, fact.entity, fact.year, fact.date, fact.reference, approval.recorded_at)


def catalogue_values(plan: PlanListed) -> tuple:
    """A plan's values in the catalogue, in `CATALOGUE_COLUMNS`' order: texts and a number (dates ISO,
    the recorded time as the JSON outputs give it, exact to the microsecond)."""
    return (plan.plan, plan.entity, plan.year, plan.date.isoformat(), plan.reference, timestamp(plan.recorded_at))


def from_catalogue(values) -> PlanListed:
    """A plan as listed, from its values in the catalogue (`catalogue_values`); ValueError or TypeError
    when they cannot be one."""
    plan, entity, year, approved, reference, recorded_at = values
    if not all(isinstance(v, str) for v in (plan, entity, approved, reference, recorded_at)) or type(year) is not int:
        raise TypeError("a catalogue row of other types")
    moment = datetime.fromisoformat(recorded_at)
    if moment.tzinfo is None:
        raise ValueError("a recorded time without its zone")
    return PlanListed(plan, entity, year, date.fromisoformat(approved), reference, moment)
