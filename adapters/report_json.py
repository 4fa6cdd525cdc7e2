"""The stable JSON shapes (SPEC §5, contract version `SCHEMA_VERSION`): the report, the history,
the issued reports, the reconciliation, and facts as entries (the plans': adapters/plan_listing.py).

Every document is an object whose first key is ``schema_version``; its JSON Schema is
``adapters/schemas/<name>.schema.json`` (`schema_path`). Amounts, weights, percentages and
deviations are strings of exact decimals with two places (`two_places`; a published report's
declared figures keep the places it printed, up to 6: `decimal_text`); counts are integers;
dates are ``YYYY-MM-DD``; recorded times and known_at are ``timestamp`` (ISO 8601 UTC with ``Z``).
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from poa.domain.catalogue import ELEMENT_FIGURES, ELEMENT_LISTS, FIGURE, SUMMARY_FIGURES, ElementKind, Figure, Unit
from poa.domain.facts import Add, Approval, BudgetLine, Cancel, Element, Recorded, ReportIssued, Transfer, Update
from poa.domain.settings import Settings, settings_fields
from poa.domain.values import quantize
from poa.projections.issued import issued_view

from .outputs import SCHEMA_VERSION, timestamp  # noqa: F401 - re-exported: the contract's version, its moments

if TYPE_CHECKING:
    from poa.projections.evaluation import Evaluation, Figures, Note


SCHEMAS = (  # adapters/schemas/
    "report", "history", "explain", "diff", "reconcile", "reports", "plans", "export", "digest", "proof", "evidence",
)


def schema_path(name: str):
    """The JSON Schema of one machine-readable output (package data: ``poa/adapters/schemas``)."""
    if name not in SCHEMAS:
        raise ValueError(f"no schema named {name!r}")
    from importlib import resources

    return resources.files("poa.adapters").joinpath("schemas", f"{name}.schema.json")


def two_places(value: Decimal | None) -> str | None:
    return None if value is None else str(quantize(value))


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as the machine-readable outputs give every recorded figure: two places, or, when
    it has more (only a published report's declared figures may, up to 6), exactly as recorded."""
    if value is None:
        return None
    if value.as_tuple().exponent >= -2:
        return two_places(value)
    return format(value, "f")


def evaluation_to_dict(ev: Evaluation) -> dict:
    s = ev.summary
    summary = {f.name: figure_value(f, getattr(s, f.name)) for f in SUMMARY_FIGURES}
    return {
        "schema_version": SCHEMA_VERSION,
        "plan": ev.plan,
        "entity": ev.entity,
        "year": ev.year,
        "as_of": ev.as_of.isoformat(),
        "known_at": timestamp(ev.known_at),
        "summary": summary,
        "strategic_actions": [element_to_dict(f) for f in ev.strategic_actions],
        "short_term_actions": [element_to_dict(f) for f in ev.short_term_actions],
        "operations": [element_to_dict(f) for f in ev.operations],
        "tasks": [element_to_dict(f) for f in ev.tasks],
        "reformulations": [reformulation_to_dict(r) for r in ev.reformulations],
        "budget_modifications": [budget_modification_to_dict(r) for r in ev.budget_modifications],
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
            "recorded_at": timestamp(ev.closed.recorded_at),
        },
        "closings": [
            {
                "kind": r.kind,
                "date": r.fact.date.isoformat(),
                "reference": r.fact.reference,
                "reason": getattr(r.fact, "reason", None),
                "seq": r.seq,
                "recorded_at": timestamp(r.recorded_at),
            }
            for r in ev.closings
        ],
        "initial_loads": [
            {
                "reference": load.reference,
                "up_to": load.up_to.isoformat(),
                "recorded_at": timestamp(load.recorded_at),
                "actor": load.actor,
                "facts": load.facts,
            }
            for load in ev.initial_loads
        ],
    }


def reformulation_to_dict(r: Recorded) -> dict:
    """One reformulation of the report, with its changes."""
    return {
        "seq": r.seq,
        "date": r.fact.date.isoformat(),
        "reference": r.fact.reference,
        "reason": r.fact.reason,
        "recorded_at": timestamp(r.recorded_at),
        "actor": r.actor,
        "changes": [change_to_dict(c) for c in r.fact.changes],
    }


def budget_modification_to_dict(r: Recorded) -> dict:
    """One budget modification of the report (`poa budget`): counted apart from the reformulations.

    A transfer (`poa transfer`) is one item of the same shape with two more keys: `code` and
    `source` are its giving side, `to_code` and `to_source` its receiving side, and `amount` the
    amount moved (> 0): the giving side loses it, the receiving side gains it."""
    fact = r.fact
    transfer = isinstance(fact, Transfer)
    data = {
        "seq": r.seq,
        "date": fact.date.isoformat(),
        "reference": fact.reference,
        "reason": fact.reason,
        "code": fact.from_code if transfer else fact.code,
        "source": fact.from_source if transfer else fact.source,
        "amount": two_places(fact.amount),
        "recorded_at": timestamp(r.recorded_at),
        "actor": r.actor,
    }
    if transfer:
        data.update(to_code=fact.to_code, to_source=fact.to_source)
    return data


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


NULLABLE = ("physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency")  # null: none yet


def element_to_dict(f: Figures) -> dict:
    """An element: its code and parent, then every figure its kind carries (none left out but a
    missing sector code; an efficiency figure without value is null), then its results and justifications."""
    data = {"code": f.code, "parent": f.parent}
    for figure in REPORT_ELEMENT_FIGURES:
        if figure.carried_by(f.kind):
            value = getattr(f, figure.name)
            if value is not None or figure.name in NULLABLE:
                data[figure.name] = figure_value(figure, value)
    data["results"] = [_note(n) for n in f.results]
    data["justifications"] = [_note(n) for n in f.justifications]
    return data


def _note(note: Note) -> dict:
    return {"date": note.date.isoformat(), "text": note.text}


def change_to_dict(change, *, number=decimal_text) -> dict:
    """A reformulation's change in the entry syntax; `number` writes its decimals (two places)."""
    if isinstance(change, Add):
        return {"add": element_fields(change.element, with_kind=True, number=number)}
    if isinstance(change, Update):
        fields = {k: v for k, v in attrs.asdict(change, recurse=False).items() if v is not None}
        return {"update": plain(fields, number)}
    if isinstance(change, Cancel):
        return {"cancel": {"code": change.code}}
    assert isinstance(change, BudgetLine)
    return {"budget": plain(attrs.asdict(change, recurse=False), number)}


def element_fields(element: Element, *, with_kind: bool = False, number=decimal_text) -> dict:
    data = {"kind": element.kind} if with_kind else {}
    for name, value in attrs.asdict(element, recurse=False).items():
        if name == "kind" or value is None or (name == "budget" and element.kind != ElementKind.OPERATION):
            continue
        data[name] = value
    return plain(data, number)


def fact_fields(fact, *, number=decimal_text) -> dict:
    """A fact's fields in the shape of the entry that states it (`poa apply`): decimals written by
    `number` (by default two places, a publish's declared figures as printed: `decimal_text`; the
    history table passes `str`, the figures as they were typed)."""
    if isinstance(fact, Transfer):  # the entry's nested sides: {from: {code, source}, to: {code, source}, ...}
        return plain(fact.entry_fields(), number)
    if isinstance(fact, Approval):
        data = {"entity": fact.entity, "year": fact.year, "date": fact.date, "reference": fact.reference}
        for kind, list_name in ELEMENT_LISTS.items():
            data[list_name] = [element_fields(e, number=number) for e in fact.elements if e.kind == kind]
        settings = settings_fields(fact.settings) if fact.settings is not None else {}
        if settings:  # only what differs from the defaults: an approval without settings keeps its form
            data["settings"] = settings
        return plain(data, number)
    data = {}
    for name in _field_names(type(fact)):
        value = getattr(fact, name)
        if value is None:
            continue
        kind = type(value)
        if kind is str or kind is int:  # most fields: as they are (`plain` would leave them so)
            data[name] = value
        elif kind is Decimal:
            data[name] = number(value)
        elif kind is date:
            data[name] = value.isoformat()
        elif name == "changes":
            data[name] = plain([change_to_dict(c, number=number) for c in value], number)
        elif name == "seals":  # an issued report's: {format: {sha256, zlib_base64}}
            data[name] = plain({s.format: {"sha256": s.sha256, "zlib_base64": s.zlib_base64} for s in value}, number)
        elif name == "signatures":  # an issued report's names: only those given
            signatures = settings_fields(Settings(signatures=value)).get("signatures")
            if signatures is not None:
                data[name] = plain(signatures, number)
        else:
            data[name] = plain(value, number)
    return data


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(cls))


def history_fields(fact, *, number=decimal_text) -> dict:
    """A fact's fields as the history shows them (`poa history` in every format, the read model's
    and the exports' `facts.data`): `fact_fields` without the bytes an issued report sealed,
    which would flood it; their SHA-256 stay (``seals: {format: {sha256}}``)."""
    data = fact_fields(fact, number=number)
    if isinstance(fact, ReportIssued) and "seals" in data:
        data["seals"] = {fmt: {"sha256": seal["sha256"]} for fmt, seal in data["seals"].items()}
    return data


def recorded_to_dict(plan: str, r: Recorded) -> dict:
    """One event of `poa history`."""
    data = history_fields(r.fact)
    data.pop("date", None)
    data.pop("reference", None)
    return {
        "seq": r.seq,
        "recorded_at": timestamp(r.recorded_at),
        "kind": r.kind,
        "plan": plan,
        "date": r.fact.date.isoformat(),
        "reference": r.reference,
        "actor": r.actor,
        "batch": r.batch,
        "initial_load": r.initial_load,
        "data": data,
    }


def history_to_dict(plan: str, records) -> dict:
    """`poa history --format json`: the plan and its selected events, in recorded order."""
    return {"schema_version": SCHEMA_VERSION, "plan": plan, "events": [recorded_to_dict(plan, r) for r in records]}


def issued_report_to_dict(r: Recorded) -> dict:
    """One report of `poa reports`: `known_at` the moment its view is known at (a sealed report's
    own; before the seal, its recorded time); `sealed`, and for a sealed report the version of
    the program that issued it and the SHA-256 of the bytes printed in its format (null before)."""
    fact = r.fact
    printed = fact.seal(fact.format)
    return {
        "reference": fact.reference,
        "as_of": fact.date.isoformat(),
        "format": fact.format,
        "recorded_at": timestamp(r.recorded_at),
        "actor": r.actor,
        "seq": r.seq,
        "known_at": timestamp(issued_view(r).known_at),
        "sealed": fact.sealed,
        "program_version": fact.program_version,
        "sha256": None if printed is None else printed.sha256,
    }


def issued_reports_to_dict(plan: str, records) -> dict:
    """`poa reports --format json`: the plan and its issued reports, in the order they were issued."""
    return {"schema_version": SCHEMA_VERSION, "plan": plan, "reports": [issued_report_to_dict(r) for r in records]}


def difference_to_dict(d) -> dict:
    """One row of `poa reconcile`: counts as integers (they are counts), other figures as decimal
    strings with two places, or the declared figure's own places when it printed more (82.405)."""
    def as_json(value):
        if isinstance(d.computed, int):
            return value
        return decimal_text(value)

    return {
        "reference": d.reference,
        "code": d.code,
        "figure": d.figure,
        "declared": as_json(d.declared),
        "computed": as_json(d.computed),
        "difference": as_json(d.difference),
    }


def reconciliation_to_dict(plan: str, reports: int, differences) -> dict:
    """`poa reconcile --format json`: how many published reports were compared, and every difference."""
    return {
        "schema_version": SCHEMA_VERSION,
        "plan": plan,
        "reports": reports,
        "differences": [difference_to_dict(d) for d in differences],
    }


def plain(value, number=decimal_text):
    """JSON-ready (every JSON shape's one conversion): decimals written by `number`, dates as ISO, times as `timestamp`, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): plain(v, number) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, number) for v in value]
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
