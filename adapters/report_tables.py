"""The Spanish tables of `poa history`, `poa reports`, `poa reconcile` and `poa plans`.

Each is drawn from the rows the command's JSON gives (adapters/report_json.py),
with its title and headers from the catalogue (`domain/catalogue.py`, the tables
of the reading commands), through `to_rich` like every other table.
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

from .report_text import Block, to_rich


def history_table(plan: str, events: list[dict]) -> str:
    """The events of `recorded_to_dict`, one line each, the data summarised."""
    rows = tuple(
        (str(e["seq"]), e["recorded_at"][:19], e["kind"], e["date"], e["reference"] or "", e["actor"], _summary(e))
        for e in events
    )
    return _table(HISTORY_TABLE, rows, right={0}, plan=plan)


def issued_reports_table(plan: str, reports: list[dict]) -> str:
    """The issued reports of `issued_report_to_dict`."""
    return _table(ISSUED_REPORTS_TABLE, tuple(tuple(str(v) for v in r.values()) for r in reports), plan=plan)


def reconciliation_table(plan: str, reports: int, differences: list[dict]) -> str:
    """The differences of `difference_to_dict`, under a title counting the reports compared."""
    rows = tuple(
        (d["reference"], d["code"] or RECONCILED_PLAN.es, d["figure"], str(d["declared"]), str(d["computed"]),
         str(d["difference"]))
        for d in differences
    )
    return _table(RECONCILIATION_TABLE, rows, right={3, 4, 5}, plan=plan, reports=reports, differences=len(differences))


def plans_table(plans: list[dict]) -> str:
    """The plans of `plan_to_dict`."""
    return _table(PLANS_TABLE, tuple(tuple(str(v) for v in p.values()) for p in plans))


def _table(table: Table, rows: tuple, *, right: set[int] = frozenset(), **names) -> str:
    headers = tuple(h.es for h in table.headers)
    block = Block("table", title=table.title.es.format(**names), headers=headers, rows=rows, right=frozenset(right))
    return to_rich([block])


def _summary(event: dict) -> str:
    data = event["data"]
    if event["kind"] == "approve":
        return f"{data['entity']} {data['year']}: " + ", ".join(
            f"{len(data[k])} {k}" for k in ("strategic_actions", "short_term_actions", "operations", "tasks")
        )
    if event["kind"] == "reformulate":
        return f"{data['reason']} ({HISTORY_CHANGES.es.format(changes=len(data['changes']))})"
    return ", ".join(f"{k}={v}" for k, v in data.items())
