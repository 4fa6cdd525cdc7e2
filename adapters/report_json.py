"""The stable JSON shapes (SPEC §5): the report, the history, and facts as entries.

Amounts, weights, percentages and deviations are strings of exact decimals
with two places; counts are integers; dates are ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import attrs

from poa.domain.catalogue import ELEMENT_FIGURES, ELEMENT_LISTS, FIGURE, SUMMARY_FIGURES, ElementKind, Figure, Unit
from poa.domain.facts import Add, Approval, BudgetLine, Cancel, Element, Recorded, Update
from poa.domain.values import quantize
from poa.projections.evaluation import Evaluation, Figures, Note


def two_places(value: Decimal | None) -> str | None:
    return None if value is None else str(quantize(value))


def timestamp(moment: datetime | None) -> str | None:
    """A recorded time or a known_at as every machine-readable output gives it: ISO 8601 in UTC
    with ``Z``, with microseconds only when they are not zero (an exact known_at needs them)."""
    if moment is None:
        return None
    utc = moment.astimezone(timezone.utc)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"


def evaluation_to_dict(ev: Evaluation) -> dict:
    s = ev.summary
    return {
        "plan": ev.plan,
        "entity": ev.entity,
        "year": ev.year,
        "as_of": ev.as_of.isoformat(),
        "known_at": ev.known_at.isoformat(),
        "summary": {f.name: figure_value(f, getattr(s, f.name)) for f in SUMMARY_FIGURES},
        "strategic_actions": [element_to_dict(f) for f in ev.strategic_actions],
        "short_term_actions": [element_to_dict(f) for f in ev.short_term_actions],
        "operations": [element_to_dict(f) for f in ev.operations],
        "tasks": [element_to_dict(f) for f in ev.tasks],
        "reformulations": [
            {
                "seq": r.seq,
                "date": r.fact.date.isoformat(),
                "reference": r.fact.reference,
                "reason": r.fact.reason,
                "recorded_at": r.recorded_at.isoformat(),
                "actor": r.actor,
                "changes": [change_to_dict(c) for c in r.fact.changes],
            }
            for r in ev.reformulations
        ],
        "warnings": [
            {"kind": w.kind, "code": w.code, "message": w.message, "seq": w.seq} for w in ev.warnings
        ],
        "results": [_note(n) for n in ev.results],
        "justifications": [_note(n) for n in ev.justifications],
        "closed": None
        if ev.closed is None
        else {
            "date": ev.closed.fact.date.isoformat(),
            "reference": ev.closed.fact.reference,
            "seq": ev.closed.seq,
            "recorded_at": ev.closed.recorded_at.isoformat(),
        },
        "closings": [
            {
                "kind": r.kind,
                "date": r.fact.date.isoformat(),
                "reference": r.fact.reference,
                "reason": getattr(r.fact, "reason", None),
                "seq": r.seq,
                "recorded_at": r.recorded_at.isoformat(),
            }
            for r in ev.closings
        ],
    }


# The element figures of the JSON report in the order of its keys since its first version (an
# issued report is reproduced byte for byte); a figure added to the catalogue later comes after
# them. A quarterly schedule is not a figure of the report (`diff` compares it).
_FIRST_KEYS = (
    "title", "status", "weight", "progress_pct", "sector_code", "programmed_pct", "deviation_pts", "budget",
    "budget_current", "budget_executed", "budget_execution_pct",
)
REPORT_ELEMENT_FIGURES = tuple(FIGURE[name] for name in _FIRST_KEYS) + tuple(
    f for f in ELEMENT_FIGURES if f.name not in _FIRST_KEYS and f.unit is not Unit.SCHEDULE
)


def figure_value(figure: Figure, value):
    """A figure as the JSON shapes give it: decimals as strings with two places (by source: a
    mapping of them), counts as integers, texts as they are."""
    if value is None or not figure.decimal:
        return value
    if figure.by_source:
        return {source: two_places(amount) for source, amount in value.items()}
    return two_places(value)


def element_to_dict(f: Figures) -> dict:
    """An element: its code and parent, then every figure its kind carries (none left out but a
    missing sector code), then its results and justifications."""
    data = {"code": f.code, "parent": f.parent}
    for figure in REPORT_ELEMENT_FIGURES:
        if figure.carried_by(f.kind):
            value = getattr(f, figure.name)
            if value is not None:
                data[figure.name] = figure_value(figure, value)
    data["results"] = [_note(n) for n in f.results]
    data["justifications"] = [_note(n) for n in f.justifications]
    return data


def _note(note: Note) -> dict:
    return {"date": note.date.isoformat(), "text": note.text}


def change_to_dict(change) -> dict:
    if isinstance(change, Add):
        return {"add": element_fields(change.element, with_kind=True)}
    if isinstance(change, Update):
        return {"update": _plain({k: v for k, v in attrs.asdict(change, recurse=False).items() if v is not None})}
    if isinstance(change, Cancel):
        return {"cancel": {"code": change.code}}
    assert isinstance(change, BudgetLine)
    return {"budget": _plain(attrs.asdict(change, recurse=False))}


def element_fields(element: Element, *, with_kind: bool = False) -> dict:
    data = {"kind": element.kind} if with_kind else {}
    for name, value in attrs.asdict(element, recurse=False).items():
        if name == "kind" or value is None or (name == "budget" and element.kind != ElementKind.OPERATION):
            continue
        data[name] = value
    return _plain(data)


def fact_fields(fact) -> dict:
    """A fact's fields in the shape of the entry that states it (`poa apply`)."""
    if isinstance(fact, Approval):
        data = {"entity": fact.entity, "year": fact.year, "date": fact.date, "reference": fact.reference}
        for kind, list_name in ELEMENT_LISTS.items():
            data[list_name] = [element_fields(e) for e in fact.elements if e.kind == kind]
        return _plain(data)
    data = {}
    for name, value in attrs.asdict(fact, recurse=False).items():
        if name == "changes":
            value = [change_to_dict(c) for c in value]
        if value is not None:
            data[name] = value
    return _plain(data)


def recorded_to_dict(plan: str, r: Recorded) -> dict:
    """One event of `poa history`."""
    data = fact_fields(r.fact)
    data.pop("date", None)
    data.pop("reference", None)
    return {
        "seq": r.seq,
        "recorded_at": r.recorded_at.isoformat(),
        "kind": r.kind,
        "plan": plan,
        "date": r.fact.date.isoformat(),
        "reference": r.reference,
        "actor": r.actor,
        "batch": r.batch,
        "data": data,
    }


def issued_report_to_dict(r: Recorded) -> dict:
    """One report of `poa reports`."""
    return {
        "reference": r.fact.reference,
        "as_of": r.fact.date.isoformat(),
        "format": r.fact.format,
        "issued_at": r.recorded_at.isoformat(),
        "actor": r.actor,
        "seq": r.seq,
    }


def plan_to_dict(key: str, approval: Recorded) -> dict:
    """One plan of `poa plans`: its key and approval."""
    return {
        "plan": key,
        "entity": approval.fact.entity,
        "year": approval.fact.year,
        "date": approval.fact.date.isoformat(),
        "reference": approval.fact.reference,
        "recorded_at": approval.recorded_at.isoformat(),
    }


def difference_to_dict(d) -> dict:
    """One row of `poa reconcile`: counts as integers, other figures as two-place strings."""
    def as_json(value):
        if isinstance(d.computed, int):
            return value
        exponent = value.as_tuple().exponent
        return two_places(value) if exponent >= -2 else str(value)  # a declared 82.405 stays exact

    return {
        "reference": d.reference,
        "code": d.code,
        "figure": d.figure,
        "declared": as_json(d.declared),
        "computed": as_json(d.computed),
        "difference": as_json(d.difference),
    }


def _plain(value):
    """JSON-ready: decimals as exact strings, dates as ISO, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
