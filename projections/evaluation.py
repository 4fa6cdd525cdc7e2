"""The evaluation of a plan at (as_of, known_at): one pure fold of its history (SPEC §4).

A fact is visible iff its effective date is ≤ as_of and it was recorded at or
before known_at. The structure in force comes from the domain's own fold (the
one command validation uses); this module adds the figures: progress with
weights, programmed progress by quarter, current and executed budget by
source, and the warnings.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Iterable, Sequence

import attrs
from attrs import frozen

from poa.domain.facts import (
    OPERATION,
    SHORT_TERM_ACTION,
    STRATEGIC_ACTION,
    TASK,
    Closing,
    Execution,
    Justification,
    Progress,
    Recorded,
    Reopening,
    Result,
)
from poa.domain.rules import closing_state
from poa.domain.structure import Node, Structure, build
from poa.domain.values import figures_context

from .warnings import Warning, find_warnings

ZERO = Decimal(0)
HUNDRED = Decimal(100)


@frozen
class Note:
    """A result or justification text shown with an element."""

    date: date
    text: str
    seq: int


@frozen
class Figures:
    """One element of the plan with its figures, exact (rounded only when shown)."""

    kind: str
    code: str
    parent: str | None
    title: str
    status: str
    weight: Decimal | None
    progress: Decimal
    programmed: Decimal | None = None
    deviation: Decimal | None = None
    budget: dict[str, Decimal] | None = None
    budget_current: Decimal | None = None
    budget_executed: Decimal | None = None
    execution_pct: Decimal | None = None
    sector_code: str | None = None
    results: tuple[Note, ...] = ()
    justifications: tuple[Note, ...] = ()


@frozen
class Summary:
    strategic_actions: int
    short_term_actions: int
    operations: int
    tasks: int
    weights_total: Decimal
    budget_current: Decimal
    budget_executed: Decimal
    budget_execution_pct: Decimal
    physical_progress_pct: Decimal
    programmed_pct: Decimal
    deviation_pts: Decimal
    reformulations: int


@frozen
class Evaluation:
    plan: str
    entity: str
    year: int
    approved_on: date
    reference: str
    as_of: date
    known_at: datetime
    summary: Summary
    strategic_actions: tuple[Figures, ...]
    short_term_actions: tuple[Figures, ...]
    operations: tuple[Figures, ...]
    tasks: tuple[Figures, ...]
    reformulations: tuple[Recorded, ...]
    warnings: tuple[Warning, ...]
    results: tuple[Note, ...] = ()
    justifications: tuple[Note, ...] = ()
    budget_modifications: tuple[Recorded, ...] = ()
    closed: Recorded | None = None  # the closing in force at known_at (whatever as_of)
    closings: tuple[Recorded, ...] = ()  # every closing and reopening known at known_at

    def elements(self) -> tuple[Figures, ...]:
        return self.strategic_actions + self.short_term_actions + self.operations + self.tasks

    def element(self, code: str) -> Figures:
        return next(e for e in self.elements() if e.code == code)


class NotInForce(Exception):
    """The plan is not approved at that as_of, or its approval is not known at that known_at."""


def end_of_day(day: date) -> datetime:
    """A bare date as a known_at: the end of that day, UTC."""
    return datetime.combine(day, time.max, tzinfo=timezone.utc)


def default_as_of(year: int, today: date) -> date:
    """Today, clamped to the plan's year."""
    return min(max(today, date(year, 1, 1)), date(year, 12, 31))


def quarter_ends(year: int) -> tuple[date, ...]:
    return (date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31))


def visible(history: Iterable[Recorded], as_of: date, known_at: datetime) -> list[Recorded]:
    return [r for r in history if r.fact.date <= as_of and r.recorded_at <= known_at]


@figures_context
def evaluate(key: str, history: Sequence[Recorded], as_of: date, known_at: datetime) -> Evaluation:
    """The plan and its evaluation at `as_of`, as known at `known_at`."""
    seen = visible(history, as_of, known_at)
    structure = build(seen)
    if structure is None:
        raise NotInForce(key)
    known = [r for r in history if r.recorded_at <= known_at]
    closings = tuple(r for r in known if isinstance(r.fact, (Closing, Reopening)))
    return attrs.evolve(
        _Fold(key, structure, seen, as_of, known_at).evaluation(), closed=closing_state(known), closings=closings
    )


class _Fold:
    """The figures of one evaluation; each element's figure is computed once."""

    def __init__(self, key: str, structure: Structure, seen: list[Recorded], as_of: date, known_at: datetime):
        self.key, self.structure, self.seen = key, structure, seen
        self.as_of, self.known_at = as_of, known_at
        self.progress_records: dict[str, list[Recorded]] = defaultdict(list)
        self.execution_records: dict[str, list[Recorded]] = defaultdict(list)
        self.notes: dict[tuple[type, str], list[Note]] = defaultdict(list)
        for r in sorted(seen, key=lambda r: (r.fact.date, r.seq)):
            fact = r.fact
            if isinstance(fact, Progress):
                self.progress_records[fact.code].append(r)
            elif isinstance(fact, Execution):
                self.execution_records[fact.code].append(r)
            elif isinstance(fact, (Result, Justification)):
                self.notes[(type(fact), fact.code)].append(Note(fact.date, fact.text, r.seq))
        self._progress: dict[str, Decimal] = {}
        self._executed: dict[str, Decimal] = {}
        passed = [q for q in quarter_ends(structure.year) if q <= as_of]
        self.quarters_passed = len(passed)
        self.last_quarter_end = passed[-1] if passed else None

    # -- rules of SPEC §4 ------------------------------------------------------
    def progress(self, node: Node) -> Decimal:
        if node.code not in self._progress:
            records = self.progress_records.get(node.code)
            if node.kind == STRATEGIC_ACTION:
                value = self.weighted(self.active_children(node), self.progress)
            elif records:
                value = records[-1].fact.percent  # latest cut-off date, then latest recorded
            else:
                children = self.active_children(node)
                value = self.weighted(children, self.progress, plain_if_zero=True) if children else ZERO
            self._progress[node.code] = value
        return self._progress[node.code]

    def programmed(self, node: Node) -> Decimal:
        if node.kind == STRATEGIC_ACTION:
            return self.weighted(self.active_children(node), self.programmed)
        if self.quarters_passed == 0:
            return ZERO
        return node.schedule[self.quarters_passed - 1]

    def weighted(self, nodes: list[Node], figure, plain_if_zero: bool = False) -> Decimal:
        """Σ wᵢ·fᵢ / Σ wᵢ; when Σ wᵢ = 0, the plain mean (children) or 0 (short-term actions)."""
        total = sum((n.weight for n in nodes), ZERO)
        if total == 0:
            if plain_if_zero and nodes:
                return sum((figure(n) for n in nodes), ZERO) / len(nodes)
            return ZERO
        return sum((n.weight * figure(n) for n in nodes), ZERO) / total

    def active_children(self, node: Node) -> list[Node]:
        return [c for c in self.structure.children(node) if c.active]

    def budget(self, node: Node) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for operation in self.structure.operations_under(node):
            for source, amount in operation.budget.items():
                totals[source] += amount
        return dict(sorted(totals.items()))

    def executed(self, node: Node) -> Decimal:
        if node.code not in self._executed:
            records = self.execution_records.get(node.code)
            if records:
                latest = {r.fact.source: r.fact.amount for r in records}  # ordered: latest wins per key
                value = sum(latest.values(), ZERO)
            elif node.kind in (STRATEGIC_ACTION, SHORT_TERM_ACTION):  # its operations, cancelled included
                value = sum((self.executed(c) for c in self.structure.children(node)), ZERO)
            else:
                value = ZERO
            self._executed[node.code] = value
        return self._executed[node.code]

    # -- assembling -------------------------------------------------------------
    def figures(self, node: Node) -> Figures:
        common = dict(
            kind=node.kind,
            code=node.code,
            parent=node.parent,
            title=node.title,
            status=node.status,
            progress=self.progress(node),
            results=tuple(self.notes.get((Result, node.code), ())),
            justifications=tuple(self.notes.get((Justification, node.code), ())),
        )
        if node.kind == TASK:
            return Figures(weight=node.weight, **common)
        current_by_source = self.budget(node)
        current = sum(current_by_source.values(), ZERO)
        executed = self.executed(node)
        money = dict(
            budget=current_by_source,
            budget_current=current,
            budget_executed=executed,
            execution_pct=percentage(executed, current),
        )
        if node.kind == OPERATION:
            return Figures(weight=node.weight, **common, **money)
        if node.kind == STRATEGIC_ACTION:
            weight = sum((c.weight for c in self.active_children(node)), ZERO)
            extra = dict(sector_code=node.sector_code)
        else:
            weight, extra = node.weight, {}
        programmed = self.programmed(node)
        return Figures(
            weight=weight,
            programmed=programmed,
            deviation=programmed - common["progress"],
            **common,
            **money,
            **extra,
        )

    def evaluation(self) -> Evaluation:
        s = self.structure
        by_kind = {k: [self.figures(n) for n in s.of_kind(k)] for k in (STRATEGIC_ACTION, SHORT_TERM_ACTION, OPERATION, TASK)}
        active_acps = [n for n in s.of_kind(SHORT_TERM_ACTION) if n.active]
        current = sum((f.budget_current for f in by_kind[OPERATION]), ZERO)
        executed = sum((f.budget_executed for f in by_kind[SHORT_TERM_ACTION]), ZERO)
        progress = self.weighted(active_acps, self.progress)
        programmed = self.weighted(active_acps, self.programmed)
        summary = Summary(
            strategic_actions=sum(1 for n in s.of_kind(STRATEGIC_ACTION) if n.active),
            short_term_actions=len(active_acps),
            operations=sum(1 for n in s.of_kind(OPERATION) if n.active),
            tasks=sum(1 for n in s.of_kind(TASK) if n.active),
            weights_total=sum((n.weight for n in active_acps), ZERO),
            budget_current=current,
            budget_executed=executed,
            budget_execution_pct=percentage(executed, current),
            physical_progress_pct=progress,
            programmed_pct=programmed,
            deviation_pts=programmed - progress,
            reformulations=len(s.reformulations),
        )
        return Evaluation(
            plan=self.key,
            entity=s.entity,
            year=s.year,
            approved_on=s.approved_on,
            reference=s.reference,
            as_of=self.as_of,
            known_at=self.known_at,
            summary=summary,
            strategic_actions=tuple(by_kind[STRATEGIC_ACTION]),
            short_term_actions=tuple(by_kind[SHORT_TERM_ACTION]),
            operations=tuple(by_kind[OPERATION]),
            tasks=tuple(by_kind[TASK]),
            reformulations=tuple(s.reformulations),
            warnings=tuple(find_warnings(self, summary, by_kind)),
            results=tuple(self.notes.get((Result, None), ())),
            justifications=tuple(self.notes.get((Justification, None), ())),
            budget_modifications=tuple(r for r, line in s.budget_changes if r.fact is line),
        )


def percentage(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole × 100, 0 when whole is 0."""
    return ZERO if whole == 0 else part * HUNDRED / whole
