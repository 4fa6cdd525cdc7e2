"""The stable JSON shapes (SPEC §5): the report, the history, and facts as entries.

Amounts, weights, percentages and deviations are strings of exact decimals
with two places; counts are integers; dates are ISO 8601.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs

from poa.domain.facts import Add, Approval, BudgetLine, Cancel, Element, Recorded, Update
from poa.domain.values import quantize
from poa.projections.evaluation import Evaluation, Figures, Note


def two_places(value: Decimal | None) -> str | None:
    return None if value is None else str(quantize(value))


def evaluation_to_dict(ev: Evaluation) -> dict:
    s = ev.summary
    return {
        "plan": ev.plan,
        "entity": ev.entity,
        "year": ev.year,
        "as_of": ev.as_of.isoformat(),
        "known_at": ev.known_at.isoformat(),
        "summary": {
            "strategic_actions": s.strategic_actions,
            "short_term_actions": s.short_term_actions,
            "operations": s.operations,
            "tasks": s.tasks,
            "weights_total": two_places(s.weights_total),
            "budget_current": two_places(s.budget_current),
            "budget_executed": two_places(s.budget_executed),
            "budget_execution_pct": two_places(s.budget_execution_pct),
            "physical_progress_pct": two_places(s.physical_progress_pct),
            "programmed_pct": two_places(s.programmed_pct),
            "deviation_pts": two_places(s.deviation_pts),
            "reformulations": s.reformulations,
        },
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


def element_to_dict(f: Figures) -> dict:
    data = {
        "code": f.code,
        "parent": f.parent,
        "title": f.title,
        "status": f.status,
        "weight": two_places(f.weight),
        "progress_pct": two_places(f.progress_pct),
    }
    if f.sector_code is not None:
        data["sector_code"] = f.sector_code
    if f.programmed_pct is not None:
        data["programmed_pct"] = two_places(f.programmed_pct)
        data["deviation_pts"] = two_places(f.deviation_pts)
    if f.budget is not None:
        data["budget"] = {source: two_places(amount) for source, amount in f.budget.items()}
        data["budget_current"] = two_places(f.budget_current)
        data["budget_executed"] = two_places(f.budget_executed)
        data["budget_execution_pct"] = two_places(f.budget_execution_pct)
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


_ELEMENT_LIST = {
    "strategic_action": "strategic_actions",
    "short_term_action": "short_term_actions",
    "operation": "operations",
    "task": "tasks",
}


def element_fields(element: Element, *, with_kind: bool = False) -> dict:
    data = {"kind": element.kind} if with_kind else {}
    for name, value in attrs.asdict(element, recurse=False).items():
        if name == "kind" or value is None or (name == "budget" and element.kind != "operation"):
            continue
        data[name] = value
    return _plain(data)


def fact_fields(fact) -> dict:
    """A fact's fields in the shape of the entry that states it (`poa apply`)."""
    if isinstance(fact, Approval):
        data = {"entity": fact.entity, "year": fact.year, "date": fact.date, "reference": fact.reference}
        for kind, list_name in _ELEMENT_LIST.items():
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
