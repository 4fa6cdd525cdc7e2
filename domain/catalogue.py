"""One catalogue of names: element kinds, statuses, figures, rules, roles, fact kinds and warnings.

Every name the ledger shows or exchanges is defined here once: its identifier
(the value other tools read in JSON and CSV) and its user-facing labels, Spanish
(the reports' language) and English (the interface language of a later issue: a
second column, not a hunt). Renderers, reconcile, diff, explain and the warnings
derive their names, labels and sentences from this module; the rules that compute
each figure live in the one evaluation fold (`poa.projections.evaluation`).

Adding a figure: one `Figure` entry below, plus its rule in the fold. Adding a
fact kind: one `FactKindName` entry below, plus its registry entry in
`poa.domain.fact_kinds` (parser, fact class, event, command).
"""

from __future__ import annotations

from enum import StrEnum

from attrs import frozen

from .languages import DEFAULT_LANGUAGE, LANGUAGE as _language, LANGUAGES, language, use_language  # noqa: F401 - re-exported
from .plan_labels import PLANS_HEADERS, PLANS_TITLE


@frozen
class Label:
    """A user-facing name in each interface language; `text` is the one of the current language."""

    es: str
    en: str

    @property
    def text(self) -> str:
        return self.en if _language.get() == "en" else self.es


@frozen
class Plural:
    """A text with a number in it, worded for one and for any other number (``{n}``)."""

    one: Label
    other: Label

    def text(self, n: int) -> str:
        return (self.one if n == 1 else self.other).text.format(n=n)


# -- element kinds and statuses ---------------------------------------------------------


class ElementKind(StrEnum):
    STRATEGIC_ACTION = "strategic_action"
    SHORT_TERM_ACTION = "short_term_action"
    OPERATION = "operation"
    TASK = "task"


ELEMENT_KINDS = tuple(ElementKind)
PARENT_KIND = {
    ElementKind.STRATEGIC_ACTION: None,
    ElementKind.SHORT_TERM_ACTION: ElementKind.STRATEGIC_ACTION,
    ElementKind.OPERATION: ElementKind.SHORT_TERM_ACTION,
    ElementKind.TASK: ElementKind.OPERATION,
}
ELEMENT_LISTS = {  # the key of each kind's list in an approval entry and in the JSON report
    ElementKind.STRATEGIC_ACTION: "strategic_actions",
    ElementKind.SHORT_TERM_ACTION: "short_term_actions",
    ElementKind.OPERATION: "operations",
    ElementKind.TASK: "tasks",
}
KIND_LABELS = {  # short labels, as in the report's tables
    ElementKind.STRATEGIC_ACTION: Label("AEI", "ISA"),
    ElementKind.SHORT_TERM_ACTION: Label("ACP", "STA"),
    ElementKind.OPERATION: Label("Operación", "Operation"),
    ElementKind.TASK: Label("Tarea", "Task"),
}
KIND_NAMES = {  # full names
    ElementKind.STRATEGIC_ACTION: Label("Acción Estratégica Institucional", "institutional strategic action"),
    ElementKind.SHORT_TERM_ACTION: Label("Acción de Corto Plazo", "short-term action"),
    ElementKind.OPERATION: Label("Operación", "operation"),
    ElementKind.TASK: Label("Tarea", "task"),
}
KIND_ARTICLES = {  # for English messages: "an operation"
    ElementKind.STRATEGIC_ACTION: "a strategic action",
    ElementKind.SHORT_TERM_ACTION: "a short-term action",
    ElementKind.OPERATION: "an operation",
    ElementKind.TASK: "a task",
}


class Status(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


STATUS_LABELS = {Status.ACTIVE: Label("vigente", "active"), Status.CANCELLED: Label("cancelado", "cancelled")}


# -- figures ---------------------------------------------------------------------------


class Unit(StrEnum):
    TEXT = "text"  # title, status, sector code
    COUNT = "count"  # an integer
    AMOUNT = "amount"  # money, Bs: two decimals, thousands grouped
    WEIGHT = "weight"  # a weight: two decimals
    PERCENT = "percent"  # two decimals
    POINTS = "points"  # percentage points: two decimals
    SCHEDULE = "schedule"  # four cumulative percents, one per quarter end
    RATIO = "ratio"  # a ratio of two percents: two decimals
    BAND = "band"  # a grade of the semáforo (domain/settings.py, Band)


@frozen
class Figure:
    """A figure the ledger computes and shows.

    `name` is its key in the JSON report (and everywhere else); `kinds` the
    element kinds that carry it (empty: the plan only); `plan` whether the plan's
    summary carries it; `places` the decimals it is shown with (None: not a
    decimal); `by_source` whether it comes one per funding source.
    """

    name: str
    unit: Unit
    label: Label
    kinds: tuple[ElementKind, ...] = ()
    plan: bool = False
    by_source: bool = False

    @property
    def places(self) -> int | None:
        two = (Unit.AMOUNT, Unit.WEIGHT, Unit.PERCENT, Unit.POINTS, Unit.RATIO)
        return 2 if self.unit in two else 0 if self.unit is Unit.COUNT else None

    @property
    def decimal(self) -> bool:
        return self.places == 2

    def carried_by(self, kind: str) -> bool:
        return kind in self.kinds


_ALL = ELEMENT_KINDS
_ACTIONS = (ElementKind.STRATEGIC_ACTION, ElementKind.SHORT_TERM_ACTION)
_WITH_BUDGET = (ElementKind.STRATEGIC_ACTION, ElementKind.SHORT_TERM_ACTION, ElementKind.OPERATION)

FIGURES: tuple[Figure, ...] = (
    # element figures, in the order reports and diffs list them
    Figure("title", Unit.TEXT, Label("Título", "Title"), _ALL),
    Figure("status", Unit.TEXT, Label("Estado", "Status"), _ALL),
    Figure("sector_code", Unit.TEXT, Label("Código PEM/PDES", "PEM/PDES code"), (ElementKind.STRATEGIC_ACTION,)),
    Figure("weight", Unit.WEIGHT, Label("Ponderación", "Weight"), _ALL),
    Figure("schedule", Unit.SCHEDULE, Label("Programación", "Schedule"), (ElementKind.SHORT_TERM_ACTION,)),
    Figure("progress_pct", Unit.PERCENT, Label("Avance físico (%)", "Physical progress (%)"), _ALL),
    Figure("programmed_pct", Unit.PERCENT, Label("Programado (%)", "Programmed (%)"), _ACTIONS, plan=True),
    Figure("deviation_pts", Unit.POINTS, Label("Desviación (puntos)", "Deviation (points)"), _ACTIONS, plan=True),
    Figure("budget", Unit.AMOUNT, Label("Presupuesto vigente", "Current budget"), _WITH_BUDGET, plan=True, by_source=True),
    Figure("budget_current", Unit.AMOUNT, Label("Presupuesto vigente total", "Total current budget"), _WITH_BUDGET, plan=True),
    Figure("budget_executed", Unit.AMOUNT, Label("Presupuesto ejecutado", "Executed budget"), _WITH_BUDGET, plan=True),
    Figure(
        "budget_execution_pct", Unit.PERCENT, Label("Ejecución presupuestaria (%)", "Budget execution (%)"),
        _WITH_BUDGET, plan=True,
    ),
    # efficiency and semáforo (domain/settings.py): short-term actions and the plan
    Figure(
        "physical_efficacy_pct", Unit.PERCENT, Label("Eficacia física (%)", "Physical efficacy (%)"),
        (ElementKind.SHORT_TERM_ACTION,), plan=True,
    ),
    Figure(
        "efficiency_pct", Unit.PERCENT, Label("Eficiencia ponderada (%)", "Weighted efficiency (%)"),
        (ElementKind.SHORT_TERM_ACTION,), plan=True,
    ),
    Figure("efficiency_band", Unit.BAND, Label("Semáforo", "Traffic light"), (ElementKind.SHORT_TERM_ACTION,), plan=True),
    Figure(
        "relative_efficiency", Unit.RATIO,
        Label("Eficiencia relativa (física / financiera)", "Relative efficiency (physical / financial)"),
        (ElementKind.SHORT_TERM_ACTION,), plan=True,
    ),
    # plan figures only
    Figure(
        "strategic_actions", Unit.COUNT,
        Label("N° de Acciones Estratégicas Institucionales", "No. of institutional strategic actions"), plan=True,
    ),
    Figure("short_term_actions", Unit.COUNT, Label("N° de Acciones de Corto Plazo", "No. of short-term actions"), plan=True),
    Figure("operations", Unit.COUNT, Label("N° de Operaciones", "No. of operations"), plan=True),
    Figure("tasks", Unit.COUNT, Label("N° de Tareas", "No. of tasks"), plan=True),
    Figure("weights_total", Unit.WEIGHT, Label("Suma de ponderaciones", "Weights total"), plan=True),
    Figure(
        "physical_progress_pct", Unit.PERCENT, Label("Avance físico institucional (%)", "Institutional physical progress (%)"),
        plan=True,
    ),
    Figure("reformulations", Unit.COUNT, Label("N° de Reformulaciones", "No. of reformulations"), plan=True),
    Figure(
        "budget_modifications", Unit.COUNT,
        Label("N° de Modificaciones presupuestarias", "No. of budget modifications"), plan=True,
    ),
)
FIGURE = {f.name: f for f in FIGURES}
ELEMENT_FIGURES = tuple(f for f in FIGURES if f.kinds)
# the plan's summary, in the JSON report's order (`budget` by source is not part of it)
SUMMARY_FIGURES = tuple(
    FIGURE[name]
    for name in (
        "strategic_actions", "short_term_actions", "operations", "tasks", "weights_total", "budget_current",
        "budget_executed", "budget_execution_pct", "physical_progress_pct", "programmed_pct", "deviation_pts",
        "reformulations", "budget_modifications", "physical_efficacy_pct", "efficiency_pct", "efficiency_band",
        "relative_efficiency",
    )
)
COUNT_FIGURES = tuple(f.name for f in SUMMARY_FIGURES if f.unit is Unit.COUNT)


# -- how a figure was obtained -----------------------------------------------------------


class Rule(StrEnum):
    """The rule of the evaluation (docs/design.md, "Evaluation rules") that produced a figure."""

    ADDED = "added"  # status active: the approval or reformulation that added it, no cancellation in effect
    CANCELLED = "cancelled"  # status cancelled: the cancellation of it or of an ancestor
    STRUCTURE_IN_FORCE = "structure_in_force"  # weight / schedule: the latest approval, add or update in effect
    SUM_OF_ACTIVE_WEIGHTS = "sum_of_active_short_term_action_weights"  # weight of a strategic action
    DIRECT_RECORD = "direct_record"  # progress: latest cut-off date, then latest recorded
    WEIGHTED_MEAN_OF_CHILDREN = "weighted_mean_of_children"  # Σ wᵢ·pᵢ / Σ wᵢ over active children
    PLAIN_MEAN_OF_CHILDREN = "plain_mean_of_children"  # active children's weights sum to 0
    WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS = "weighted_mean_of_short_term_actions"  # strategic action, plan
    ZERO_WEIGHTS_TOTAL = "zero_weights_total"  # the active short-term actions weigh 0 in total (or there are none)
    DEFAULT_ZERO = "default_zero"  # no record, nothing to derive it from
    SCHEDULE = "schedule"  # programmed: schedule value for the number of quarter ends ≤ as_of (0 before the first)
    PROGRAMMED_MINUS_PROGRESS = "programmed_minus_progress"
    SUM_OF_BUDGET_LINES = "sum_of_budget_lines"  # current budget of a source: every budget line in force
    SUM_OVER_SOURCES = "sum_over_sources"
    LATEST_RECORD_PER_SOURCE = "latest_record_per_source"  # executed: Σ over source keys of the latest record
    SUM_OVER_OPERATIONS = "sum_over_operations"  # executed of an ACP without records (cancelled included)
    SUM_OVER_SHORT_TERM_ACTIONS = "sum_over_short_term_actions"  # executed of a strategic action
    EXECUTED_OVER_CURRENT = "executed_over_current"  # executed / current × 100
    ZERO_CURRENT = "zero_current"  # % execution when the current budget is 0
    COUNT_OF_ACTIVE = "count_of_active"  # a plan count: active elements of that kind
    COUNT_OF_REFORMULATIONS = "count_of_reformulations"
    COUNT_OF_BUDGET_MODIFICATIONS = "count_of_budget_modifications"  # `poa budget` and `poa transfer` facts in effect, not reformulation lines
    PROGRESS_OVER_PROGRAMMED = "progress_over_programmed"  # physical efficacy: progress / programmed × 100
    NO_TARGET = "no_target"  # efficacy, efficiency, band, relative efficiency: nothing programmed yet (none)
    NOT_GRADED = "cancelled_not_graded"  # the same four of a cancelled short-term action: none
    WEIGHTED_EFFICIENCY = "weighted_efficiency"  # min(efficacy, 100) × wp + min(execution, 100) × wf
    BAND_OF_EFFICIENCY = "band_of_efficiency"  # the first band whose lower limit the weighted efficiency reaches
    EFFICACY_OVER_EXECUTION = "efficacy_over_execution"  # relative efficiency: efficacy / budget execution
    NOTHING_EXECUTED = "nothing_executed"  # relative efficiency when nothing is executed (none)


class Role(StrEnum):
    """What an event or a part did for a figure."""

    USED = "used"  # visible, and the figure takes it into account
    SUPERSEDED = "superseded"  # visible, replaced by a later cut-off date or a later change in effect
    CORRECTED = "corrected"  # visible, corrected by a later-recorded record for the same key and date
    NOT_KNOWN = "not_known"  # recorded after known_at
    AFTER_AS_OF = "after_as_of"  # recorded by known_at, dated after as_of
    EXCLUDED = "excluded"  # a cancelled child: out of progress aggregation


ROLE_LABELS = {
    Role.USED: Label("usado", "used"),
    Role.SUPERSEDED: Label("reemplazado", "superseded"),
    Role.CORRECTED: Label("corregido", "corrected"),
    Role.NOT_KNOWN: Label("registrado después de la vista", "recorded after the view"),
    Role.AFTER_AS_OF: Label("con fecha posterior a la vista", "dated after the view"),
    Role.EXCLUDED: Label("excluido (cancelado)", "excluded (cancelled)"),
}


class Action(StrEnum):
    """What an event did to a figure: a fact kind, or one change of a reformulation."""

    APPROVE = "approve"
    ADD = "add"
    UPDATE = "update"
    CANCEL = "cancel"
    BUDGET_LINE = "budget_line"
    BUDGET_MODIFICATION = "budget_modification"
    TRANSFER = "transfer"  # one side of a transfer: a budget line of each of its two operations
    PROGRESS = "progress"
    EXECUTION = "execution"
    REFORMULATE = "reformulate"  # a reformulation as a whole: what the plan's number of reformulations counts
    CORRECT = "correct"  # a correction: the value an earlier fact should have recorded


ACTION_LABELS = {
    Action.APPROVE: Label("aprobación", "approval"),
    Action.ADD: Label("incorporación", "addition"),
    Action.UPDATE: Label("modificación", "update"),
    Action.CANCEL: Label("cancelación", "cancellation"),
    Action.BUDGET_LINE: Label("línea presupuestaria", "budget line"),
    Action.BUDGET_MODIFICATION: Label("modificación presupuestaria", "budget modification"),
    Action.TRANSFER: Label("traspaso", "transfer"),
    Action.PROGRESS: Label("avance", "progress"),
    Action.EXECUTION: Label("ejecución", "execution"),
    Action.REFORMULATE: Label("reformulación", "reformulation"),
    Action.CORRECT: Label("corrección", "correction"),
}


# -- comparing two views, and the tables of `poa diff` and `poa explain` -------------------


class Change(StrEnum):
    """How an element differs between two views (`poa diff`); an event's side is ADDED or REMOVED."""

    ADDED = "added"  # present (an event: visible) only in the later view
    REMOVED = "removed"  # present only in the earlier view
    CANCELLED = "cancelled"  # active in the earlier view, cancelled in the later one
    RESTORED = "restored"  # cancelled in the earlier view, active in the later one
    CHANGED = "changed"


CHANGE_LABELS = {
    Change.ADDED: Label("añadido", "added"),
    Change.REMOVED: Label("ausente en 'hasta'", "absent from 'to'"),
    Change.CANCELLED: Label("cancelado", "cancelled"),
    Change.RESTORED: Label("vigente otra vez", "active again"),
    Change.CHANGED: Label("modificado", "changed"),
}


class Because(StrEnum):
    """Why the other view does not see an event."""

    DATE = "date"  # dated after that view's as_of
    RECORDED = "recorded"  # recorded after that view's known_at
    DATE_AND_RECORDED = "date_and_recorded"


BECAUSE_LABELS = {
    Because.DATE: Label("fecha posterior", "dated later"),
    Because.RECORDED: Label("registrado después", "recorded later"),
    Because.DATE_AND_RECORDED: Label("fecha posterior y registrado después", "dated and recorded later"),
}
TABLE_LABELS = {  # table titles
    "plan_figures": Label("Cifras del POA", "Plan figures"),
    "elements_changed": Label("Elementos añadidos, cancelados o modificados", "Elements added, cancelled or changed"),
    "one_view_events": Label(
        "Eventos visibles en una sola vista (+ solo en 'hasta', − solo en 'desde')",
        "Events visible in one view only (+ only in 'to', − only in 'from')",
    ),
    "parts": Label("Componentes", "Parts"),
    "events": Label("Eventos", "Events"),
}
COLUMN_LABELS = {  # column headers; keys are the JSON keys of the same values where there is one
    "figure": Label("Cifra", "Figure"),
    "from": Label("Desde", "From"),
    "to": Label("Hasta", "To"),
    "delta": Label("Diferencia", "Difference"),
    "events": Label("Eventos", "Events"),
    "code": Label("Código", "Code"),
    "element": Label("Elemento", "Element"),
    "kind": Label("Tipo", "Kind"),
    "change": Label("Cambio", "Change"),
    "seq": Label("Seq", "Seq"),
    "side": Label("Vista", "View"),
    "recorded_at": Label("Registrado (UTC)", "Recorded (UTC)"),
    "actor": Label("Actor", "Actor"),
    "action": Label("Acción", "Action"),
    "date": Label("Fecha", "Date"),
    "reference": Label("Referencia", "Reference"),
    "because": Label("Motivo", "Reason"),
    "values": Label("Datos", "Data"),
    "source": Label("Fuente", "Source"),
    "to_code": Label("Código destino", "To code"),  # a transfer's receiving operation (the code column: its giving one)
    "to_source": Label("Fuente destino", "To source"),
    "value": Label("Valor", "Value"),
    "rule": Label("Regla", "Rule"),
    "role": Label("Papel", "Role"),
}


# -- fact kinds ---------------------------------------------------------------------------


class FactKindName(StrEnum):
    """The kind of a recorded fact: its entry key in batch files and its `kind` in history."""

    APPROVE = "approve"
    REFORMULATE = "reformulate"
    BUDGET = "budget"
    TRANSFER = "transfer"
    PROGRESS = "progress"
    EXECUTION = "execution"
    RESULT = "result"
    JUSTIFY = "justify"
    PUBLISH = "publish"
    CLOSE = "close"
    REOPEN = "reopen"
    ISSUE = "issue"
    CORRECT = "correct"


FACT_KIND_LABELS = {
    FactKindName.APPROVE: Label("aprobación", "approval"),
    FactKindName.REFORMULATE: Label("reformulación", "reformulation"),
    FactKindName.BUDGET: Label("modificación presupuestaria", "budget modification"),
    FactKindName.TRANSFER: Label("traspaso", "transfer"),
    FactKindName.PROGRESS: Label("avance", "progress"),
    FactKindName.EXECUTION: Label("ejecución", "execution"),
    FactKindName.RESULT: Label("resultado", "result"),
    FactKindName.JUSTIFY: Label("justificación", "justification"),
    FactKindName.PUBLISH: Label("publicación", "publication"),
    FactKindName.CLOSE: Label("cierre", "closing"),
    FactKindName.REOPEN: Label("reapertura", "reopening"),
    FactKindName.ISSUE: Label("informe emitido", "issued report"),
    FactKindName.CORRECT: Label("corrección", "correction"),
}


# -- the tables of the reading commands ------------------------------------------------------
# `poa history`, `poa reports`, `poa reconcile` and `poa plans` print one table each
# (adapters/report_tables.py). A title is a template: ``{plan}`` and the other names in
# braces are filled in when it is printed.


@frozen
class Table:
    """The title and column headers of a table a reading command prints."""

    title: Label
    headers: tuple[Label, ...]


HISTORY_TABLE = Table(
    Label("Historial de {plan}", "History of {plan}"),
    (
        Label("Seq", "Seq"),
        Label("Registrado (UTC)", "Recorded (UTC)"),
        Label("Tipo", "Kind"),
        Label("Fecha", "Date"),
        Label("Referencia", "Reference"),
        Label("Actor", "Actor"),
        Label("Datos", "Data"),
    ),
)
HISTORY_CHANGES = Plural(Label("{n} cambio", "{n} change"), Label("{n} cambios", "{n} changes"))  # a reformulation's
HISTORY_CORRECTION = Label(  # a correction's data; changes: "OLD → NEW" (a budget: "SOURCE OLD → NEW", ...)
    "{code}, {field}: {changes} (corrige seq {seq}; motivo: {reason})",
    "{code}, {field}: {changes} (corrects seq {seq}; reason: {reason})",
)
FIELD_LABELS = {  # the fields of a fact, as the history table's data column names them (its JSON keys elsewhere)
    "amount": Label("monto", "amount"),
    "code": Label("código", "code"),
    "declared": Label("declarado", "declared"),
    "entity": Label("entidad", "entity"),
    "format": Label("formato", "format"),
    "issued": Label("emitido", "issued"),
    "known_at": Label("conocido al", "known at"),
    "note": Label("nota", "note"),
    "percent": Label("porcentaje", "percent"),
    "program_version": Label("versión", "version"),
    "reason": Label("motivo", "reason"),
    "settings": Label("configuración", "settings"),
    "source": Label("fuente", "source"),
    "text": Label("texto", "text"),
    "year": Label("gestión", "year"),
    "language": Label("idioma", "language"),
    "signatures": Label("firmas", "signatures"),
    "initial_load": Label("carga inicial", "initial load"),  # not a fact's field: the load it came in, if any
    "title": Label("título", "title"),
    "weight": Label("ponderación", "weight"),
    "budget": Label("presupuesto", "budget"),
    "corrects": Label("corrige", "corrects"),
    "replaces": Label("reemplaza", "replaces"),
}
ISSUED_REPORTS_TABLE = Table(
    Label("Informes emitidos de {plan}", "Reports issued from {plan}"),
    (
        Label("Referencia", "Reference"),
        Label("Al", "As of"),
        Label("Formato", "Format"),
        Label("Emitido (UTC)", "Issued (UTC)"),
        Label("Actor", "Actor"),
        Label("Seq", "Seq"),
        Label("Sellado", "Sealed"),
        Label("Versión", "Version"),
        Label("SHA-256 (su formato)", "SHA-256 (its format)"),
    ),
)
ISSUED_REPORT_SEALED = {True: Label("sí", "yes"), False: Label("no", "no")}  # a report issued before the seal: no
RECONCILIATION_TABLE = Table(  # reports, differences: RECONCILIATION_COUNTS, in the number's grammar
    Label("Conciliación de {reports} de {plan}: {differences}", "Reconciliation of {reports} of {plan}: {differences}"),
    (
        Label("Informe", "Report"),
        Label("Elemento", "Element"),
        Label("Cifra", "Figure"),
        Label("Declarado", "Declared"),
        Label("Calculado", "Computed"),
        Label("Diferencia", "Difference"),
    ),
)
RECONCILIATION_COUNTS = {
    "reports": Plural(
        Label("{n} informe publicado", "{n} published report"), Label("{n} informes publicados", "{n} published reports")
    ),
    "differences": Plural(Label("{n} diferencia", "{n} difference"), Label("{n} diferencias", "{n} differences")),
}
RECONCILED_PLAN = Label("POA", "POA")  # the element of a figure of the whole plan, in the reconciliation table
PLANS_TABLE = Table(Label(*PLANS_TITLE), tuple(Label(*header) for header in PLANS_HEADERS))  # domain/plan_labels.py


# -- the quarterly report (adapters/report_text.py) ------------------------------------------
# `poa report --format table|md`: sections I to VI, Cuadros 1 to 4, lists and sentences, in
# their order in the report. A label with names in braces is a template, filled in when the
# report is written (``.es.format(...)``), like the titles of the reading commands' tables.
# The threshold of "more than 10 points" of deviation is part of the wording, as in the seed.

REPORT_HEADING = Label(
    "{entity} — Seguimiento y Evaluación al POA, gestión {year} ({plan})",
    "{entity} — Monitoring and evaluation of the POA, year {year} ({plan})",
)
REPORT_INTRODUCTION = Label(  # quarter: QUARTER below; known_at: a timestamp
    "Al {as_of} ({quarter}), según lo registrado hasta {known_at}. POA aprobado el {approved_on} ({reference}).",
    "As of {as_of} ({quarter}), as recorded up to {known_at}. POA approved on {approved_on} ({reference}).",
)
CLOSING_SENTENCES = {  # after the introduction, one per closing or reopening known
    FactKindName.CLOSE: Label("Gestión cerrada el {date} ({reference}).", "Year closed on {date} ({reference})."),
    FactKindName.REOPEN: Label(
        "Reabierta el {date} ({reference}): {reason}.", "Reopened on {date} ({reference}): {reason}."
    ),
}
INITIAL_LOAD = Label("Carga inicial", "Initial load")  # facts transcribed from earlier records (`apply --initial-load`)
INITIAL_LOAD_SENTENCE = Label(  # after the introduction and the closings, once per initial load visible
    "La historia del plan hasta el {up_to} se cargó de documentos (carga inicial {reference}, registrada el "
    "{recorded_on} por {actor}).",
    "The plan's history up to {up_to} was loaded from documents (initial load {reference}, recorded on "
    "{recorded_on} by {actor}).",
)
QUARTER = Label("{ordinal} trimestre", "{ordinal} quarter")  # the quarter of --as-of
QUARTER_ORDINALS = (
    Label("primer", "first"),
    Label("segundo", "second"),
    Label("tercer", "third"),
    Label("cuarto", "fourth"),
)
REPORT_SECTIONS = {  # section titles
    "structure": Label("I. Estructura del POA", "I. Structure of the POA"),
    "breakdown": Label("II. Desglose de la estructura del POA", "II. Breakdown of the POA's structure"),
    "results": Label("III. Principales resultados", "III. Main results"),
    "changes": Label("IV. Reformulaciones y desviaciones", "IV. Reformulations and deviations"),
    "quarterly": Label("V. Seguimiento y evaluación trimestral", "V. Quarterly monitoring and evaluation"),
    "conclusions": Label("VI. Conclusiones", "VI. Conclusions"),
}

# Cuadro 1: one row per figure of the plan's summary, the figures' column without a header
STRUCTURE_TABLE = Table(
    Label("Cuadro N° 1 — Estructura del Plan Operativo Anual", "Table 1 — Structure of the annual operating plan"),
    (Label("Estructura del POA", "Structure of the POA"),),
)
STRUCTURE_ROWS = {  # figure name: its row label (the figure's own label, unless the seed words it otherwise)
    "strategic_actions": FIGURE["strategic_actions"].label,
    "short_term_actions": FIGURE["short_term_actions"].label,
    "operations": FIGURE["operations"].label,
    "tasks": FIGURE["tasks"].label,
    "budget_current": Label("Presupuesto Vigente (en Bs)", "Current budget (Bs)"),
    "reformulations": FIGURE["reformulations"].label,
}
# Cuadro 2: one column per funding source goes before the last column (the total)
BREAKDOWN_TABLE = Table(
    Label(
        "Cuadro N° 2 — Desglose de la estructura del POA (presupuesto vigente en Bs)",
        "Table 2 — Breakdown of the POA's structure (current budget, Bs)",
    ),
    (Label("Código", "Code"), Label("Detalle", "Detail"), Label("N° Op.", "No. of op."), Label("Total", "Total")),
)
RESULTS_TABLE = Table(  # Cuadro 3
    Label("Cuadro N° 3 — Resultados por Acción de Corto Plazo", "Table 3 — Results by short-term action"),
    (
        Label("Pond.", "Weight"),
        Label("Código", "Code"),
        Label("Acción de Corto Plazo", "Short-term action"),
        Label("Vigente", "Current"),
        Label("Ejecutado", "Executed"),
        Label("% de ejecución", "% executed"),
        Label("% de avance", "% progress"),
        Label("% programado", "% programmed"),
        Label("Desviación (pts)", "Deviation (pts)"),
    ),
)
WEIGHTED_RESULT_TABLE = Table(  # Cuadro 4: one row, the quarter of --as-of
    Label("Cuadro N° 4 — Resultado ponderado y desviaciones", "Table 4 — Weighted result and deviations"),
    (
        Label("Trimestre", "Quarter"),
        Label("Programado", "Programmed"),
        Label("Resultado", "Result"),
        Label("Desviación", "Deviation"),
        Label("Justificación", "Justification"),
    ),
)
TABLE_CELLS = {  # fixed texts and templates of the Cuadros' cells
    "cancelled": Label("(cancelada)", "(cancelled)"),  # after the title of a cancelled element
    "sector_code": Label("[PEM {code}]", "[PEM {code}]"),  # after the title of a strategic action
    "totals": Label("Totales", "Totals"),  # Cuadro 2's last row
    "total": Label("Total", "Total"),  # Cuadro 3's last row
    "percent": Label("{value} %", "{value}%"),
    "points": Label("{value} pts", "{value} pts"),
    "weighted_result": Label(
        "Al {as_of}, se logró un avance físico del {progress} % en relación al {programmed} % programado.",
        "As of {as_of}, physical progress reached {progress}% against {programmed}% programmed.",
    ),
    "no_justification": Label("Sin justificación registrada.", "No justification recorded."),
}


EFFICIENCY_TABLE = Table(  # after Cuadro 4: one row per short-term action, then the plan
    Label("Cuadro N° 5 — Eficiencia y semáforo", "Table 5 — Efficiency and traffic light"),
    (
        Label("Código", "Code"),
        Label("Acción de Corto Plazo", "Short-term action"),
        Label("Eficacia física (%)", "Physical efficacy (%)"),
        Label("Ejecución presupuestaria (%)", "Budget execution (%)"),
        Label("Eficiencia ponderada (%)", "Weighted efficiency (%)"),
        Label("Semáforo", "Traffic light"),
        Label("Eficiencia relativa", "Relative efficiency"),
    ),
)
EFFICIENCY_LEGEND = Label(  # bands: "Eficiente 76–100 %, ..."; weights: of the weighted efficiency
    "Eficiencia ponderada = eficacia física × {physical} + ejecución presupuestaria × {financial} (cada una hasta "
    "100 %). Bandas: {bands}.",
    "Weighted efficiency = physical efficacy × {physical} + budget execution × {financial} (each at most 100%). "
    "Bands: {bands}.",
)
EFFICIENCY_BAND_RANGE = Label("{band} {low}–{high} %", "{band} {low}–{high}%")


@frozen
class ReportList:
    """The title of a list of the report, and its one item when there is nothing to list."""

    title: Label
    empty: Label


RESULTS_LIST = ReportList(
    Label("Resultados alcanzados", "Results achieved"), Label("Sin resultados registrados.", "No results recorded.")
)
CHANGES_LIST = ReportList(  # the quarter of --as-of
    Label(
        "Reformulaciones y modificaciones presupuestarias del {start} al {end}",
        "Reformulations and budget modifications from {start} to {end}",
    ),
    Label("Ninguna en el periodo.", "None in the period."),
)
DEVIATIONS_LIST = ReportList(
    Label("Desviaciones mayores a 10 puntos", "Deviations of more than 10 points"), Label("Ninguna.", "None.")
)
WARNINGS_LIST = ReportList(Label("Advertencias", "Warnings"), Label("Ninguna.", "None."))
LIST_ITEMS = {  # templates of the lists' items
    "plan_result": Label("POA ({date}): {text}", "POA ({date}): {text}"),  # a result of the whole plan
    "reformulation": Label(
        "{date} — reformulación {reference}: {reason} ({changes}).",
        "{date} — reformulation {reference}: {reason} ({changes}).",
    ),
    "budget_modification": Label(
        "{date} — modificación presupuestaria {reference}: {code} {source} {amount} ({reason}).",
        "{date} — budget modification {reference}: {code} {source} {amount} ({reason}).",
    ),
    "transfer": Label(  # one line with both sides; {sides}: TRANSFER_SIDES
        "{date} — traspaso {reference}: {sides} ({reason}).",
        "{date} — transfer {reference}: {sides} ({reason}).",
    ),
    "deviation": Label(
        "{code}: desviación de {deviation} puntos (programado {programmed} %, avance {progress} %). "
        "Justificación: {reasons}",
        "{code}: deviation of {deviation} points (programmed {programmed}%, progress {progress}%). "
        "Justification: {reasons}",
    ),
    "no_justification": Label("sin justificación registrada", "no justification recorded"),  # {reasons} of a deviation
    "late_records": Label(  # instead of one warning per late record, past a few
        "{count} registros hechos más de 30 días después de su fecha efectiva "
        "(secuencias {first} a {last}; detalle en `poa report --format json` o `poa history`).",
        "{count} records made more than 30 days after their effective date "
        "(sequences {first} to {last}; details in `poa report --format json` or `poa history`).",
    ),
}
TRANSFER_SIDES = Label(  # a transfer's two sides, wherever it is shown on one line (report, history, diff)
    "de {from_code} ({from_source}) → a {to_code} ({to_source}): {amount}",
    "from {from_code} ({from_source}) → to {to_code} ({to_source}): {amount}",
)
REFORMULATION_CHANGES = {  # {changes} of a reformulation's item, one per change (a budget change has no words)
    Action.ADD: Label("se incorpora {code}", "adds {code}"),
    Action.CANCEL: Label("se cancela {code}", "cancels {code}"),
    Action.UPDATE: Label("se modifica {code} ({fields})", "changes {code} ({fields})"),
}
UPDATED_FIELDS = {  # {fields} of an update: the fields it sets, in this order
    "title": Label("título", "title"),
    "weight": Label("ponderación {weight}", "weight {weight}"),
    "schedule": Label("programación", "schedule"),
    "sector_code": Label("código PEM", "PEM code"),
}
CONCLUSIONS = {  # section VI: the first sentence, then the others that apply
    "progress": Label(
        "En la gestión {year}, al {as_of}, se logró un avance físico de {progress} % frente a un avance programado "
        "de {programmed} % (desviación de {deviation} puntos), y una ejecución presupuestaria de {execution} % "
        "({executed} de {current} Bs).",
        "In the year {year}, as of {as_of}, physical progress reached {progress}% against a programmed {programmed}% "
        "(a deviation of {deviation} points), and budget execution {execution}% ({executed} of {current} Bs).",
    ),
    "deviating": Label(
        "{count} de {total} acciones de corto plazo superan los 10 puntos de desviación ({codes}).",
        "{count} of {total} short-term actions deviate by more than 10 points ({codes}).",
    ),
    "none_deviating": Label(
        "Ninguna acción de corto plazo supera los 10 puntos de desviación.",
        "No short-term action deviates by more than 10 points.",
    ),
    "justified": Label(
        "La desviación se justifica así: {justifications}", "The deviation is justified as follows: {justifications}"
    ),
    "one_reformulation": Label(
        "En la gestión se aprobó una reformulación del POA.", "One reformulation of the POA was approved in the year."
    ),
    "reformulations": Label(
        "En la gestión se aprobaron {count} reformulaciones del POA.",
        "{count} reformulations of the POA were approved in the year.",
    ),
}


# -- explain's rule sentences (adapters/report_provenance.py) --------------------------------
# `poa explain --format table`: its heading and opening paragraph, then per figure the sentence
# stating the rule that produced it (RULE_SENTENCES, templates like the report's: ``{seqs}`` are
# the seqs of the events used, amounts and percents as the report shows them), and in the parts
# table each part's rule in a few words (RULE_SHORT). Every rule has a sentence, the rules of
# the plan's counts included (`poa explain` with the plan's key, or no code, explains the plan's
# figures).

EXPLAIN_TEXTS = {
    "heading": Label(
        "Procedencia de las cifras — {kind} {code}: {title}", "Provenance of the figures — {kind} {code}: {title}"
    ),
    "view": Label(
        "{entity}, POA {plan} (gestión {year}). Al {as_of}, según lo registrado hasta {known_at}.",
        "{entity}, POA {plan} (year {year}). As of {as_of}, as recorded up to {known_at}.",
    ),
    "source": Label(" — fuente {source}", " — source {source}"),  # after the label of a figure by source
    "plan": Label("POA", "POA"),  # {kind} of the heading when the plan itself is explained ({title}: the entity)
    "correction": Label("{value} (corrección: {reason})", "{value} (correction: {reason})"),  # a correction's value
}
RULE_SENTENCES = {
    Rule.ADDED: Label(
        "Activo: agregado con vigencia desde el {added_on}; ninguna cancelación en vigor.",
        "Active: added with effect from {added_on}; no cancellation in force.",
    ),
    Rule.CANCELLED: Label(  # through: RULE_SENTENCE_PARTS["cancelled_through"] when an ancestor's cancellation cascaded
        "Cancelado el {cancelled_on}{through}.", "Cancelled on {cancelled_on}{through}."
    ),
    Rule.STRUCTURE_IN_FORCE: Label(
        "Valor en vigor: la última aprobación, incorporación o modificación vigente, o su corrección (seq {seqs}).",
        "Value in force: the latest approval, addition or update in effect, or its correction (seq {seqs}).",
    ),
    Rule.SUM_OF_ACTIVE_WEIGHTS: Label(
        "Suma de las ponderaciones de sus Acciones de Corto Plazo activas.",
        "Sum of the weights of its active short-term actions.",
    ),
    Rule.DIRECT_RECORD: Label(
        "Registro directo: el de fecha de corte más reciente y, a igual fecha, el último registrado (seq {seqs}).",
        "Direct record: the one with the latest cut-off date and, on the same date, the last recorded (seq {seqs}).",
    ),
    Rule.WEIGHTED_MEAN_OF_CHILDREN: Label(
        "Promedio ponderado de sus elementos activos: Σ pᵢ·vᵢ / Σ pᵢ, con Σ pᵢ = {weights_total}.",
        "Weighted mean of its active elements: Σ wᵢ·vᵢ / Σ wᵢ, with Σ wᵢ = {weights_total}.",
    ),
    Rule.PLAIN_MEAN_OF_CHILDREN: Label(
        "Promedio simple de sus elementos activos (sus ponderaciones suman 0).",
        "Plain mean of its active elements (their weights add up to 0).",
    ),
    Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS: Label(
        "Promedio ponderado de sus Acciones de Corto Plazo activas con sus ponderaciones en vigor: "
        "Σ pᵢ·vᵢ / Σ pᵢ, con Σ pᵢ = {weights_total}.",
        "Weighted mean of its active short-term actions with their weights in force: "
        "Σ wᵢ·vᵢ / Σ wᵢ, with Σ wᵢ = {weights_total}.",
    ),
    Rule.ZERO_WEIGHTS_TOTAL: Label(
        "0: las ponderaciones de sus Acciones de Corto Plazo activas suman 0.",
        "0: the weights of its active short-term actions add up to 0.",
    ),
    Rule.DEFAULT_ZERO: Label(  # progress; executed budget: RULE_SENTENCE_PARTS["default_zero_executed"]
        "0 por defecto: sin registros de avance visibles ni elementos activos de los que derivarlo.",
        "0 by default: no visible progress records and no active elements to derive it from.",
    ),
    Rule.SCHEDULE: Label(  # n ≥ 1 quarter ends passed; none: RULE_SENTENCE_PARTS["schedule_before_first"]
        "Programación {schedule}: su valor n.º {n}, por {ends} hasta la fecha (el último, {last}).",
        "Schedule {schedule}: its value no. {n}, for {ends} to date (the last, {last}).",
    ),
    Rule.PROGRAMMED_MINUS_PROGRESS: Label(
        "Programado − avance: {programmed} − {progress}.", "Programmed − progress: {programmed} − {progress}."
    ),
    Rule.SUM_OF_BUDGET_LINES: Label(
        "Suma de las líneas en vigor de la fuente {source}: monto aprobado (o de la incorporación), "
        "líneas de reformulación, modificaciones presupuestarias y traspasos de sus operaciones.",
        "Sum of the budget lines in force for source {source}: the amount approved (or added), "
        "reformulation lines, budget modifications and transfers of its operations.",
    ),
    Rule.SUM_OVER_SOURCES: Label(  # terms: "SOURCE AMOUNT + ...", or RULE_SENTENCE_PARTS["no_sources"]
        "Suma por fuente de financiamiento: {terms}.", "Sum by funding source: {terms}."
    ),
    Rule.LATEST_RECORD_PER_SOURCE: Label(
        "Suma, por fuente (sin fuente es su propia clave), del último registro de ejecución: fecha de corte "
        "más reciente y, a igual fecha, el último registrado (seq {seqs}).",
        "Sum, by source (no source is a key of its own), of the latest execution record: the latest cut-off "
        "date and, on the same date, the last recorded (seq {seqs}).",
    ),
    Rule.SUM_OVER_OPERATIONS: Label(
        "Sin registros de ejecución propios: suma de lo ejecutado por sus operaciones (canceladas incluidas).",
        "No execution records of its own: the sum executed by its operations (cancelled ones included).",
    ),
    Rule.SUM_OVER_SHORT_TERM_ACTIONS: Label(
        "Suma de lo ejecutado por sus Acciones de Corto Plazo (canceladas incluidas).",
        "Sum executed by its short-term actions (cancelled ones included).",
    ),
    Rule.EXECUTED_OVER_CURRENT: Label(
        "Ejecutado / vigente × 100: {executed} / {current} × 100.",
        "Executed / current × 100: {executed} / {current} × 100.",
    ),
    Rule.ZERO_CURRENT: Label("0: el presupuesto vigente es 0.", "0: the current budget is 0."),
    Rule.COUNT_OF_ACTIVE: Label(
        "Número de elementos de este tipo activos en la estructura en vigor; los cancelados no cuentan.",
        "Number of elements of this kind active in the structure in force; cancelled ones do not count.",
    ),
    Rule.COUNT_OF_REFORMULATIONS: Label(
        "Número de reformulaciones en vigor a la fecha (sus líneas presupuestarias no se cuentan aparte).",
        "Number of reformulations in effect to date (their budget lines are not counted apart).",
    ),
    Rule.COUNT_OF_BUDGET_MODIFICATIONS: Label(
        "Número de modificaciones presupuestarias (poa budget; un traspaso, poa transfer, cuenta una) en vigor a la "
        "fecha; las líneas presupuestarias de una reformulación son parte de ella.",
        "Number of budget modifications (poa budget; a transfer, poa transfer, counts one) in effect to date; a "
        "reformulation's budget lines are part of it.",
    ),
}
RULE_SENTENCES.update({
    Rule.PROGRESS_OVER_PROGRAMMED: Label(
        "Avance / programado × 100: {progress} / {programmed} × 100.",
        "Progress / programmed × 100: {progress} / {programmed} × 100.",
    ),
    Rule.NO_TARGET: Label(
        "Sin valor: nada programado a la fecha (programado 0 %).", "None: nothing programmed to date (0% programmed)."
    ),
    Rule.NOT_GRADED: Label(
        "Sin valor: una Acción de Corto Plazo cancelada no se califica.", "None: a cancelled short-term action is not graded."
    ),
    Rule.WEIGHTED_EFFICIENCY: Label(
        "Eficacia física × {physical_weight} + ejecución presupuestaria × {financial_weight}, cada una hasta 100 %: "
        "{efficacy} × {physical_weight} + {execution} × {financial_weight}.",
        "Physical efficacy × {physical_weight} + budget execution × {financial_weight}, each at most 100%: "
        "{efficacy} × {physical_weight} + {execution} × {financial_weight}.",
    ),
    Rule.BAND_OF_EFFICIENCY: Label(
        "Banda de la eficiencia ponderada {efficiency} %: {bands}.",
        "Band of the weighted efficiency {efficiency}%: {bands}.",
    ),
    Rule.EFFICACY_OVER_EXECUTION: Label(
        "Eficacia física / ejecución presupuestaria: {efficacy} / {execution}.",
        "Physical efficacy / budget execution: {efficacy} / {execution}.",
    ),
    Rule.NOTHING_EXECUTED: Label(
        "Sin valor: la ejecución presupuestaria es 0 %.", "None: budget execution is 0%."
    ),
})
RULE_SENTENCE_PARTS = {  # the variants and pieces of the sentences above
    "quarter_ends": Plural(  # {ends} of the schedule's sentence
        Label("{n} cierre de trimestre", "{n} quarter end"), Label("{n} cierres de trimestre", "{n} quarter ends")
    ),
    "cancelled_through": Label(
        " (por la cancelación de {code}, que lo incluye)", " (through the cancellation of {code}, which includes it)"
    ),
    "default_zero_executed": Label(
        "0 por defecto: sin registros de ejecución visibles.", "0 by default: no visible execution records."
    ),
    "schedule_before_first": Label(
        "0: ningún cierre de trimestre hasta la fecha (programación {schedule}).",
        "0: no quarter end to date (schedule {schedule}).",
    ),
    "no_sources": Label("sin fuentes", "no sources"),
}
RULE_SHORT = {  # the rule of a part in the parts table, in a few words (another rule: its identifier)
    Rule.STRUCTURE_IN_FORCE: Label("en vigor (seq {seqs})", "in force (seq {seqs})"),
    Rule.DIRECT_RECORD: Label("registro directo (seq {seqs})", "direct record (seq {seqs})"),
    Rule.LATEST_RECORD_PER_SOURCE: Label(
        "últimos registros por fuente (seq {seqs})", "latest records by source (seq {seqs})"
    ),
    Rule.WEIGHTED_MEAN_OF_CHILDREN: Label("promedio ponderado", "weighted mean"),
    Rule.PLAIN_MEAN_OF_CHILDREN: Label("promedio simple", "plain mean"),
    Rule.WEIGHTED_MEAN_OF_SHORT_TERM_ACTIONS: Label("promedio ponderado de ACP", "weighted mean of STAs"),
    Rule.ZERO_WEIGHTS_TOTAL: Label("0: ponderaciones suman 0", "0: weights add up to 0"),
    Rule.DEFAULT_ZERO: Label("0 por defecto", "0 by default"),
    Rule.SCHEDULE: Label("programación", "schedule"),
    Rule.SUM_OVER_OPERATIONS: Label("suma de operaciones", "sum of operations"),
    Rule.SUM_OVER_SHORT_TERM_ACTIONS: Label("suma de ACP", "sum of STAs"),
    Rule.SUM_OF_ACTIVE_WEIGHTS: Label("suma de ponderaciones", "sum of weights"),
}


# -- the differences of `poa diff` (adapters/report_diff.py) -----------------------------------
# `poa diff --format table`: the heading, the two views, the texts of the tables' cells (their
# titles and headers are TABLE_LABELS and COLUMN_LABELS above).

DRY_RUN_TEXTS = {  # `--dry-run` of a write (adapters/formats.py, preview_text)
    "would_record": Label(
        "Simulación (--dry-run): no se registró nada. Se registraría en {plan}:",
        "Dry run (--dry-run): nothing was recorded. It would record in {plan}:",
    ),
    "would_change": Label(
        "Cifras del informe al {as_of} que cambiarían ('desde': lo registrado ahora; 'hasta': con estas entradas):",
        "Report figures as of {as_of} that would change ('from': as recorded now; 'to': with these entries):",
    ),
    "new_plan": Label("Informe del plan nuevo al {as_of}:", "The new plan's report as of {as_of}:"),
}

DIFF_TEXTS = {
    "heading": Label(
        "{entity} — Diferencias entre dos vistas del POA, gestión {year} ({plan})",
        "{entity} — Differences between two views of the POA, year {year} ({plan})",
    ),
    "views": Label("Desde: {before}\nHasta: {after}", "From: {before}\nTo: {after}"),  # each view: "view" below
    "view": Label(
        "al {as_of}, según lo registrado hasta {known_at}", "as of {as_of}, as recorded up to {known_at}"
    ),
    "issued_view": Label(  # after "view", for the view an issued report was printed from
        " (informe emitido {reference}, secuencia {seq})", " (issued report {reference}, sequence {seq})"
    ),
    "no_differences": Label("Sin diferencias entre las dos vistas.", "No differences between the two views."),
    "no_rows": Label("Sin diferencias", "No differences"),  # the one row of an empty table
    "corrects": Label("; corrige la secuencia {seq}", "; corrects sequence {seq}"),  # after an event's reason
    "as_of_effect": Label("(trimestre)", "(quarter)"),  # events of a figure: programmed progress moved with the quarter
}


# -- warnings (projections/warnings.py) --------------------------------------------------------
# Shown with every report, never blocking. `kind` is the stable identifier JSON consumers filter
# on; the message is a template filled in when the warning is found (amounts, percents and points
# grouped as the report shows them, dates ISO 8601). The threshold of 30 days is the wording's.


class WarningKind(StrEnum):
    WEIGHTS_TOTAL = "weights_total"  # the active short-term actions' weights do not add up to 100
    OVER_EXECUTED = "executed_above_current"  # an element's, or the plan's, executed above its current budget
    UNJUSTIFIED_DEVIATION = "unjustified_deviation"
    PROGRESS_DOWN = "progress_down"
    EXECUTION_DOWN = "execution_down"
    CANCELLED_WITH_BUDGET = "cancelled_with_budget"
    LATE_RECORD = "late_record"
    EXECUTION_MIXED = "execution_with_and_without_source"  # latest records both without a source and by source
    EXECUTION_DIFFERS_FROM_OPERATIONS = "execution_differs_from_operations"  # an ACP's own record ≠ Σ its operations'
    PROGRESS_DIFFERS_FROM_CHILDREN = "progress_differs_from_children"  # an element's record ≠ its children's mean


WARNING_MESSAGES = {
    WarningKind.WEIGHTS_TOTAL: Label(
        "Las ponderaciones de las ACP vigentes suman {total}, no 100.",
        "The weights of the active short-term actions add up to {total}, not 100.",
    ),
    WarningKind.OVER_EXECUTED: Label(  # code: the element's, or WARNING_PARTS["plan"]
        "{code}: ejecutado {executed} supera el vigente {current}.",
        "{code}: executed {executed} exceeds the current budget {current}.",
    ),
    WarningKind.UNJUSTIFIED_DEVIATION: Label(
        "{code}: desviación de {deviation} puntos sin justificación desde el cierre del trimestre ({quarter_end}).",
        "{code}: deviation of {deviation} points not justified since the end of the quarter ({quarter_end}).",
    ),
    WarningKind.PROGRESS_DOWN: Label(  # source: WARNING_PARTS["source"] for a source key, else nothing
        "{code}{source}: avance acumulado baja de {before} ({before_date}) a {after} ({after_date}).",
        "{code}{source}: cumulative progress falls from {before} ({before_date}) to {after} ({after_date}).",
    ),
    WarningKind.EXECUTION_DOWN: Label(  # "ejecución acumulado": the wording printed so far, kept
        "{code}{source}: ejecución acumulado baja de {before} ({before_date}) a {after} ({after_date}).",
        "{code}{source}: cumulative execution falls from {before} ({before_date}) to {after} ({after_date}).",
    ),
    WarningKind.CANCELLED_WITH_BUDGET: Label(
        "{code}: operación cancelada que conserva presupuesto no ejecutado de {unexecuted}.",
        "{code}: cancelled operation that keeps {unexecuted} of unexecuted budget.",
    ),
    WarningKind.LATE_RECORD: Label(  # kind: the fact kind's label (FACT_KIND_LABELS)
        "Registro {seq} ({kind}) con fecha {date} registrado {days} días después, el {recorded_on}.",
        "Record {seq} ({kind}) dated {date} recorded {days} days later, on {recorded_on}.",
    ),
    WarningKind.EXECUTION_MIXED: Label(
        "{code}: ejecución registrada sin fuente y por fuente; lo ejecutado es su suma: {without} sin fuente + "
        "{by_source} por fuente = {executed}.",
        "{code}: execution recorded both without a source and by source; executed is their sum: {without} without "
        "source + {by_source} by source = {executed}.",
    ),
    WarningKind.EXECUTION_DIFFERS_FROM_OPERATIONS: Label(
        "{code}: su registro de ejecución al {date} ({own}) difiere de la suma de los registros de sus operaciones a "
        "esa fecha de corte ({operations}).",
        "{code}: its execution record at {date} ({own}) differs from the sum of its operations' records at that "
        "cut-off date ({operations}).",
    ),
    WarningKind.PROGRESS_DIFFERS_FROM_CHILDREN: Label(
        "{code}: su avance registrado al {date} ({own} %) difiere del promedio ponderado de los avances de sus "
        "elementos registrados a esa fecha ({children} %).",
        "{code}: its progress recorded at {date} ({own}%) differs from the weighted mean of its elements' progress "
        "recorded at that date ({children}%).",
    ),
}
# -- the semáforo (domain/settings.py) ---------------------------------------------------------

BAND_LABELS = {  # from Band's identifier
    "efficient": Label("Eficiente", "Efficient"),
    "sufficient": Label("Suficiente", "Sufficient"),
    "at_risk": Label("En riesgo", "At risk"),
    "inefficient": Label("Ineficiente", "Inefficient"),
}
BAND_COLOURS = {"efficient": "#2e7d32", "sufficient": "#f9a825", "at_risk": "#ef6c00", "inefficient": "#c62828"}
NO_BAND = Label("sin meta", "no target")  # the band (and efficiency) shown before anything is programmed


WARNING_PARTS = {
    "plan": Label("POA", "POA"),  # {code} of the whole plan
    "source": Label(" ({source})", " ({source})"),  # {source} of a figure going down for one source key
}
