"""The Spanish tables of `poa history`, `poa reports`, `poa reconcile` and `poa plans`.

Each is drawn from the command's records, with its title and headers from the catalogue
(`domain/catalogue.py`, the tables of the reading commands), through `to_rich` like every other
table. These tables are for people, not part of the machine-readable contract: times keep
their ``+00:00`` form and the history's data its figures as typed (`fact_fields(number=str)`).
"""

from __future__ import annotations

from poa.domain.catalogue import (
    HISTORY_CHANGES,
    HISTORY_TABLE,
    ISSUED_REPORTS_TABLE,
    PLANS_TABLE,
    RECONCILED_PLAN,
    RECONCILIATION_TABLE,
    Table,
)

from .report_json import difference_to_dict, fact_fields
from .report_text import Block, to_rich


def history_table(plan: str, records) -> str:
    """The events, one line each, the data summarised."""
    rows = []
    for r in records:
        data = fact_fields(r.fact, number=str)
        data.pop("date", None)
        data.pop("reference", None)
        summary = _summary(r.kind, data)
        recorded_at = r.recorded_at.isoformat()[:19]
        rows.append((str(r.seq), recorded_at, r.kind, r.fact.date.isoformat(), r.reference or "", r.actor, summary))
    return _table(HISTORY_TABLE, tuple(rows), right={0}, plan=plan)


def issued_reports_table(plan: str, records) -> str:
    """The issued reports: reference, as-of date, format, when issued, by whom, seq."""
    rows = tuple(
        (r.fact.reference, r.fact.date.isoformat(), r.fact.format, r.recorded_at.isoformat(), r.actor, str(r.seq))
        for r in records
    )
    return _table(ISSUED_REPORTS_TABLE, rows, plan=plan)


def reconciliation_table(plan: str, reports: int, differences) -> str:
    """The differences, under a title counting the reports compared."""
    shown = [difference_to_dict(d) for d in differences]
    rows = tuple(
        (d["reference"], d["code"] or RECONCILED_PLAN.es, d["figure"], str(d["declared"]), str(d["computed"]),
         str(d["difference"]))
        for d in shown
    )
    return _table(RECONCILIATION_TABLE, rows, right={3, 4, 5}, plan=plan, reports=reports, differences=len(shown))


def plans_table(plans) -> str:
    """The plans, as (key, approval) pairs: key, entity, year, approval date and reference, recorded time."""
    rows = tuple(
        (key, r.fact.entity, str(r.fact.year), r.fact.date.isoformat(), str(r.fact.reference), r.recorded_at.isoformat())
        for key, r in plans
    )
    return _table(PLANS_TABLE, rows)


def _table(table: Table, rows: tuple, *, right: set[int] = frozenset(), **names) -> str:
    headers = tuple(h.es for h in table.headers)
    block = Block("table", title=table.title.es.format(**names), headers=headers, rows=rows, right=frozenset(right))
    return to_rich([block])


def _summary(kind: str, data: dict) -> str:
    if kind == "approve":
        return f"{data['entity']} {data['year']}: " + ", ".join(
            f"{len(data[k])} {k}" for k in ("strategic_actions", "short_term_actions", "operations", "tasks")
        )
    if kind == "reformulate":
        return f"{data['reason']} ({HISTORY_CHANGES.es.format(changes=len(data['changes']))})"
    return ", ".join(f"{k}={v}" for k, v in data.items())
