"""`poa explain`: where each figure of one element comes from, as JSON and as a Spanish table.

The table's labels (figures, statuses, kinds, roles, actions, titles and headers) come from
`poa.domain.catalogue`; only the sentences that explain each rule are written here.

JSON shape (stable English keys; amounts, weights and percentages are strings
with two decimals as in `poa report`, dates and times ISO 8601)::

    {
      "plan", "entity", "year", "as_of", "known_at",
      "element": {"code", "kind", "parent", "title", "status"},
      "figures": {
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

EXPLANATION: ``{"value", "exact", "rule", "inputs", "parts", "events"}``

- `value`: the figure as the report shows it (``"73.33"``; for `status` the
  text ``"active"`` or ``"cancelled"``); `exact`: the exact decimal before
  rounding (null for `status`).
- `rule`, with its `inputs` (an object; the keys listed are always present):
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
  reformulate, budget, progress, execution); `action` what it did (approve, add,
  update, cancel, budget_line, budget_modification, progress, execution); `code`
  the element it names (an operation for budget lines, an ancestor for a
  cascading cancellation); `value` what it states (a percent or amount string,
  a schedule as a list, a status text). `role`: `used`, `superseded` (an
  earlier cut-off date, or a change no longer in effect), `corrected` (a later
  record for the same element, source and date replaced it), `not_known`
  (recorded after known_at), `after_as_of` (dated after as_of).
"""

from __future__ import annotations

from decimal import Decimal

from poa.domain.catalogue import (
    ACTION_LABELS,
    COLUMN_LABELS,
    FIGURE,
    KIND_NAMES,
    ROLE_LABELS,
    STATUS_LABELS,
    TABLE_LABELS,
    Label,
    Role,
    Rule,
    Status,
    Unit,
)
from poa.domain.values import grouped
from poa.projections.provenance import Evidence, Explanation, Part, Provenance

from .report_json import two_places
from .report_text import Block


def _plain(value):
    if isinstance(value, Decimal):
        return two_places(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
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
        "plan": p.plan,
        "entity": p.entity,
        "year": p.year,
        "as_of": p.as_of.isoformat(),
        "known_at": p.known_at.isoformat(),
        "element": {"code": p.code, "kind": p.kind, "parent": p.parent, "title": p.title, "status": p.status},
        "figures": figures,
    }


def explanation_to_dict(e: Explanation) -> dict:
    return {
        "value": _plain(e.value),
        "exact": str(e.value) if isinstance(e.value, Decimal) else None,
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
        "value": two_places(p.value),
        "exact": None if p.value is None else str(p.value),
        "role": p.role,
        "explanation": None if p.explanation is None else explanation_to_dict(p.explanation),
    }


def _event(e: Evidence) -> dict:
    return {
        "seq": e.seq,
        "recorded_at": e.recorded_at.isoformat(),
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


# -- the Spanish table -----------------------------------------------------------------------
# Every label comes from the catalogue (poa.domain.catalogue); the sentences explaining each rule stay here.


def _status(value) -> str:
    return STATUS_LABELS[value].es if value is not None else ""


def _amount(figure: str) -> bool:
    return FIGURE[figure].unit is Unit.AMOUNT


def _shown(figure: str, value) -> str:
    if isinstance(value, Status):
        return _status(value)
    if value is None:
        return ""
    return grouped(value) if _amount(figure) else two_places(value)


def _event_value(figure: str, e: Evidence) -> str:
    if isinstance(e.value, tuple):
        return "/".join(two_places(v) for v in e.value)
    if isinstance(e.value, Decimal):
        return grouped(e.value) if _amount(figure) else two_places(e.value)
    if isinstance(e.value, Status):
        return _status(e.value)
    return str(e.value)


def _used_seqs(e: Explanation) -> str:
    return ", ".join(str(ev.seq) for ev in e.events if ev.role == Role.USED)


def rule_text(e: Explanation, code: str) -> str:
    """The rule in a Spanish sentence."""
    i, rule = e.inputs, e.rule
    if rule == Rule.ADDED:
        return f"Activo: agregado con vigencia desde el {i['added_on']}; ninguna cancelación en vigor."
    if rule == Rule.CANCELLED:
        whom = i["cancelled_with"]
        via = "" if whom == code else f" (por la cancelación de {whom}, que lo incluye)"
        return f"Cancelado el {i['cancelled_on']}{via}."
    if rule == Rule.STRUCTURE_IN_FORCE:
        return f"Valor en vigor: la última aprobación, incorporación o modificación vigente (seq {_used_seqs(e)})."
    if rule == Rule.SUM_OF_ACTIVE_WEIGHTS:
        return "Suma de las ponderaciones de sus Acciones de Corto Plazo activas."
    if rule == Rule.DIRECT_RECORD:
        return (
            "Registro directo: el de fecha de corte más reciente y, a igual fecha, el último registrado "
            f"(seq {_used_seqs(e)})."
        )
    if rule == Rule.WEIGHTED_MEAN_OF_CHILDREN:
        return f"Promedio ponderado de sus elementos activos: Σ pᵢ·vᵢ / Σ pᵢ, con Σ pᵢ = {two_places(i['weights_total'])}."
    if rule == Rule.PLAIN_MEAN_OF_CHILDREN:
        return "Promedio simple de sus elementos activos (sus ponderaciones suman 0)."
    if rule == Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS:
        return (
            "Promedio ponderado de sus Acciones de Corto Plazo activas con sus ponderaciones en vigor: "
            f"Σ pᵢ·vᵢ / Σ pᵢ, con Σ pᵢ = {two_places(i['weights_total'])}."
        )
    if rule == Rule.ZERO_WEIGHTS_TOTAL:
        return "0: las ponderaciones de sus Acciones de Corto Plazo activas suman 0."
    if rule == Rule.DEFAULT_ZERO:
        if e.figure == "budget_executed":
            return "0 por defecto: sin registros de ejecución visibles."
        return "0 por defecto: sin registros de avance visibles ni elementos activos de los que derivarlo."
    if rule == Rule.SCHEDULE:
        schedule = "/".join(two_places(v) for v in i["schedule"])
        n = len(i["quarter_ends_passed"])
        if n == 0:
            return f"0: ningún cierre de trimestre hasta la fecha (programación {schedule})."
        return (
            f"Programación {schedule}: su valor n.º {n}, por {n} cierre(s) de trimestre hasta la fecha "
            f"(el último, {i['quarter_ends_passed'][-1]})."
        )
    if rule == Rule.PROGRAMMED_MINUS_PROGRESS:
        return f"Programado − avance: {two_places(i['programmed'])} − {two_places(i['progress'])}."
    if rule == Rule.SUM_OF_BUDGET_LINES:
        return (
            f"Suma de las líneas en vigor de la fuente {e.source}: monto aprobado (o de la incorporación), "
            "líneas de reformulación y modificaciones presupuestarias de sus operaciones."
        )
    if rule == Rule.SUM_OVER_SOURCES:
        terms = " + ".join(f"{p.source} {grouped(p.value)}" for p in e.parts) or "sin fuentes"
        return f"Suma por fuente de financiamiento: {terms}."
    if rule == Rule.LATEST_RECORD_PER_SOURCE:
        return (
            "Suma, por fuente (sin fuente es su propia clave), del último registro de ejecución: fecha de corte "
            f"más reciente y, a igual fecha, el último registrado (seq {_used_seqs(e)})."
        )
    if rule == Rule.SUM_OVER_OPERATIONS:
        return "Sin registros de ejecución propios: suma de lo ejecutado por sus operaciones (canceladas incluidas)."
    if rule == Rule.SUM_OVER_SHORT_TERM_ACTIONS:
        return "Suma de lo ejecutado por sus Acciones de Corto Plazo (canceladas incluidas)."
    if rule == Rule.EXECUTED_OVER_CURRENT:
        return f"Ejecutado / vigente × 100: {grouped(i['executed'])} / {grouped(i['current'])} × 100."
    if rule == Rule.ZERO_CURRENT:
        return "0: el presupuesto vigente es 0."
    return rule


_SHORT_RULES = {
    Rule.WEIGHTED_MEAN_OF_CHILDREN: "promedio ponderado",
    Rule.PLAIN_MEAN_OF_CHILDREN: "promedio simple",
    Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS: "promedio ponderado de ACP",
    Rule.ZERO_WEIGHTS_TOTAL: "0: ponderaciones suman 0",
    Rule.DEFAULT_ZERO: "0 por defecto",
    Rule.SCHEDULE: "programación",
    Rule.SUM_OVER_OPERATIONS: "suma de operaciones",
    Rule.SUM_OVER_SHORT_TERM_ACTIONS: "suma de ACP",
    Rule.SUM_OF_ACTIVE_WEIGHTS: "suma de ponderaciones",
}


def _short_rule(e: Explanation) -> str:
    """The rule of a part, in a few words."""
    if e.rule == Rule.DIRECT_RECORD:
        return f"registro directo (seq {_used_seqs(e)})"
    if e.rule == Rule.LATEST_RECORD_PER_SOURCE:
        return f"últimos registros por fuente (seq {_used_seqs(e)})"
    if e.rule == Rule.STRUCTURE_IN_FORCE:
        return f"en vigor (seq {_used_seqs(e)})"
    return _SHORT_RULES.get(e.rule, e.rule)


def layout(p: Provenance) -> list[Block]:
    blocks = [
        Block("heading", title=f"Procedencia de las cifras — {KIND_NAMES[p.kind].es} {p.code}: {p.title}"),
        Block(
            "paragraph",
            text=(
                f"{p.entity}, POA {p.plan} (gestión {p.year}). Al {p.as_of.isoformat()}, según lo registrado hasta "
                f"{p.known_at.isoformat(timespec='seconds')}."
            ),
        ),
    ]
    for e in p.figures:
        label = FIGURE[e.figure].label.es + (f" — fuente {e.source}" if e.source else "")
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
                    "  " * depth + part.code,
                    _status(part.status),
                    two_places(part.weight) or "",
                    _shown(e.figure, part.value),
                    _short_rule(part.explanation) if part.explanation else "",
                    ROLE_LABELS[part.role].es,
                )
            )
            if part.explanation is not None:
                add(part.explanation.parts, depth + 1)

    add(e.parts, 0)
    return Block(
        "table",
        title=TABLE_LABELS["parts"].es,
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
            ACTION_LABELS[ev.action].es,
            ev.reference or "",
            ev.date.isoformat(),
            ev.code,
            ev.source or "",
            _event_value(e.figure, ev),
            ROLE_LABELS[ev.role].es,
        )
        for ev in e.events
    )
    return Block(
        "table",
        title=TABLE_LABELS["events"].es,
        headers=_headers(
            *_columns("seq", "recorded_at", "actor", "action", "reference", "date", "element", "source", "value", "role")
        ),
        rows=rows,
        right=frozenset({0, 8}),
    )


def _columns(*names: str) -> tuple[Label, ...]:
    return tuple(COLUMN_LABELS[name] for name in names)


def _headers(*labels: Label) -> tuple[str, ...]:
    return tuple(label.es for label in labels)
