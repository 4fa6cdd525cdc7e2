"""Provenance: where each figure of one element, or of the plan, comes from, at (as_of, known_at).

`explain(key, history, code, as_of, known_at)` returns, for every figure the
report shows for the element (status, weight, progress, programmed, deviation,
current budget by source and in total, executed budget, % execution) — or, with
code None or the plan's key, for every figure of the plan's summary (the counts,
the weights total, current budget by source and in total, executed budget,
% execution, institutional progress, programmed, deviation, the numbers of
reformulations and budget modifications) —, the rule that produced it, its
inputs, the parts it combined (children with their weights and values, the
elements counted, or funding sources) and every event behind it — including the
events that did not count, each marked with its role (`poa.domain.catalogue.Role`):

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

Nothing is decided here. Every value, rule, input and part, and the role of
every visible record, is the derivation the evaluation fold recorded while it
computed the figure (`Evaluation.derivation`, `poa.projections.figures`); an
`Explanation` is that derivation, with the child derivations its parts reference
explained in turn. What explain adds is what no derivation can hold: the events
the view does not see (``not_known``, ``after_as_of``) and the visible setters no
longer in effect (``superseded``), found by scanning the history for the facts
that name the element (its adds, updates and cancellations, those of its
ancestors, the budget lines of the operations ever under it, its progress and
execution records) — for the plan: the budget lines of every operation, the adds
and cancellations of the elements of each kind counted, every reformulation and
every budget modification. Events are listed in recorded order (seq).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from attrs import field, frozen

from poa.domain.catalogue import ELEMENT_LISTS, FIGURE, SUMMARY_FIGURES, Action, Role, Rule, Status
from poa.domain.facts import (
    Add,
    Approval,
    BudgetLine,
    BudgetModification,
    Cancel,
    Correction,
    Execution,
    Progress,
    Recorded,
    Reformulation,
    Transfer,
    Update,
)
from poa.domain.corrections import sides
from poa.domain.structure import build
from poa.domain.values import figures_context

from .evaluation import Evaluation, Figures, evaluate
from .figures import Derivation
from .figures import Part as DerivedPart

USED, SUPERSEDED, NOT_KNOWN, AFTER_AS_OF = Role.USED, Role.SUPERSEDED, Role.NOT_KNOWN, Role.AFTER_AS_OF
CORRECTED = Role.CORRECTED

# the figures explain shows, in the order it shows them (those the element's kind carries)
EXPLAINED = (
    "title", "status", "weight", "progress_pct", "programmed_pct", "deviation_pts", "budget", "budget_current",
    "budget_executed", "budget_execution_pct",
)
# the plan's figures explain shows, in the order it shows them: the JSON report's summary, with the
# current budget by source before its total
PLAN_EXPLAINED = tuple(
    name for f in SUMMARY_FIGURES for name in ((("budget",) if f.name == "budget_current" else ()) + (f.name,))
)
PLAN = "plan"  # the `kind` of the provenance of the plan itself (as `level` in the CSV report's plan row)
# a plan count (`strategic_actions`, ...): the kind of element it counts
COUNTED_KIND = {name: kind for kind, name in ELEMENT_LISTS.items()}
# a figure whose derivation records the fact that set an attribute in force: that attribute
_SET_ATTRIBUTE = {
    "title": "title", "weight": "weight", "schedule": "schedule", "sector_code": "sector_code",
    "programmed_pct": "schedule",
}


@frozen
class Evidence:
    """One event behind a figure.

    `kind` is the fact's kind (approve, reformulate, budget, progress,
    execution, correct); `action` what the event did to this figure (approve, add,
    update, cancel, budget_line, budget_modification, progress, execution, correct,
    and reformulate for the plan's number of reformulations); `code` the element the
    event (or its change) names, None for a reformulation as a whole; `value`
    what it states for the figure (a percent, an amount, a weight, a schedule, a
    status, a title; None for a reformulation counted); `reason`: a correction's.
    """

    seq: int
    recorded_at: datetime
    actor: str
    kind: str
    action: Action
    reference: str | None
    date: date
    code: str | None
    source: str | None
    value: object
    role: Role
    reason: str | None = None  # a correction's reason (None for any other event)


@frozen
class Part:
    """One term a rule combined: a child element (with its weight), an element counted (value 1, or 0
    when excluded) or a funding source."""

    code: str | None
    value: Decimal | int
    role: Role = USED
    status: Status | None = None
    weight: Decimal | None = None
    source: str | None = None
    explanation: Explanation | None = None  # how the part's own value was obtained


@frozen
class Explanation:
    """A figure, its value exactly as the report computes it, the rule, its parts and inputs, and its events."""

    figure: str  # the report's JSON key: status, weight, progress_pct, budget, budget_current, ...
    value: object  # Decimal, an int (a count), or the `Status`
    rule: Rule
    source: str | None = None  # for `budget`: the funding source
    inputs: dict = field(factory=dict)
    parts: tuple[Part, ...] = ()
    events: tuple[Evidence, ...] = ()


@frozen
class Provenance:
    """The explanation of every figure of one element, or of the plan (`kind` ``plan``: `code` is the
    plan's key, `title` the entity, no parent and no status)."""

    plan: str
    entity: str
    year: int
    as_of: date
    known_at: datetime
    code: str
    kind: str
    parent: str | None
    title: str
    status: Status | None
    figures: tuple[Explanation, ...]

    @property
    def of_plan(self) -> bool:
        return self.kind == PLAN

    def figure(self, name: str, source: str | None = None) -> Explanation:
        return next(f for f in self.figures if f.figure == name and f.source == source)


class UnknownElement(Exception):
    """The code names no element of the plan in force at (as_of, known_at): `code`, `plan`, and, when
    an element of the plan had that code at another view, `found`: the event that brought it (worded
    for people where it is refused, adapters/use_cases.py; its English here)."""

    def __init__(self, plan: str, code: str, as_of: date, known_at: datetime, found: Recorded | None = None):
        self.plan, self.code, self.as_of, self.known_at, self.found = plan, code, as_of, known_at, found
        super().__init__(self.english())

    @property
    def approved(self) -> bool:
        """Whether the element came with the plan's approval (else a reformulation added it)."""
        return isinstance(self.found.fact, Approval)

    def english(self) -> str:
        if self.found is None:
            return f"unknown code {self.code} in plan {self.plan}"
        fact, r = self.found.fact, self.found
        return (
            f"{self.code} is not in plan {self.plan} as of {self.as_of} as known at {self.known_at.isoformat()}: "
            f"{'approved' if self.approved else 'added'} by {fact.reference} (seq {r.seq}), effective {fact.date}, "
            f"recorded at {r.recorded_at.isoformat()}"
        )


@figures_context
def explain(key: str, history: Sequence[Recorded], code: str | None, as_of: date, known_at: datetime) -> Provenance:
    """The provenance of every figure of element `code`, or of the plan (`code` None, or the plan's key
    when no element of the plan ever had that code); raises `NotInForce` like `evaluate`, or `UnknownElement`."""
    ev = evaluate(key, history, as_of, known_at)
    explainer = _Explainer(history, ev)
    if code is None or (code == key and code not in explainer.whole.nodes):
        return _of_plan(ev, explainer)
    try:
        ev.derivation(code, "status")
    except KeyError:
        raise UnknownElement(key, code, as_of, known_at, _bringing(history, code)) from None
    return _of_element(ev, explainer, ev.element(code))


@figures_context
def explain_all(key: str, history: Sequence[Recorded], as_of: date, known_at: datetime) -> list[Provenance]:
    """The provenance of every figure of the plan, then of each element in force, from one evaluation
    (`poa evidence`); raises `NotInForce` like `evaluate`."""
    ev = evaluate(key, history, as_of, known_at)
    explainer = _Explainer(history, ev)
    return [_of_plan(ev, explainer), *(_of_element(ev, explainer, f) for f in ev.elements())]


def _of_plan(ev: Evaluation, explainer: _Explainer) -> Provenance:
    return _provenance(ev, code=ev.plan, kind=PLAN, parent=None, title=ev.entity, status=None, figures=explainer.plan_figures())


def _of_element(ev: Evaluation, explainer: _Explainer, f: Figures) -> Provenance:
    return _provenance(
        ev, code=f.code, kind=f.kind, parent=f.parent, title=f.title, status=f.status, figures=explainer.all_figures(f)
    )


def _provenance(ev: Evaluation, **element) -> Provenance:
    return Provenance(plan=ev.plan, entity=ev.entity, year=ev.year, as_of=ev.as_of, known_at=ev.known_at, **element)


def _bringing(history: Sequence[Recorded], code: str) -> Recorded | None:
    """The first event that brought an element `code` into the plan (its approval or a reformulation), if any."""
    for r in history:
        fact = r.fact
        if isinstance(fact, Approval) and any(e.code == code for e in fact.elements):
            return r
        if isinstance(fact, Reformulation) and any(isinstance(c, Add) and c.element.code == code for c in fact.changes):
            return r
    return None


@frozen
class _Naming:
    """One fact (or one change of it, one budget line of it) that names an element, at its place in the history."""

    position: int
    recorded: Recorded
    action: Action
    item: object
    source: str | None = None
    amount: Decimal | None = None


def _giving(n: _Naming) -> bool:
    """Whether a budget line is the giving side of a transfer (its first line)."""
    return n.action == Action.TRANSFER and n.item == n.recorded.fact.lines()[0]


def _item_code(item: object) -> str:
    return item.element.code if isinstance(item, Add) else item.code


class _Explainer:
    """Explanations of one evaluation's derivations, with the events of the history the view does not see."""

    def __init__(self, history: Sequence[Recorded], ev: Evaluation):
        self.ev = ev
        self.as_of, self.known_at = ev.as_of, ev.known_at
        self.whole = build(history)  # every element ever recorded, to find events not visible
        self.structure_facts: dict[str, list[_Naming]] = defaultdict(list)  # approve, add, update, cancel
        self.lines: dict[str, list[_Naming]] = defaultdict(list)  # budget lines of an operation
        self.records: dict[tuple[type, str], list[_Naming]] = defaultdict(list)  # progress, execution
        self.reformulations: list[_Naming] = []
        self._index(sorted(history, key=lambda r: r.seq))

    def _index(self, history: list[Recorded]) -> None:
        position = 0
        facts = {r.seq: r for r in history}

        def name(book, code, r, action, item, source=None, amount=None):
            nonlocal position
            book[code].append(_Naming(position, r, action, item, source, amount))
            position += 1

        for r in history:
            fact = r.fact
            if isinstance(fact, Approval):
                for e in fact.elements:
                    name(self.structure_facts, e.code, r, Action.APPROVE, e)
                    for source, amount in e.budget.items():
                        name(self.lines, e.code, r, Action.APPROVE, e, source, amount)
            elif isinstance(fact, Reformulation):
                self.reformulations.append(_Naming(position, r, Action.REFORMULATE, fact))
                position += 1
                for change in fact.changes:
                    if isinstance(change, Add):
                        e = change.element
                        name(self.structure_facts, e.code, r, Action.ADD, change)
                        for source, amount in e.budget.items():
                            name(self.lines, e.code, r, Action.ADD, change, source, amount)
                    elif isinstance(change, Update):
                        name(self.structure_facts, change.code, r, Action.UPDATE, change)
                    elif isinstance(change, Cancel):
                        name(self.structure_facts, change.code, r, Action.CANCEL, change)
                    elif isinstance(change, BudgetLine):
                        name(self.lines, change.code, r, Action.BUDGET_LINE, change, change.source, change.amount)
            elif isinstance(fact, BudgetModification):
                name(self.lines, fact.code, r, Action.BUDGET_MODIFICATION, fact, fact.source, fact.amount)
            elif isinstance(fact, Correction):  # beside what it corrects: a line of each source, or a setter
                if fact.budget is not None:  # a transfer's side: a line of both operations (`sides`)
                    for item in sides(fact, facts):
                        for source, amount in item.budget.items():
                            name(self.lines, item.code, r, Action.CORRECT, item, source, amount)
                else:
                    name(self.structure_facts, fact.code, r, Action.CORRECT, fact)
            elif isinstance(fact, Transfer):  # a line of each operation: −amount from one, +amount to the other
                for line in fact.lines():
                    name(self.lines, line.code, r, Action.TRANSFER, line, line.source, line.amount)
            elif isinstance(fact, Progress):
                name(self.records, (Progress, fact.code), r, Action.PROGRESS, fact)
            elif isinstance(fact, Execution):
                name(self.records, (Execution, fact.code), r, Action.EXECUTION, fact, fact.source)

    # -- visibility -------------------------------------------------------------
    def hidden(self, r: Recorded) -> Role | None:
        if r.recorded_at > self.known_at:
            return NOT_KNOWN
        if r.fact.date > self.as_of:
            return AFTER_AS_OF
        return None

    def evidence(self, n: _Naming, code: str | None, value, role: Role, source: str | None = None) -> Evidence:
        r = n.recorded
        return Evidence(
            seq=r.seq,
            recorded_at=r.recorded_at,
            actor=r.actor,
            kind=r.kind,
            action=n.action,
            reference=r.reference,
            date=r.fact.date,
            code=code,
            source=source,
            value=value,
            role=self.hidden(r) or role,
            reason=n.item.reason if n.action == Action.CORRECT else None,
        )

    # -- figures ----------------------------------------------------------------
    def all_figures(self, f: Figures) -> tuple[Explanation, ...]:
        found = []
        for figure in EXPLAINED:
            if not FIGURE[figure].carried_by(f.kind):
                continue
            if FIGURE[figure].by_source:
                found += self.by_source(f.code, list(f.budget), figure)
            else:
                found.append(self.explanation(self.ev.derivation(f.code, figure)))
        return tuple(found)

    def plan_figures(self) -> tuple[Explanation, ...]:
        """Every figure of the plan's summary, from the plan's own derivations (code None)."""
        found = []
        for figure in PLAN_EXPLAINED:
            if FIGURE[figure].by_source:
                found += self.by_source(None, list(self.ev.summary.budget or {}), figure)
            else:
                found.append(self.explanation(self.ev.derivation(None, figure)))
        return tuple(found)

    def explanation(self, d: Derivation) -> Explanation:
        return Explanation(
            figure=d.figure,
            value=d.value,
            rule=d.rule,
            source=d.source,
            inputs=dict(d.inputs),
            parts=self.parts(d),
            events=self.events(d),
        )

    def parts(self, d: Derivation) -> tuple[Part, ...]:
        if d.rule == Rule.DEFAULT_ZERO:  # a zero by default combines nothing (its cancelled children are left out)
            return ()
        return tuple(self.part(p) for p in d.parts)

    def part(self, p: DerivedPart) -> Part:
        explanation = None if p.derivation is None else self.explanation(p.derivation)
        return Part(p.code, p.value, p.role, p.status, p.weight, p.source, explanation)

    def by_source(self, code: str | None, current: list[str], figure: str) -> list[Explanation]:
        """One explanation per funding source: the evaluation's (`current`, those of the element's budget,
        or the plan's: code None), then any source whose lines the view does not see."""
        lines = self.lines_under(code)
        sources = current + sorted({n.source for n in lines} - set(current))
        return [self.explanation(self.ev.derivation(code, figure, source)) for source in sources]

    # -- events: the derivation's records, and what the view does not see -------------
    def events(self, d: Derivation) -> tuple[Evidence, ...]:
        code, figure = d.code, d.figure
        if figure == "status":
            return self.status_events(d)
        if figure in _SET_ATTRIBUTE:
            return self.setters(d, _SET_ATTRIBUTE[figure]) if d.records else ()
        if figure == "progress_pct":
            return self.record_events(d, self.records[(Progress, code)], lambda fact: fact.percent)
        if figure == "budget_executed":
            return self.record_events(d, self.records[(Execution, code)], lambda fact: fact.amount)
        if figure == "budget":
            return self.budget_events(d)
        if figure in COUNTED_KIND:
            return self.count_events(d, COUNTED_KIND[figure])
        if figure == "reformulations":
            return self.counted(self.reformulations, lambda n: (None, None, None))
        if figure == "budget_modifications":  # a transfer counts once: its giving side, with the amount it moves
            modifications = [n for n in self.lines_under(None) if n.action == Action.BUDGET_MODIFICATION or _giving(n)]
            return self.counted(modifications, lambda n: (n.item.code, n.recorded.fact.amount, n.source))
        return ()

    def status_events(self, d: Derivation) -> tuple[Evidence, ...]:
        """The approval or add of the element, and every cancellation of it or of an ancestor."""
        code = d.code
        used = {rec.seq for rec in d.records}
        lineage = [code]
        parent = self.whole.nodes[code].parent
        while parent is not None:
            lineage.append(parent)
            parent = self.whole.nodes[parent].parent
        adds = [n for n in self.structure_facts[code] if n.action in (Action.APPROVE, Action.ADD)]
        cancels = sorted(
            (n for c in lineage for n in self.structure_facts[c] if n.action == Action.CANCEL), key=lambda n: n.position
        )
        events = [self.evidence(n, code, Status.ACTIVE, USED) for n in adds]
        events += [
            self.evidence(n, n.item.code, Status.CANCELLED, USED if n.recorded.seq in used else SUPERSEDED)
            for n in cancels
        ]
        events.sort(key=lambda e: e.seq)
        return tuple(events)

    def setters(self, d: Derivation, attribute: str) -> tuple[Evidence, ...]:
        """The approval, add, updates and corrections that set an attribute; those not in the derivation
        are corrected (a visible correction fixed what they set) or superseded."""
        used = {rec.seq for rec in d.records}
        naming = self.structure_facts[d.code]
        corrected = self.corrected([n for n in naming if getattr(n.item, attribute, None) is not None], lambda n: n.recorded.seq)
        found = []
        for n in naming:
            item = n.item
            if n.action == Action.APPROVE:
                value = getattr(item, attribute)
            elif n.action == Action.ADD:
                value = getattr(item.element, attribute)
            elif n.action in (Action.UPDATE, Action.CORRECT) and getattr(item, attribute, None) is not None:
                value = getattr(item, attribute)
            else:
                continue
            seq = n.recorded.seq
            found.append(self.evidence(n, d.code, value, USED if seq in used else CORRECTED if seq in corrected else SUPERSEDED))
        return tuple(found)

    def corrected(self, naming: list[_Naming], key) -> set:
        """The keys (`key(naming)`) of the facts among `naming` that a visible correction among them
        fixed: the facts corrected, and every correction but the latest of each."""
        latest: dict[int, _Naming] = {}  # the latest visible correction of each fact corrected
        found = set()
        for n in naming:
            if n.action == Action.CORRECT and self.hidden(n.recorded) is None:
                earlier = latest.get(n.item.corrects)
                if earlier is not None:
                    found.add(key(earlier))
                latest[n.item.corrects] = n
        corrects = set(latest)
        found |= {key(n) for n in naming if n.action != Action.CORRECT and n.recorded.seq in corrects}
        return found

    def record_events(self, d: Derivation, every: list[_Naming], value) -> tuple[Evidence, ...]:
        """Every progress or execution record of the element: visible ones with the fold's role."""
        roles = {rec.seq: rec.role for rec in d.records}
        return tuple(
            self.evidence(n, n.item.code, value(n.item), roles.get(n.recorded.seq, SUPERSEDED), n.source) for n in every
        )

    def lines_under(self, code: str | None) -> list[_Naming]:
        """Every budget line of the operations ever under the element, or of the plan (code None),
        those not in force included."""
        if code is None:
            lines = [n for under in self.lines.values() for n in under]
        else:
            node = self.whole.nodes[code]
            lines = [n for op in self.whole.operations_under(node) for n in self.lines[op.code]]
        return sorted(lines, key=lambda n: n.position)

    def budget_events(self, d: Derivation) -> tuple[Evidence, ...]:
        used = {(rec.seq, _item_code(rec.item)) for rec in d.records}
        lines = [n for n in self.lines_under(d.code) if n.source == d.source]
        corrected = set()
        for code in {_item_code(n.item) for n in lines}:
            corrected |= self.corrected(
                [n for n in lines if _item_code(n.item) == code], lambda n: (n.recorded.seq, _item_code(n.item))
            )

        def role(n: _Naming) -> Role:
            key = (n.recorded.seq, _item_code(n.item))
            return USED if key in used else CORRECTED if key in corrected else SUPERSEDED

        return tuple(self.evidence(n, _item_code(n.item), n.amount, role(n), n.source) for n in lines)

    # -- events of the plan's counts --------------------------------------------------------
    def count_events(self, d: Derivation, kind: str) -> tuple[Evidence, ...]:
        """The events behind a count of elements: for each element counted or left out (the
        derivation's parts), the events of its status (its approval or add, the cancellations of it
        or of an ancestor; one cancelling several elements listed once, ``used`` if it is in effect
        for any of them); then the approval or add of every element of that kind the view does not
        hold (added after as_of, or not known at known_at)."""
        found: dict[tuple, Evidence] = {}
        for part in d.parts:
            for e in self.status_events(self.ev.derivation(part.code, "status")):
                key = (e.seq, e.action, e.code)
                if key not in found or e.role == USED:
                    found[key] = e
        held = {part.code for part in d.parts}
        for node in self.whole.of_kind(kind):
            if node.code in held:
                continue
            for n in self.structure_facts[node.code]:
                if n.action in (Action.APPROVE, Action.ADD):
                    found.setdefault((n.recorded.seq, n.action, node.code), self.evidence(n, node.code, Status.ACTIVE, USED))
        return tuple(sorted(found.values(), key=lambda e: e.seq))

    def counted(self, every: list[_Naming], stated) -> tuple[Evidence, ...]:
        """Every fact of the kind a plan count counts (reformulations, budget modifications): the
        visible ones are the derivation's records, all counted (``used``); the others get the role
        that keeps them out of the view. `stated(naming)` gives the event's (code, value, source)."""
        events = []
        for n in every:
            code, value, source = stated(n)
            events.append(self.evidence(n, code, value, USED, source))
        return tuple(events)
