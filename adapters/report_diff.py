"""`poa diff`: the differences between two views of a plan, as JSON or as a Spanish table.

The table's labels (figures, statuses, kinds, changes, reasons, fact kinds, actions, titles
and headers) and its sentences come from `poa.domain.catalogue`.

JSON shape (schema adapters/schemas/diff.schema.json; stable English keys; every decimal a
string with two places, as in the report, but a publish's declared figures in `values`, kept
as printed; counts are integers; dates ``YYYY-MM-DD``, times ISO 8601 UTC with ``Z``)::

    {
      "schema_version": "2.0",
      "plan": "T-2021", "entity": "...", "year": 2021,
      "from": VIEW, "to": VIEW,
      "summary":  [DIFFERENCE, ...],          # plan figures that differ
      "elements": [ELEMENT, ...],             # elements with at least one differing figure
      "events":   [EVENT, ...]                # every event visible in one view only, recorded order
    }

    VIEW       = {"as_of": "2021-09-30", "known_at": "2021-10-05T14:00:00Z",
                  "issued": null | {"reference", "date", "format", "seq", "recorded_at", "actor"}}
    ELEMENT    = {"kind": "strategic_action|short_term_action|operation|task", "code", "parent", "title",
                  "change": "added|removed|cancelled|restored|changed",
                  "differences": [DIFFERENCE, ...]}
    DIFFERENCE = {"figure": NAME, "source": null | "TGN",   # source only for figure "budget"
                  "from": VALUE, "to": VALUE,                  # null where the element is absent
                  "delta": null | to - from,                   # numbers only, of the values as shown
                  "as_of_effect": bool,                        # programmed progress moved with the quarter
                  "events": [EVENT, ...]}                      # the events responsible
    EVENT      = {"seq", "kind", "recorded_at", "actor", "reference", "date",
                  "side": "added|removed",                     # visible only in --to / only in --from
                  "because": "date|recorded|date_and_recorded", # why the other view does not see it
                  "corrects": null | seq,                      # the earlier record it replaces; the fact
                                                               # a correction corrects; the text it replaces
                  "values": {...}}                             # the values involved, in the batch syntax

Figure names: element figures ``title, status, sector_code, weight, schedule
(a list of 4), progress_pct, programmed_pct, deviation_pts, budget (one per
source), budget_current, budget_executed, budget_execution_pct``; plan figures
``strategic_actions, short_term_actions, operations, tasks (integers),
weights_total, budget (one per source), budget_current, budget_executed,
budget_execution_pct, physical_progress_pct, programmed_pct, deviation_pts,
reformulations (integer)``.

`values` of an event: for a reformulation ``{"reason", "changes": [...]}`` with
only the changes that bear on that figure (all of them in the top-level
`events`), each in the entry syntax (``{"add": {...}}``, ``{"update": {...}}``,
``{"cancel": {...}}``, ``{"budget": {...}}``); for any other event the entry's
fields but ``date`` and ``reference`` (``{"code", "percent", "note"}``,
``{"code", "source", "amount", "reason"}``, ...).
"""

from __future__ import annotations

from decimal import Decimal


from poa.domain.catalogue import (
    ACTION_LABELS,
    BECAUSE_LABELS,
    CHANGE_LABELS,
    COLUMN_LABELS,
    DIFF_TEXTS,
    FACT_KIND_LABELS,
    FIGURE,
    KIND_LABELS,
    STATUS_LABELS,
    TABLE_LABELS,
    Action,
    Change,
    Status,
)
from poa.domain.facts import Add, Approval, BudgetLine, Cancel, Reformulation, Transfer, Update
from poa.domain.values import grouped
from poa.projections.comparison import Comparison, FigureChange, Responsible
from poa.projections.issued import View

from .report_json import SCHEMA_VERSION, change_to_dict, history_fields, plain, timestamp, two_places
from .report_text import Block, transfer_sides

# -- JSON ------------------------------------------------------------------------------


def comparison_to_dict(c: Comparison) -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "plan": c.plan,
        "entity": c.entity,
        "year": c.year,
        "from": _view(c.before),
        "to": _view(c.after),
        "summary": [_difference(f) for f in c.summary],
        "elements": [
            {
                "kind": e.kind,
                "code": e.code,
                "parent": e.parent,
                "title": e.title,
                "change": e.change,
                "differences": [_difference(f) for f in e.figures],
            }
            for e in c.elements
        ],
        "events": [_event(r) for r in c.events],
    }


def _view(v: View) -> dict:
    issued = None
    if v.issued is not None:
        r = v.issued
        issued = {
            "reference": r.fact.reference,
            "date": r.fact.date.isoformat(),
            "format": r.fact.format,
            "seq": r.seq,
            "recorded_at": timestamp(r.recorded_at),
            "actor": r.actor,
        }
    return {"as_of": v.as_of.isoformat(), "known_at": timestamp(v.known_at), "issued": issued}


def _difference(f: FigureChange) -> dict:
    return {
        "figure": f.figure,
        "source": f.source,
        "from": plain(f.before, two_places),
        "to": plain(f.after, two_places),
        "delta": plain(f.delta, two_places),
        "as_of_effect": f.as_of_effect,
        "events": [_event(r) for r in f.events],
    }


def _event(r: Responsible) -> dict:
    recorded = r.recorded
    return {
        "seq": recorded.seq,
        "kind": recorded.kind,
        "recorded_at": timestamp(recorded.recorded_at),
        "actor": recorded.actor,
        "reference": recorded.reference,
        "date": recorded.fact.date.isoformat(),
        "side": r.side,
        "because": r.because,
        "corrects": r.corrects,
        "values": _values(r),
    }


def _values(r: Responsible) -> dict:
    fact = r.recorded.fact
    if isinstance(fact, Reformulation):
        return {"reason": fact.reason, "changes": [change_to_dict(c) for c in r.items]}
    if isinstance(fact, Approval):
        return {"entity": fact.entity, "year": fact.year, "elements": len(fact.elements)}
    return {name: value for name, value in history_fields(fact).items() if name not in ("date", "reference")}


# -- the Spanish table -------------------------------------------------------------------
# Every label and sentence comes from the catalogue (poa.domain.catalogue, "the differences of `poa diff`").

_CHANGE_ACTION = {Add: Action.ADD, Update: Action.UPDATE, Cancel: Action.CANCEL, BudgetLine: Action.BUDGET_LINE}


def layout(c: Comparison) -> list[Block]:
    blocks = [
        Block("heading", title=DIFF_TEXTS["heading"].text.format(entity=c.entity, year=c.year, plan=c.plan)),
        Block("paragraph", text=DIFF_TEXTS["views"].text.format(before=_describe(c.before), after=_describe(c.after))),
    ]
    if c.empty:
        return blocks + [Block("paragraph", text=DIFF_TEXTS["no_differences"].text)]
    blocks.append(
        Block(
            "table",
            title=TABLE_LABELS["plan_figures"].text,
            headers=_headers("figure", "from", "to", "delta", "events"),
            rows=tuple((_label(f), *_columns(f), _events(f)) for f in c.summary)
            or ((DIFF_TEXTS["no_rows"].text, "", "", "", ""),),
            right=frozenset({1, 2, 3}),
        )
    )
    rows = []
    for e in c.elements:
        for i, f in enumerate(e.figures):
            head = (e.code, KIND_LABELS[e.kind].text, CHANGE_LABELS[e.change].text) if i == 0 else ("", "", "")
            rows.append((*head, _label(f), *_columns(f), _events(f)))
    blocks.append(
        Block(
            "table",
            title=TABLE_LABELS["elements_changed"].text,
            headers=_headers("code", "kind", "change", "figure", "from", "to", "delta", "events"),
            rows=tuple(rows) or ((DIFF_TEXTS["no_rows"].text, "", "", "", "", "", "", ""),),
            right=frozenset({4, 5, 6}),
        )
    )
    blocks.append(
        Block(
            "table",
            title=TABLE_LABELS["one_view_events"].text,
            headers=_headers("seq", "side", "kind", "recorded_at", "actor", "date", "reference", "because", "values"),
            rows=tuple(
                (
                    str(r.seq),
                    "+" if r.side == Change.ADDED else "−",
                    FACT_KIND_LABELS[r.recorded.kind].text,
                    r.recorded.recorded_at.isoformat(timespec="seconds")[:19],
                    r.recorded.actor,
                    r.recorded.fact.date.isoformat(),
                    r.recorded.reference or "",
                    BECAUSE_LABELS[r.because].text
                    + (DIFF_TEXTS["corrects"].text.format(seq=r.corrects) if r.corrects else ""),
                    _data(r),
                )
                for r in c.events
            ),
            right=frozenset({0}),
        )
    )
    return blocks


def _describe(v: View) -> str:
    text = DIFF_TEXTS["view"].text.format(as_of=v.as_of.isoformat(), known_at=v.known_at.isoformat(timespec="seconds"))
    if v.issued is not None:
        text += DIFF_TEXTS["issued_view"].text.format(reference=v.issued.fact.reference, seq=v.issued.seq)
    return text


def _headers(*columns: str) -> tuple[str, ...]:
    return tuple(COLUMN_LABELS[c].text for c in columns)


def _label(f: FigureChange) -> str:
    label = FIGURE[f.figure].label.text
    return f"{label} {f.source}" if f.source is not None else label


def _columns(f: FigureChange) -> tuple[str, str, str]:
    delta = f.delta
    signed = "" if delta is None else ("+" if delta > 0 else "") + _shown(f, delta)
    return _shown(f, f.before), _shown(f, f.after), signed


def _shown(f: FigureChange, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Status):
        return STATUS_LABELS[value].text
    if isinstance(value, Decimal):
        return grouped(value)
    if isinstance(value, tuple):
        return " / ".join(two_places(v) for v in value)
    return str(value)


def _events(f: FigureChange) -> str:
    seqs = " ".join(("+" if r.side == Change.ADDED else "−") + str(r.seq) for r in f.events)
    if f.as_of_effect:
        seqs = (seqs + " " if seqs else "") + DIFF_TEXTS["as_of_effect"].text
    return seqs


def _data(r: Responsible) -> str:
    fact = r.recorded.fact
    if isinstance(fact, Reformulation):
        return f"{fact.reason}: " + "; ".join(_change_text(c) for c in r.items)
    if isinstance(fact, Transfer):  # one line with both sides
        return f"{fact.reason}: " + transfer_sides(fact, grouped)
    return ", ".join(_field_text(k, v) for k, v in _values(r).items())


def _field_text(name: str, value) -> str:
    if isinstance(value, dict):
        value = " ".join(f"{k} {v}" for k, v in value.items())
    elif isinstance(value, list):
        value = "/".join(str(v) for v in value)
    return f"{name}={value}"


def _change_text(change) -> str:
    [(_, body)] = change_to_dict(change).items()
    rest = ", ".join(_field_text(k, v) for k, v in body.items() if k not in ("code", "title", "parent"))
    return f"{ACTION_LABELS[_CHANGE_ACTION[type(change)]].text} {body['code']}" + (f" ({rest})" if rest else "")
