"""The rules a plan's history must keep, checked before any fact is recorded.

The whole history (effective-date order) must stay valid: an element exists and
is active at the effective date of every fact about it, and no operation's
current budget for a source is negative at any date. A new structural fact can
break an older fact (a backdated cancellation before recorded progress), so it
triggers a check of the whole history; a new record only needs the structure at
its own date. The entry points (`check_approval`, `check_history`, `check_new`) run
under the figures' Decimal context (`values.FIGURES`); the checks they call inherit it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Callable, Mapping, Sequence

import attrs

from .facts import (
    ABOUT_RECORDS,
    OPERATION,
    SHORT_TERM_ACTION,
    STRATEGIC_ACTION,
    STRUCTURAL,
    Approval,
    BudgetLine,
    BudgetModification,
    Closing,
    Correction,
    Execution,
    Progress,
    Publication,
    Recorded,
    Reformulation,
    Reopening,
    ReportIssued,
    Transfer,
)
from .messages import translate as _
from .corrections import NO_CORRECTIONS, Corrections, sides
from .structure import Structure, kind_said, structural_order
from .values import EntryError, figures_context


@figures_context
def check_approval(recorded: Recorded, corrections: Corrections = NO_CORRECTIONS) -> Structure:
    """The approved structure, after checking the approval's own rules (as corrected by `corrections`)."""
    approval = recorded.fact
    assert isinstance(approval, Approval)
    if approval.date > date(approval.year, 12, 31):
        raise EntryError("date", _("{date} is after the end of the plan's year {year}").format(date=approval.date, year=approval.year))
    return Structure.approved(recorded, corrections)


def check_dates(approval: Approval, recorded: Recorded) -> None:
    """Every fact but the approval falls inside the plan's year (a closing or reopening may
    come after it), and not before the approval."""
    day = recorded.fact.date
    if isinstance(recorded.fact, (Closing, Reopening)):
        pass
    elif not date(approval.year, 1, 1) <= day <= date(approval.year, 12, 31):
        raise EntryError("date", _("{date} is outside the plan's year {year}").format(date=day, year=approval.year))
    if day < approval.date:
        raise EntryError("date", _("{date} is before the plan's approval on {approved}").format(date=day, approved=approval.date))


def check_record(structure: Structure, recorded: Recorded) -> None:
    """A progress, execution, result, justification or publication fits the structure at its date."""
    fact = recorded.fact
    if isinstance(fact, Publication):
        for code in fact.short_term_actions:
            if structure.node(code, f"short_term_actions.{code}").kind != SHORT_TERM_ACTION:
                raise EntryError(f"short_term_actions.{code}", _("{code} is not a short-term action").format(code=code))
        return
    if getattr(fact, "code", None) is None:  # of the plan as a whole, or about its records
        return
    node = structure.node(fact.code)
    if isinstance(fact, Progress):
        structure.active_node(fact.code, fact.date)
        if node.kind == STRATEGIC_ACTION:
            raise EntryError(
                "code", _("{code} is a strategic action: its progress is derived from its short-term actions").format(code=fact.code)
            )
    elif isinstance(fact, Execution):
        if node.kind not in (OPERATION, SHORT_TERM_ACTION):
            raise EntryError(
                "code",
                _("{code} is {kind}: execution is recorded for operations and short-term actions").format(
                    code=fact.code, kind=kind_said(node.kind)
                ),
            )


@figures_context
def check_history(history: Sequence[Recorded], spans: Mapping[str, Sequence[int]] | None = None) -> None:
    """Raise `HistoryError` naming the first fact (effective-date order) that breaks a rule.

    `spans`: the records the history leaves out, summarised by element (`Plan.spans`); raise
    `SpansBroken` if one of them may not fit (then check the whole history to name it).
    """
    structural = structural_order(history)
    corrections = Corrections(structural)  # each fact is checked as corrected
    facts = {r.seq: r for r in structural}
    records = sorted((r for r in history if not isinstance(r.fact, STRUCTURAL)), key=lambda r: (r.fact.date, r.seq))
    points = _span_points(spans or {})
    span_days = sorted(points)
    structure = None
    i = j = k = 0
    while i < len(structural) or j < len(records) or k < len(span_days):
        day = min(
            structural[i].fact.date if i < len(structural) else date.max,
            records[j].fact.date if j < len(records) else date.max,
            span_days[k] if k < len(span_days) else date.max,
        )
        touched: dict[tuple[str, str], tuple[Recorded, str]] = {}
        while i < len(structural) and structural[i].fact.date == day:
            recorded = structural[i]
            _guard(recorded, _apply, structure, recorded)
            if structure is None:
                structure = _guard(recorded, check_approval, recorded, corrections)
            for field, line in _budget_lines(recorded, facts):
                touched[(line.code, line.source)] = (recorded, field)
            i += 1
        for (code, source), (recorded, field) in touched.items():
            balance = structure.nodes[code].budget.get(source, Decimal(0))
            if balance < 0:
                raise HistoryError(
                    recorded,
                    EntryError(
                        field,
                        _("current budget of {code} from {source} would be {balance} on {date}; it may never be negative").format(
                            code=code, source=source, balance=balance, date=day
                        ),
                    ),
                )
        while j < len(records) and records[j].fact.date == day:
            recorded = records[j]
            if structure is None:
                raise HistoryError(recorded, EntryError("date", _("{date} is before the plan's approval").format(date=day)))
            _guard(recorded, check_record, structure, recorded)
            j += 1
        if k < len(span_days) and span_days[k] == day:
            for code, progress in points[day]:
                _check_span_point(structure, day, code, progress)
            k += 1


class HistoryError(Exception):
    """A rule broken by one recorded (or about to be recorded) fact."""

    def __init__(self, recorded: Recorded, error: EntryError):
        super().__init__(str(error))
        self.recorded = recorded
        self.error = error


def _apply(structure: Structure | None, recorded: Recorded) -> None:
    if structure is not None:
        structure.apply(recorded)
    elif not isinstance(recorded.fact, Approval):
        raise EntryError("date", _("{date} is before the plan's approval").format(date=recorded.fact.date))


def _guard(recorded: Recorded, check: Callable, *args):
    """`check(*args)`, its `EntryError` attributed to `recorded`."""
    try:
        return check(*args)
    except EntryError as error:
        raise HistoryError(recorded, error) from None


def _budget_lines(recorded: Recorded, facts: dict[int, Recorded]) -> list[tuple[str, BudgetLine | BudgetModification]]:
    """The budget changes of a structural fact, each with the field that states its amount (`facts`:
    the structural facts by seq, for the transfer a correction corrects)."""
    fact = recorded.fact
    if isinstance(fact, BudgetModification):
        return [("amount", fact)]
    if isinstance(fact, Transfer):  # both sides: the giving one may go negative
        return [("amount", line) for line in fact.lines()]
    if isinstance(fact, Correction) and fact.budget is not None:  # the line it corrects, from the corrected fact's date
        found = [(f"budget.{source}", BudgetLine(fact.code, source, amount)) for source, amount in fact.budget.items()]
        for other in sides(fact, facts)[1:]:  # a transfer's other side follows: the field is the one it names
            found += [(found[0][0], BudgetLine(other.code, source, amount)) for source, amount in other.budget.items()]
        return found
    if isinstance(fact, Reformulation):
        return [(f"changes[{i + 1}].budget.amount", c) for i, c in enumerate(fact.changes) if isinstance(c, BudgetLine)]
    return []


def _blamed_field(history: Sequence[Recorded], new: Recorded) -> str:
    """The field of a new structural fact that breaks an older fact.

    A budget modification or a transfer: its amount. A reformulation: the first change whose
    prefix of the change list already breaks the history.
    """
    fact = new.fact
    if isinstance(fact, (BudgetModification, Transfer)):
        return "amount"
    if isinstance(fact, Correction):
        return f"budget.{next(iter(fact.budget))}" if fact.budget is not None and len(fact.budget) == 1 else fact.field
    for n in range(1, len(fact.changes) + 1):
        partial = attrs.evolve(new, fact=attrs.evolve(fact, changes=fact.changes[:n]))
        try:
            check_history([*history, partial])
        except HistoryError:
            return f"changes[{n}].{fact.changes[n - 1].action}"
    return "changes"


class SpansBroken(Exception):
    """A record summarised by a span may not fit: the whole history must be checked (`check_history`)."""


def _span_points(spans: Mapping[str, Sequence[int]]) -> dict[date, list[tuple[str, bool]]]:
    """The dates a span's records must fit on (`Plan.spans`: first and last progress, first and last
    execution, as date ordinals; 0: none): each element with whether it is its progress."""
    points: dict[date, list[tuple[str, bool]]] = {}
    for code, (first_progress, last_progress, first_execution, last_execution) in spans.items():
        for day in {first_progress, last_progress} - {0}:
            points.setdefault(date.fromordinal(day), []).append((code, True))
        for day in {first_execution, last_execution} - {0}:
            points.setdefault(date.fromordinal(day), []).append((code, False))
    return points


def _check_span_point(structure: Structure | None, day: date, code: str, progress: bool) -> None:
    """The records of a span fit on this date (an element exists from the date it is added and is
    active until its cancellation, never again after: so a span fits iff its first and last dates do)."""
    try:
        if structure is None:
            raise SpansBroken()
        node = structure.node(code)
        if progress:
            structure.active_node(code, day)
            if node.kind == STRATEGIC_ACTION:
                raise SpansBroken()
        elif node.kind not in (OPERATION, SHORT_TERM_ACTION):
            raise SpansBroken()
    except EntryError:
        raise SpansBroken() from None


def closing_state(history: Sequence[Recorded]) -> Recorded | None:
    """The closing in force (recorded order), or None when the plan is open."""
    state = None
    for r in history:
        if isinstance(r.fact, Closing):
            state = r
        elif isinstance(r.fact, Reopening):
            state = None
    return state


def check_closing(history: Sequence[Recorded], new: Recorded, closed: Recorded | None) -> None:
    """A closed plan (`closed`: the closing in force) takes no fact of its year until reopened;
    closing and reopening alternate; an issued report's reference is unique."""
    fact = new.fact
    if isinstance(fact, Closing) and closed is not None:
        raise EntryError(
            None, _("the plan is already closed ({reference}, seq {seq})").format(reference=closed.fact.reference, seq=closed.seq)
        )
    if isinstance(fact, Reopening) and closed is None:
        raise EntryError(None, _("the plan is not closed: there is nothing to reopen"))
    if closed is not None and not isinstance(fact, ABOUT_RECORDS):
        raise EntryError(
            None,
            _(
                "the plan is closed since {date} ({reference}, seq {seq}): facts of its year are refused until it is "
                "reopened (poa reopen)"
            ).format(date=closed.fact.date, reference=closed.fact.reference, seq=closed.seq),
        )
    if isinstance(fact, ReportIssued):
        for r in history:
            if isinstance(r.fact, ReportIssued) and r.fact.reference == fact.reference:
                raise EntryError(
                    "reference", _("a report {reference} was already issued (seq {seq})").format(reference=repr(fact.reference), seq=r.seq)
                )


@figures_context
def check_new(
    history: Sequence[Recorded],
    new: Recorded,
    structure_on: Callable[[date], Structure | None],
    closed: Recorded | None,
    spans: Mapping[str, Sequence[int]] | None = None,
    latest: Structure | None = None,
) -> bool:
    """Raise `EntryError` if recording `new` after `history` would break a rule (`spans`: the
    records `history` leaves out, as in `check_history`: `SpansBroken` if one may not fit).

    `structure_on(day)` gives the structure in force at a date for the current
    history and `closed` the closing in force (the aggregate keeps both, so that a
    record costs no scan of the history). `latest`: the structure in force after every
    structural fact of `history`, given to check a structural fact that takes effect after
    them all without folding the history again (`_extends`); True: `latest` is now the
    structure with `new` applied (else it may be spoilt).
    """
    if isinstance(new.fact, Approval):
        raise EntryError(None, _("the plan is already approved ({reference}, seq 1)").format(reference=history[0].fact.reference))
    approval = history[0].fact
    check_dates(approval, new)
    check_closing(history, new, closed)
    if isinstance(new.fact, STRUCTURAL):
        if latest is not None and spans is not None and _extends(latest, history, new, spans):
            return True
        try:
            check_history([*history, new], spans)
        except HistoryError as broken:
            if broken.recorded is new:
                raise broken.error from None
            old = broken.recorded
            raise EntryError(
                _blamed_field(history, new),
                _("it would break the {kind} entry recorded as seq {seq} (effective {date}): {message}").format(
                    kind=old.kind, seq=old.seq, date=old.fact.date, message=broken.error.message
                ),
            ) from None
    else:
        structure = structure_on(new.fact.date)
        assert structure is not None  # check_dates: not before the approval
        check_record(structure, new)
    return False


def _extends(latest: Structure, history: Sequence[Recorded], new: Recorded, spans: Mapping[str, Sequence[int]]) -> bool:
    """Whether the history stays valid with `new`, a structural fact (not a correction) taking effect
    after every other (effective date, then recorded order), applied to `latest`, the structure in
    force after them all. What `check_history` would check comes down to the date of `new` and after,
    where `latest` with `new` is the structure in force: `new` applies, the budget lines it changes
    stay ≥ 0 (nothing changes them later), and the facts and spans of records dated from then on fit
    (only a cancellation can make a record stop fitting: the spans of the elements `new` cancels).
    False: it may not (`latest` is then spoilt): the whole history's check decides, and names why."""
    fact = new.fact
    if isinstance(fact, Correction) or any(
        isinstance(r.fact, STRUCTURAL) and (r.fact.date, r.seq) > (fact.date, new.seq) for r in history
    ):
        return False
    try:
        latest.apply(new)
        for _field, line in _budget_lines(new, {}):
            if latest.node(line.code).budget.get(line.source, Decimal(0)) < 0:
                return False
        for r in history:
            if not isinstance(r.fact, STRUCTURAL) and r.fact.date >= fact.date:
                check_record(latest, r)
    except EntryError:
        return False
    day = fact.date.toordinal()
    for node in latest.nodes.values():
        by = node.cancelled_by
        if by is not None and by.recorded.seq == new.seq:
            span = spans.get(node.code)
            if span is not None and span[1] >= day:  # its last progress record, on or after the cancellation
                return False
    return True
