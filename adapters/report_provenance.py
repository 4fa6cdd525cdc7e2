"""`poa explain`: where each figure of one element, or of the plan, comes from, as JSON and as a Spanish table.

The table's labels (figures, statuses, kinds, roles, actions, titles and headers) and the
sentences that explain each rule come from `poa.domain.catalogue`.

JSON shape (schema adapters/schemas/explain.schema.json; stable English keys; amounts,
weights and percentages are strings with two decimals as in `poa report` — but `exact`, the
exact decimal before rounding, which is why it exists —, dates ``YYYY-MM-DD``, times ISO 8601
UTC with ``Z``)::

    {
      "schema_version", "plan", "entity", "year", "as_of", "known_at",
      "element": {"code", "kind", "parent", "title", "status"},
      "figures": {
        "title": EXPLANATION,             # every element: the approval, add, update or correction in force
        "status": EXPLANATION,            # every element
        "weight": EXPLANATION,
        "progress_pct": EXPLANATION,
        "programmed_pct": EXPLANATION,    # short-term and strategic actions
        "deviation_pts": EXPLANATION,     # short-term and strategic actions
        "budget": {SOURCE: EXPLANATION},  # operations, short-term and strategic actions
        "budget_current": EXPLANATION,
        "budget_executed": EXPLANATION,
        "budget_execution_pct": EXPLANATION
      }
    }

The `figures` keys are the element keys of `poa report --format json`, and each
`value` is the string that report shows for the same as_of and known_at.
`budget` holds the report's sources, plus any source whose budget lines are all
not visible (value "0.00").

The plan itself (`poa explain` with the plan's key, or no code)::

      "element": {"code": PLAN KEY, "kind": "plan", "parent": null, "title": ENTITY, "status": null},
      "figures": {                        # the keys of the JSON report's `summary`, in its order,
        "strategic_actions": EXPLANATION, # with `budget` by source before `budget_current`
        "short_term_actions", "operations", "tasks", "weights_total",
        "budget": {SOURCE: EXPLANATION}, "budget_current", "budget_executed", "budget_execution_pct",
        "physical_progress_pct", "programmed_pct", "deviation_pts", "reformulations", "budget_modifications"
      }

A count's `value` is an integer, as in the report's summary (`exact` null); its `parts` are the
elements of that kind in the structure in force, each with value 1 (`used`) or 0 (`excluded`,
cancelled), and its `events` the approvals, adds and cancellations behind them; the events of
`reformulations` are the reformulations (action `reformulate`, code and value null), those of
`budget_modifications` the budget modifications.

EXPLANATION: ``{"value", "exact", "rule", "inputs", "parts", "events"}``

- `value`: the figure as the report shows it (``"73.33"``; for `status` the
  text ``"active"`` or ``"cancelled"``); `exact`: the exact decimal before
  rounding, in plain notation, never an exponent (null for `status`).
- `rule`, with its `inputs` (an object; the keys listed are always present; the counts' rules,
  `count_of_active`, `count_of_reformulations` and `count_of_budget_modifications`, take none):
  `added` {added_on}; `cancelled` {cancelled_on, cancelled_with: the code whose
  cancellation cascaded}; `structure_in_force` {} (weight: the approval, add or
  update in effect); `sum_of_active_short_term_action_weights` {} (weight of a
  strategic action); `direct_record` {}; `weighted_mean_of_children`
  {weights_total}; `plain_mean_of_children` {weights_total} (the active
  children's weights sum to 0); `weighted_mean_of_short_term_actions`
  {weights_total}; `zero_weights_total` {weights_total}; `default_zero` {};
  `schedule` {schedule: [4 values], quarter_ends_passed: [dates ≤ as_of]};
  `programmed_minus_progress` {programmed, progress}; `sum_of_budget_lines` {};
  `sum_over_sources` {}; `latest_record_per_source` {}; `sum_over_operations` {};
  `sum_over_short_term_actions` {}; `executed_over_current` {executed, current};
  `zero_current` {executed, current}.
- `parts`: the terms the rule combined, each ``{"code", "source", "status",
  "weight", "value", "exact", "role", "explanation"}``: children of a mean or a
  sum (`role` `used`, or `excluded` for a cancelled child left out of a progress
  mean; `explanation` is the child's own EXPLANATION of the same figure, null
  when excluded), or funding sources of `budget_current` (`source` set).
- `events`: every event behind the figure, in recorded order, each ``{"seq",
  "recorded_at", "actor", "kind", "action", "reference", "date", "code",
  "source", "value", "role"}``. `kind` is the event's entry kind (approve,
  reformulate, budget, progress, execution, correct); `action` what it did (approve, add,
  update, cancel, budget_line, budget_modification, progress, execution,
  reformulate, correct); `code` the element it names (an operation for budget lines, an
  ancestor for a cascading cancellation, null for a reformulation counted);
  `value` what it states (a percent or amount string, a schedule as a list, a
  status text, a title, null for a reformulation counted). `role`: `used`, `superseded` (an
  earlier cut-off date, or a change no longer in effect), `corrected` (a later
  record for the same element, source and date replaced it, or a correction fixed
  the value it set), `not_known` (recorded after known_at), `after_as_of` (dated
  after as_of). A correction's event (`kind` and `action` `correct`) also has
  `reason`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from poa.domain.catalogue import (
    ACTION_LABELS,
    COLUMN_LABELS,
    EXPLAIN_TEXTS,
    FIGURE,
    KIND_NAMES,
    ROLE_LABELS,
    RULE_SENTENCE_PARTS,
    BAND_LABELS,
    NO_BAND,
    RULE_SENTENCES,
    RULE_SHORT,
    STATUS_LABELS,
    TABLE_LABELS,
    Action,
    Label,
    Role,
    Rule,
    Status,
    Unit,
)
from poa.domain.values import grouped
from poa.projections.provenance import Evidence, Explanation, Part, Provenance

from .report_json import SCHEMA_VERSION, timestamp, two_places
from .report_text import Block


def _number(value) -> str | int | None:
    """A figure as JSON: a decimal with two places; a count (an int) or a band as it is."""
    return value if value is None or isinstance(value, (int, str)) else two_places(value)


def _plain(value):
    if isinstance(value, Decimal):
        return two_places(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return timestamp(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# -- JSON ---------------------------------------------------------------------------------


def provenance_to_dict(p: Provenance) -> dict:
    figures: dict = {}
    for f in p.figures:
        if FIGURE[f.figure].by_source:
            figures.setdefault(f.figure, {})[f.source] = explanation_to_dict(f)
        else:
            figures[f.figure] = explanation_to_dict(f)
    return {
        "schema_version": SCHEMA_VERSION,
        "plan": p.plan,
        "entity": p.entity,
        "year": p.year,
        "as_of": p.as_of.isoformat(),
        "known_at": timestamp(p.known_at),
        "element": {"code": p.code, "kind": p.kind, "parent": p.parent, "title": p.title, "status": p.status},
        "figures": figures,
    }


def explanation_to_dict(e: Explanation) -> dict:
    return {
        "value": _plain(e.value),
        "exact": format(e.value, "f") if isinstance(e.value, Decimal) else None,
        "rule": e.rule,
        "inputs": {k: _plain(v) for k, v in e.inputs.items()},
        "parts": [_part(p) for p in e.parts],
        "events": [_event(ev) for ev in e.events],
    }


def _part(p: Part) -> dict:
    return {
        "code": p.code,
        "source": p.source,
        "status": p.status,
        "weight": two_places(p.weight),
        "value": _number(p.value),
        "exact": format(p.value, "f") if isinstance(p.value, Decimal) else None,
        "role": p.role,
        "explanation": None if p.explanation is None else explanation_to_dict(p.explanation),
    }


def _event(e: Evidence) -> dict:
    event = {
        "seq": e.seq,
        "recorded_at": timestamp(e.recorded_at),
        "actor": e.actor,
        "kind": e.kind,
        "action": e.action,
        "reference": e.reference,
        "date": e.date.isoformat(),
        "code": e.code,
        "source": e.source,
        "value": _plain(e.value),
        "role": e.role,
    }
    if e.action == Action.CORRECT:  # a correction also says why
        event["reason"] = e.reason
    return event


# -- the Spanish table -----------------------------------------------------------------------
# Every label and sentence comes from the catalogue (poa.domain.catalogue), the rules' sentences included.


def _status(value) -> str:
    return STATUS_LABELS[value].text if value is not None else ""


def _amount(figure: str) -> bool:
    return FIGURE[figure].unit is Unit.AMOUNT


def _shown(figure: str, value) -> str:
    if isinstance(value, Status):
        return _status(value)
    if value is None:
        return NO_BAND.text if FIGURE[figure].unit is Unit.BAND else ""
    if FIGURE[figure].unit is Unit.BAND:
        return BAND_LABELS[value].text
    if FIGURE[figure].unit in (Unit.COUNT, Unit.TEXT):
        return str(value)
    return grouped(value) if _amount(figure) else two_places(value)


def _event_value(figure: str, e: Evidence) -> str:
    if e.action == Action.CORRECT:  # the value it gives, and why
        return EXPLAIN_TEXTS["correction"].text.format(value=_event_value(figure, attrs.evolve(e, action=None)), reason=e.reason)
    if isinstance(e.value, tuple):
        return "/".join(two_places(v) for v in e.value)
    if isinstance(e.value, Decimal):  # an amount: of a money figure, or a budget modification counted
        counted = e.action in (Action.BUDGET_MODIFICATION, Action.TRANSFER)
        return grouped(e.value) if _amount(figure) or counted else two_places(e.value)
    if isinstance(e.value, Status):
        return _status(e.value)
    return "" if e.value is None else str(e.value)


def _used_seqs(e: Explanation) -> str:
    return ", ".join(str(ev.seq) for ev in e.events if ev.role == Role.USED)


def rule_text(e: Explanation, code: str) -> str:
    """The rule in a Spanish sentence (`RULE_SENTENCES`); a rule without one, its identifier."""
    i, rule = e.inputs, e.rule
    if rule == Rule.CANCELLED:
        whom = i["cancelled_with"]
        through = "" if whom == code else RULE_SENTENCE_PARTS["cancelled_through"].text.format(code=whom)
        return RULE_SENTENCES[rule].text.format(cancelled_on=i["cancelled_on"], through=through)
    if rule == Rule.DEFAULT_ZERO and e.figure == "budget_executed":
        return RULE_SENTENCE_PARTS["default_zero_executed"].text
    if rule == Rule.SCHEDULE:
        schedule = "/".join(two_places(v) for v in i["schedule"])
        n = len(i["quarter_ends_passed"])
        if n == 0:
            return RULE_SENTENCE_PARTS["schedule_before_first"].text.format(schedule=schedule)
        ends = RULE_SENTENCE_PARTS["quarter_ends"].text(n)
        return RULE_SENTENCES[rule].text.format(schedule=schedule, n=n, ends=ends, last=i["quarter_ends_passed"][-1])
    if rule == Rule.SUM_OVER_SOURCES:
        terms = " + ".join(f"{p.source} {grouped(p.value)}" for p in e.parts) or RULE_SENTENCE_PARTS["no_sources"].text
        return RULE_SENTENCES[rule].text.format(terms=terms)
    if rule == Rule.BAND_OF_EFFICIENCY:
        bands = ", ".join(
            f"{BAND_LABELS[band].text} ≥ {two_places(limit)}" for band, limit in i["limits"] if limit
        )
        return RULE_SENTENCES[rule].text.format(efficiency=two_places(i["efficiency"]), bands=bands)
    if rule not in RULE_SENTENCES:
        return rule
    return RULE_SENTENCES[rule].text.format(
        efficacy=two_places(i.get("efficacy")),
        execution=two_places(i.get("execution")),
        physical_weight=i.get("physical_weight"),
        financial_weight=i.get("financial_weight"),
        added_on=i.get("added_on"),
        seqs=_used_seqs(e),
        weights_total=two_places(i.get("weights_total")),
        programmed=two_places(i.get("programmed")),
        progress=two_places(i.get("progress")),
        source=e.source,
        executed=_grouped(i.get("executed")),
        current=_grouped(i.get("current")),
    )


def _grouped(value) -> str | None:
    return None if value is None else grouped(value)


def _short_rule(e: Explanation) -> str:
    """The rule of a part, in a few words (`RULE_SHORT`); a rule without them, its identifier."""
    if e.rule not in RULE_SHORT:
        return e.rule
    return RULE_SHORT[e.rule].text.format(seqs=_used_seqs(e))


def layout(p: Provenance) -> list[Block]:
    kind = EXPLAIN_TEXTS["plan"] if p.of_plan else KIND_NAMES[p.kind]
    blocks = [
        Block("heading", title=EXPLAIN_TEXTS["heading"].text.format(kind=kind.text, code=p.code, title=p.title)),
        Block(
            "paragraph",
            text=EXPLAIN_TEXTS["view"].text.format(
                entity=p.entity,
                plan=p.plan,
                year=p.year,
                as_of=p.as_of.isoformat(),
                known_at=p.known_at.isoformat(timespec="seconds"),
            ),
        ),
    ]
    for e in p.figures:
        label = FIGURE[e.figure].label.text + (EXPLAIN_TEXTS["source"].text.format(source=e.source) if e.source else "")
        blocks.append(Block("paragraph", title=f"{label}: {_shown(e.figure, e.value)}", text=rule_text(e, p.code)))
        if e.parts and e.rule != Rule.SUM_OVER_SOURCES:
            blocks.append(_parts_table(e))
        if e.events:
            blocks.append(_events_table(e))
    return blocks


def _parts_table(e: Explanation) -> Block:
    rows: list[tuple] = []

    def add(parts: tuple[Part, ...], depth: int) -> None:
        for part in parts:
            rows.append(
                (
                    "  " * depth + (part.code or ""),
                    _status(part.status),
                    two_places(part.weight) or "",
                    _shown(e.figure, part.value),
                    _short_rule(part.explanation) if part.explanation else "",
                    ROLE_LABELS[part.role].text,
                )
            )
            if part.explanation is not None:
                add(part.explanation.parts, depth + 1)

    add(e.parts, 0)
    return Block(
        "table",
        title=TABLE_LABELS["parts"].text,
        headers=_headers(COLUMN_LABELS["element"], FIGURE["status"].label, FIGURE["weight"].label, *_columns("value", "rule", "role")),
        rows=tuple(rows),
        right=frozenset({2, 3}),
    )


def _events_table(e: Explanation) -> Block:
    rows = tuple(
        (
            str(ev.seq),
            ev.recorded_at.isoformat(timespec="seconds"),
            ev.actor,
            ACTION_LABELS[ev.action].text,
            ev.reference or "",
            ev.date.isoformat(),
            ev.code or "",
            ev.source or "",
            _event_value(e.figure, ev),
            ROLE_LABELS[ev.role].text,
        )
        for ev in e.events
    )
    return Block(
        "table",
        title=TABLE_LABELS["events"].text,
        headers=_headers(
            *_columns("seq", "recorded_at", "actor", "action", "reference", "date", "element", "source", "value", "role")
        ),
        rows=rows,
        right=frozenset({0, 8}),
    )


def _columns(*names: str) -> tuple[Label, ...]:
    return tuple(COLUMN_LABELS[name] for name in names)


def _headers(*labels: Label) -> tuple[str, ...]:
    return tuple(label.text for label in labels)
