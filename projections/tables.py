"""The rows of the read model and of the open-data exports: one plan's history as flat tables.

Pure functions from one plan's history (the `Recorded` facts `Ledger.history(key)`
returns, in seq order) to lists of dicts of plain Python values — ``str``, ``int``,
``Decimal``, ``date``, ``datetime``, ``None``, and for the by-source budget of the
evaluation a ``dict`` of source to ``Decimal`` — so that the same rows feed the
SQLite read model (adapters/read_model.py), CSV and JSON exports and a data package.
Nothing is formatted here: the adapters format (two-place decimal strings, ISO dates,
``Z`` timestamps). Every row of one table has the same keys, in the same order.

- `plan_row`: the plan and its approval;
- `fact_rows`: one row per recorded fact, flattened, with the seq of the record it
  corrects (`corrects_seq`) and its lateness in days (`days_late`, the warnings' rule); fact by
  fact, `fact_row` with `corrected_seq` (what the read model writes for a page of new facts);
- `element_versions`: the structure as known now, as versions of each element with
  half-open validity in effective dates (`valid_from` inclusive, `valid_to` exclusive);
- `budget_line_rows`: every approved amount and every budget change; fact by fact,
  `budget_lines` (a correction's with the fact it corrects and that fact's earlier corrections);
- `evaluations`: the evaluation fold at every quarter end of the year and at the latest
  cut-off date; `evaluation_rows` and `fiscal_rows` (the budget by phase) are their figures,
  from evaluations given or computed.

Nothing here re-decides a rule: the structure comes from `poa.domain.structure.build`,
the figures from `poa.projections.evaluation.evaluate`, the lateness from
`poa.projections.warnings.days_late`; `corrects_seq` follows the ranking of
`evaluate` (a record is ``corrected`` by a later-recorded record of the same element,
cut-off date and, for execution, source).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from operator import attrgetter
from typing import Sequence

from poa.domain.catalogue import ELEMENT_FIGURES, SUMMARY_FIGURES, ElementKind, Role, Rule, Unit
from poa.domain.facts import (
    Add,
    Approval,
    BudgetLine,
    BudgetModification,
    Correction,
    Execution,
    Progress,
    Recorded,
    Reformulation,
    Transfer,
)
from poa.domain.corrections import TEXTS, changed
from poa.domain.rules import closing_state
from poa.domain.structure import Node, Record, build, structural_order

from .evaluation import Evaluation, NotInForce, evaluate, quarter_ends, visible
from .warnings import days_late

__all__ = [
    "APPROVED", "MODIFIED", "ELEMENT_EVALUATION_FIGURES", "PLAN_EVALUATION_FIGURES",
    "plan_row", "fact_rows", "element_versions", "budget_line_rows", "evaluations", "evaluation_rows", "evaluation_dates",
    "EXECUTED", "fiscal_rows", "fact_row", "corrected_seq", "record_key", "budget_lines",
]

APPROVED, MODIFIED = "approved", "modified"  # the phase of a budget line

# the element figures of an evaluation row: the catalogue's, but the quarterly schedule (a
# structural value, in `element_versions` as schedule_q1..q4), as the JSON report gives them
ELEMENT_EVALUATION_FIGURES = tuple(f.name for f in ELEMENT_FIGURES if f.unit is not Unit.SCHEDULE)
# the plan's figures: the JSON report's summary, then the budget by source
PLAN_EVALUATION_FIGURES = tuple(f.name for f in SUMMARY_FIGURES) + ("budget",)


def _plain(value):
    """An enum as its plain value; anything else as it is."""
    return value.value if isinstance(value, Enum) else value


_AS_IS = frozenset({str, int, Decimal, type(None)})  # what `_cell` gives back unchanged


def _cell(value):
    """A figure of an evaluation row: a mapping as a dict, an enum as its plain value."""
    if type(value) in _AS_IS:
        return value
    return dict(value) if isinstance(value, dict) else _plain(value)


_element_figures = attrgetter(*ELEMENT_EVALUATION_FIGURES)  # a `Figures`' values of an evaluation row, in order


# -- plans ------------------------------------------------------------------------------


def plan_row(key: str, history: Sequence[Recorded]) -> dict:
    """The plan: its approval, how many events it holds, and the closing in force (its date)."""
    approval = history[0]
    fact = approval.fact
    assert isinstance(fact, Approval)
    closed = closing_state(history)
    return {
        "plan": key,
        "entity": fact.entity,
        "year": fact.year,
        "approved_on": fact.date,
        "reference": fact.reference,
        "recorded_at": approval.recorded_at,
        "actor": approval.actor,
        "events": len(history),
        "last_seq": history[-1].seq,
        "last_recorded_at": history[-1].recorded_at,
        "closed": None if closed is None else closed.fact.date,
    }


# -- facts ------------------------------------------------------------------------------

FACT_COLUMNS = (
    "plan", "seq", "recorded_at", "actor", "batch", "initial_load", "kind", "code", "date", "reference",
    "entity", "year", "percent", "amount", "source", "note", "text", "reason", "issued", "format", "items",
    "days_late", "corrects_seq",
)


def fact_rows(key: str, history: Sequence[Recorded]) -> list[dict]:
    """One row per recorded fact, in seq order.

    The typed value columns hold what the fact's kind carries, None elsewhere:
    `entity`, `year` (approve); `percent`, `note` (progress); `amount` (execution,
    budget; transfer: the amount moved, its sides in `data` and `budget_line_rows`);
    `source` (execution, budget); `text` (result, justify); `reason`
    (reformulate, budget, transfer, reopen); `issued` (publish); `format` (issue); `items`: the
    number of elements of an approval or of changes of a reformulation. `days_late`:
    days from the effective date (a publication: its issue date) to the recording, the
    warnings' rule (None for an issued report and for a fact of an initial load, whose
    reference `initial_load` holds). `corrects_seq`: for progress and
    execution, the seq of the record it corrects — the latest earlier-recorded record of
    the same element and cut-off date (and, for execution, the same source, no source
    being a source of its own); for a correction, the seq of the fact it corrects; for a
    result or justification that replaces an earlier text, that text's seq; None otherwise
    (other results and justifications accumulate: they correct nothing).

    Row by row: `fact_row` of each fact, its `corrects_seq` from `corrected_seq`.
    """
    latest: dict[tuple, int] = {}
    return [fact_row(key, r, corrected_seq(r, latest)) for r in sorted(history, key=lambda r: r.seq)]


def record_key(fact) -> tuple | None:
    """The series a progress or execution record belongs to — (kind, code, date, source; None for
    progress) — whose later records correct the earlier ones; None for any other fact."""
    if isinstance(fact, (Progress, Execution)):
        return (fact.kind, fact.code, fact.date, fact.source if isinstance(fact, Execution) else None)
    return None


def corrected_seq(r: Recorded, latest: dict[tuple, int]) -> int | None:
    """The `corrects_seq` of `r` (see `fact_rows`), given `latest`: each series' (`record_key`) last
    record among the plan's facts before `r` (by seq), which it updates with `r`."""
    fact = r.fact
    same = record_key(fact)
    if same is not None:
        corrects = latest.get(same)
        latest[same] = r.seq
        return corrects
    if isinstance(fact, Correction):
        return fact.corrects
    if isinstance(fact, TEXTS):
        return fact.replaces
    return None


def fact_row(key: str, r: Recorded, corrects: int | None) -> dict:
    """The row of one fact (see `fact_rows`), `corrects` its `corrects_seq`."""
    fact = r.fact
    if isinstance(fact, Approval):
        items = len(fact.elements)
    elif isinstance(fact, Reformulation):
        items = len(fact.changes)
    else:
        items = None
    return {
        "plan": key,
        "seq": r.seq,
        "recorded_at": r.recorded_at,
        "actor": r.actor,
        "batch": r.batch,
        "initial_load": r.initial_load,
        "kind": _plain(r.kind),
        "code": r.code,
        "date": fact.date,
        "reference": r.reference,
        "entity": getattr(fact, "entity", None),
        "year": getattr(fact, "year", None),
        "percent": getattr(fact, "percent", None),
        "amount": getattr(fact, "amount", None),
        "source": getattr(fact, "source", None),
        "note": getattr(fact, "note", None),
        "text": getattr(fact, "text", None),
        "reason": getattr(fact, "reason", None),
        "issued": getattr(fact, "issued", None),
        "format": getattr(fact, "format", None),
        "items": items,
        "days_late": days_late(r),
        "corrects_seq": corrects,
    }


# -- the structure, as versions ------------------------------------------------------------


def _snapshot(node: Node) -> tuple:
    """What a version of an element is: the values in force (not the facts that set them)."""
    return (
        _plain(node.kind), node.parent, node.title, node.weight, node.schedule, node.sector_code, _plain(node.status),
        tuple(sorted(node.budget.items())) if node.kind == ElementKind.OPERATION else None,
    )


def _setters(node: Node) -> list[Record]:
    """Every fact the structure's fold remembers as setting a value of the node in force."""
    found = [node.added_by, node.title_by, node.weight_by, node.schedule_by, node.sector_code_by, node.cancelled_by]
    found += [line for lines in node.budget_by.values() for line in lines]
    return [record for record in found if record is not None]


def element_versions(key: str, history: Sequence[Recorded]) -> list[dict]:
    """The structure as known now, as versions: one row per element and period in which its
    values were the same.

    A version holds from `valid_from` (inclusive) to `valid_to` (exclusive; None while it is
    in force): the element is in force on day D as that version iff
    ``valid_from <= D and (valid_to is None or D < valid_to)``. Versions start on the
    effective dates of structural facts; several facts dated the same day make one version,
    the state at the end of that day (the structure fold's "in force on D"). `made_by_seq`,
    `made_by_kind`, `made_by_recorded_at` and `reference`: the fact that made the version —
    among the facts dated `valid_from` that the fold remembers as setting a value of the
    element, the one recorded last. `budget_current`: the sum of an operation's sources
    (None for other kinds); the schedule of a short-term action as its four cumulative
    quarter targets `schedule_q1`..`schedule_q4`.
    """
    days = sorted({r.fact.date for r in structural_order(history)})
    open_versions: dict[str, dict] = {}
    last: dict[str, tuple] = {}
    rows: list[dict] = []
    for day in days:
        structure = build(history, on=day)
        if structure is None:
            continue
        for code, node in structure.nodes.items():
            snapshot = _snapshot(node)
            if last.get(code) == snapshot:
                continue
            previous = open_versions.get(code)
            if previous is not None:
                previous["valid_to"] = day
            setters = [s.recorded for s in _setters(node) if s.recorded.fact.date == day]
            made_by = max(setters, key=lambda r: r.seq)
            schedule = node.schedule or (None, None, None, None)
            row = {
                "plan": key,
                "code": code,
                "version": previous["version"] + 1 if previous else 1,
                "kind": _plain(node.kind),
                "parent": node.parent,
                "title": node.title,
                "weight": node.weight,
                "schedule_q1": schedule[0],
                "schedule_q2": schedule[1],
                "schedule_q3": schedule[2],
                "schedule_q4": schedule[3],
                "sector_code": node.sector_code,
                "status": _plain(node.status),
                "budget_current": sum(node.budget.values(), Decimal(0)) if node.kind == ElementKind.OPERATION else None,
                "valid_from": day,
                "valid_to": None,
                "made_by_seq": made_by.seq,
                "made_by_kind": _plain(made_by.kind),
                "made_by_recorded_at": made_by.recorded_at,
                "reference": made_by.reference,
            }
            rows.append(row)
            open_versions[code] = row
            last[code] = snapshot
    order = {code: i for i, code in enumerate(open_versions)}  # the order elements entered the structure
    return sorted(rows, key=lambda row: (order[row["code"]], row["version"]))


# -- budget lines --------------------------------------------------------------------------


def budget_line_rows(key: str, history: Sequence[Recorded]) -> list[dict]:
    """Every approved amount and every budget change, by operation and source, in seq order.

    - the approval: one line per operation and source of its budget, phase ``approved``;
    - a reformulation: one line per source of each operation it adds (``add``) and one per
      budget line (``budget``), phase ``modified`` (an element added during the year is a
      change of the approved plan, even if its amount is approved with it);
    - a budget modification: one line (``budget``), phase ``modified``;
    - a transfer: two lines (``transfer``), phase ``modified``: line 1 the giving operation and
      source (−amount), line 2 the receiving one (+amount);
    - a correction of amounts: one line per source it changes (``correct``), the difference
      between the amount it gives and the one it corrects, in the phase of the line corrected
      (``approved`` when it corrects the approval), so that the lines still add up to the current
      budget; a correction of a transfer's side: two lines, the side it names, then the other
      side (the opposite difference).

    `line` is the line's position within its fact (1, 2, …); `amount` is signed; `by` is
    the fact's kind; `action` what in the fact states it (``element``, ``add``, ``budget``, ``transfer``).

    Fact by fact: `budget_lines` of each.
    """
    return [row for r in sorted(history, key=lambda r: r.seq) for row in budget_lines(key, r, history)]


def budget_lines(key: str, r: Recorded, history: Sequence[Recorded]) -> list[dict]:
    """The budget lines of one fact (see `budget_line_rows`). `history` matters only for a correction
    of amounts: what it needs of the plan's facts before it — the fact it corrects and the earlier
    corrections of that fact (the plan's whole history will do)."""
    rows = []
    fact = r.fact

    def line(code: str, source: str, amount: Decimal, phase: str, action: str) -> None:
        rows.append({
            "plan": key,
            "seq": r.seq,
            "line": len(rows) + 1,
            "code": code,
            "source": source,
            "amount": amount,
            "phase": phase,
            "by": _plain(r.kind),
            "action": action,
            "date": fact.date,
            "reference": r.reference,
            "reason": getattr(fact, "reason", None),
            "recorded_at": r.recorded_at,
            "actor": r.actor,
        })

    if isinstance(fact, Approval):
        for element in fact.elements:
            if element.kind == ElementKind.OPERATION:
                for source, amount in element.budget.items():
                    line(element.code, source, amount, APPROVED, "element")
    elif isinstance(fact, Reformulation):
        for change in fact.changes:
            if isinstance(change, Add) and change.element.kind == ElementKind.OPERATION:
                for source, amount in change.element.budget.items():
                    line(change.element.code, source, amount, MODIFIED, "add")
            elif isinstance(change, BudgetLine):
                line(change.code, change.source, change.amount, MODIFIED, "budget")
    elif isinstance(fact, BudgetModification):
        line(fact.code, fact.source, fact.amount, MODIFIED, "budget")
    elif isinstance(fact, Transfer):
        for side in fact.lines():
            line(side.code, side.source, side.amount, MODIFIED, "transfer")
    elif isinstance(fact, Correction) and fact.budget is not None:  # what it changes, in the corrected line's phase
        phase = APPROVED if any(c.seq == fact.corrects and isinstance(c.fact, Approval) for c in history) else MODIFIED
        for code, source, difference in changed(history, r):  # a transfer's: the side named, then the other
            line(code, source, difference, phase, "correct")
    return rows


# -- the evaluation ------------------------------------------------------------------------


def evaluation_dates(history: Sequence[Recorded]) -> list[date]:
    """The as_of dates of the evaluation rows: every quarter end of the plan's year, and the
    latest cut-off date of a progress or execution record when it is not a quarter end."""
    year = history[0].fact.year
    days = list(quarter_ends(year))
    cut_offs = [r.fact.date for r in history if isinstance(r.fact, (Progress, Execution))]
    if cut_offs and max(cut_offs) not in days:
        days.append(max(cut_offs))
    return sorted(days)


def evaluations(
    key: str, history: Sequence[Recorded], known_at: datetime | None = None, *, as_ofs: Sequence[date] | None = None,
    checks: bool = True,
) -> list[Evaluation]:
    """The evaluation fold at every date of `evaluation_dates` (or of `as_ofs`, when given), as
    known at `known_at` (default: the recorded time of the plan's last event, when every fact of
    `history` is known, so the result depends on the history alone). A date at which the plan is
    not in force (before its approval) has none. `checks=False`: the figures only (`evaluate`'s)."""
    moment = known_at if known_at is not None else max(r.recorded_at for r in history)
    found = []
    for as_of in evaluation_dates(history) if as_ofs is None else as_ofs:
        try:
            found.append(evaluate(key, history, as_of, moment, checks=checks))
        except NotInForce:
            continue
    return found


def evaluation_rows(
    key: str, history: Sequence[Recorded], known_at: datetime | None = None, *, as_ofs: Sequence[date] | None = None,
    evaluated: Sequence[Evaluation] | None = None,
) -> tuple[list[dict], list[dict]]:
    """The figures of the `evaluations` of the plan (`evaluated`, when the caller already has
    them): (element rows, plan rows).

    Element rows: plan, as_of, known_at, code, kind, parent, then the catalogue's element
    figures (`ELEMENT_EVALUATION_FIGURES`, the `Figures` attributes of the same names: None
    where the element's kind does not carry one; `budget` a dict by source). Plan rows: plan,
    as_of, known_at and the summary figures (`PLAN_EVALUATION_FIGURES`). A date at which the
    plan is not in force (before its approval) has no rows.
    """
    elements, plans = [], []
    for ev in evaluations(key, history, known_at, as_ofs=as_ofs, checks=False) if evaluated is None else evaluated:
        as_of, moment = ev.as_of, ev.known_at
        for f in ev.elements():
            row = {"plan": key, "as_of": as_of, "known_at": moment, "code": f.code, "kind": _plain(f.kind),
                   "parent": f.parent}
            row.update(zip(ELEMENT_EVALUATION_FIGURES, map(_cell, _element_figures(f))))
            elements.append(row)
        s = ev.summary
        row = {"plan": key, "as_of": as_of, "known_at": moment}
        for name in PLAN_EVALUATION_FIGURES:
            value = getattr(s, name)
            row[name] = dict(value) if isinstance(value, dict) else value
        plans.append(row)
    return elements, plans


# -- the budget as fiscal data (open-data exports) --------------------------------------------

EXECUTED = "executed"  # the phase of an executed amount (fiscal rows)


def fiscal_rows(
    key: str, history: Sequence[Recorded], known_at: datetime | None = None, *, as_ofs: Sequence[date] | None = None,
    evaluated: Sequence[Evaluation] | None = None,
) -> list[dict]:
    """The budget by phase at the dates of the plan's `evaluations` (`evaluated`, when the caller
    already has them): the rows of a fiscal table, one amount each.

    - ``approved`` and ``modified``: for every operation of the evaluation (cancelled ones
      included) and every source of its current budget, the sum of the visible budget lines
      of that phase (`budget_line_rows` of the facts dated on or before as_of and recorded by
      known_at); approved + modified is the operation's current budget for the source.
    - ``executed``: the amounts the plan's executed budget adds up, read from the evaluation's
      own derivation of it: a short-term action with execution records of its own gives its
      amounts (the operations under it are then not counted by the plan); otherwise each of
      its operations gives its own. An element whose records name sources gives one row per
      source key — the amount of its latest record for that key — and the records without
      a source one row with `source` None; an element without records one row, source None,
      with its executed figure (0).

    Each row: plan, as_of, known_at, year, entity, phase, source, amount, the element it is
    about (`code`, `kind`) and its hierarchy with titles in force at as_of: strategic action,
    short-term action, operation (None below the element's own level).
    """
    rows: list[dict] = []
    for ev in evaluations(key, history, known_at, as_ofs=as_ofs) if evaluated is None else evaluated:
        as_of, moment = ev.as_of, ev.known_at
        by_code = {f.code: f for f in ev.elements()}
        lines: dict[tuple[str, str, str], Decimal] = {}
        for line in budget_line_rows(key, visible(history, as_of, moment)):
            where = (line["code"], line["source"], line["phase"])
            lines[where] = lines.get(where, Decimal(0)) + line["amount"]

        def row(code: str, source: str | None, phase: str, amount: Decimal) -> dict:
            chain = {}
            at = by_code[code]
            while at is not None:
                chain[_plain(at.kind)] = at
                at = by_code.get(at.parent) if at.parent else None
            levels = {}
            for kind, name in ((ElementKind.STRATEGIC_ACTION, "strategic_action"),
                               (ElementKind.SHORT_TERM_ACTION, "short_term_action"), (ElementKind.OPERATION, "operation")):
                level = chain.get(_plain(kind))
                levels[name] = level.code if level else None
                levels[name + "_title"] = level.title if level else None
            return {"plan": key, "as_of": as_of, "known_at": moment, "year": ev.year, "entity": ev.entity,
                    "phase": phase, "source": source, "amount": amount, "code": code, "kind": _plain(by_code[code].kind),
                    **levels}

        for op in ev.operations:
            for source in sorted(op.budget or {}):
                for phase in (APPROVED, MODIFIED):
                    rows.append(row(op.code, source, phase, lines.get((op.code, source, phase), Decimal(0))))
        for part in ev.derivation(None, "budget_executed").parts:  # the short-term actions
            acp = part.derivation
            counted = [p.derivation for p in acp.parts] if acp.rule == Rule.SUM_OVER_OPERATIONS else [acp]
            for d in counted:
                for source, amount in _executed_by_source(d):
                    rows.append(row(d.code, source, EXECUTED, amount))
    return rows


def _executed_by_source(d) -> list[tuple[str | None, Decimal]]:
    """An executed-budget derivation of one element as (source, amount): the records it used, one
    per source key (no source is a key of its own), or its value alone when it used none."""
    if d.rule != Rule.LATEST_RECORD_PER_SOURCE:
        return [(None, d.value)]
    used = {r.fact.source: r.fact.amount for r, role in zip(d.records.recorded, d.records.roles) if role == Role.USED}
    return sorted(used.items(), key=lambda item: (item[0] is not None, item[0] or ""))
