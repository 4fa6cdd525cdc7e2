"""Corrections of data entry and replaced texts (docs/design.md, "Corrections").

A `Correction` states the title, weight or approved amounts one element should have had in an
earlier structural fact (an approval, a reformulation, a budget modification, a transfer): the fact
it `corrects`. It counts from that fact's own effective date (its `date` is that date), as known
from the correction's recorded time, and is neither a reformulation nor a budget modification. A
transfer is corrected by naming one of its sides with that side's signed amount; the other side
follows (`sides`, `mirrored`). A result or justification that `replaces` an earlier text of the
same kind, element and date supersedes it in reports; the history keeps both.

- `settle(history, fact, structure_on)`: the fact as the plan stores it, after checking what it
  refers to — a correction with its `corrects` resolved (by default the fact that last set that
  field of the element in the structure as known now) and its `date`; a text with ``replaces:
  latest`` resolved to that text's seq. `Plan.record` calls it before the rules (`rules.check_new`).
- `Corrections`: the corrections among a history's structural facts, by the fact they correct;
  the structure's fold (`structure.build`, `rules.check_history`) applies a fact as corrected
  (`Corrections.applied`) and points the values corrected to the correction (`Fix`; for a
  transfer, both sides).
- `before(history, correction)`: the values a correction replaced, for the history; `changed`:
  the budget lines it changes, by how much (a transfer's: both sides), for the budget lines table.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Callable, NamedTuple

import attrs

from .facts import (
    LATEST,
    OPERATION,
    STRATEGIC_ACTION,
    Add,
    Approval,
    BudgetLine,
    BudgetModification,
    Correction,
    Element,
    Fact,
    Justification,
    Recorded,
    Reformulation,
    Result,
    Transfer,
    Update,
)
from .messages import translate as _
from .values import EntryError

TEXTS = (Result, Justification)  # the facts a later one may replace
CORRECTABLE = (Approval, Reformulation, BudgetModification, Transfer)  # the facts a correction may correct

Key = tuple  # (code, field, source): source None but for a budget


class Fix(NamedTuple):
    """One value a correction gives a fact: the element's `code`, the `field` (``title``, ``weight``,
    ``budget``), the funding `source` of a budget, the correction (as recorded), and the correction
    as it states that value (`item`: the correction itself, or for the side of a transfer it does not
    name, the correction `mirrored` to that side)."""

    code: str
    field: str
    source: str | None
    correction: Recorded
    item: Correction


# -- what a structural fact states ---------------------------------------------------------------


def _element_items(fact: Fact) -> list[tuple[Element, object]]:
    """The elements a fact states, each with the part of the fact that states it."""
    if isinstance(fact, Approval):
        return [(e, e) for e in fact.elements]
    if isinstance(fact, Reformulation):
        return [(c.element, c) for c in fact.changes if isinstance(c, Add)]
    return []


def setters(fact: Fact, code: str, field: str, source: str | None = None) -> list[object]:
    """The parts of a structural fact that set `field` of element `code` (for a budget, of `source`; a
    source an approved or added operation has no amount of is set by its approval or add, as 0)."""
    found: list[object] = []
    for element, item in _element_items(fact):
        if element.code != code:
            continue
        if field == "budget":
            if element.kind == OPERATION:
                found.append(item)
        elif field == "title" or element.weight is not None:
            found.append(item)
    if isinstance(fact, Reformulation):
        for c in fact.changes:
            if isinstance(c, Update) and c.code == code and field in ("title", "weight") and getattr(c, field) is not None:
                found.append(c)
            elif isinstance(c, BudgetLine) and c.code == code and field == "budget" and source in (None, c.source):
                found.append(c)
    if isinstance(fact, BudgetModification) and fact.code == code and field == "budget" and source in (None, fact.source):
        found.append(fact)
    if isinstance(fact, Transfer) and field == "budget":  # a side: its signed line
        found += [line for line in fact.lines() if line.code == code and source in (None, line.source)]
    return found


def stated(fact: Fact, code: str, field: str, source: str | None = None):
    """The value a structural fact gives `field` of element `code` (a budget: the amount of
    `source`; None where it gives none)."""
    value = None
    for item in setters(fact, code, field, source):
        if isinstance(item, (BudgetLine, BudgetModification)):
            value = item.amount
        else:
            element = item.element if isinstance(item, Add) else item
            value = element.budget.get(source) if field == "budget" else getattr(element, field)
    return value


def _keys(fact: Correction) -> list[Key]:
    if fact.budget is not None:
        return [(fact.code, "budget", source) for source in fact.budget]
    return [(fact.code, fact.field, None)]


def _value(correction: Correction, key: Key):
    code, field, source = key
    return correction.budget[source] if field == "budget" else getattr(correction, field)


def mirrored(correction: Correction, transfer: Transfer) -> Correction:
    """A correction of one side of `transfer` as it states the other side: that side's code and
    source, the opposite signed amount (the transfer's amount as corrected moves from one to the other)."""
    [(source, amount)] = correction.budget.items()
    giving, receiving = transfer.lines()
    other = receiving if (giving.code, giving.source) == (correction.code, source) else giving
    return attrs.evolve(correction, code=other.code, budget={other.source: -amount})


def sides(correction: Correction, facts: Mapping[int, Recorded]) -> tuple[Correction, ...]:
    """The correction as it states each value it fixes: itself; for a correction of a transfer's
    side, also the other side (`mirrored`), which follows. `facts`: the history by seq."""
    target = facts.get(correction.corrects)
    if target is not None and isinstance(target.fact, Transfer) and correction.budget is not None:
        return correction, mirrored(correction, target.fact)
    return (correction,)


# -- the corrections in force, for the structure's fold ----------------------------------------------


class Corrections:
    """The corrections of a history, by the fact they correct: for each element, field (and source)
    of it, the latest correction (recorded order) — the one in force."""

    def __init__(self, history: Iterable[Recorded] = ()):
        self._by: dict[int, dict[Key, tuple[Recorded, Correction]]] = {}
        history = list(history)
        facts = {r.seq: r for r in history}
        for r in sorted((r for r in history if isinstance(r.fact, Correction)), key=lambda r: r.seq):
            for item in sides(r.fact, facts):  # a transfer's: both sides, the latest correction wins for both
                for key in _keys(item):
                    self._by.setdefault(r.fact.corrects, {})[key] = (r, item)

    def applied(self, recorded: Recorded) -> tuple[Recorded, tuple[Fix, ...]]:
        """The fact as its corrections say it should have been recorded (the same seq, time and actor),
        and the values they gave it."""
        fixes = self._by.get(recorded.seq)
        if not fixes:
            return recorded, ()
        fact = _corrected(recorded.fact, {key: _value(item, key) for key, (r, item) in fixes.items()})
        return attrs.evolve(recorded, fact=fact), tuple(Fix(*key, r, item) for key, (r, item) in fixes.items())


NO_CORRECTIONS = Corrections()


def _corrected(fact: Fact, values: Mapping[Key, object]) -> Fact:
    def element(e: Element) -> Element:
        changes = {}
        for field in ("title", "weight"):
            if (e.code, field, None) in values:
                changes[field] = values[(e.code, field, None)]
        budget = {source: v for (code, field, source), v in values.items() if code == e.code and field == "budget"}
        if budget:
            changes["budget"] = {**e.budget, **budget}
        return attrs.evolve(e, **changes) if changes else e

    def change(c):
        if isinstance(c, Add):
            return Add(element(c.element))
        if isinstance(c, Update):
            changes = {f: values[(c.code, f, None)] for f in ("title", "weight") if getattr(c, f) is not None and (c.code, f, None) in values}
            return attrs.evolve(c, **changes) if changes else c
        if isinstance(c, BudgetLine) and (c.code, "budget", c.source) in values:
            return attrs.evolve(c, amount=values[(c.code, "budget", c.source)])
        return c

    if isinstance(fact, Approval):
        return attrs.evolve(fact, elements=tuple(element(e) for e in fact.elements))
    if isinstance(fact, Reformulation):
        return attrs.evolve(fact, changes=tuple(change(c) for c in fact.changes))
    if isinstance(fact, BudgetModification) and (fact.code, "budget", fact.source) in values:
        return attrs.evolve(fact, amount=values[(fact.code, "budget", fact.source)])
    if isinstance(fact, Transfer) and (fact.to_code, "budget", fact.to_source) in values:  # both sides follow
        return attrs.evolve(fact, amount=values[(fact.to_code, "budget", fact.to_source)])
    return fact


def before(history: Iterable[Recorded], correction: Recorded) -> dict[str | None, object]:
    """What the field a correction fixes held just before it: the value the corrected fact stated,
    as corrected by the earlier corrections of the same field; by source for a budget (None where
    the fact stated no amount of that source), else under the key None."""
    return _held(history, correction.fact, correction.seq)


def changed(history: Iterable[Recorded], correction: Recorded) -> list[tuple[str, str, object]]:
    """The budget lines a correction of amounts changes, as (code, source, difference): the amount
    it gives less the one held just before (`before`), for each source it names whose amount it
    changes; for a correction of a transfer's side, then the other side's (the opposite difference)."""
    history = list(history)
    found = []
    for item in sides(correction.fact, _by_seq(history)):
        held = _held(history, item, correction.seq)
        for source, amount in (item.budget or {}).items():
            if amount != (held[source] or 0):
                found.append((item.code, source, amount - (held[source] or 0)))
    return found


def _held(history: Iterable[Recorded], fact: Correction, seq: int) -> dict[str | None, object]:
    """What the field `fact` corrects held before seq `seq` (a transfer's side: as corrected so far
    by corrections naming either side)."""
    history = list(history)
    facts = _by_seq(history)
    earlier = {}
    target = None
    for r in history:
        if r.seq == fact.corrects:
            target = r
        elif isinstance(r.fact, Correction) and r.seq < seq and r.fact.corrects == fact.corrects:
            for item in sides(r.fact, facts):
                for key in _keys(item):
                    earlier[key] = _value(item, key)
    found = {}
    for key in _keys(fact):
        code, field, source = key
        if key in earlier:
            found[source] = earlier[key]
        else:
            found[source] = None if target is None else stated(target.fact, code, field, source)
    return found


# -- resolving and checking what an entry refers to ------------------------------------------------


def settle(history: Sequence[Recorded], fact: Fact, structure_on: Callable[[date], object]) -> Fact:
    """The fact as the plan stores it: a correction with `corrects` and `date` resolved, a text's
    ``replaces: latest`` resolved; `EntryError` when what it refers to does not fit."""
    if isinstance(fact, Correction):
        return _settled_correction(history, fact, structure_on)
    if isinstance(fact, TEXTS) and fact.replaces is not None:
        return _settled_replacement(history, fact)
    return fact


def _by_seq(history: Sequence[Recorded]) -> dict[int, Recorded]:
    return {r.seq: r for r in history}


def _field_label(field: str) -> str:
    return {"title": _("title"), "weight": _("weight"), "budget": _("budget")}[field]


def _settled_correction(history: Sequence[Recorded], fact: Correction, structure_on) -> Correction:
    facts = _by_seq(history)
    field = fact.field
    named = "corrects" if fact.corrects is not None else field  # the field a refusal names
    if fact.corrects is None:
        corrects = _last_setter(history, fact, structure_on)
    else:
        target = facts.get(fact.corrects)
        if target is None:
            raise EntryError(
                "corrects", _("no fact of this plan has seq {seq} (it has {count})").format(seq=fact.corrects, count=len(history))
            )
        corrects = target.fact.corrects if isinstance(target.fact, Correction) else target.seq  # the fact it corrects
    target = facts[corrects]
    if not isinstance(target.fact, CORRECTABLE):
        raise EntryError(
            named,
            _(
                "seq {seq} is an entry of kind {kind}: a correction fixes an approval, a reformulation, a budget modification "
                "or a transfer (a progress or execution figure is corrected by a new record for the same element and date)"
            ).format(seq=corrects, kind=target.kind),
        )
    if isinstance(target.fact, Transfer) and fact.budget is not None and len(fact.budget) > 1:
        raise EntryError(
            "budget",
            _("seq {seq} is a transfer: a correction names one side of it, with one source (the other side follows)").format(
                seq=corrects
            ),
        )
    sources = list(fact.budget) if fact.budget is not None else [None]
    for source in sources:
        items = setters(target.fact, fact.code, field, source)
        if not items:
            said = _("seq {seq} ({kind}, {date}) did not set the {field} of {code}").format(
                seq=corrects, kind=target.kind, date=target.fact.date, field=_field_label(field), code=fact.code
            )
            if source is not None and setters(target.fact, fact.code, field):
                said = _("seq {seq} ({kind}, {date}) did not set the budget of {code} from {source}").format(
                    seq=corrects, kind=target.kind, date=target.fact.date, code=fact.code, source=source
                )
            raise EntryError(named, said)
        if len(items) > 1 and field == "budget":
            raise EntryError(
                named,
                _("seq {seq} sets the budget of {code} from {source} more than once: a correction cannot tell which").format(
                    seq=corrects, code=fact.code, source=source
                ),
            )
        if field == "budget":
            amount = fact.budget[source]
            at = f"budget.{source}"
            if isinstance(items[0], (BudgetLine, BudgetModification)):
                if amount == 0:
                    raise EntryError(at, _("must not be zero: it is the signed amount of a budget line"))
                if isinstance(target.fact, Transfer) and (amount < 0) != (items[0].amount < 0):  # a side keeps its sign
                    said = (
                        _("must be negative: it is the signed amount of the side of transfer seq {seq} that gives "
                          "({code} from {source})")
                        if items[0].amount < 0
                        else _("must be positive: it is the signed amount of the side of transfer seq {seq} that receives "
                               "({code} from {source})")
                    )
                    raise EntryError(at, said.format(seq=corrects, code=fact.code, source=source))
            elif amount < 0:
                raise EntryError(at, _("must be at least 0: it is an approved amount"))
        elif field == "weight" and any(_kind_of(item) == STRATEGIC_ACTION for item in items):
            raise EntryError(named, _("{code} is a strategic action; it has no weight of its own").format(code=fact.code))
    if fact.date is not None and fact.date != target.fact.date:
        raise EntryError(
            "date",
            _("a correction counts from the date of the fact it corrects, {date} (seq {seq}): leave the date out").format(
                date=target.fact.date, seq=corrects
            ),
        )
    held = _held(history, attrs.evolve(fact, corrects=corrects), len(history) + 1)
    if all(held[source] == (fact.value if source is None else fact.budget[source]) for source in sources):
        raise EntryError(field, _("seq {seq} already states it (as corrected so far): nothing to correct").format(seq=corrects))
    return attrs.evolve(fact, corrects=corrects, date=target.fact.date)


def _kind_of(item: object) -> str | None:
    if isinstance(item, Element):
        return item.kind
    if isinstance(item, Add):
        return item.element.kind
    return None


def _last_setter(history: Sequence[Recorded], fact: Correction, structure_on) -> int:
    """The fact that last set the corrected field of the element in the structure as known now (at
    the end of the plan's year): a correction stands for the fact it corrects."""
    structure = structure_on(date(history[0].fact.year, 12, 31))
    node = structure.nodes.get(fact.code)
    if node is None:
        raise EntryError("code", _("unknown code {code} in plan structure").format(code=fact.code))
    if fact.field == "title":
        records = [node.title_by]
    elif fact.field == "weight":
        if node.kind == STRATEGIC_ACTION:
            raise EntryError("weight", _("{code} is a strategic action; it has no weight of its own").format(code=fact.code))
        records = [node.weight_by]
    else:
        if node.kind != OPERATION:
            raise EntryError(
                "code", _("{code} is not an operation; budgets are held by operations").format(code=fact.code)
            )
        records = [node.budget_by[s][-1] if node.budget_by.get(s) else node.added_by for s in fact.budget]
    seqs = sorted({r.recorded.fact.corrects if isinstance(r.recorded.fact, Correction) else r.seq for r in records})
    if len(seqs) > 1:
        raise EntryError(
            "corrects",
            _("the budget lines in force of {code} for those sources were set by different facts (seq {seqs}): name the "
              "one to correct with corrects, one correction each").format(code=fact.code, seqs=", ".join(map(str, seqs))),
        )
    return seqs[0]


def _settled_replacement(history: Sequence[Recorded], fact: Result | Justification) -> Result | Justification:
    kind = type(fact)
    whose = fact.code if fact.code is not None else _("the plan")
    if fact.replaces == LATEST:
        same = [r for r in history if type(r.fact) is kind and r.fact.code == fact.code and r.fact.date == fact.date]
        if not same:
            raise EntryError(
                "replaces",
                _("there is no {kind} of {code} dated {date} to replace").format(kind=fact.kind, code=whose, date=fact.date),
            )
        replaces = same[-1].seq
    else:
        replaces = fact.replaces
        target = _by_seq(history).get(replaces)
        if target is None:
            raise EntryError(
                "replaces", _("no fact of this plan has seq {seq} (it has {count})").format(seq=replaces, count=len(history))
            )
        if type(target.fact) is not kind:
            raise EntryError(
                "replaces",
                _("seq {seq} is an entry of kind {other}, not {kind}: a text replaces one of its own kind").format(
                    seq=replaces, other=target.kind, kind=fact.kind
                ),
            )
        if target.fact.code != fact.code:
            theirs = target.fact.code if target.fact.code is not None else _("the plan")
            raise EntryError(
                "replaces",
                _("seq {seq} is the {kind} of {other}, not of {code}").format(
                    seq=replaces, kind=fact.kind, other=theirs, code=whose
                ),
            )
        if target.fact.date != fact.date:
            raise EntryError(
                "replaces",
                _("seq {seq} is dated {other}, not {date}: a text replaces one of the same date").format(
                    seq=replaces, other=target.fact.date, date=fact.date
                ),
            )
    for r in history:
        if isinstance(r.fact, TEXTS) and r.fact.replaces == replaces:
            raise EntryError(
                "replaces", _("seq {seq} was already replaced by seq {by}").format(seq=replaces, by=r.seq)
            )
    return attrs.evolve(fact, replaces=replaces)


def replaced(history: Iterable[Recorded]) -> set[int]:
    """The seqs of the texts replaced by a text of `history` (the visible ones, for a report)."""
    return {r.fact.replaces for r in history if isinstance(r.fact, TEXTS) and r.fact.replaces is not None}


__all__ = [
    "CORRECTABLE", "Corrections", "Fix", "NO_CORRECTIONS", "TEXTS", "before", "changed", "mirrored", "replaced", "settle",
    "setters", "sides", "stated",
]
