"""Provenance: where each figure of one element comes from, at (as_of, known_at).

`explain(key, history, code, as_of, known_at)` returns, for every figure the
report shows for the element (status, weight, progress, programmed, deviation,
current budget by source and in total, executed budget, % execution), the rule
of SPEC §4 that produced it, the parts it combined (children with their weights
and values, or funding sources) and every event behind it — including the
events that did not count, each marked with its role:

- ``used``: visible, and the figure takes it into account;
- ``superseded``: visible, but replaced by a record with a later cut-off date
  (or, for weights, schedules and cancellations, by a later change in effect);
- ``corrected``: visible, but a later-recorded record for the same element (and
  source) and the same date corrects it;
- ``not_known``: recorded after known_at (checked first: as known at known_at
  the event does not exist, whatever its date);
- ``after_as_of``: recorded by known_at but dated after as_of.

A part of a mean (a child) is ``used`` or ``excluded`` (cancelled: it drops out
of progress aggregation; it stays in budget sums).

The figures are never recomputed here: every value is read from `evaluate`
(the report's own evaluation); the rules are chosen with the same records and
structure the evaluation folds (`visible`, `build`, `_Fold`). Events are listed
in recorded order (seq).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from attrs import field, frozen

from poa.domain.facts import (
    SHORT_TERM_ACTION,
    STRATEGIC_ACTION,
    TASK,
    Add,
    Approval,
    BudgetLine,
    BudgetModification,
    Cancel,
    Execution,
    Progress,
    Recorded,
    Reformulation,
    Update,
)
from poa.domain.structure import ACTIVE, Node, Structure, build, structural_order
from poa.domain.values import figures_context

from .evaluation import Figures, _Fold, evaluate, quarter_ends, visible

ZERO = Decimal(0)

# -- roles of events and parts -------------------------------------------------------
USED = "used"
SUPERSEDED = "superseded"
CORRECTED = "corrected"
NOT_KNOWN = "not_known"
AFTER_AS_OF = "after_as_of"
EXCLUDED = "excluded"

# -- rules ----------------------------------------------------------------------------
ADDED = "added"  # status active: the approval or reformulation that added it, no cancellation in effect
CANCELLED = "cancelled"  # status cancelled: the cancellation of it or of an ancestor
STRUCTURE_IN_FORCE = "structure_in_force"  # weight / schedule: the latest approval, add or update in effect
SUM_OF_ACTIVE_WEIGHTS = "sum_of_active_short_term_action_weights"  # weight of a strategic action
DIRECT_RECORD = "direct_record"  # progress: latest cut-off date, then latest recorded
WEIGHTED_MEAN_OF_CHILDREN = "weighted_mean_of_children"  # Σ wᵢ·pᵢ / Σ wᵢ over active children
PLAIN_MEAN_OF_CHILDREN = "plain_mean_of_children"  # active children's weights sum to 0
WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS = "weighted_mean_of_short_term_actions"  # strategic action
ZERO_WEIGHTS_TOTAL = "zero_weights_total"  # strategic action whose active ACPs weigh 0 in total (or has none)
DEFAULT_ZERO = "default_zero"  # no record, nothing to derive it from
SCHEDULE = "schedule"  # programmed: schedule value for the number of quarter ends ≤ as_of (0 before the first)
PROGRAMMED_MINUS_PROGRESS = "programmed_minus_progress"
SUM_OF_BUDGET_LINES = "sum_of_budget_lines"  # current budget of a source: every visible budget line
SUM_OVER_SOURCES = "sum_over_sources"
LATEST_RECORD_PER_SOURCE = "latest_record_per_source"  # executed: Σ over source keys of the latest record
SUM_OVER_OPERATIONS = "sum_over_operations"  # executed of an ACP without records (cancelled included)
SUM_OVER_SHORT_TERM_ACTIONS = "sum_over_short_term_actions"  # executed of a strategic action
EXECUTED_OVER_CURRENT = "executed_over_current"  # executed / current × 100
ZERO_CURRENT = "zero_current"  # % execution when the current budget is 0


@frozen
class Evidence:
    """One event behind a figure.

    `kind` is the fact's kind (approve, reformulate, budget, progress,
    execution); `action` what the event did to this figure (approve, add,
    update, cancel, budget_line, budget_modification, progress, execution);
    `code` the element the event (or its change) names; `value` what it states
    for the figure (a percent, an amount, a weight, a schedule, a status).
    """

    seq: int
    recorded_at: datetime
    actor: str
    kind: str
    action: str
    reference: str | None
    date: date
    code: str
    source: str | None
    value: object
    role: str


@frozen
class Part:
    """One term a rule combined: a child element (with its weight) or a funding source."""

    code: str
    value: Decimal
    role: str = USED
    status: str | None = None
    weight: Decimal | None = None
    source: str | None = None
    explanation: Explanation | None = None  # how the part's own value was obtained


@frozen
class Explanation:
    """A figure, its value exactly as the report computes it, the rule, its parts and inputs, and its events."""

    figure: str  # the report's JSON key: status, weight, progress_pct, budget, budget_current, ...
    value: object  # Decimal, or the status text
    rule: str
    source: str | None = None  # for `budget`: the funding source
    inputs: dict = field(factory=dict)
    parts: tuple[Part, ...] = ()
    events: tuple[Evidence, ...] = ()


@frozen
class Provenance:
    plan: str
    entity: str
    year: int
    as_of: date
    known_at: datetime
    code: str
    kind: str
    parent: str | None
    title: str
    status: str
    figures: tuple[Explanation, ...]

    def figure(self, name: str, source: str | None = None) -> Explanation:
        return next(f for f in self.figures if f.figure == name and f.source == source)


class UnknownElement(Exception):
    """The code names no element of the plan in force at (as_of, known_at)."""


@figures_context
def explain(key: str, history: Sequence[Recorded], code: str, as_of: date, known_at: datetime) -> Provenance:
    """The provenance of every figure of element `code`; raises `NotInForce` like `evaluate`, or `UnknownElement`."""
    ev = evaluate(key, history, as_of, known_at)
    seen = visible(history, as_of, known_at)
    structure = build(seen)
    node = structure.nodes.get(code)
    if node is None:
        raise UnknownElement(_why_unknown(key, history, code, as_of, known_at))
    explainer = _Explainer(key, history, structure, seen, as_of, known_at, {f.code: f for f in ev.elements()})
    return Provenance(
        plan=key,
        entity=ev.entity,
        year=ev.year,
        as_of=as_of,
        known_at=known_at,
        code=node.code,
        kind=node.kind,
        parent=node.parent,
        title=node.title,
        status=node.status,
        figures=explainer.all_figures(node),
    )


def _why_unknown(key: str, history: Sequence[Recorded], code: str, as_of: date, known_at: datetime) -> str:
    for r in history:
        fact = r.fact
        added = None
        if isinstance(fact, Approval) and any(e.code == code for e in fact.elements):
            added = "approved"
        elif isinstance(fact, Reformulation) and any(isinstance(c, Add) and c.element.code == code for c in fact.changes):
            added = "added"
        if added:
            return (
                f"{code} is not in plan {key} as of {as_of} as known at {known_at.isoformat()}: "
                f"{added} by {fact.reference} (seq {r.seq}), effective {fact.date}, "
                f"recorded at {r.recorded_at.isoformat()}"
            )
    return f"unknown code {code} in plan {key}"


class _Explainer:
    def __init__(self, key, history, structure: Structure, seen, as_of, known_at, figures: dict[str, Figures]):
        self.history = sorted(history, key=lambda r: r.seq)
        self.structure = structure
        self.whole = build(history)  # every element ever recorded, to find events not visible
        self.fold = _Fold(key, structure, seen, as_of, known_at)  # the evaluation's own record lists
        self.as_of, self.known_at = as_of, known_at
        self.values = figures
        self.progress_all: dict[str, list[Recorded]] = defaultdict(list)
        self.execution_all: dict[str, list[Recorded]] = defaultdict(list)
        for r in self.history:
            if isinstance(r.fact, Progress):
                self.progress_all[r.fact.code].append(r)
            elif isinstance(r.fact, Execution):
                self.execution_all[r.fact.code].append(r)
        self.in_effect_order = {r.seq: i for i, r in enumerate(structural_order(history))}

    # -- visibility -------------------------------------------------------------
    def hidden(self, r: Recorded) -> str | None:
        if r.recorded_at > self.known_at:
            return NOT_KNOWN
        if r.fact.date > self.as_of:
            return AFTER_AS_OF
        return None

    def evidence(self, r: Recorded, action: str, code: str, value, role: str | None = None, source=None) -> Evidence:
        return Evidence(
            seq=r.seq,
            recorded_at=r.recorded_at,
            actor=r.actor,
            kind=r.kind,
            action=action,
            reference=r.reference,
            date=r.fact.date,
            code=code,
            source=source,
            value=value,
            role=self.hidden(r) or role or USED,
        )

    # -- all figures ------------------------------------------------------------
    def all_figures(self, node: Node) -> tuple[Explanation, ...]:
        found = [self.status(node), self.weight(node), self.progress(node)]
        if node.kind in (SHORT_TERM_ACTION, STRATEGIC_ACTION):
            found += [self.programmed(node), self.deviation(node)]
        if node.kind != TASK:
            by_source = self.budget_by_source(node)
            found += by_source
            found += [self.budget_current(node), self.executed(node), self.execution_pct(node)]
        return tuple(found)

    # -- status and weight ------------------------------------------------------
    def status(self, node: Node) -> Explanation:
        lineage = [node.code]
        parent = node.parent
        while parent is not None:
            lineage.append(parent)
            parent = self.whole.nodes[parent].parent
        events, cancels = [], []
        for r in self.history:
            fact = r.fact
            if isinstance(fact, Approval) and any(e.code == node.code for e in fact.elements):
                events.append(self.evidence(r, "approve", node.code, ACTIVE))
            elif isinstance(fact, Reformulation):
                for change in fact.changes:
                    if isinstance(change, Add) and change.element.code == node.code:
                        events.append(self.evidence(r, "add", node.code, ACTIVE))
                    elif isinstance(change, Cancel) and change.code in lineage:
                        cancels.append((r, change.code))
        # the first visible cancellation in effect order set the status; any other visible one had no effect
        effective = sorted((c for c in cancels if self.hidden(c[0]) is None), key=lambda c: self.in_effect_order[c[0].seq])
        first = effective[0] if effective else None
        for r, code in cancels:
            role = USED if first is not None and r.seq == first[0].seq else SUPERSEDED
            events.append(self.evidence(r, "cancel", code, "cancelled", role))
        events.sort(key=lambda e: e.seq)
        if node.active:
            return Explanation("status", node.status, ADDED, inputs={"added_on": node.added_on}, events=tuple(events))
        inputs = {"cancelled_on": node.cancelled_on, "cancelled_with": first[1] if first else None}
        return Explanation("status", node.status, CANCELLED, inputs=inputs, events=tuple(events))

    def weight(self, node: Node) -> Explanation:
        value = self.values[node.code].weight
        if node.kind == STRATEGIC_ACTION:
            children = self.structure.children(node)
            parts = tuple(
                Part(c.code, c.weight, USED if c.active else EXCLUDED, c.status, c.weight, explanation=self.weight(c))
                for c in children
            )
            return Explanation("weight", value, SUM_OF_ACTIVE_WEIGHTS, parts=parts)
        return Explanation("weight", value, STRUCTURE_IN_FORCE, events=self.set_by_structure(node, "weight"))

    def set_by_structure(self, node: Node, attribute: str) -> tuple[Evidence, ...]:
        """The approval, add and updates that set an attribute (weight, schedule), the one in effect `used`."""
        setters: list[tuple[Recorded, str, object]] = []
        for r in self.history:
            fact = r.fact
            if isinstance(fact, Approval):
                setters += [(r, "approve", getattr(e, attribute)) for e in fact.elements if e.code == node.code]
            elif isinstance(fact, Reformulation):
                for change in fact.changes:
                    if isinstance(change, Add) and change.element.code == node.code:
                        setters.append((r, "add", getattr(change.element, attribute)))
                    elif isinstance(change, Update) and change.code == node.code and getattr(change, attribute) is not None:
                        setters.append((r, "update", getattr(change, attribute)))
        in_effect = [s for s in setters if self.hidden(s[0]) is None]
        last = max(in_effect, key=lambda s: self.in_effect_order[s[0].seq]) if in_effect else None
        return tuple(
            self.evidence(r, action, node.code, value, USED if last is not None and r.seq == last[0].seq else SUPERSEDED)
            for r, action, value in setters
        )

    # -- progress, programmed, deviation ------------------------------------------
    def records(self, every: list[Recorded], in_fold: list[Recorded], key, action: str, value) -> tuple[Evidence, ...]:
        """Records of one element with their roles; `in_fold` is the evaluation's visible list, in (date, seq) order."""
        groups: dict[object, list[Recorded]] = defaultdict(list)
        for r in in_fold:
            groups[key(r)].append(r)
        found = []
        for r in every:
            role = self.hidden(r)
            if role is None:
                group = groups[key(r)]
                if r.seq == group[-1].seq:  # latest cut-off date, then latest recorded: the fold's choice
                    role = USED
                elif any(o.fact.date == r.fact.date and o.seq > r.seq for o in group):
                    role = CORRECTED
                else:
                    role = SUPERSEDED
            found.append(self.evidence(r, action, r.fact.code, value(r), role, source=getattr(r.fact, "source", None)))
        return tuple(found)

    def children_parts(self, node: Node, figure: str, explain_child) -> tuple[Part, ...]:
        """The children a weighted mean combined (active ones, explained) or left out (cancelled)."""
        return tuple(
            Part(
                c.code,
                getattr(self.values[c.code], figure),
                USED if c.active else EXCLUDED,
                c.status,
                c.weight,
                explanation=explain_child(c) if c.active else None,
            )
            for c in self.structure.children(node)
        )

    def progress(self, node: Node) -> Explanation:
        value = self.values[node.code].progress
        in_fold = self.fold.progress_records.get(node.code, [])
        events = self.records(self.progress_all[node.code], in_fold, lambda r: None, "progress", lambda r: r.fact.percent)
        active = [c for c in self.structure.children(node) if c.active]
        total = sum((c.weight for c in active), ZERO)

        def parts() -> tuple[Part, ...]:
            return self.children_parts(node, "progress", self.progress)

        if node.kind == STRATEGIC_ACTION:
            rule = WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS if total != 0 else ZERO_WEIGHTS_TOTAL
            return Explanation("progress_pct", value, rule, inputs={"weights_total": total}, parts=parts(), events=events)
        if in_fold:
            return Explanation("progress_pct", value, DIRECT_RECORD, events=events)
        if active:
            rule = WEIGHTED_MEAN_OF_CHILDREN if total != 0 else PLAIN_MEAN_OF_CHILDREN
            return Explanation("progress_pct", value, rule, inputs={"weights_total": total}, parts=parts(), events=events)
        return Explanation("progress_pct", value, DEFAULT_ZERO, events=events)

    def programmed(self, node: Node) -> Explanation:
        value = self.values[node.code].programmed
        if node.kind == STRATEGIC_ACTION:
            total = sum((c.weight for c in self.structure.children(node) if c.active), ZERO)
            parts = self.children_parts(node, "programmed", self.programmed)
            rule = WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS if total != 0 else ZERO_WEIGHTS_TOTAL
            return Explanation("programmed_pct", value, rule, inputs={"weights_total": total}, parts=parts)
        passed = tuple(q for q in quarter_ends(self.structure.year) if q <= self.as_of)
        assert len(passed) == self.fold.quarters_passed
        inputs = {"schedule": node.schedule, "quarter_ends_passed": passed}
        return Explanation("programmed_pct", value, SCHEDULE, inputs=inputs, events=self.set_by_structure(node, "schedule"))

    def deviation(self, node: Node) -> Explanation:
        f = self.values[node.code]
        inputs = {"programmed": f.programmed, "progress": f.progress}
        return Explanation("deviation_pts", f.deviation, PROGRAMMED_MINUS_PROGRESS, inputs=inputs)

    # -- budget ---------------------------------------------------------------------
    def budget_lines(self, node: Node) -> list[Evidence]:
        """Every budget line of the operations under the element (those not in force included)."""
        whole_node = self.whole.nodes[node.code]
        operations = {o.code for o in self.whole.operations_under(whole_node)}
        lines = []
        for r in self.history:
            fact = r.fact
            if isinstance(fact, Approval):
                for e in fact.elements:
                    if e.code in operations:
                        lines += [self.evidence(r, "approve", e.code, a, source=s) for s, a in e.budget.items()]
            elif isinstance(fact, Reformulation):
                for change in fact.changes:
                    if isinstance(change, Add) and change.element.code in operations:
                        e = change.element
                        lines += [self.evidence(r, "add", e.code, a, source=s) for s, a in e.budget.items()]
                    elif isinstance(change, BudgetLine) and change.code in operations:
                        lines.append(self.evidence(r, "budget_line", change.code, change.amount, source=change.source))
            elif isinstance(fact, BudgetModification) and fact.code in operations:
                lines.append(self.evidence(r, "budget_modification", fact.code, fact.amount, source=fact.source))
        return lines

    def budget_by_source(self, node: Node) -> list[Explanation]:
        current = self.values[node.code].budget
        lines = self.budget_lines(node)
        sources = list(current) + sorted({e.source for e in lines} - set(current))
        return [
            Explanation(
                "budget",
                current.get(source, ZERO),  # a source with no line in force: 0
                SUM_OF_BUDGET_LINES,
                source=source,
                events=tuple(e for e in lines if e.source == source),
            )
            for source in sources
        ]

    def budget_current(self, node: Node) -> Explanation:
        f = self.values[node.code]
        parts = tuple(Part(node.code, amount, source=source) for source, amount in f.budget.items())
        return Explanation("budget_current", f.budget_current, SUM_OVER_SOURCES, parts=parts)

    def executed(self, node: Node) -> Explanation:
        value = self.values[node.code].budget_executed
        in_fold = self.fold.execution_records.get(node.code, [])
        events = self.records(
            self.execution_all[node.code], in_fold, lambda r: r.fact.source, "execution", lambda r: r.fact.amount
        )
        if in_fold:
            return Explanation("budget_executed", value, LATEST_RECORD_PER_SOURCE, events=events)
        if node.kind in (SHORT_TERM_ACTION, STRATEGIC_ACTION):
            parts = tuple(
                Part(c.code, self.values[c.code].budget_executed, USED, c.status, explanation=self.executed(c))
                for c in self.structure.children(node)
            )
            rule = SUM_OVER_OPERATIONS if node.kind == SHORT_TERM_ACTION else SUM_OVER_SHORT_TERM_ACTIONS
            return Explanation("budget_executed", value, rule, parts=parts, events=events)
        return Explanation("budget_executed", value, DEFAULT_ZERO, events=events)

    def execution_pct(self, node: Node) -> Explanation:
        f = self.values[node.code]
        rule = ZERO_CURRENT if f.budget_current == 0 else EXECUTED_OVER_CURRENT
        inputs = {"executed": f.budget_executed, "current": f.budget_current}
        return Explanation("budget_execution_pct", f.execution_pct, rule, inputs=inputs)
