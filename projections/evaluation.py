"""The evaluation of a plan at (as_of, known_at): one pure fold of its history (docs/design.md).

A fact is visible iff its effective date is ≤ as_of and it was recorded at or
before known_at. The structure in force comes from the domain's own fold (the
one command validation uses); this module adds the figures: progress with
weights, programmed progress by quarter, current and executed budget by
source, and the warnings.

The fold computes every figure once and, while it does, records its derivation
(`poa.projections.figures.Derivation`: the rule applied, its inputs, the parts it
combined or left out, the records behind it with their roles). This module is the
one place where the rules are decided: `explain` (provenance.py), `diff`
(comparison.py) and the warnings (warnings.py) read the derivations through
`Evaluation.derivation(code, figure, source)`; none of them re-decides a rule.

Public API: `evaluate(key, history, as_of, known_at) -> Evaluation`;
`Evaluation.derivation(code_or_None, figure, source=None) -> Derivation`;
`Evaluation.derivations() -> Derivations` (every one); `visible`, `quarter_ends`,
`end_of_day`, `default_as_of`, `percentage`, `NotInForce`. The value types
(`Figures`, `Summary`, `Note`, `Derivation`, `Part`, `Record`) live in
`poa.projections.figures` and are re-exported here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Iterable, Sequence

import attrs
from attrs import field, frozen

from poa.domain.catalogue import FIGURE, ElementKind, Role, Rule
from poa.domain.facts import Closing, Execution, Justification, Progress, Recorded, Reopening, Result
from poa.domain.corrections import TEXTS, replaced
from poa.domain.rules import closing_state
from poa.domain.settings import DEFAULT_SETTINGS, Settings, Signatures
from poa.domain.structure import Node, Record, Structure, build
from poa.domain.values import figures_context

from .figures import NO_INPUTS, Derivation, Derivations, Figures, Note, Part, RankedRecords, Summary
from .initial_loads import InitialLoad, initial_loads
from .warnings import Warning, find_warnings

__all__ = [
    "Derivation", "Derivations", "Evaluation", "Figures", "InitialLoad", "Note", "NotInForce", "Part", "RankedRecords",
    "Record", "Summary",
    "default_as_of", "end_of_day", "evaluate", "percentage", "quarter_ends", "visible",
]

ZERO = Decimal(0)
HUNDRED = Decimal(100)

STRATEGIC_ACTION = ElementKind.STRATEGIC_ACTION
SHORT_TERM_ACTION = ElementKind.SHORT_TERM_ACTION
OPERATION = ElementKind.OPERATION
TASK = ElementKind.TASK
USED, SUPERSEDED, CORRECTED, EXCLUDED = Role.USED, Role.SUPERSEDED, Role.CORRECTED, Role.EXCLUDED

# figure names (the catalogue's)
TITLE, STATUS, SECTOR_CODE, WEIGHT, SCHEDULE = "title", "status", "sector_code", "weight", "schedule"
PROGRESS, PROGRAMMED, DEVIATION = "progress_pct", "programmed_pct", "deviation_pts"
BUDGET, CURRENT, EXECUTED, EXECUTION = "budget", "budget_current", "budget_executed", "budget_execution_pct"
PHYSICAL, WEIGHTS_TOTAL, REFORMULATIONS = "physical_progress_pct", "weights_total", "reformulations"
BUDGET_MODIFICATIONS = "budget_modifications"
EFFICACY, EFFICIENCY, BAND, RELATIVE = "physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency"
COUNTS = {
    "strategic_actions": STRATEGIC_ACTION,
    "short_term_actions": SHORT_TERM_ACTION,
    "operations": OPERATION,
    "tasks": TASK,
}


class _Derived:
    """Keeps an evaluation's derivations outside its attrs fields: equality, repr and
    `attrs.asdict` compare and show the figures only."""

    __slots__ = ("_derivations",)


@frozen
class Evaluation(_Derived):
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
    initial_loads: tuple[InitialLoad, ...] = ()  # the initial loads among the visible facts (projections/initial_loads.py)
    quarter_ends_passed: tuple[date, ...] = ()  # the quarter ends of the year on or before as_of
    settings: Settings = DEFAULT_SETTINGS  # the plan's (its approval's): efficiency grading, signatures
    trend: tuple = field(default=(), eq=False)  # the documents' quarter-by-quarter trend (projections/trend.py, `with_trend`); () unless asked

    def elements(self) -> tuple[Figures, ...]:
        return self.strategic_actions + self.short_term_actions + self.operations + self.tasks

    def element(self, code: str) -> Figures:
        return next(e for e in self.elements() if e.code == code)

    def evolved(self, **changes) -> "Evaluation":
        """This evaluation with some fields changed (its trend, its signatures), its derivations kept."""
        found = attrs.evolve(self, **changes)
        object.__setattr__(found, "_derivations", self._derivations)
        return found

    def signed(self, names: Signatures | None) -> "Evaluation":
        """This evaluation with the report's signatures: `names` over the plan's own (None: the plan's)."""
        if names is None or names == Signatures():
            return self
        merged = self.settings.signatures.merged(names)
        return self.evolved(settings=attrs.evolve(self.settings, signatures=merged))

    def derivations(self) -> Derivations:
        """Every derivation the fold recorded (only on an evaluation `evaluate` returned)."""
        return self._derivations

    def derivation(self, code: str | None, figure: str, source: str | None = None) -> Derivation:
        """How `figure` (a catalogue name) of element `code` (None: the plan) was computed.

        `source` names the funding source of a by-source figure (`budget`); a source
        the element has no budget line in force for is the empty sum, 0. Raises
        `KeyError` for an element absent from the evaluation or a figure its kind
        does not carry.
        """
        found = self._derivations.get(code, figure, source)
        if found is None:
            if source is not None and FIGURE[figure].by_source and self._derivations.get(code, CURRENT) is not None:
                return _empty_sum(code, figure, source)
            raise KeyError((code, figure, source))
        return found


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
def evaluate(key: str, history: Sequence[Recorded], as_of: date, known_at: datetime, *, checks: bool = True) -> Evaluation:
    """The plan and its evaluation at `as_of`, as known at `known_at`, with the derivation of every figure.
    `checks=False`: its figures and derivations only, without the warnings and the initial loads (empty),
    which only the reports show (the rows of projections/tables.py need the figures alone)."""
    seen = visible(history, as_of, known_at)
    structure = build(seen)
    if structure is None:
        raise NotInForce(key)
    known = [r for r in history if r.recorded_at <= known_at]
    fold = _Fold(structure, seen, as_of)
    s = structure
    by_kind = {k: tuple(fold.figures(n) for n in s.of_kind(k)) for k in (STRATEGIC_ACTION, SHORT_TERM_ACTION, OPERATION, TASK)}
    summary = fold.summary(by_kind)
    derivations = Derivations(fold.index)
    evaluation = Evaluation(
        plan=key,
        entity=s.entity,
        year=s.year,
        approved_on=s.approved_on,
        reference=s.reference,
        as_of=as_of,
        known_at=known_at,
        summary=summary,
        strategic_actions=by_kind[STRATEGIC_ACTION],
        short_term_actions=by_kind[SHORT_TERM_ACTION],
        operations=by_kind[OPERATION],
        tasks=by_kind[TASK],
        reformulations=tuple(s.reformulations),
        warnings=tuple(
            find_warnings(
                summary, by_kind[SHORT_TERM_ACTION], by_kind[OPERATION], derivations, seen, by_kind[TASK],
                getattr(history, "firsts", None),  # a `selection.Selected` gives each element's first record
            )
        ) if checks else (),
        results=tuple(fold.notes.get((Result, None), ())),
        justifications=tuple(fold.notes.get((Justification, None), ())),
        budget_modifications=tuple(r for r, line in s.budget_changes if r.fact is line),
        closed=closing_state(known),
        closings=tuple(r for r in known if isinstance(r.fact, (Closing, Reopening))),
        initial_loads=initial_loads(seen, getattr(history, "tally", None)) if checks else (),  # `selection.Selected` counts them
        quarter_ends_passed=fold.passed,
        settings=s.settings,
    )
    object.__setattr__(evaluation, "_derivations", derivations)
    return evaluation


def _roles(records: list[Recorded]) -> list[Role]:
    """The role of each record of one key, in (cut-off date, recorded) order: the last is `used`
    (the fold's figure); one followed by a record of the same date is `corrected`; any other
    `superseded` (a later cut-off date replaced it)."""
    roles = [CORRECTED if later.fact.date == r.fact.date else SUPERSEDED for r, later in zip(records, records[1:])]
    roles.append(USED)
    return roles


def _roles_by_source(records: list[Recorded]) -> list[Role]:
    """The roles of execution records, ranked per source key (no source is a key of its own)."""
    by_source: dict[str | None, list[int]] = {}
    for i, r in enumerate(records):
        by_source.setdefault(r.fact.source, []).append(i)
    if len(by_source) == 1:
        return _roles(records)
    roles: list[Role] = [USED] * len(records)
    for positions in by_source.values():
        for i, role in zip(positions, _roles([records[i] for i in positions])):
            roles[i] = role
    return roles


def _places(seen: list[Recorded]) -> dict[int, int]:
    """The seq of the first text of each chain of replacements, by the seq of each replacement: a
    replacement is listed where the text it replaces was."""
    place: dict[int, int] = {}
    for r in sorted(seen, key=lambda r: r.seq):
        if isinstance(r.fact, TEXTS) and r.fact.replaces is not None:
            place[r.seq] = place.get(r.fact.replaces, r.fact.replaces)
    return place


def _empty_sum(code: str | None, figure: str, source: str) -> Derivation:
    """A funding source with no budget line in force: the empty sum."""
    return Derivation(figure, ZERO, Rule.SUM_OF_BUDGET_LINES, code=code, source=source)


class _Fold:
    """The figures of one evaluation and their derivations; each figure is computed once.

    `index` holds every derivation by (code, figure, source); a parent's parts
    reference its children's derivations.
    """

    def __init__(self, structure: Structure, seen: list[Recorded], as_of: date):
        self.structure = structure
        self.progress_records: dict[str, list[Recorded]] = defaultdict(list)
        self.execution_records: dict[str, list[Recorded]] = defaultdict(list)
        self.notes: dict[tuple[type, str | None], list[Note]] = defaultdict(list)
        superseded = replaced(seen)  # a text replaced by a visible one is left out; its replacement takes its place
        place = _places(seen)
        for r in sorted(seen, key=lambda r: (r.fact.date, place.get(r.seq, r.seq), r.seq)):
            fact = r.fact
            if isinstance(fact, Progress):
                self.progress_records[fact.code].append(r)
            elif isinstance(fact, Execution):
                self.execution_records[fact.code].append(r)
            elif isinstance(fact, (Result, Justification)) and r.seq not in superseded:
                self.notes[(type(fact), fact.code)].append(Note(fact.date, fact.text, r.seq))
        self.passed = tuple(q for q in quarter_ends(structure.year) if q <= as_of)
        self.index: dict[tuple[str | None, str, str | None], Derivation] = {}
        self._budgets: dict[str, dict[str, Derivation]] = {}

    def put(self, d: Derivation) -> Derivation:
        self.index[(d.code, d.figure, d.source)] = d
        return d

    # -- structural figures: the facts in force, as the structure's fold remembers them ------
    def status(self, node: Node) -> Derivation:
        added = node.added_by
        if node.active:
            return self.put(Derivation(STATUS, node.status, Rule.ADDED, {"added_on": node.added_on}, (), (added,), node.code))
        cancel = node.cancelled_by
        inputs = {"cancelled_on": node.cancelled_on, "cancelled_with": cancel.item.code}
        return self.put(Derivation(STATUS, node.status, Rule.CANCELLED, inputs, (), (added, cancel), node.code))

    def in_force(self, figure: str, node: Node, value, by: Record) -> Derivation:
        return self.put(Derivation(figure, value, Rule.STRUCTURE_IN_FORCE, NO_INPUTS, (), (by,), node.code))

    def weight(self, node: Node) -> Derivation:
        found = self.index.get((node.code, WEIGHT, None))
        if found is not None:
            return found
        if node.kind != STRATEGIC_ACTION:
            return self.in_force(WEIGHT, node, node.weight, node.weight_by)
        value, parts = self.active_weights(self.structure.children(node))
        return self.put(Derivation(WEIGHT, value, Rule.SUM_OF_ACTIVE_WEIGHTS, NO_INPUTS, parts, (), node.code))

    def active_weights(self, children: list[Node]) -> tuple[Decimal, tuple[Part, ...]]:
        """Σ of the active children's weights; every child a part (cancelled ones excluded)."""
        total = ZERO
        parts = []
        for c in children:
            if c.active:
                total += c.weight
            parts.append(Part(c.code, c.weight, USED if c.active else EXCLUDED, c.status, c.weight, derivation=self.weight(c)))
        return total, tuple(parts)

    # -- progress and programmed progress ----------------------------------------------------
    def progress(self, node: Node) -> Derivation:
        found = self.index.get((node.code, PROGRESS, None))
        if found is not None:
            return found
        records = self.progress_records.get(node.code)
        if node.kind != STRATEGIC_ACTION and records:  # latest cut-off date, then latest recorded
            d = Derivation(PROGRESS, records[-1].fact.percent, Rule.DIRECT_RECORD, NO_INPUTS, (), RankedRecords(records, _roles(records)), node.code)
            return self.put(d)
        children = self.structure.children(node)
        return self.put(self.mean(PROGRESS, node.code, children, self.progress, node.kind == STRATEGIC_ACTION))

    def programmed(self, node: Node) -> Derivation:
        found = self.index.get((node.code, PROGRAMMED, None))
        if found is not None:
            return found
        if node.kind == STRATEGIC_ACTION:
            return self.put(self.mean(PROGRAMMED, node.code, self.structure.children(node), self.programmed, True))
        value = node.schedule[len(self.passed) - 1] if self.passed else ZERO  # 0 before the first quarter end
        inputs = {"schedule": node.schedule, "quarter_ends_passed": self.passed}
        return self.put(Derivation(PROGRAMMED, value, Rule.SCHEDULE, inputs, (), (node.schedule_by,), node.code))

    def mean(self, figure: str, code: str | None, children: list[Node], derive, of_short_term_actions: bool) -> Derivation:
        """Σ wᵢ·fᵢ / Σ wᵢ over the active children. When Σ wᵢ = 0: 0 for short-term actions
        (a strategic action, the plan); the plain mean for other children, 0 without any active."""
        parts = []
        active = []
        total = ZERO
        for c in children:
            child = derive(c)
            if c.active:
                total += c.weight
                active.append((c.weight, child.value))
                parts.append(Part(c.code, child.value, USED, c.status, c.weight, derivation=child))
            else:
                parts.append(Part(c.code, child.value, EXCLUDED, c.status, c.weight))
        parts = tuple(parts)
        if not active and not of_short_term_actions:
            return Derivation(figure, ZERO, Rule.DEFAULT_ZERO, NO_INPUTS, parts, (), code)
        inputs = {"weights_total": total}
        if total == 0:
            if of_short_term_actions:
                return Derivation(figure, ZERO, Rule.ZERO_WEIGHTS_TOTAL, inputs, parts, (), code)
            value = sum((v for _, v in active), ZERO) / len(active)
            return Derivation(figure, value, Rule.PLAIN_MEAN_OF_CHILDREN, inputs, parts, (), code)
        value = sum((w * v for w, v in active), ZERO) / total
        rule = Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS if of_short_term_actions else Rule.WEIGHTED_MEAN_OF_CHILDREN
        return Derivation(figure, value, rule, inputs, parts, (), code)

    def deviation(self, code: str | None, figure: str, programmed: Derivation, progress: Derivation) -> Derivation:
        inputs = {"programmed": programmed.value, "progress": progress.value}
        d = Derivation(figure, programmed.value - progress.value, Rule.PROGRAMMED_MINUS_PROGRESS, inputs, (), (), code)
        return self.put(d)

    # -- budget ------------------------------------------------------------------------------
    def budget(self, node: Node) -> dict[str, Derivation]:
        """Current budget by source (sorted): an operation's lines in force; an action's, every
        line of the operations under it, cancelled ones included."""
        found = self._budgets.get(node.code)
        if found is not None:
            return found
        if node.kind == OPERATION:
            lines = node.budget_by  # the lines in force, by source
            totals = {source: ZERO + amount for source, amount in node.budget.items()}  # a sum, as for actions
        else:
            lines, totals = self.sum_budgets(self.structure.children(node))
        by_source = {
            source: self.put(
                Derivation(BUDGET, totals[source], Rule.SUM_OF_BUDGET_LINES, NO_INPUTS, (), tuple(lines[source]), node.code, source)
            )
            for source in sorted(totals)
        }
        self._budgets[node.code] = by_source
        return by_source

    def sum_budgets(self, nodes: list[Node]) -> tuple[dict[str, list[Record]], dict[str, Decimal]]:
        lines: dict[str, list[Record]] = {}
        totals: dict[str, Decimal] = {}
        for n in nodes:
            for source, d in self.budget(n).items():
                totals[source] = totals.get(source, ZERO) + d.value
                lines.setdefault(source, []).extend(d.records)
        return lines, totals

    def current(self, code: str | None, by_source: dict[str, Derivation], value: Decimal | None = None) -> Derivation:
        parts = tuple([Part(code, d.value, USED, None, None, source) for source, d in by_source.items()])
        if value is None:
            value = sum([part.value for part in parts], ZERO)
        return self.put(Derivation(CURRENT, value, Rule.SUM_OVER_SOURCES, NO_INPUTS, parts, (), code))

    def executed(self, node: Node) -> Derivation:
        found = self.index.get((node.code, EXECUTED, None))
        if found is not None:
            return found
        records = self.execution_records.get(node.code)
        if records:  # per source key (no source is a key of its own), the latest record
            latest = {r.fact.source: r.fact.amount for r in records}
            d = Derivation(EXECUTED, sum(latest.values(), ZERO), Rule.LATEST_RECORD_PER_SOURCE, NO_INPUTS, (), RankedRecords(records, _roles_by_source(records)), node.code)
        elif node.kind == SHORT_TERM_ACTION or node.kind == STRATEGIC_ACTION:  # its children, cancelled included
            rule = Rule.SUM_OVER_OPERATIONS if node.kind == SHORT_TERM_ACTION else Rule.SUM_OVER_SHORT_TERM_ACTIONS
            d = self.sum_executed(node.code, self.structure.children(node), rule)
        else:
            d = Derivation(EXECUTED, ZERO, Rule.DEFAULT_ZERO, NO_INPUTS, (), (), node.code)
        return self.put(d)

    def sum_executed(self, code: str | None, children: list[Node], rule: Rule) -> Derivation:
        parts = []
        value = ZERO
        for c in children:
            child = self.executed(c)
            value += child.value
            parts.append(Part(c.code, child.value, USED, c.status, derivation=child))
        return Derivation(EXECUTED, value, rule, NO_INPUTS, tuple(parts), (), code)

    def execution(self, code: str | None, executed: Derivation, current: Derivation) -> Derivation:
        rule = Rule.ZERO_CURRENT if current.value == 0 else Rule.EXECUTED_OVER_CURRENT
        inputs = {"executed": executed.value, "current": current.value}
        d = Derivation(EXECUTION, percentage(executed.value, current.value), rule, inputs, (), (), code)
        return self.put(d)

    # -- assembling ----------------------------------------------------------------------------
    def figures(self, node: Node) -> Figures:
        code = node.code
        self.status(node)
        self.in_force(TITLE, node, node.title, node.title_by)
        progress = self.progress(node)
        common = dict(
            kind=node.kind,
            code=code,
            parent=node.parent,
            title=node.title,
            status=node.status,
            progress_pct=progress.value,
            results=tuple(self.notes.get((Result, code), ())),
            justifications=tuple(self.notes.get((Justification, code), ())),
        )
        weight = self.weight(node).value
        if node.kind == TASK:
            return Figures(weight=weight, **common)
        by_source = self.budget(node)
        current = self.current(code, by_source)
        executed = self.executed(node)
        money = dict(
            budget={source: d.value for source, d in by_source.items()},
            budget_current=current.value,
            budget_executed=executed.value,
            budget_execution_pct=self.execution(code, executed, current).value,
        )
        if node.kind == OPERATION:
            return Figures(weight=weight, **common, **money)
        if node.kind == STRATEGIC_ACTION:
            extra = dict(sector_code=self.in_force(SECTOR_CODE, node, node.sector_code, node.sector_code_by).value)
        else:
            extra = dict(schedule=self.in_force(SCHEDULE, node, node.schedule, node.schedule_by).value)
        programmed = self.programmed(node)
        deviation = self.deviation(code, DEVIATION, programmed, progress)
        if node.kind == SHORT_TERM_ACTION:
            extra.update(self.efficiency(code, progress, programmed, money["budget_execution_pct"], node.active))
        return Figures(
            weight=weight,
            programmed_pct=programmed.value,
            deviation_pts=deviation.value,
            **common,
            **money,
            **extra,
        )

    def efficiency(
        self, code: str | None, progress: Derivation, programmed: Derivation, execution: Decimal, active: bool = True,
    ) -> dict:
        """Physical efficacy, weighted efficiency, its band and the relative efficiency of a
        short-term action or the plan (domain/settings.py): None before anything is programmed,
        and for a cancelled short-term action (no longer pursued: not graded)."""
        settings = self.structure.settings.efficiency
        if programmed.value == 0 or not active:
            rule, inputs = (Rule.NO_TARGET, {"programmed": programmed.value}) if active else (Rule.NOT_GRADED, NO_INPUTS)
            for figure in (EFFICACY, EFFICIENCY, BAND, RELATIVE):
                self.put(Derivation(figure, None, rule, inputs, (), (), code))
            return {EFFICACY: None, EFFICIENCY: None, BAND: None, RELATIVE: None}
        efficacy = progress.value * HUNDRED / programmed.value
        self.put(Derivation(
            EFFICACY, efficacy, Rule.PROGRESS_OVER_PROGRAMMED,
            {"progress": progress.value, "programmed": programmed.value}, (), (), code,
        ))
        weights = {"physical_weight": settings.physical_weight, "financial_weight": settings.financial_weight}
        efficiency = (
            min(efficacy, HUNDRED) * settings.physical_weight + min(execution, HUNDRED) * settings.financial_weight
        )
        self.put(Derivation(
            EFFICIENCY, efficiency, Rule.WEIGHTED_EFFICIENCY, {"efficacy": efficacy, "execution": execution, **weights},
            (), (), code,
        ))
        band = settings.band(efficiency)
        self.put(Derivation(
            BAND, band, Rule.BAND_OF_EFFICIENCY, {"efficiency": efficiency, "limits": settings.limits()}, (), (), code,
        ))
        if execution == 0:
            relative = self.put(Derivation(RELATIVE, None, Rule.NOTHING_EXECUTED, {"execution": execution}, (), (), code))
        else:
            relative = self.put(Derivation(
                RELATIVE, efficacy / execution, Rule.EFFICACY_OVER_EXECUTION, {"efficacy": efficacy, "execution": execution},
                (), (), code,
            ))
        return {EFFICACY: efficacy, EFFICIENCY: efficiency, BAND: band, RELATIVE: relative.value}

    def summary(self, by_kind: dict[str, tuple[Figures, ...]]) -> Summary:
        s = self.structure
        counts = {name: self.count(name, s.of_kind(kind)) for name, kind in COUNTS.items()}
        acps = s.of_kind(SHORT_TERM_ACTION)
        weights_total, parts = self.active_weights(acps)
        self.put(Derivation(WEIGHTS_TOTAL, weights_total, Rule.SUM_OF_ACTIVE_WEIGHTS, NO_INPUTS, parts, (), None))
        lines, totals = self.sum_budgets(s.of_kind(OPERATION))
        by_source = {
            source: self.put(
                Derivation(BUDGET, totals[source], Rule.SUM_OF_BUDGET_LINES, NO_INPUTS, (), tuple(lines[source]), None, source)
            )
            for source in sorted(totals)
        }
        current = self.current(None, by_source, sum((f.budget_current for f in by_kind[OPERATION]), ZERO))
        executed = self.put(self.sum_executed(None, acps, Rule.SUM_OVER_SHORT_TERM_ACTIONS))
        progress = self.put(self.mean(PHYSICAL, None, acps, self.progress, True))
        programmed = self.put(self.mean(PROGRAMMED, None, acps, self.programmed, True))
        records = tuple(Record(r, USED, r.fact) for r in s.reformulations)
        self.put(Derivation(REFORMULATIONS, len(records), Rule.COUNT_OF_REFORMULATIONS, NO_INPUTS, (), records, None))
        modifications = tuple(Record(r, USED, line) for r, line in s.budget_changes if r.fact is line)
        self.put(
            Derivation(
                BUDGET_MODIFICATIONS, len(modifications), Rule.COUNT_OF_BUDGET_MODIFICATIONS, NO_INPUTS, (), modifications, None
            )
        )
        execution = self.execution(None, executed, current).value
        return Summary(
            **counts,
            weights_total=weights_total,
            budget_current=current.value,
            budget_executed=executed.value,
            budget_execution_pct=execution,
            physical_progress_pct=progress.value,
            programmed_pct=programmed.value,
            deviation_pts=self.deviation(None, DEVIATION, programmed, progress).value,
            reformulations=len(records),
            budget_modifications=len(modifications),
            budget={source: d.value for source, d in by_source.items()},
            **self.efficiency(None, progress, programmed, execution),
        )

    def count(self, figure: str, nodes: list[Node]) -> int:
        """Active elements of one kind; every one a part (cancelled ones excluded)."""
        parts = tuple(Part(n.code, 1 if n.active else 0, USED if n.active else EXCLUDED, n.status) for n in nodes)
        value = sum(1 for n in nodes if n.active)
        self.put(Derivation(figure, value, Rule.COUNT_OF_ACTIVE, NO_INPUTS, parts, (), None))
        return value


def percentage(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole × 100, 0 when whole is 0."""
    return ZERO if whole == 0 else part * HUNDRED / whole
