"""Warnings of an evaluation (docs/design.md): shown with every report, never blocking.

Messages are in the current language (`poa.domain.catalogue.use_language`; Spanish unless
said otherwise), worded in the catalogue (`WARNING_MESSAGES`); `kind` is the stable identifier other tools filter on
(`WarningKind`). The warnings read the evaluation's figures and
the public derivations the fold recorded (`poa.projections.figures`): the records
behind progress and executed budget, the quarter ends a programmed figure counted.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Iterable, Mapping, Sequence

from attrs import frozen

from poa.domain.catalogue import FACT_KIND_LABELS, WARNING_MESSAGES, WARNING_PARTS, Role, Rule, Status, WarningKind
from poa.domain.facts import Correction, Recorded, ReportIssued
from poa.domain.values import grouped, quantize

from .figures import Derivation, Derivations, Figures, Summary

ZERO = Decimal(0)
DEVIATION_LIMIT = Decimal(10)
LATE_AFTER_DAYS = 30


@frozen
class Warning:
    """A condition worth an operator's or auditor's attention."""

    kind: WarningKind
    code: str | None
    message: str
    seq: int | None = None


def find_warnings(
    summary: Summary,
    short_term_actions: Sequence[Figures],
    operations: Sequence[Figures],
    derivations: Derivations,
    seen: Sequence[Recorded],
    tasks: Sequence[Figures] = (),
    firsts: Mapping[tuple, tuple] | None = None,
) -> Iterable[Warning]:
    """The warnings of one evaluation: its summary, short-term actions and operations, the
    derivations the fold recorded, the facts visible in the view (`seen`), and its tasks.
    `firsts`: each element's first visible record of a kind, (date ordinal, seq) by (kind, code),
    when `seen` is a selection that may not hold it (projections/selection.py)."""
    if summary.short_term_actions and summary.weights_total != 100:
        yield Warning(
            WarningKind.WEIGHTS_TOTAL,
            None,
            WARNING_MESSAGES[WarningKind.WEIGHTS_TOTAL].text.format(total=grouped(summary.weights_total)),
        )
    for f in (*operations, *short_term_actions):
        if f.budget_executed > f.budget_current:
            message = _over_executed(f.code, f.budget_executed, f.budget_current)
            yield Warning(WarningKind.OVER_EXECUTED, f.code, message)
    if summary.budget_executed > summary.budget_current:
        plan = WARNING_PARTS["plan"].text
        yield Warning(
            WarningKind.OVER_EXECUTED, None, _over_executed(plan, summary.budget_executed, summary.budget_current)
        )
    yield from _unjustified_deviations(short_term_actions, derivations)
    yield from _going_down(derivations, firsts or {})
    yield from _execution_mixed(derivations, firsts or {})
    yield from _execution_differs_from_operations(short_term_actions, operations, derivations)
    yield from _progress_differs_from_children((*short_term_actions, *operations), (*operations, *tasks), derivations)
    for f in operations:
        if f.status == Status.CANCELLED and f.budget_current > f.budget_executed:
            yield Warning(
                WarningKind.CANCELLED_WITH_BUDGET,
                f.code,
                WARNING_MESSAGES[WarningKind.CANCELLED_WITH_BUDGET].text.format(
                    code=f.code, unexecuted=grouped(f.budget_current - f.budget_executed)
                ),
            )
    for r in seen:
        days = days_late(r)
        if days is not None and days > LATE_AFTER_DAYS:
            day = r.recorded_at.date() - timedelta(days=days)
            yield Warning(
                WarningKind.LATE_RECORD,
                getattr(r.fact, "code", None),
                WARNING_MESSAGES[WarningKind.LATE_RECORD].text.format(
                    seq=r.seq, kind=FACT_KIND_LABELS[r.kind].text, date=day, days=days,
                    recorded_on=f"{r.recorded_at:%Y-%m-%d}",
                ),
                seq=r.seq,
            )


def _over_executed(code: str, executed: Decimal, current: Decimal) -> str:
    return WARNING_MESSAGES[WarningKind.OVER_EXECUTED].text.format(
        code=code, executed=grouped(executed), current=grouped(current)
    )


def days_late(r: Recorded) -> int | None:
    """Days between a fact's date and its recording; None for an issued report (printed, not late),
    for a fact of an initial load (transcribed from earlier records, not late: docs/design.md) and
    for a correction (dated as the fact it corrects, whenever the error is found).

    A published report counts from the day it was issued, not from its cut-off date.
    """
    if isinstance(r.fact, (ReportIssued, Correction)) or r.initial_load is not None:
        return None
    return (r.recorded_at.date() - getattr(r.fact, "issued", r.fact.date)).days


def _unjustified_deviations(acps: Sequence[Figures], derivations: Derivations) -> Iterable[Warning]:
    for f in acps:
        if f.status != Status.ACTIVE or f.deviation_pts <= DEVIATION_LIMIT:
            continue
        # the quarter whose target the deviation is measured against: the last quarter end its programmed counted
        quarter_end = derivations.get(f.code, "programmed_pct").inputs["quarter_ends_passed"][-1]
        justified = any(note.date >= quarter_end for note in f.justifications)
        if not justified:
            yield Warning(
                WarningKind.UNJUSTIFIED_DEVIATION,
                f.code,
                WARNING_MESSAGES[WarningKind.UNJUSTIFIED_DEVIATION].text.format(
                    code=f.code, deviation=grouped(f.deviation_pts), quarter_end=quarter_end
                ),
            )


RECORD_KINDS = {"progress_pct": "progress", "budget_executed": "execution"}  # the records a figure rests on


def _with_records(derivations: Derivations, figure: str, firsts: Mapping[tuple, tuple]) -> list[Derivation]:
    """The derivations of `figure` that rest on records, in the order of their first record (cut-off
    date, seq; `firsts` where the records read may not hold it)."""
    found = [d for d in derivations if d.figure == figure and d.code is not None and d.records]
    kind = RECORD_KINDS[figure]

    def first(d: Derivation) -> tuple:
        given = firsts.get((kind, d.code))
        return given if given is not None else (d.records.recorded[0].fact.date.toordinal(), d.records.recorded[0].seq)

    return sorted(found, key=first)


def _in_effect(d: Derivation) -> list[Recorded]:
    """The records of a derivation the fold did not find corrected: one per source key and cut-off date."""
    return [r for r, role in zip(d.records.recorded, d.records.roles) if role != Role.CORRECTED]


def _going_down(derivations: Derivations, firsts: Mapping[tuple, tuple]) -> Iterable[Warning]:
    for d in _with_records(derivations, "progress_pct", firsts):
        points = [(r.fact.date, None, r.fact.percent) for r in _in_effect(d)]
        yield from _decreases(d.code, points, WarningKind.PROGRESS_DOWN)
    by_source: dict[str, dict] = {}  # each element's execution series: where each starts
    for key, at in firsts.items():
        if len(key) == 3 and key[0] == "execution":
            by_source.setdefault(key[1], {})[key[2]] = at
    for d in _with_records(derivations, "budget_executed", firsts):
        points = [(r.fact.date, r.fact.source, r.fact.amount) for r in _in_effect(d)]
        yield from _decreases(d.code, points, WarningKind.EXECUTION_DOWN, by_source.get(d.code))


def _decreases(code: str, points: list, kind: WarningKind, order: Mapping | None = None) -> Iterable[Warning]:
    """Cumulative figures (per source key) whose value at a later cut-off is lower.

    `points` are in cut-off date order, one per source key and cut-off date (the
    fold's records less those it found corrected); the source keys in the order of their first
    point, or of `order` (each key's first point, where `points` may not hold it).
    """
    by_key: dict[object, dict] = {}
    for day, key, value in points:
        by_key.setdefault(key, {})[day] = value
    if order:
        by_key = dict(sorted(by_key.items(), key=lambda item: order.get(item[0], (0, 0))))
    for key, values in by_key.items():
        days = sorted(values)
        for before, after in zip(days, days[1:]):
            if values[after] < values[before]:
                source = WARNING_PARTS["source"].text.format(source=key) if key else ""
                yield Warning(
                    kind,
                    code,
                    WARNING_MESSAGES[kind].text.format(
                        code=code,
                        source=source,
                        before=grouped(values[before]),
                        before_date=before,
                        after=grouped(values[after]),
                        after_date=after,
                    ),
                )


# -- records that disagree with each other ---------------------------------------------------------


def _execution_mixed(derivations: Derivations, firsts: Mapping[tuple, tuple]) -> Iterable[Warning]:
    """An element whose executed budget adds, among its latest records per source key (the fold's
    ``used`` records), one recorded without a source and one or more by source."""
    for d in _with_records(derivations, "budget_executed", firsts):
        latest = {r.fact.source: r.fact.amount for r, role in zip(d.records.recorded, d.records.roles) if role == Role.USED}
        if None not in latest or len(latest) == 1:
            continue
        by_source = sum((amount for source, amount in latest.items() if source is not None), ZERO)
        yield Warning(
            WarningKind.EXECUTION_MIXED,
            d.code,
            WARNING_MESSAGES[WarningKind.EXECUTION_MIXED].text.format(
                code=d.code, without=grouped(latest[None]), by_source=grouped(by_source), executed=grouped(d.value)
            ),
        )


def _latest_up_to(d: Derivation, day) -> tuple[Decimal, bool]:
    """An executed-budget derivation's records read at cut-off `day`: the sum over source keys of the
    latest record dated on or before it, and whether one is dated `day` itself."""
    latest: dict[str | None, Decimal] = {}
    on_day = False
    for r in d.records.recorded if d.rule == Rule.LATEST_RECORD_PER_SOURCE else ():  # (cut-off date, seq) order
        if r.fact.date <= day:
            latest[r.fact.source] = r.fact.amount
            on_day = on_day or r.fact.date == day
    return sum(latest.values(), ZERO), on_day


def _execution_differs_from_operations(
    acps: Sequence[Figures], operations: Sequence[Figures], derivations: Derivations
) -> Iterable[Warning]:
    """A short-term action with execution records of its own whose figure differs from the sum of its
    operations' (cancelled ones included) latest records up to its latest cut-off date D, when at least
    one of its operations has an execution record dated D."""
    for acp in acps:
        d = derivations.get(acp.code, "budget_executed")
        if d is None or d.rule != Rule.LATEST_RECORD_PER_SOURCE:
            continue
        day = d.records.recorded[-1].fact.date  # the latest cut-off date of its own records
        read = [_latest_up_to(derivations.get(op.code, "budget_executed"), day) for op in operations if op.parent == acp.code]
        if not any(on_day for _, on_day in read):
            continue
        total = sum((amount for amount, _ in read), ZERO)
        if total != d.value:
            yield Warning(
                WarningKind.EXECUTION_DIFFERS_FROM_OPERATIONS,
                acp.code,
                WARNING_MESSAGES[WarningKind.EXECUTION_DIFFERS_FROM_OPERATIONS].text.format(
                    code=acp.code, date=day, own=grouped(d.value), operations=grouped(total)
                ),
            )


def _progress_differs_from_children(
    parents: Sequence[Figures], children: Sequence[Figures], derivations: Derivations
) -> Iterable[Warning]:
    """An element (a short-term action, an operation) with a progress record in use, dated D, every one
    of whose active children has a progress record dated D, where the weighted mean of the children's
    records of D (the last recorded of each, with the weights in force; the plain mean when they weigh
    0 in total) differs, as shown (two places), from the element's own record."""
    under: dict[str, list[Figures]] = {}
    for child in children:
        if child.status == Status.ACTIVE:
            under.setdefault(child.parent, []).append(child)
    for f in parents:
        d = derivations.get(f.code, "progress_pct")
        if d is None or d.rule != Rule.DIRECT_RECORD or not under.get(f.code):
            continue
        day = d.records.recorded[-1].fact.date  # the record in use: latest cut-off date, then latest recorded
        weighted = []
        for child in under[f.code]:
            c = derivations.get(child.code, "progress_pct")
            on_day = [r for r in c.records.recorded if r.fact.date == day] if c.rule == Rule.DIRECT_RECORD else []
            if not on_day:
                break
            weighted.append((child.weight, on_day[-1].fact.percent))
        else:
            total = sum((w for w, _ in weighted), ZERO)
            if total:
                mean = sum((w * p for w, p in weighted), ZERO) / total
            else:
                mean = sum((p for _, p in weighted), ZERO) / len(weighted)
            if quantize(mean) != quantize(d.value):
                yield Warning(
                    WarningKind.PROGRESS_DIFFERS_FROM_CHILDREN,
                    f.code,
                    WARNING_MESSAGES[WarningKind.PROGRESS_DIFFERS_FROM_CHILDREN].text.format(
                        code=f.code, date=day, own=grouped(d.value), children=grouped(mean)
                    ),
                )
