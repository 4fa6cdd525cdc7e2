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
- current budget (by source, or in total): budget modifications, transfers (either
  side), corrections of amounts (of a transfer: either side) and budget lines of the
  operations under the element (cancelled ones included), and the adds of those
  operations with a budget;
- executed budget: the execution records of the element or, where it has none
  in that view, of its operations (recursively, as the evaluation sums them);
- execution %: what bears on the current or executed budget;
- physical efficacy, weighted efficiency, band, relative efficiency: what bears on
  progress, programmed progress or the execution %; and where a short-term action is
  not graded in a view (cancelled: its derivation's rule is ``cancelled_not_graded``),
  what bears on its status;
- for an element present in one view only, its add bears on every figure.

Which elements count for a derived figure is never decided here: it is read
from the derivations the evaluation fold recorded in each view
(`Evaluation.derivation`, `poa.projections.figures`). The elements whose
progress records and whose adds, cancellations and weight updates count for a
progress figure are those its derivation reaches through its parts (the
children it combined or left out, and theirs, as far as the fold went in that
view); likewise the short-term actions of a programmed figure or a weight sum,
the elements whose execution records count for an executed budget, the
operations whose budget lines make a current budget (the lines the derivation
records), and the elements a plan count counts. The predicates below only say
which event items (a change, a record) touch which codes.

For a reformulation only the changes that bear on the figure are kept
(`Responsible.items`); other events keep their fact. A progress or execution
record that replaces an earlier one of the same element, cut-off date (and
source) names it (`corrects`); so does a correction (the fact it corrects: it
bears on a figure as that fact's budget line or update of the same field would)
and a result or justification that replaces an earlier text.

Figure names and their order are the catalogue's (`poa.domain.catalogue`);
`change`, `side` and `because` are `Change` and `Because` values.

Pure: no I/O; the views and the history come from the caller.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Iterable, Sequence

from attrs import frozen

from poa.domain.catalogue import ELEMENT_FIGURES, FIGURES, SUMMARY_FIGURES, Because, Change, ElementKind, Rule, Status
from poa.domain.facts import (
    Add,
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
from poa.domain.corrections import TEXTS, sides
from poa.domain.values import figures_context, quantize

from .evaluation import Derivation, Evaluation, Figures, NotInForce, evaluate, visible
from .issued import View

ZERO = Decimal(0)
ADDED, REMOVED = Change.ADDED, Change.REMOVED  # an event or element present only in `after` / only in `before`


def _plan_order() -> tuple[str, ...]:
    """The plan's figures in the summary's order, a by-source figure just before the total it breaks down."""
    names = [f.name for f in SUMMARY_FIGURES]
    for i, f in enumerate(FIGURES):
        if f.plan and f.name not in names:
            names.insert(names.index(FIGURES[i + 1].name), f.name)
    return tuple(names)


_ELEMENT_ORDER = tuple(f.name for f in ELEMENT_FIGURES)
_PLAN_ORDER = _plan_order()
_KIND_ORDER = tuple(ElementKind)


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
    `items`: the reformulation changes that bear on the figure, or the fact itself (a correction
    of a transfer's side: as it states the side that bears, `domain.corrections.sides`).
    `corrects`: the seq of the earlier record (same element, cut-off date and
    source) that this progress or execution record replaces.
    """

    recorded: Recorded
    side: Change
    because: Because
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
    change: Change
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
    tree = _Tree(b.evaluation, a.evaluation)
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
    """One view: its visible facts and its evaluation (figures and derivations)."""

    def __init__(self, key: str, history: Sequence[Recorded], view: View, name: str):
        self.view = view
        try:
            self.evaluation: Evaluation = evaluate(key, history, view.as_of, view.known_at)
        except NotInForce:
            raise ViewNotInForce(name, view) from None
        self.seqs = {r.seq for r in visible(history, view.as_of, view.known_at)}
        if view.issued is not None:  # a sealed report was rendered just before its own issue was recorded
            self.seqs.add(view.issued.seq)
        self.quarters = len(self.evaluation.quarter_ends_passed)
        self.figures = {f.code: f for f in self.evaluation.elements()}

    def sees(self, r: Recorded) -> bool:
        return r.seq in self.seqs

    def derivation(self, code: str | None, figure: str, source: str | None = None) -> Derivation | None:
        """The fold's derivation of a figure in this view; None where the element is absent."""
        try:
            return self.evaluation.derivation(code, figure, source)
        except KeyError:
            return None


class _Tree:
    """The elements of both views together (an element may exist in one only)."""

    def __init__(self, *evaluations: Evaluation):
        self.kind: dict[str, str] = {}
        self.children: dict[str, list[str]] = {}
        self.order: list[str] = []  # report order: by kind, then as the evaluations list them
        for ev in evaluations:
            for f in ev.elements():
                if f.code not in self.kind:
                    self.kind[f.code] = f.kind
                    self.order.append(f.code)
                self.children.setdefault(f.code, [])
                if f.parent is not None:
                    kids = self.children.setdefault(f.parent, [])
                    if f.code not in kids:
                        kids.append(f.code)
        self.order.sort(key=lambda c: _KIND_ORDER.index(self.kind[c]))

    def subtree(self, code: str) -> set[str]:
        found = {code}
        for child in self.children.get(code, ()):
            found |= self.subtree(child)
        return found


@frozen
class _Event:
    event: Responsible  # with every item of the event
    items: tuple  # what a figure can be borne by: the reformulation's changes, or the fact


def _symmetric_difference(history: Sequence[Recorded], b: _Side, a: _Side) -> list[_Event]:
    found = []
    records: dict[tuple, list[int]] = {}  # (type, code, cut-off date, source) -> seqs, recorded order
    facts = {r.seq: r for r in history}
    for r in history:
        if isinstance(r.fact, (Progress, Execution)):
            records.setdefault(_record_key(r), []).append(r.seq)
    for r in history:
        if a.sees(r) == b.sees(r):
            continue
        side, other = (ADDED, b.view) if a.sees(r) else (REMOVED, a.view)
        late_date, late_record = r.fact.date > other.as_of, r.recorded_at > other.known_at
        because = Because.DATE_AND_RECORDED if late_date and late_record else Because.DATE if late_date else Because.RECORDED
        if isinstance(r.fact, Reformulation):
            items = tuple(r.fact.changes)
        elif isinstance(r.fact, Correction):  # a correction of a transfer's side bears on both sides (`sides`)
            items = sides(r.fact, facts)
        else:
            items = (r.fact,)
        found.append(_Event(Responsible(r, side, because, items, _corrected(records, r)), items))
    return found


def _record_key(r: Recorded) -> tuple:
    fact = r.fact
    return (type(fact), fact.code, fact.date, getattr(fact, "source", None))


def _corrected(records: dict[tuple, list[int]], r: Recorded) -> int | None:
    """The earlier record this progress or execution record replaces (same element, cut-off date, source);
    the fact a correction corrects; the text a result or justification replaces."""
    if isinstance(r.fact, Correction):
        return r.fact.corrects
    if isinstance(r.fact, TEXTS):
        return r.fact.replaces
    if not isinstance(r.fact, (Progress, Execution)):
        return None
    earlier = [seq for seq in records[_record_key(r)] if seq < r.seq]
    return earlier[-1] if earlier else None


# -- which codes count for a figure: read from the derivations of both views -----------------


def _reached(derivations: Iterable[Derivation]) -> tuple[set[str], set[str]]:
    """(the elements whose derivations were reached through parts, the elements named as parts)."""
    reached: set[str] = set()
    parts: set[str] = set()
    for top in derivations:
        for d in top.walk():
            if d.code is not None:
                reached.add(d.code)
            parts.update(p.code for p in d.parts)
    return reached, parts


def _part_codes(derivations: Iterable[Derivation]) -> set[str]:
    return {p.code for d in derivations for p in d.parts}


def _line_codes(derivations: Iterable[Derivation]) -> set[str]:
    """The operations whose budget lines a current budget adds up."""
    return {r.item.element.code if isinstance(r.item, Add) else r.item.code for d in derivations for r in d.records}


# -- what bears on which figure ------------------------------------------------------

Predicate = Callable[[object], bool]


class _Bearing:
    """Predicates over event items (a reformulation change or a fact): does it bear on this figure?"""

    def __init__(self, tree: _Tree, b: _Side, a: _Side):
        self.tree, self.sides = tree, (b, a)
        self._cancelled: dict[str, set[str]] = {}

    def derivations(self, code: str | None, figure: str, source: str | None = None) -> list[Derivation]:
        """The derivation of a figure in each view where the element exists."""
        found = (side.derivation(code, figure, source) for side in self.sides)
        return [d for d in found if d is not None]

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
            if isinstance(item, Correction):  # as what it corrects: a budget line, or an update of that field
                if item.budget is not None:
                    return item.code in budget_ops and (source is None or source in item.budget)
                return any(item.code in codes and getattr(item, name, None) is not None for name, codes in updated.items())
            if isinstance(item, Transfer):  # either side
                return any(line.code in budget_ops and (source is None or line.source == source) for line in item.lines())
            if isinstance(item, Add):
                e = item.element
                if e.code in added:
                    return True
                return e.kind == ElementKind.OPERATION and e.code in budget_ops and (
                    source in e.budget if source is not None else bool(e.budget)
                )
            if isinstance(item, Cancel):
                return bool(self.cancelled_by(item.code) & cancelled)
            if isinstance(item, Update):
                return any(item.code in codes and getattr(item, name) is not None for name, codes in updated.items())
            return False

        return bears

    # -- figures ---------------------------------------------------------------------
    def progress(self, code: str | None, figure: str, present: set[str]) -> Predicate:
        """Records of every element the progress derivations reached; adds, cancellations and
        weight updates of every child they combined or left out."""
        records, children = _reached(self.derivations(code, figure))
        return self.predicate(
            progress=records, added=children | present, cancelled=children, updated={"weight": children}
        )

    def programmed(self, code: str | None, present: set[str]) -> Predicate:
        derivations = self.derivations(code, "programmed_pct")
        if any(d.rule == Rule.SCHEDULE for d in derivations):
            return self.predicate(added=present, updated={"schedule": {code}})
        acps = _part_codes(derivations)
        return self.predicate(added=acps | present, cancelled=acps, updated={"weight": acps, "schedule": acps})

    def budget(self, code: str | None, present: set[str], source: str | None = None) -> Predicate:
        if source is not None:
            lines = self.derivations(code, "budget", source)
        else:
            lines = [
                d
                for total in self.derivations(code, "budget_current")
                for p in total.parts
                for d in self.derivations(code, "budget", p.source)
            ]
        return self.predicate(budget_ops=_line_codes(lines), source=source, added=present)

    def executed(self, code: str | None, present: set[str]) -> Predicate:
        scope, _ = _reached(self.derivations(code, "budget_executed"))
        return self.predicate(execution=scope, added=present)

    def weights(self, code: str | None, present: set[str]) -> Predicate:
        """A sum of the active short-term actions' weights: their adds, cancellations and weight updates."""
        acps = _part_codes(self.derivations(code, "weights_total" if code is None else "weight"))
        return self.predicate(added=acps | present, cancelled=acps, updated={"weight": acps})

    def element(self, figure: str, code: str, present: set[str], source: str | None) -> Predicate:
        if figure in ("title", "schedule", "sector_code"):
            return self.predicate(added={code}, updated={figure: {code}})
        if figure == "status":
            return self.predicate(added={code}, cancelled={code})
        if figure == "weight":
            if any(d.rule == Rule.SUM_OF_ACTIVE_WEIGHTS for d in self.derivations(code, figure)):
                return self.weights(code, {code})
            return self.predicate(added={code}, updated={"weight": {code}})
        return self.derived(figure, code, present, source)

    def derived(self, figure: str, code: str | None, present: set[str], source: str | None) -> Predicate:
        """Figures an element shares with the plan (`code` None)."""
        if figure in ("progress_pct", "physical_progress_pct"):
            return self.progress(code, figure, present)
        if figure == "programmed_pct":
            return self.programmed(code, present)
        if figure == "deviation_pts":
            progress = "progress_pct" if code is not None else "physical_progress_pct"
            return _either(self.progress(code, progress, present), self.programmed(code, present))
        if figure in ("budget", "budget_current"):
            return self.budget(code, present, source)
        if figure == "budget_executed":
            return self.executed(code, present)
        if figure == "budget_execution_pct":
            return _either(self.budget(code, present), self.executed(code, present))
        if figure in ("physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency"):
            progress = "progress_pct" if code is not None else "physical_progress_pct"
            physical = _either(self.progress(code, progress, present), self.programmed(code, present))
            graded = _either(physical, self.derived("budget_execution_pct", code, present, source))
            if any(d.rule == Rule.NOT_GRADED for d in self.derivations(code, figure)):  # cancelled in a view
                return _either(graded, self.element("status", code, present, source))
            return graded
        raise AssertionError(figure)

    def summary(self, figure: str, source: str | None) -> Predicate:
        if figure == "weights_total":
            return self.weights(None, set())
        if figure == "reformulations":
            return self.predicate(any_change=True)
        if figure == "budget_modifications":
            return lambda item: isinstance(item, (BudgetModification, Transfer))
        derivations = self.derivations(None, figure, source)
        if any(d.rule == Rule.COUNT_OF_ACTIVE for d in derivations):
            codes = _part_codes(derivations)
            return self.predicate(added=codes, cancelled=codes)
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


def _element_values(side: _Side, code: str) -> dict[tuple[str, str | None], object] | None:
    """(figure, source) -> value of one element in one view; None when the element is absent."""
    f: Figures | None = side.figures.get(code)
    if f is None:
        return None
    values: dict[tuple[str, str | None], object] = {}
    for figure in ELEMENT_FIGURES:
        if not figure.carried_by(f.kind):
            continue
        value = getattr(f, figure.name)
        if figure.by_source:
            for source, amount in value.items():
                values[(figure.name, source)] = amount
        else:
            values[(figure.name, None)] = value
    return values


def _as_of_effect(figure: str, b: _Side, a: _Side) -> bool:
    """Programmed progress (and so the deviation and the efficiency figures) moves with the number of
    quarter ends before as_of."""
    return figure in _WITH_THE_QUARTER and b.quarters != a.quarters


_WITH_THE_QUARTER = (
    "programmed_pct", "deviation_pts", "physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency",
)


def _element_changes(b: _Side, a: _Side, tree: _Tree, bearing: _Bearing, events: list[_Event]) -> Iterable[ElementChange]:
    for code in tree.order:
        before, after = _element_values(b, code), _element_values(a, code)
        present = {code} if before is None or after is None else set()
        keys = _ordered_keys(before or {}, after or {}, _ELEMENT_ORDER)
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
                    as_of_effect=_as_of_effect(figure, b, a),
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
    if source is not None:
        return values.get((figure, source), ZERO)
    return values.get((figure, None))


def _ordered_keys(before: dict, after: dict, order: tuple[str, ...]) -> list[tuple[str, str | None]]:
    keys = set(before) | set(after)
    return sorted(keys, key=lambda k: (order.index(k[0]), k[1] or ""))


def _change(before: Figures | None, after: Figures | None) -> Change:
    if before is None:
        return Change.ADDED
    if after is None:
        return Change.REMOVED
    if before.status == Status.ACTIVE and after.status != Status.ACTIVE:
        return Change.CANCELLED
    if before.status != Status.ACTIVE and after.status == Status.ACTIVE:
        return Change.RESTORED
    return Change.CHANGED


def _summary_values(side: _Side) -> dict[tuple[str, str | None], object]:
    s = side.evaluation.summary
    values: dict[tuple[str, str | None], object] = {}
    for name in _PLAN_ORDER:
        value = getattr(s, name)
        if isinstance(value, dict):  # by source
            for source, amount in value.items():
                values[(name, source)] = amount
        else:
            values[(name, None)] = value
    return values


def _summary_changes(b: _Side, a: _Side, bearing: _Bearing, events: list[_Event]) -> Iterable[FigureChange]:
    before, after = _summary_values(b), _summary_values(a)
    for figure, source in _ordered_keys(before, after, _PLAN_ORDER):
        old, new = _value(before, figure, source), _value(after, figure, source)
        if _differs(old, new):
            yield FigureChange(
                figure,
                old,
                new,
                source,
                _responsible(events, bearing.summary(figure, source)),
                as_of_effect=_as_of_effect(figure, b, a),
            )
