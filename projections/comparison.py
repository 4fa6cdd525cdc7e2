"""Differences between two views of a plan, and the events responsible for each one.

A view is an effective date and a recorded time, (as_of, known_at): a fact is
visible in it iff ``date ≤ as_of`` and ``recorded_at ≤ known_at`` (SPEC §4). An
issued report is the view it was printed from (`projections.issued`).

`compare(key, history, before, after)` evaluates the plan in both views with
`evaluate` (so every figure is exactly the one the report shows) and lists:

- the plan figures that differ (`summary`): the counts, weights total, current
  budget (total and by source), executed budget, execution %, institutional
  physical progress, programmed progress, deviation, number of reformulations;
- the elements added, removed, cancelled, restored or changed (`elements`), each
  with its differing figures: title, status, sector code, weight, schedule,
  progress, programmed progress, deviation, current budget by source and in
  total, executed budget, execution %;
- every event visible in one view only (`events`): the symmetric difference of
  the two visible sets, ``added`` when visible only in `after`, ``removed`` when
  visible only in `before`.

A figure differs when the two reports would show it differently: decimals are
compared rounded half-up to two places, as shown, and `FigureChange.delta` is
the difference of the two shown values.

Each differing figure carries the events responsible: the events of the
symmetric difference that bear on it. What bears on which figure:

- title, schedule, sector code, weight: the reformulation changes that add the
  element or update that field; a strategic action's weight (the sum of its
  active short-term actions') also the adds, cancellations and weight updates of
  its short-term actions;
- status: the add of the element and the cancellations of it or an ancestor;
- progress: the progress records of the element and, where its progress is
  derived (no record of its own in that view; always for a strategic action and
  the plan), of the active children it is derived from, recursively; and the
  adds, cancellations and weight updates of those children;
- programmed progress: the schedule updates of a short-term action; for a
  strategic action or the plan, the adds, cancellations, weight and schedule
  updates of its short-term actions. When the two as_of fall after a different
  number of quarter ends the figure also moves with the calendar
  (`as_of_effect`), with or without an event;
- deviation: what bears on progress or programmed progress;
- current budget (by source, or in total): budget modifications and budget
  lines of the operations under the element (cancelled ones included), and the
  adds of those operations with a budget;
- executed budget: the execution records of the element or, where it has none
  in that view, of its operations (recursively, as the evaluation sums them);
- execution %: what bears on the current or executed budget;
- for an element present in one view only, its add bears on every figure.

For a reformulation only the changes that bear on the figure are kept
(`Responsible.items`); other events keep their fact. A progress or execution
record that replaces an earlier one of the same element, cut-off date (and
source) names it (`corrects`).

Pure: no I/O; the views and the history come from the caller.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable, Sequence

from attrs import frozen

from poa.domain.facts import (
    OPERATION,
    SHORT_TERM_ACTION,
    STRATEGIC_ACTION,
    TASK,
    Add,
    BudgetLine,
    BudgetModification,
    Cancel,
    Execution,
    Progress,
    Recorded,
    Reformulation,
    Update,
)
from poa.domain.structure import ACTIVE, Structure, build
from poa.domain.values import figures_context, quantize

from .evaluation import Evaluation, Figures, NotInForce, evaluate, quarter_ends, visible
from .issued import View

ZERO = Decimal(0)
ADDED, REMOVED = "added", "removed"  # an event or element present only in `after` / only in `before`
CANCELLED, RESTORED, CHANGED = "cancelled", "restored", "changed"
BY_DATE, BY_RECORDING, BY_BOTH = "date", "recorded", "date_and_recorded"

ELEMENT_FIGURES = (
    "title", "status", "sector_code", "weight", "schedule", "progress_pct", "programmed_pct", "deviation_pts",
    "budget", "budget_current", "budget_executed", "budget_execution_pct",
)
SUMMARY_FIGURES = (
    "strategic_actions", "short_term_actions", "operations", "tasks", "weights_total", "budget", "budget_current",
    "budget_executed", "budget_execution_pct", "physical_progress_pct", "programmed_pct", "deviation_pts",
    "reformulations",
)
_FIGURE_ATTRIBUTE = {  # element figure name -> `Figures` attribute
    "title": "title",
    "status": "status",
    "sector_code": "sector_code",
    "weight": "weight",
    "progress_pct": "progress",
    "programmed_pct": "programmed",
    "deviation_pts": "deviation",
    "budget_current": "budget_current",
    "budget_executed": "budget_executed",
    "budget_execution_pct": "execution_pct",
}
_COUNTED = {
    "strategic_actions": STRATEGIC_ACTION,
    "short_term_actions": SHORT_TERM_ACTION,
    "operations": OPERATION,
    "tasks": TASK,
}
_KIND_ORDER = (STRATEGIC_ACTION, SHORT_TERM_ACTION, OPERATION, TASK)


class ViewNotInForce(NotInForce):
    """The plan is not in force in one of the two views (`side` is ``"before"`` or ``"after"``)."""

    def __init__(self, side: str, view: View):
        super().__init__(side, view)
        self.side, self.view = side, view


@frozen
class Responsible:
    """An event visible in one view only that bears on a figure, with the part of it that does.

    `side`: ``added`` (visible only in `after`) or ``removed`` (only in `before`).
    `because`: why the other view does not see it: its date is after that view's
    as_of (``date``), it was recorded after that view's known_at (``recorded``),
    or both (``date_and_recorded``).
    `items`: the reformulation changes that bear on the figure, or the fact itself.
    `corrects`: the seq of the earlier record (same element, cut-off date and
    source) that this progress or execution record replaces.
    """

    recorded: Recorded
    side: str
    because: str
    items: tuple = ()
    corrects: int | None = None

    @property
    def seq(self) -> int:
        return self.recorded.seq


@frozen
class FigureChange:
    """One figure that differs between the views; `before`/`after` are None where the element is absent."""

    figure: str
    before: object
    after: object
    source: str | None = None  # the funding source of a `budget` figure
    events: tuple[Responsible, ...] = ()
    as_of_effect: bool = False  # programmed progress moved with the quarter the as_of falls in

    @property
    @figures_context
    def delta(self) -> Decimal | int | None:
        """after − before as shown (each rounded half-up to two places first), for numbers; else None."""
        numeric = (Decimal, int)
        if isinstance(self.before, numeric) and isinstance(self.after, numeric):
            return _shown(self.after) - _shown(self.before)
        return None


@frozen
class ElementChange:
    """An element with at least one differing figure; `change` is added, removed, cancelled, restored or changed."""

    kind: str
    code: str
    parent: str | None
    title: str
    change: str
    figures: tuple[FigureChange, ...]


@frozen
class Comparison:
    plan: str
    entity: str
    year: int
    before: View
    after: View
    summary: tuple[FigureChange, ...]
    elements: tuple[ElementChange, ...]
    events: tuple[Responsible, ...]  # every event visible in one view only, in recorded order

    @property
    def empty(self) -> bool:
        return not (self.summary or self.elements or self.events)


# -- the comparison -----------------------------------------------------------------


@figures_context
def compare(key: str, history: Sequence[Recorded], before: View, after: View) -> Comparison:
    """What differs between the plan `before` and `after`, and which events explain it."""
    b = _Side(key, history, before, "before")
    a = _Side(key, history, after, "after")
    tree = _Tree(b.structure, a.structure)
    events = _symmetric_difference(history, b, a)
    bearing = _Bearing(tree, b, a)
    summary = tuple(_summary_changes(b, a, bearing, events))
    elements = tuple(_element_changes(b, a, tree, bearing, events))
    ev = a.evaluation
    return Comparison(
        plan=key,
        entity=ev.entity,
        year=ev.year,
        before=before,
        after=after,
        summary=summary,
        elements=elements,
        events=tuple(e.event for e in events),
    )


class _Side:
    """One view: its visible facts, structure and evaluation."""

    def __init__(self, key: str, history: Sequence[Recorded], view: View, name: str):
        self.view = view
        try:
            self.evaluation: Evaluation = evaluate(key, history, view.as_of, view.known_at)
        except NotInForce:
            raise ViewNotInForce(name, view) from None
        self.seen = visible(history, view.as_of, view.known_at)
        self.seqs = {r.seq for r in self.seen}
        self.structure: Structure = build(self.seen)
        self.own_progress = {r.fact.code for r in self.seen if isinstance(r.fact, Progress)}
        self.own_execution = {r.fact.code for r in self.seen if isinstance(r.fact, Execution)}
        self.quarters = sum(1 for q in quarter_ends(self.evaluation.year) if q <= view.as_of)
        self.figures = {f.code: f for f in self.evaluation.elements()}

    def sees(self, r: Recorded) -> bool:
        return r.seq in self.seqs

    # -- which elements a derived figure is computed from, in this view ----------------
    def progress_scope(self, code: str | None) -> tuple[set[str], set[str]]:
        """(elements whose progress records count, children whose add/cancel/weight count)."""
        nodes = self.structure.nodes
        records: set[str] = set()
        children: set[str] = set()

        def walk(c: str) -> None:
            node = nodes.get(c)
            if node is None:
                return
            records.add(c)
            if node.kind != STRATEGIC_ACTION and c in self.own_progress:
                return
            for child in node.children:
                children.add(child)
                if nodes[child].active:
                    walk(child)

        if code is None:  # the plan: its short-term actions
            for acp in self.structure.of_kind(SHORT_TERM_ACTION):
                children.add(acp.code)
                if acp.active:
                    walk(acp.code)
        else:
            walk(code)
        return records, children

    def execution_scope(self, code: str | None) -> set[str]:
        """Elements whose execution records count: its own, else its operations' (cancelled included)."""
        nodes = self.structure.nodes
        found: set[str] = set()

        def walk(c: str) -> None:
            node = nodes.get(c)
            if node is None:
                return
            found.add(c)
            if c not in self.own_execution and node.kind in (STRATEGIC_ACTION, SHORT_TERM_ACTION):
                for child in node.children:
                    walk(child)

        for c in ([n.code for n in self.structure.of_kind(SHORT_TERM_ACTION)] if code is None else [code]):
            walk(c)
        return found

    def programmed_scope(self, code: str | None) -> set[str]:
        """Short-term actions whose weight and schedule make a strategic action's or the plan's programmed progress."""
        if code is None:
            return {n.code for n in self.structure.of_kind(SHORT_TERM_ACTION)}
        node = self.structure.nodes.get(code)
        return set(node.children) if node is not None and node.kind == STRATEGIC_ACTION else set()


class _Tree:
    """The elements of both views together (an element may exist in one only)."""

    def __init__(self, *structures: Structure):
        self.kind: dict[str, str] = {}
        self.children: dict[str, list[str]] = {}
        self.order: list[str] = []  # report order: by kind, then as the structures list them
        for s in structures:
            for node in s.nodes.values():
                if node.code not in self.kind:
                    self.kind[node.code] = node.kind
                    self.order.append(node.code)
                kids = self.children.setdefault(node.code, [])
                kids.extend(c for c in node.children if c not in kids)
        self.order.sort(key=lambda c: _KIND_ORDER.index(self.kind[c]))

    def subtree(self, code: str) -> set[str]:
        found = {code}
        for child in self.children.get(code, ()):
            found |= self.subtree(child)
        return found

    def of_kind(self, kind: str) -> set[str]:
        return {c for c, k in self.kind.items() if k == kind}

    def operations_under(self, code: str | None) -> set[str]:
        scope = set(self.kind) if code is None else self.subtree(code)
        return {c for c in scope if self.kind[c] == OPERATION}


@frozen
class _Event:
    event: Responsible  # with every item of the event
    items: tuple  # what a figure can be borne by: the reformulation's changes, or the fact


def _symmetric_difference(history: Sequence[Recorded], b: _Side, a: _Side) -> list[_Event]:
    found = []
    records: dict[tuple, list[int]] = {}  # (type, code, cut-off date, source) -> seqs, recorded order
    for r in history:
        if isinstance(r.fact, (Progress, Execution)):
            records.setdefault(_record_key(r), []).append(r.seq)
    for r in history:
        if a.sees(r) == b.sees(r):
            continue
        side, other = (ADDED, b.view) if a.sees(r) else (REMOVED, a.view)
        late_date, late_record = r.fact.date > other.as_of, r.recorded_at > other.known_at
        because = BY_BOTH if late_date and late_record else BY_DATE if late_date else BY_RECORDING
        items = tuple(r.fact.changes) if isinstance(r.fact, Reformulation) else (r.fact,)
        found.append(_Event(Responsible(r, side, because, items, _corrected(records, r)), items))
    return found


def _record_key(r: Recorded) -> tuple:
    fact = r.fact
    return (type(fact), fact.code, fact.date, getattr(fact, "source", None))


def _corrected(records: dict[tuple, list[int]], r: Recorded) -> int | None:
    """The earlier record this progress or execution record replaces (same element, cut-off date, source)."""
    if not isinstance(r.fact, (Progress, Execution)):
        return None
    earlier = [seq for seq in records[_record_key(r)] if seq < r.seq]
    return earlier[-1] if earlier else None


# -- what bears on which figure ------------------------------------------------------

Predicate = Callable[[object], bool]


def _never(item: object) -> bool:
    return False


class _Bearing:
    """Predicates over event items (a reformulation change or a fact): does it bear on this figure?"""

    def __init__(self, tree: _Tree, b: _Side, a: _Side):
        self.tree, self.sides = tree, (b, a)
        self._cancelled: dict[str, set[str]] = {}

    def cancelled_by(self, code: str) -> set[str]:
        if code not in self._cancelled:
            self._cancelled[code] = self.tree.subtree(code) if code in self.tree.kind else {code}
        return self._cancelled[code]

    def predicate(
        self,
        *,
        progress: set[str] = frozenset(),
        execution: set[str] = frozenset(),
        budget_ops: set[str] = frozenset(),
        source: str | None = None,
        added: set[str] = frozenset(),
        cancelled: set[str] = frozenset(),
        updated: dict[str, set[str]] | None = None,
        any_change: bool = False,
    ) -> Predicate:
        updated = updated or {}

        def bears(item: object) -> bool:
            if any_change and isinstance(item, (Add, Update, Cancel, BudgetLine)):
                return True
            if isinstance(item, Progress):
                return item.code in progress
            if isinstance(item, Execution):
                return item.code in execution
            if isinstance(item, (BudgetModification, BudgetLine)):
                return item.code in budget_ops and (source is None or item.source == source)
            if isinstance(item, Add):
                e = item.element
                if e.code in added:
                    return True
                return e.kind == OPERATION and e.code in budget_ops and (
                    source in e.budget if source is not None else bool(e.budget)
                )
            if isinstance(item, Cancel):
                return bool(self.cancelled_by(item.code) & cancelled)
            if isinstance(item, Update):
                return any(item.code in codes and getattr(item, name) is not None for name, codes in updated.items())
            return False

        return bears

    # -- figures ---------------------------------------------------------------------
    def progress(self, code: str | None, present: set[str]) -> Predicate:
        records, children = set(), set()
        for side in self.sides:
            r, c = side.progress_scope(code)
            records |= r
            children |= c
        return self.predicate(
            progress=records, added=children | present, cancelled=children, updated={"weight": children}
        )

    def programmed(self, code: str | None, present: set[str]) -> Predicate:
        if code is not None and self.tree.kind[code] == SHORT_TERM_ACTION:
            return self.predicate(added=present, updated={"schedule": {code}})
        acps = set().union(*(side.programmed_scope(code) for side in self.sides))
        return self.predicate(added=acps | present, cancelled=acps, updated={"weight": acps, "schedule": acps})

    def budget(self, code: str | None, present: set[str], source: str | None = None) -> Predicate:
        return self.predicate(budget_ops=self.tree.operations_under(code), source=source, added=present)

    def executed(self, code: str | None, present: set[str]) -> Predicate:
        scope = set().union(*(side.execution_scope(code) for side in self.sides))
        return self.predicate(execution=scope, added=present)

    def element(self, figure: str, code: str, present: set[str], source: str | None) -> Predicate:
        kind = self.tree.kind[code]
        if figure in ("title", "schedule", "sector_code"):
            return self.predicate(added={code}, updated={figure: {code}})
        if figure == "status":
            return self.predicate(added={code}, cancelled={code})
        if figure == "weight":
            if kind == STRATEGIC_ACTION:
                acps = set(self.tree.children.get(code, ()))
                return self.predicate(added={code} | acps, cancelled=acps, updated={"weight": acps})
            return self.predicate(added={code}, updated={"weight": {code}})
        return self.derived(figure, code, present, source)

    def derived(self, figure: str, code: str | None, present: set[str], source: str | None) -> Predicate:
        """Figures an element shares with the plan (`code` None)."""
        if figure in ("progress_pct", "physical_progress_pct"):
            return self.progress(code, present)
        if figure == "programmed_pct":
            return self.programmed(code, present)
        if figure == "deviation_pts":
            return _either(self.progress(code, present), self.programmed(code, present))
        if figure in ("budget", "budget_current"):
            return self.budget(code, present, source)
        if figure == "budget_executed":
            return self.executed(code, present)
        if figure == "budget_execution_pct":
            return _either(self.budget(code, present), self.executed(code, present))
        raise AssertionError(figure)

    def summary(self, figure: str, source: str | None) -> Predicate:
        if figure in _COUNTED:
            codes = self.tree.of_kind(_COUNTED[figure])
            return self.predicate(added=codes, cancelled=codes)
        if figure == "weights_total":
            acps = self.tree.of_kind(SHORT_TERM_ACTION)
            return self.predicate(added=acps, cancelled=acps, updated={"weight": acps})
        if figure == "reformulations":
            return self.predicate(any_change=True)
        return self.derived(figure, None, set(), source)


def _either(first: Predicate, second: Predicate) -> Predicate:
    return lambda item: first(item) or second(item)


def _responsible(events: Iterable[_Event], bears: Predicate) -> tuple[Responsible, ...]:
    found = []
    for e in events:
        items = tuple(i for i in e.items if bears(i))
        if items:
            r = e.event
            found.append(Responsible(r.recorded, r.side, r.because, items, r.corrects))
    return tuple(found)


# -- the figures compared ------------------------------------------------------------


def _shown(value: object) -> object:
    if isinstance(value, Decimal):
        return quantize(value)
    if isinstance(value, tuple):
        return tuple(_shown(v) for v in value)
    return value


def _differs(before: object, after: object) -> bool:
    return _shown(before) != _shown(after)


def _sources(*budgets: dict[str, Decimal] | None) -> list[str]:
    return sorted({s for budget in budgets if budget for s in budget})


def _element_values(side: _Side, code: str) -> dict[tuple[str, str | None], object] | None:
    """(figure, source) -> value of one element in one view; None when the element is absent."""
    f: Figures | None = side.figures.get(code)
    if f is None:
        return None
    values: dict[tuple[str, str | None], object] = {}
    for figure in ELEMENT_FIGURES:
        if figure == "schedule":
            if f.kind == SHORT_TERM_ACTION:
                values[(figure, None)] = side.structure.nodes[code].schedule
        elif figure == "sector_code":
            if f.kind == STRATEGIC_ACTION:
                values[(figure, None)] = f.sector_code
        elif figure == "budget":
            for source, amount in (f.budget or {}).items():
                values[(figure, source)] = amount
        else:
            value = getattr(f, _FIGURE_ATTRIBUTE[figure])
            if value is not None:
                values[(figure, None)] = value
    return values


def _element_changes(b: _Side, a: _Side, tree: _Tree, bearing: _Bearing, events: list[_Event]) -> Iterable[ElementChange]:
    for code in tree.order:
        before, after = _element_values(b, code), _element_values(a, code)
        present = {code} if before is None or after is None else set()
        keys = _ordered_keys(before or {}, after or {}, ELEMENT_FIGURES)
        figures = []
        for figure, source in keys:
            old = _value(before, figure, source)
            new = _value(after, figure, source)
            if not _differs(old, new):
                continue
            figures.append(
                FigureChange(
                    figure,
                    old,
                    new,
                    source,
                    _responsible(events, bearing.element(figure, code, present, source)),
                    as_of_effect=figure in ("programmed_pct", "deviation_pts") and b.quarters != a.quarters,
                )
            )
        if not figures:
            continue
        f = a.figures.get(code) or b.figures[code]
        yield ElementChange(f.kind, code, f.parent, f.title, _change(b.figures.get(code), a.figures.get(code)), tuple(figures))


def _value(values: dict | None, figure: str, source: str | None) -> object:
    """A figure of an element (None when absent); a budget source the element lacks is 0."""
    if values is None:
        return None
    if figure == "budget":
        return values.get((figure, source), ZERO)
    return values.get((figure, None))


def _ordered_keys(before: dict, after: dict, order: tuple[str, ...]) -> list[tuple[str, str | None]]:
    keys = set(before) | set(after)
    return sorted(keys, key=lambda k: (order.index(k[0]), k[1] or ""))


def _change(before: Figures | None, after: Figures | None) -> str:
    if before is None:
        return ADDED
    if after is None:
        return REMOVED
    if before.status == ACTIVE and after.status != ACTIVE:
        return CANCELLED
    if before.status != ACTIVE and after.status == ACTIVE:
        return RESTORED
    return CHANGED


def _summary_values(side: _Side) -> dict[tuple[str, str | None], object]:
    s = side.evaluation.summary
    values: dict[tuple[str, str | None], object] = {}
    for figure in SUMMARY_FIGURES:
        if figure != "budget":
            values[(figure, None)] = getattr(s, figure)
    for f in side.evaluation.operations:
        for source, amount in f.budget.items():
            values[("budget", source)] = values.get(("budget", source), ZERO) + amount
    return values


def _summary_changes(b: _Side, a: _Side, bearing: _Bearing, events: list[_Event]) -> Iterable[FigureChange]:
    before, after = _summary_values(b), _summary_values(a)
    for figure, source in _ordered_keys(before, after, SUMMARY_FIGURES):
        old, new = _value(before, figure, source), _value(after, figure, source)
        if _differs(old, new):
            yield FigureChange(
                figure,
                old,
                new,
                source,
                _responsible(events, bearing.summary(figure, source)),
                as_of_effect=figure in ("programmed_pct", "deviation_pts") and b.quarters != a.quarters,
            )
