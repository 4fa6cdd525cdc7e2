"""The open-data tables (docs/open-data.md): their fields, the rows of a view, and their CSV, JSON
and JSON Lines forms.

The rows come from `poa.projections.tables` (no figure is computed here); this module chooses the
rows a view shows, formats the values — decimals as two-place exact strings in JSON and JSON Lines
and as plain two-place numbers in CSV, dates ISO, timestamps ISO 8601 UTC with ``Z``
(`report_json.timestamp`) — and renders them. `TABLES` describes every table once: the same
fields, in the same order, in every format and in the data package's Table Schemas
(adapters/datapackage.py).

A view: `known_at` keeps the facts recorded at or before it (None: every fact recorded); `as_of`
keeps the facts dated on or before it, the element versions in force on it, and evaluates the
plan at that date only (None: every fact, every version, and every quarter end of the year and
the latest cut-off date).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

from attrs import frozen

from poa.domain.facts import Recorded
from poa.projections.tables import (
    APPROVED,
    EXECUTED,
    MODIFIED,
    budget_line_rows,
    element_versions,
    evaluation_rows,
    fact_rows,
    fiscal_rows,
    plan_row,
)

from .report_json import SCHEMA_VERSION, timestamp, two_places
from .safe_text import csv_cell, json_escape

FORMATS = ("csv", "json", "jsonl")
CURRENCY = "BOB"  # ISO 4217: the boliviano, the currency of every amount of a Bolivian entity's POA
DIRECTION = "expenditure"  # a POA's budget is what the entity may spend
PHASE_LABELS = {
    APPROVED: "Presupuesto aprobado",
    MODIFIED: "Modificaciones presupuestarias",
    EXECUTED: "Presupuesto ejecutado",
}


@frozen
class Field:
    """A column: its name, its Table Schema type (string, integer, number, date, datetime), what it
    holds, and the Fiscal Data Package column type it maps to (budget only)."""

    name: str
    type: str
    description: str
    column_type: str | None = None


@frozen
class Table:
    """An open-data table: its fields, primary key and foreign keys ((fields, table, its fields);
    table "" is the table itself)."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@frozen
class View:
    """Which facts the tables show: dated on or before `as_of`, recorded at or before `known_at`
    (None: no limit); `as_of` also picks the one date at which the plan is evaluated."""

    as_of: date | None = None
    known_at: datetime | None = None


S, I, N, DT, TS = "string", "integer", "number", "date", "datetime"
PLAN = Field("plan", S, "The plan's key (entity and year), such as AN-2020.")
_PLAN_FK = (("plan",), "plans", ("plan",))
_EVALUATED = (("plan", "as_of"), "plan_evaluation", ("plan", "as_of"))
_AS_OF = Field("as_of", DT, "The effective date of the evaluation: a quarter end, the latest cut-off date, or --as-of.")
_KNOWN_AT = Field("known_at", TS, "The evaluation as known at this recorded time (UTC): --known-at, else the plan's last event.")
_FIGURES = (
    Field("weight", N, "Weight (ponderación) in force; a strategic action's: the sum of its active short-term actions'."),
    Field("progress_pct", N, "Cumulative physical progress (avance físico), percent."),
    Field("programmed_pct", N, "Programmed progress (programado) by the schedule, percent; short-term and strategic actions."),
    Field("deviation_pts", N, "Programmed minus progress, percentage points; short-term and strategic actions."),
    Field("budget_current", N, "Current budget (presupuesto vigente): approved plus modifications, all sources."),
    Field("budget_executed", N, "Executed budget (presupuesto ejecutado) reported by the cut-off date."),
    Field("budget_execution_pct", N, "Executed over current budget, percent (0 when the current budget is 0)."),
)

TABLES: dict[str, Table] = {t.name: t for t in (
    Table("plans", "Plans", "One row per plan: its approval and the last event recorded.", (
        PLAN,
        Field("entity", S, "The public entity (entidad)."),
        Field("year", I, "The fiscal year (gestión)."),
        Field("approved_on", DT, "The effective date of the approval."),
        Field("reference", S, "The resolution that approved the plan."),
        Field("recorded_at", TS, "When the approval was recorded (UTC)."),
        Field("actor", S, "Who recorded the approval."),
        Field("events", I, "Events of the plan in the view's history."),
        Field("last_seq", I, "The seq of the plan's last event in the view's history."),
        Field("last_recorded_at", TS, "When that event was recorded (UTC)."),
        Field("closed", DT, "The date of the closing in force, if the plan is closed."),
    ), ("plan",)),
    Table("elements", "Element versions", "The structure as versions of each element: strategic actions (AEI), "
          "short-term actions (ACP), operations and tasks, each version valid from valid_from (inclusive) to "
          "valid_to (exclusive; empty while in force).", (
        PLAN,
        Field("code", S, "The element's code."),
        Field("version", I, "The version's number, from 1."),
        Field("kind", S, "strategic_action, short_term_action, operation or task."),
        Field("parent", S, "The parent's code (empty for a strategic action)."),
        Field("title", S, "The title in force."),
        Field("weight", N, "The weight in force (empty for a strategic action)."),
        Field("schedule_q1", N, "A short-term action's programmed cumulative progress at the end of Q1, percent."),
        Field("schedule_q2", N, "… at the end of Q2, percent."),
        Field("schedule_q3", N, "… at the end of Q3, percent."),
        Field("schedule_q4", N, "… at the end of Q4, percent."),
        Field("sector_code", S, "A strategic action's sector-plan code (PEM/PDES)."),
        Field("status", S, "active or cancelled."),
        Field("budget_current", N, "An operation's current budget in this version, all sources."),
        Field("valid_from", DT, "First effective date of the version (inclusive)."),
        Field("valid_to", DT, "Effective date the next version starts (exclusive); empty while in force."),
        Field("made_by_seq", I, "The seq of the fact that made the version."),
        Field("made_by_kind", S, "Its kind (approve, reformulate, budget)."),
        Field("made_by_recorded_at", TS, "When it was recorded (UTC)."),
        Field("reference", S, "Its resolution reference."),
    ), ("plan", "code", "version"), (_PLAN_FK, (("plan", "made_by_seq"), "facts", ("plan", "seq")))),
    Table("facts", "Facts", "Every recorded fact, one row each, in recorded order (seq); nothing is ever updated "
          "or deleted: a correction is a later fact (corrects_seq).", (
        PLAN,
        Field("seq", I, "The fact's position in the plan's history, from 1."),
        Field("recorded_at", TS, "When it was recorded (UTC)."),
        Field("actor", S, "Who recorded it."),
        Field("batch", S, "The id of the batch it was recorded in (64 hex digits)."),
        Field("kind", S, "approve, reformulate, budget, progress, execution, result, justify, publish, close, "
                         "reopen or issue."),
        Field("code", S, "The element it is about, if any."),
        Field("date", DT, "Its effective date (a cut-off date for progress and execution)."),
        Field("reference", S, "Its resolution or report reference."),
        Field("entity", S, "approve: the entity."),
        Field("year", I, "approve: the year."),
        Field("percent", N, "progress: cumulative percent."),
        Field("amount", N, "execution: cumulative amount; budget: signed change."),
        Field("source", S, "execution, budget: the funding source (empty: execution without source)."),
        Field("note", S, "progress: its note."),
        Field("text", S, "result, justify: the text."),
        Field("reason", S, "reformulate, budget, reopen: the reason."),
        Field("issued", DT, "publish: the date the report was issued."),
        Field("format", S, "issue: the format the report was issued in."),
        Field("items", I, "approve: elements; reformulate: changes."),
        Field("days_late", I, "Days from the effective date (publish: the issue date) to the recording."),
        Field("corrects_seq", I, "progress, execution: the seq (in this plan) of the record this one corrects."),
    ), ("plan", "seq"), (_PLAN_FK,)),  # corrects_seq: not a declared key, see docs/open-data.md
    Table("budget_lines", "Budget lines", "Every approved amount and every budget change, by operation and "
          "source, in recorded order.", (
        PLAN,
        Field("seq", I, "The fact that states the line."),
        Field("line", I, "The line's position within that fact, from 1."),
        Field("code", S, "The operation."),
        Field("source", S, "The funding source."),
        Field("amount", N, "The amount (approved) or the signed change (modified)."),
        Field("phase", S, "approved (the approval) or modified (a reformulation or budget modification)."),
        Field("by", S, "The fact's kind: approve, reformulate or budget."),
        Field("action", S, "What in the fact states it: element, add or budget."),
        Field("date", DT, "The effective date."),
        Field("reference", S, "The resolution reference."),
        Field("reason", S, "The reason given."),
        Field("recorded_at", TS, "When it was recorded (UTC)."),
        Field("actor", S, "Who recorded it."),
    ), ("plan", "seq", "line"), (_PLAN_FK, (("plan", "seq"), "facts", ("plan", "seq")))),
    Table("budget", "Budget by phase (Fiscal Data Package)", "Expenditure of the POA by operation and funding "
          "source in the phases approved, modified and executed, at each evaluation date, following the Fiscal "
          "Data Package conventions (columnType of each field). Executed amounts are the ones the plan's "
          "executed budget adds up: a short-term action's own, or else its operations'.", (
        Field("budget_line_id", S, "PLAN:AS_OF:LINE, unique.", "budget-line-id"),
        PLAN,
        _AS_OF,
        Field("line", I, "The row's position within the plan and date, from 1."),
        Field("year", I, "The fiscal year.", "date:fiscal-year"),
        Field("entity", S, "The public entity: the administrative classification's first level.",
              "administrative-classification:generic:level1:label"),
        Field("strategic_action", S, "Strategic action (AEI) code: the programme.", "activity:generic:program:code"),
        Field("strategic_action_title", S, "Its title.", "activity:generic:program:label"),
        Field("short_term_action", S, "Short-term action (ACP) code: the sub-programme.", "activity:generic:subprogram:code"),
        Field("short_term_action_title", S, "Its title.", "activity:generic:subprogram:label"),
        Field("operation", S, "Operation code: the project (empty for an amount executed by a short-term action).",
              "activity:generic:project:code"),
        Field("operation_title", S, "Its title.", "activity:generic:project:label"),
        Field("code", S, "The element the amount belongs to (an operation, or a short-term action for executed "
                         "amounts it reports itself)."),
        Field("kind", S, "That element's kind: operation or short_term_action."),
        Field("source", S, "The funding source (fuente); empty for an executed amount recorded without source.",
              "fin-source:generic:code"),
        Field("phase", S, "approved, modified (the net of every change) or executed.", "phase:id"),
        Field("phase_label", S, "The phase's name in the report's language.", "phase:label"),
        Field("direction", S, "Always expenditure.", "direction"),
        Field("amount", N, "The amount, in bolivianos.", "value"),
        Field("currency", S, "ISO 4217 code of the amount: BOB.", "value-currency:code"),
        _KNOWN_AT,
    ), ("plan", "as_of", "line"), (_PLAN_FK, _EVALUATED)),
    Table("evaluation", "Evaluation of the elements", "The evaluation's figures of every element at each "
          "evaluation date, as a report shows them.", (
        PLAN, _AS_OF, _KNOWN_AT,
        Field("code", S, "The element's code."),
        Field("kind", S, "strategic_action, short_term_action, operation or task."),
        Field("parent", S, "The parent's code."),
        Field("title", S, "The title in force."),
        Field("status", S, "active or cancelled."),
        Field("sector_code", S, "A strategic action's sector-plan code."),
    ) + _FIGURES, ("plan", "as_of", "code"), (_PLAN_FK, _EVALUATED)),
    Table("plan_evaluation", "Evaluation of the plan", "The plan's summary figures at each evaluation date.", (
        PLAN, _AS_OF, _KNOWN_AT,
        Field("strategic_actions", I, "Active strategic actions."),
        Field("short_term_actions", I, "Active short-term actions."),
        Field("operations", I, "Active operations."),
        Field("tasks", I, "Active tasks."),
        Field("weights_total", N, "Sum of the active short-term actions' weights."),
        Field("budget_current", N, "Current budget of the plan."),
        Field("budget_executed", N, "Executed budget of the plan."),
        Field("budget_execution_pct", N, "Executed over current, percent."),
        Field("physical_progress_pct", N, "Institutional physical progress, percent."),
        Field("programmed_pct", N, "Programmed progress, percent."),
        Field("deviation_pts", N, "Programmed minus progress, points."),
        Field("reformulations", I, "Reformulations in effect."),
    ), ("plan", "as_of"), (_PLAN_FK,)),
)}
WHAT = tuple(TABLES)  # the tables `poa export --what` names


# -- rows ---------------------------------------------------------------------------------------


def known(history: Sequence[Recorded], view: View) -> list[Recorded]:
    """The plan's facts recorded at or before the view's known_at (all without one)."""
    if view.known_at is None:
        return list(history)
    return [r for r in history if r.recorded_at <= view.known_at]


def table_rows(name: str, key: str, history: Sequence[Recorded], view: View) -> list[dict]:
    """The rows of table `name` for one plan at a view, with the table's columns only, in order.
    A plan whose approval is not known at the view has none."""
    seen = known(history, view)
    if not seen:
        return []
    as_ofs = None if view.as_of is None else [view.as_of]
    day = view.as_of
    if name == "plans":
        rows = [plan_row(key, seen)]
    elif name == "elements":
        rows = [v for v in element_versions(key, seen)
                if day is None or (v["valid_from"] <= day and (v["valid_to"] is None or day < v["valid_to"]))]
    elif name == "facts":
        rows = [f for f in fact_rows(key, seen) if day is None or f["date"] <= day]
    elif name == "budget_lines":
        rows = [b for b in budget_line_rows(key, seen) if day is None or b["date"] <= day]
    elif name == "budget":
        rows = _numbered(fiscal_rows(key, seen, view.known_at, as_ofs=as_ofs))
    elif name == "evaluation":
        rows = evaluation_rows(key, seen, view.known_at, as_ofs=as_ofs)[0]
    else:
        rows = evaluation_rows(key, seen, view.known_at, as_ofs=as_ofs)[1]
    columns = TABLES[name].columns
    return [{c: row.get(c) for c in columns} for row in rows]


def _numbered(rows: list[dict]) -> list[dict]:
    """Fiscal rows with their line within (plan, as_of), id, phase label, direction and currency."""
    count: dict[tuple, int] = {}
    out = []
    for row in rows:
        where = (row["plan"], row["as_of"])
        count[where] = count.get(where, 0) + 1
        line = count[where]
        out.append({**row, "line": line, "budget_line_id": f"{row['plan']}:{row['as_of'].isoformat()}:{line}",
                    "phase_label": PHASE_LABELS[row["phase"]], "direction": DIRECTION, "currency": CURRENCY})
    return out


# -- values and renderings -------------------------------------------------------------------------


def json_value(value):
    """A value as JSON gives it: a decimal as a two-place exact string, a date ISO, a timestamp
    ISO 8601 UTC with Z; integers, texts and None as they are."""
    if isinstance(value, Decimal):
        return two_places(value)
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_value(value, raw: bool) -> str:
    """A value as a CSV cell: as in JSON, None as an empty cell; a text neutralised for
    spreadsheets (`safe_text.csv_cell`) unless `raw`."""
    shown = json_value(value)
    if shown is None:
        return ""
    if isinstance(value, str):
        return shown if raw else csv_cell(shown)
    return str(shown)


def to_csv(name: str, rows: Sequence[dict], *, raw: bool = False) -> str:
    """A header row with the table's columns, then one line per row (UTF-8 text, ``\\n`` line ends)."""
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TABLES[name].columns)
    for row in rows:
        writer.writerow([csv_value(row[c], raw) for c in TABLES[name].columns])
    return buffer.getvalue()


def to_json(name: str, rows: Sequence[dict], view: View) -> str:
    """``{schema_version, table, as_of, known_at, rows[]}``: the view as asked (null: no limit)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "table": name,
        "as_of": json_value(view.as_of),
        "known_at": json_value(view.known_at),
        "rows": [{k: json_value(v) for k, v in row.items()} for row in rows],
    }
    return json_escape(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def to_jsonl(name: str, rows: Sequence[dict]) -> str:
    """One JSON object per line, the table's columns in order."""
    return "".join(json_escape(json.dumps({k: json_value(v) for k, v in row.items()}, ensure_ascii=False)) + "\n"
                   for row in rows)


def render(name: str, rows: Sequence[dict], view: View, fmt: str, *, raw: bool = False) -> str:
    """Table `name` in format `fmt` (csv, json, jsonl); `raw` applies to CSV."""
    if fmt == "csv":
        return to_csv(name, rows, raw=raw)
    if fmt == "json":
        return to_json(name, rows, view)
    return to_jsonl(name, rows)


# -- files ------------------------------------------------------------------------------------------


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` all at once for a reader: into a temporary file of the same folder,
    flushed to disk, then renamed over `path` (`os.replace`). The file keeps the mode of the one it
    replaces (a new one: 0644). On failure nothing is left behind."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
