"""`poa plans`'s formats: the plans (`plan_rows.PlanListed`) as a table for people and as JSON.

Light on purpose, like the use-case that reads them (adapters/plan_catalogue.py): the labels are
domain/plan_labels.py's, the table is drawn by adapters/text_table.py (rich only for a text it
leaves to rich, through `report_text.to_rich`), the JSON is the contract's (adapters/outputs.py),
so that `poa plans` imports no domain, no attrs and no other renderer (docs/design.md, "Start-up").
"""

from __future__ import annotations

from poa.domain.plan_labels import PLANS_HEADERS, PLANS_TITLE, text

from .localized import moment
from .outputs import SCHEMA_VERSION, Renderer, timestamp
from .safe_text import json_text, terminal_safe
from .text_table import current_width, draw_table


def plans_table(plans) -> str:
    """The plans: key, entity, year, approval date and reference, recorded time (the table `to_rich`
    draws of them, byte for byte)."""
    rows = tuple(
        (p.plan, p.entity, str(p.year), p.date.isoformat(), str(p.reference), moment(p.recorded_at)) for p in plans
    )
    title, headers = text(PLANS_TITLE), tuple(text(h) for h in PLANS_HEADERS)
    drawn = draw_table(_safe(title), [_safe(h) for h in headers], [[_safe(c) for c in row] for row in rows], (), current_width())
    if drawn is not None:
        return "\n" + drawn  # what `to_rich` writes: an empty line, then the table
    from .report_text import Block, to_rich  # noqa: PLC0415 - a text rich must draw (adapters/text_table.py)

    return to_rich([Block("table", title=title, headers=headers, rows=rows, right=frozenset())])


def plan_to_dict(plan) -> dict:
    """One plan of `poa plans --format json`: its key and approval."""
    return {
        "plan": plan.plan,
        "entity": plan.entity,
        "year": plan.year,
        "date": plan.date.isoformat(),
        "reference": plan.reference,
        "recorded_at": timestamp(plan.recorded_at),
    }


def plans_to_dict(plans) -> dict:
    """`poa plans --format json`: every plan of the store, in the order they were approved."""
    return {"schema_version": SCHEMA_VERSION, "plans": [plan_to_dict(p) for p in plans]}


def _safe(value: str) -> str:
    """User text for a terminal: control characters shown escaped, newlines kept (as `to_rich`)."""
    return terminal_safe(value, keep_newlines=True)


# `plans`: a list of plan_rows.PlanListed
PLANS: dict[str, Renderer] = {
    "table": lambda plans, raw: plans_table(plans),
    "json": lambda plans, raw: json_text(plans_to_dict(plans)) + "\n",
}
