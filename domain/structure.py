"""The structure in force: the approved plan with its reformulations and budget changes applied.

`Structure` is folded from structural facts in effective-date order (ties: recorded
order). Applying a fact checks the rules that keep the plan well formed and raises
`EntryError` when one is broken, so the same fold serves the validation of
commands and the evaluation of figures.

The fold also remembers, on each `Node`, which recorded fact set each value in
force, as a `Record` with role ``used``: the approval or add that created the
element, the approval, add or update whose title, weight, schedule and sector
code are in force, the cancellation in effect (of the element or of an
ancestor), and every budget line in force by funding source — or, where a correction
fixed that value of the fact, the correction. Only the fold knows
which of several facts is in effect; the evaluation's derivations
(`poa.projections.figures`) take these records as they are.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable, NamedTuple

from attrs import define, field

from .facts import (
    OPERATION,
    SHORT_TERM_ACTION,
    STRATEGIC_ACTION,
    STRUCTURAL,
    Add,
    Approval,
    BudgetLine,
    BudgetModification,
    Cancel,
    Correction,
    Element,
    Recorded,
    Reformulation,
    Transfer,
    Update,
    a_kind,
)
from .catalogue import ELEMENT_LISTS, PARENT_KIND, Role, Status
from .corrections import NO_CORRECTIONS, Corrections, Fix
from .messages import N_
from .messages import translate as _
from .settings import DEFAULT_SETTINGS, Settings
from .values import EntryError

ACTIVE = Status.ACTIVE
CANCELLED = Status.CANCELLED
USED = Role.USED

# the kinds with their article as `facts.a_kind` says them (catalogue.KIND_ARTICLES), marked for the
# interface's catalogue: messages say them translated (`kind_said`)
KINDS_SAID = (N_("a strategic action"), N_("a short-term action"), N_("an operation"), N_("a task"))


def kind_said(kind: str) -> str:
    """The kind with its article, in the language of the messages: ``an operation``, ``una operación``."""
    return _(a_kind(kind))


class Record(NamedTuple):
    """A recorded fact behind a value, the part of it that bears on the value, and its role.

    `item` is the part of the fact that bears: an approved `Element`, a
    reformulation's `Add`, `Update`, `Cancel` or `BudgetLine`, a
    `BudgetModification`, one side of a `Transfer` (a `BudgetLine`, `Transfer.lines`), a
    `Progress` or `Execution` fact, a `Reformulation`, or a `Correction` (of the value it fixed;
    the other items are then those of the fact as corrected: domain/corrections.py).
    The structure's fold records the facts in force with role ``used``; the
    evaluation ranks progress and execution records (``used``, ``superseded``,
    ``corrected``). Immutable (a named tuple: an evaluation holds many).
    """

    recorded: Recorded
    role: Role
    item: object

    @property
    def seq(self) -> int:
        return self.recorded.seq


def _in_force(recorded: Recorded, item: object) -> Record:
    return Record(recorded, USED, item)


@define
class Node:
    """An element of the structure in force, with its status, current budget by source, and the
    facts that set them (`*_by`: the `Record` in effect; `budget_by`: every line in force, by source)."""

    kind: str
    code: str
    title: str
    parent: str | None
    weight: Decimal | None
    schedule: tuple[Decimal, ...] | None
    sector_code: str | None
    added_on: date
    status: Status = ACTIVE
    cancelled_on: date | None = None
    budget: dict[str, Decimal] = field(factory=dict)
    children: list[str] = field(factory=list)
    added_by: Record | None = None  # the approval's element or the reformulation's add
    title_by: Record | None = None
    weight_by: Record | None = None
    schedule_by: Record | None = None
    sector_code_by: Record | None = None
    cancelled_by: Record | None = None  # the `Cancel` in effect; its code is this element's or an ancestor's
    budget_by: dict[str, list[Record]] = field(factory=dict)  # by source, in the order they took effect

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


@define
class Structure:
    """The plan's structure at some date, as known at some moment."""

    entity: str
    year: int
    approved_on: date
    reference: str
    settings: Settings = DEFAULT_SETTINGS
    nodes: dict[str, Node] = field(factory=dict)
    reformulations: list[Recorded] = field(factory=list)
    # every budget change in effect: a reformulation's lines, a budget modification, a transfer (once, as the fact)
    budget_changes: list[tuple[Recorded, BudgetLine | BudgetModification | Transfer]] = field(factory=list)
    # the corrections of the facts folded (domain/corrections.py): each fact is applied as corrected
    corrections: Corrections = field(default=NO_CORRECTIONS, repr=False, eq=False)

    # -- queries -------------------------------------------------------------
    def of_kind(self, kind: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == kind]

    def children(self, node: Node) -> list[Node]:
        return [self.nodes[c] for c in node.children]

    def descendants(self, node: Node) -> list[Node]:
        found = []
        for child in self.children(node):
            found.append(child)
            found.extend(self.descendants(child))
        return found

    def operations_under(self, node: Node) -> list[Node]:
        """The operations of an element: itself, its children or its grandchildren."""
        if node.kind == OPERATION:
            return [node]
        return [d for d in self.descendants(node) if d.kind == OPERATION]

    def node(self, code: str, field_name: str = "code") -> Node:
        try:
            return self.nodes[code]
        except KeyError:
            raise EntryError(field_name, _("unknown code {code} in plan structure").format(code=code)) from None

    def active_node(self, code: str, at: date, field_name: str = "code") -> Node:
        node = self.node(code, field_name)
        if not node.active:
            raise EntryError(
                field_name, _("{code} was cancelled on {cancelled} and is not active on {date}").format(
                    code=code, cancelled=node.cancelled_on, date=at
                )
            )
        return node

    # -- folding -------------------------------------------------------------
    @classmethod
    def approved(cls, recorded: Recorded, corrections: Corrections = NO_CORRECTIONS) -> "Structure":
        """The approved structure; `corrections`: those of the facts this structure will fold."""
        recorded, fixes = corrections.applied(recorded)
        approval = recorded.fact
        assert isinstance(approval, Approval)
        structure = cls(approval.entity, approval.year, approval.date, approval.reference, approval.settings or DEFAULT_SETTINGS)
        structure.corrections = corrections
        for i, element in enumerate(approval.elements):
            try:
                structure._add(element, approval.date, _in_force(recorded, element))
            except EntryError as error:
                raise error.within(f"{ELEMENT_LISTS[element.kind]}[{_index(approval, i)}]") from None
        structure._corrected_by(fixes)
        return structure

    def apply(self, recorded: Recorded) -> None:
        """Apply one structural fact dated on or after the approval, as its corrections say it should
        have been recorded; a correction itself is applied with the fact it corrects."""
        if isinstance(recorded.fact, Correction):
            return
        recorded, fixes = self.corrections.applied(recorded)
        self._apply(recorded)
        self._corrected_by(fixes)

    def _corrected_by(self, fixes: tuple[Fix, ...]) -> None:
        """The values a fact just applied set, now set by the corrections that fixed them (the item: the
        correction as it states that value; for the side of a transfer it does not name, mirrored)."""
        for fix in fixes:
            node = self.nodes[fix.code]
            by = _in_force(fix.correction, fix.item)
            if fix.field == "title":
                node.title_by = by
            elif fix.field == "weight":
                node.weight_by = by
            else:
                node.budget_by[fix.source][-1] = by

    def _apply(self, recorded: Recorded) -> None:
        fact = recorded.fact
        if isinstance(fact, Reformulation):
            self._reformulate(recorded, fact)
        elif isinstance(fact, BudgetModification):
            self._budget(fact.code, fact.source, fact.amount, "code", _in_force(recorded, fact))
            self.budget_changes.append((recorded, fact))
        elif isinstance(fact, Transfer):  # two budget lines at once, one budget change
            for side, line in zip(("from", "to"), fact.lines()):
                self._budget(line.code, line.source, line.amount, f"{side}.code", _in_force(recorded, line))
            self.budget_changes.append((recorded, fact))
        else:
            raise EntryError(None, _("the plan is already approved"))

    def _reformulate(self, recorded: Recorded, fact: Reformulation) -> None:
        for i, change in enumerate(fact.changes):
            try:
                if isinstance(change, Add):
                    self._add(change.element, fact.date, _in_force(recorded, change))
                elif isinstance(change, Update):
                    self._update(change, fact.date, _in_force(recorded, change))
                elif isinstance(change, Cancel):
                    self._cancel(change.code, fact.date, _in_force(recorded, change))
                elif isinstance(change, BudgetLine):
                    self._budget(change.code, change.source, change.amount, "code", _in_force(recorded, change))
                    self.budget_changes.append((recorded, change))
            except EntryError as error:
                raise error.within(f"changes[{i + 1}].{change.action}") from None
        self.reformulations.append(recorded)

    def _add(self, element: Element, on: date, by: Record) -> None:
        if element.code in self.nodes:
            raise EntryError("code", _("duplicate code {code}: already in the plan").format(code=element.code))
        expected = PARENT_KIND[element.kind]
        if expected is not None:
            parent = self.nodes.get(element.parent)
            if parent is None:
                raise EntryError("parent", _("unknown parent {parent} of {code}").format(parent=element.parent, code=element.code))
            if parent.kind != expected:
                raise EntryError(
                    "parent",
                    _("parent {parent} of {code} is {kind}, expected {expected}").format(
                        parent=parent.code, code=element.code, kind=kind_said(parent.kind), expected=kind_said(expected)
                    ),
                )
            if not parent.active:
                raise EntryError(
                    "parent", _("parent {parent} was cancelled on {cancelled}").format(parent=parent.code, cancelled=parent.cancelled_on)
                )
            parent.children.append(element.code)
        self.nodes[element.code] = Node(
            kind=element.kind,
            code=element.code,
            title=element.title,
            parent=element.parent,
            weight=element.weight,
            schedule=element.schedule,
            sector_code=element.sector_code,
            added_on=on,
            budget=dict(element.budget),
            added_by=by,
            title_by=by,
            weight_by=by,
            schedule_by=by,
            sector_code_by=by,
            budget_by={source: [by] for source in element.budget},
        )

    def _update(self, change: Update, on: date, by: Record) -> None:
        node = self.active_node(change.code, on)
        if change.schedule is not None and node.kind != SHORT_TERM_ACTION:
            raise EntryError(
                "schedule", _("{code} is {kind}; only short-term actions have a schedule").format(code=node.code, kind=kind_said(node.kind))
            )
        if change.weight is not None and node.kind == STRATEGIC_ACTION:
            raise EntryError("weight", _("{code} is a strategic action; it has no weight of its own").format(code=node.code))
        if change.sector_code is not None and node.kind != STRATEGIC_ACTION:
            raise EntryError(
                "sector_code",
                _("{code} is {kind}; only strategic actions have a sector code").format(code=node.code, kind=kind_said(node.kind)),
            )
        if change.title is not None:
            node.title, node.title_by = change.title, by
        if change.weight is not None:
            node.weight, node.weight_by = change.weight, by
        if change.schedule is not None:
            node.schedule, node.schedule_by = change.schedule, by
        if change.sector_code is not None:
            node.sector_code, node.sector_code_by = change.sector_code, by

    def _cancel(self, code: str, on: date, by: Record) -> None:
        node = self.active_node(code, on)
        for target in [node, *self.descendants(node)]:
            if target.active:
                target.status = CANCELLED
                target.cancelled_on = on
                target.cancelled_by = by

    def _budget(self, code: str, source: str, amount: Decimal, field_name: str, by: Record) -> None:
        node = self.node(code, field_name)
        if node.kind != OPERATION:
            raise EntryError(field_name, _("{code} is {kind}; budgets are held by operations").format(code=code, kind=kind_said(node.kind)))
        node.budget[source] = node.budget.get(source, Decimal(0)) + amount
        node.budget_by.setdefault(source, []).append(by)


def _index(approval: Approval, position: int) -> int:
    """1-based position of an element within its own list of the approval."""
    kind = approval.elements[position].kind
    return sum(1 for e in approval.elements[: position + 1] if e.kind == kind)


def structural_order(history: Iterable[Recorded]) -> list[Recorded]:
    """Structural facts in the order they take effect: effective date, then recorded order."""
    return sorted(
        (r for r in history if isinstance(r.fact, STRUCTURAL)), key=lambda r: (r.fact.date, r.seq)
    )


def build(history: Iterable[Recorded], on: date | None = None) -> Structure | None:
    """The structure in force at the end of `on` (or after every fact), None before approval."""
    structure = None
    ordered = structural_order(history)
    corrections = Corrections(ordered)
    for recorded in ordered:
        if on is not None and recorded.fact.date > on:
            break
        if isinstance(recorded.fact, Approval):
            structure = Structure.approved(recorded, corrections)
        elif structure is not None:
            structure.apply(recorded)
    return structure
