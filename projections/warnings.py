"""Warnings of an evaluation (SPEC §4): shown with every report, never blocking.

Messages are Spanish (they are printed in the report); `kind` is the stable
identifier other tools filter on.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable

from attrs import frozen

from poa.domain.facts import OPERATION, SHORT_TERM_ACTION, Justification, Recorded, ReportIssued
from poa.domain.values import grouped

if TYPE_CHECKING:  # pragma: no cover
    from .evaluation import Figures, Summary, _Fold

DEVIATION_LIMIT = Decimal(10)
LATE_AFTER_DAYS = 30

WEIGHTS_TOTAL = "weights_total"
OVER_EXECUTED = "executed_above_current"
UNJUSTIFIED_DEVIATION = "unjustified_deviation"
PROGRESS_DOWN = "progress_down"
EXECUTION_DOWN = "execution_down"
CANCELLED_WITH_BUDGET = "cancelled_with_budget"
LATE_RECORD = "late_record"


@frozen
class Warning:
    """A condition worth an operator's or auditor's attention."""

    kind: str
    code: str | None
    message: str
    seq: int | None = None


def find_warnings(fold: "_Fold", summary: "Summary", by_kind: dict[str, list["Figures"]]) -> Iterable[Warning]:
    if summary.short_term_actions and summary.weights_total != 100:
        yield Warning(
            WEIGHTS_TOTAL,
            None,
            f"Las ponderaciones de las ACP vigentes suman {grouped(summary.weights_total)}, no 100.",
        )
    for f in by_kind[OPERATION] + by_kind[SHORT_TERM_ACTION]:
        if f.budget_executed > f.budget_current:
            yield Warning(
                OVER_EXECUTED,
                f.code,
                f"{f.code}: ejecutado {grouped(f.budget_executed)} supera el vigente {grouped(f.budget_current)}.",
            )
    if summary.budget_executed > summary.budget_current:
        yield Warning(
            OVER_EXECUTED,
            None,
            f"POA: ejecutado {grouped(summary.budget_executed)} supera el vigente {grouped(summary.budget_current)}.",
        )
    yield from _unjustified_deviations(fold, by_kind[SHORT_TERM_ACTION])
    yield from _going_down(fold)
    for f in by_kind[OPERATION]:
        if f.status == "cancelled" and f.budget_current > f.budget_executed:
            yield Warning(
                CANCELLED_WITH_BUDGET,
                f.code,
                f"{f.code}: operación cancelada que conserva presupuesto no ejecutado de "
                f"{grouped(f.budget_current - f.budget_executed)}.",
            )
    for r in fold.seen:
        days = days_late(r)
        if days is not None and days > LATE_AFTER_DAYS:
            day = r.recorded_at.date() - timedelta(days=days)
            yield Warning(
                LATE_RECORD,
                getattr(r.fact, "code", None),
                f"Registro {r.seq} ({r.kind}) con fecha {day} registrado {days} días después, "
                f"el {r.recorded_at:%Y-%m-%d}.",
                seq=r.seq,
            )


def days_late(r: Recorded) -> int | None:
    """Days between a fact's date and its recording; None for an issued report (printed, not late).

    A published report counts from the day it was issued, not from its cut-off date.
    """
    if isinstance(r.fact, ReportIssued):
        return None
    return (r.recorded_at.date() - getattr(r.fact, "issued", r.fact.date)).days


def _unjustified_deviations(fold: "_Fold", acps: list["Figures"]) -> Iterable[Warning]:
    quarter_end = fold.last_quarter_end
    for f in acps:
        if f.status != "active" or f.deviation <= DEVIATION_LIMIT:
            continue
        justified = any(note.date >= quarter_end for note in fold.notes.get((Justification, f.code), ()))
        if not justified:
            yield Warning(
                UNJUSTIFIED_DEVIATION,
                f.code,
                f"{f.code}: desviación de {grouped(f.deviation)} puntos sin justificación desde el cierre "
                f"del trimestre ({quarter_end}).",
            )


def _going_down(fold: "_Fold") -> Iterable[Warning]:
    for code, records in fold.progress_records.items():
        yield from _decreases(code, [(r.fact.date, None, r.fact.percent) for r in records], PROGRESS_DOWN, "avance")
    for code, records in fold.execution_records.items():
        yield from _decreases(
            code, [(r.fact.date, r.fact.source, r.fact.amount) for r in records], EXECUTION_DOWN, "ejecución"
        )


def _decreases(code: str, points: list, kind: str, label: str) -> Iterable[Warning]:
    """Cumulative figures (per source key) whose value at a later cut-off is lower.

    `points` are in (cut-off date, recorded) order; a later record for the same
    cut-off date is a correction and replaces the earlier one.
    """
    by_key: dict[object, dict] = {}
    for day, key, value in points:
        by_key.setdefault(key, {})[day] = value
    for key, values in by_key.items():
        days = sorted(values)
        for before, after in zip(days, days[1:]):
            if values[after] < values[before]:
                source = f" ({key})" if key else ""
                yield Warning(
                    kind,
                    code,
                    f"{code}{source}: {label} acumulado baja de {grouped(values[before])} ({before}) "
                    f"a {grouped(values[after])} ({after}).",
                )
