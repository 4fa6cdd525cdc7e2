"""The tables other tools read — the read model's (docs/read-model.md) and the open-data exports'
(docs/open-data.md) — described once.

`TABLES` holds every table with its fields: name, type in Table Schema terms (``string``,
``integer``, ``number``, ``date``, ``datetime``, ``object``), description, the Fiscal Data Package
column type where there is one, primary key and foreign keys. Everything that describes these
tables reads it:

- the SQLite read model (adapters/read_model.py): its DDL (`sqlite_type`), its Datasette metadata
  (`read_model_description`), the table `READ_MODEL` lists (every table but ``budget``, the Fiscal
  Data Package resource, which is an export of the evaluation at each date, not a table of the
  ledger's own);
- `poa export` (adapters/exports.py): the columns of every format and their values (`json_value`,
  `row_values`);
- the data package (adapters/datapackage.py): each resource's Table Schema;
- the JSON Schema of `poa export --format json` (`export_schema`, committed as
  adapters/schemas/export.schema.json: ``python -m poa.adapters.open_tables --schema``);
- the column tables of docs/read-model.md and docs/open-data.md (`markdown`,
  ``python -m poa.adapters.open_tables --markdown read-model|open-data``; the tests check them).

Every table has the same fields, in the same order, wherever it appears. Values: a ``number`` is
an exact decimal written with two places (a string in JSON and in the read model, a plain number
in CSV); an ``object`` is a JSON object (in JSON and JSON Lines as an object, in CSV and in the
read model as its JSON text); dates ISO; datetimes ISO 8601 UTC with ``Z``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import frozen

from .report_json import SCHEMA_VERSION, plain, recorded_to_dict, schema_path, two_places

if TYPE_CHECKING:
    from poa.domain.facts import Recorded

S, I, N, DT, TS, OBJ = "string", "integer", "number", "date", "datetime", "object"
TYPES = (S, I, N, DT, TS, OBJ)


@frozen
class Field:
    """A column: its name, its Table Schema type (`TYPES`), what it holds (units included), and the
    Fiscal Data Package column type it maps to (the budget table only)."""

    name: str
    type: str
    description: str
    column_type: str | None = None


ForeignKey = tuple[tuple[str, ...], str, tuple[str, ...]]  # (its fields, the table, that table's fields)


@frozen
class Table:
    """A table: its title, description, fields, primary key and foreign keys."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


# -- the tables ---------------------------------------------------------------------------------

BS = "Bs. (bolivianos)"
PLAN = Field("plan", S, "The plan's key (entity and year), such as AN-2020.")
_PLAN_FK: ForeignKey = (("plan",), "plans", ("plan",))
_FACT_FK: ForeignKey = (("plan", "seq"), "facts", ("plan", "seq"))
_EVALUATED: ForeignKey = (("plan", "as_of"), "plan_evaluation", ("plan", "as_of"))


def _EFFICIENCY(whose: str) -> tuple[Field, ...]:  # noqa: N802 - a constant's shape, built for two tables
    """The efficiency figures and semáforo band (docs/design.md, "Efficiency and semáforo")."""
    return (
        Field("physical_efficacy_pct", N, f"{whose}physical efficacy, progress over programmed, %; null before anything "
                                          "is programmed."),
        Field("efficiency_pct", N, f"{whose}weighted efficiency (eficiencia ponderada), %; null before anything is "
                                   "programmed."),
        Field("efficiency_band", S, f"{whose}the semáforo band: efficient, sufficient, at_risk or inefficient; null "
                                    "before anything is programmed."),
        Field("relative_efficiency", N, f"{whose}physical efficacy over budget execution, a ratio; null before anything "
                                        "is programmed or executed."),
    )
_AS_OF = Field("as_of", DT, "The effective date of the evaluation: a quarter end of the year, the latest cut-off "
               "date, or the view's --as-of.")
_KNOWN_AT = Field("known_at", TS, "The recorded time (UTC) the evaluation is as known at: the view's --known-at, "
                  "else the plan's last event.")
_KIND = Field("kind", S, "strategic_action, short_term_action, operation or task.")
_STATUS = Field("status", S, "active or cancelled.")
_SECTOR = Field("sector_code", S, "A strategic action's sector-plan code (PEM/PDES).")
_RECORDED_AT = Field("recorded_at", TS, "When it was recorded (UTC, set by the system).")
_ACTOR = Field("actor", S, "Who recorded it.")
_BUDGET = Field("budget", OBJ, f"Current budget by funding source (fuente): an object of amounts in {BS} by "
                "source name as recorded.")


def _schedule(quarter: int) -> Field:
    return Field(f"schedule_q{quarter}", N, "A short-term action's programmed cumulative progress (programado) at "
                 f"the end of Q{quarter}, %.")


TABLES: dict[str, Table] = {t.name: t for t in (
    Table("plans", "Plans", "One row per plan: its approval, how many events the view (or the read model) holds "
          "of it, and the closing in force.", (
        PLAN,
        Field("entity", S, "The public entity (entidad)."),
        Field("year", I, "The fiscal year (gestión)."),
        Field("approved_on", DT, "The effective date of the approval."),
        Field("reference", S, "The resolution that approved the plan."),
        Field("recorded_at", TS, "When the approval was recorded (UTC)."),
        Field("actor", S, "Who recorded the approval."),
        Field("events", I, "Events of the plan held (in the view's history; in the read model, the events it holds)."),
        Field("last_seq", I, "The seq of the last of those events."),
        Field("last_recorded_at", TS, "When that event was recorded (UTC): the known_at of the evaluation rows "
              "without --known-at."),
        Field("closed", DT, "The effective date of the closing in force; null (empty) while the plan is open."),
    ), ("plan",)),
    Table("elements", "Element versions", "The structure as versions of each element — strategic actions (AEI), "
          "short-term actions (ACP), operations and tasks — each valid from valid_from (inclusive) to valid_to "
          "(exclusive; null while in force), in effective dates.", (
        PLAN,
        Field("code", S, "The element's code."),
        Field("version", I, "The version's number, 1, 2, … in effective-date order."),
        _KIND,
        Field("parent", S, "The parent's code (null for a strategic action)."),
        Field("title", S, "The title in force."),
        Field("weight", N, "The weight (ponderación) in force, a plain number (null for a strategic action)."),
        _schedule(1), _schedule(2), _schedule(3), _schedule(4),
        _SECTOR,
        _STATUS,
        Field("budget_current", N, f"An operation's current budget in this version, all sources, {BS}."),
        Field("valid_from", DT, "First effective date of the version (inclusive)."),
        Field("valid_to", DT, "Effective date the next version starts (exclusive); null while in force."),
        Field("made_by_seq", I, "The seq of the fact that made the version (the last recorded of that date)."),
        Field("made_by_kind", S, "That fact's kind (approve, reformulate, budget, transfer, correct)."),
        Field("made_by_recorded_at", TS, "When that fact was recorded (UTC)."),
        Field("reference", S, "That fact's resolution reference."),
    ), ("plan", "code", "version"), (_PLAN_FK, (("plan", "made_by_seq"), "facts", ("plan", "seq")))),
    Table("facts", "Facts", "Every recorded fact, one row each in recorded order (seq), flattened: the typed "
          "columns its kind carries, null elsewhere. Nothing is ever updated or deleted: a correction is a later "
          "fact (corrects_seq).", (
        PLAN,
        Field("seq", I, "The fact's position in the plan's history, from 1."),
        _RECORDED_AT,
        _ACTOR,
        Field("batch", S, "The id of the batch it was recorded in (64 hex digits)."),
        Field("initial_load", S, "The reference of the initial load it came in (poa apply --initial-load: "
                                 "transcribed from earlier records, never late); null: recorded as it happened."),
        Field("kind", S, "approve, reformulate, budget, transfer, progress, execution, result, justify, publish, "
                         "close, reopen, issue or correct."),
        Field("code", S, "The element it is about (null: the plan as a whole, or no one element)."),
        Field("date", DT, "Its effective date (the cut-off date of progress and execution)."),
        Field("reference", S, "Its resolution or report reference."),
        Field("entity", S, "approve: the entity."),
        Field("year", I, "approve: the year."),
        Field("percent", N, "progress: cumulative physical progress (avance físico), %."),
        Field("amount", N, f"execution: cumulative executed amount; budget: the signed change; transfer: the amount "
                           f"moved (its two sides: data, budget_lines); {BS}."),
        Field("source", S, "execution, budget: the funding source (execution: null when recorded without source)."),
        Field("note", S, "progress: its note."),
        Field("text", S, "result, justify: the text."),
        Field("reason", S, "reformulate, budget, transfer, reopen, correct: the reason."),
        Field("issued", DT, "publish: the date the report was issued."),
        Field("format", S, "issue: the format the report was issued in."),
        Field("items", I, "approve: number of elements; reformulate: number of changes."),
        Field("days_late", I, "Days from the effective date (publish: the issue date) to the recording; null for "
                              "issue and for a fact of an initial load."),
        Field("corrects_seq", I, "progress, execution: the seq (in this plan) of the earlier record of the same "
                                 "element, cut-off date (and source) this one corrects; correct: the seq of the fact "
                                 "it corrects; result, justify: the seq of the text it replaces."),
        Field("data", OBJ, "The event as `poa history --format json` gives it (its reformulation changes and "
                           "published figures included)."),
    ), ("plan", "seq"), (_PLAN_FK,)),  # corrects_seq: not a declared key, see docs/open-data.md
    Table("budget_lines", "Budget lines", "Every approved amount and every budget change, by operation and "
          "source, in recorded order.", (
        PLAN,
        Field("seq", I, "The seq of the fact that states the line."),
        Field("line", I, "The line's position within that fact, from 1."),
        Field("code", S, "The operation."),
        Field("source", S, "The funding source (fuente)."),
        Field("amount", N, f"The amount (approved) or the signed change (modified), {BS}."),
        Field("phase", S, "approved (in the approval) or modified (every later line, a reformulation's added "
                          "operation included)."),
        Field("by", S, "The fact's kind: approve, reformulate, budget, transfer or correct."),
        Field("action", S, "What in the fact states it: element (approved), add (a reformulation's new operation), "
                           "budget, transfer (line 1 the giving operation and source, −amount; line 2 the "
                           "receiving one, +amount), or correct (the change a correction makes to the amount it "
                           "corrects, in that amount's phase; of a transfer's side: two lines, the side it names, "
                           "then the other side with the opposite change)."),
        Field("date", DT, "The effective date."),
        Field("reference", S, "The resolution reference."),
        Field("reason", S, "The reason given (reformulate, budget, transfer, correct)."),
        _RECORDED_AT,
        _ACTOR,
    ), ("plan", "seq", "line"), (_PLAN_FK, _FACT_FK)),
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
        Field("amount", N, f"The amount, {BS}.", "value"),
        Field("currency", S, "ISO 4217 code of the amount: BOB.", "value-currency:code"),
        _KNOWN_AT,
    ), ("plan", "as_of", "line"), (_PLAN_FK, _EVALUATED)),
    Table("evaluation", "Evaluation of the elements", "The evaluation's figures of every element at each "
          "evaluation date (every quarter end of the year and the latest cut-off date, or the view's --as-of), as "
          "`poa report --format json` gives them; null where the element's kind does not carry a figure.", (
        PLAN, _AS_OF, _KNOWN_AT,
        Field("code", S, "The element's code."),
        _KIND,
        Field("parent", S, "The parent's code."),
        Field("title", S, "The title in force."),
        _STATUS,
        _SECTOR,
        Field("weight", N, "Weight (ponderación) in force, a plain number; a strategic action's: the sum of its "
                           "active short-term actions'."),
        Field("progress_pct", N, "Cumulative physical progress (avance físico), %."),
        Field("programmed_pct", N, "Actions: programmed progress (programado) by the schedule, %."),
        Field("deviation_pts", N, "Actions: programmed minus progress, percentage points."),
        _BUDGET,
        Field("budget_current", N, f"Current budget (presupuesto vigente): approved plus modifications, all sources, "
                                   f"{BS}."),
        Field("budget_executed", N, f"Executed budget (presupuesto ejecutado) reported by the cut-off date, {BS}."),
        Field("budget_execution_pct", N, "Executed over current budget, % (0 when the current budget is 0)."),
        *_EFFICIENCY("Short-term actions: "),
    ), ("plan", "as_of", "code"), (_PLAN_FK, _EVALUATED)),
    Table("plan_evaluation", "Evaluation of the plan", "The plan's summary figures (the report's `summary`) at "
          "each evaluation date, the dates of `evaluation`.", (
        PLAN, _AS_OF, _KNOWN_AT,
        Field("strategic_actions", I, "Active strategic actions."),
        Field("short_term_actions", I, "Active short-term actions."),
        Field("operations", I, "Active operations."),
        Field("tasks", I, "Active tasks."),
        Field("weights_total", N, "Sum of the active short-term actions' weights, a plain number."),
        Field("budget_current", N, f"Current budget (presupuesto vigente) of the plan, {BS}."),
        Field("budget_executed", N, f"Executed budget (presupuesto ejecutado) of the plan, {BS}."),
        Field("budget_execution_pct", N, "Executed over current budget, %."),
        Field("physical_progress_pct", N, "Institutional physical progress (avance físico), %."),
        Field("programmed_pct", N, "Programmed progress (programado), %."),
        Field("deviation_pts", N, "Programmed minus progress, percentage points."),
        Field("reformulations", I, "Reformulations in effect."),
        Field("budget_modifications", I, "Budget modifications (`poa budget`; a transfer, `poa transfer`, counts "
                                         "one) in effect, counted apart from reformulations."),
        _BUDGET,
        *_EFFICIENCY(""),
    ), ("plan", "as_of"), (_PLAN_FK,)),
)}

# the read model's tables, in the order it creates them; `budget` is an export only (the Fiscal
# Data Package resource, the evaluation's budget at each date by phase)
READ_MODEL = ("plans", "facts", "elements", "budget_lines", "evaluation", "plan_evaluation")
# `poa export`'s choices (adapters/exports.py, whose names they are): here, so that the command
# offers them without importing the projections at start-up (docs/design.md, "Start-up")
WHAT = tuple(TABLES)  # the tables `poa export --what` names
EXPORT_FORMATS = ("csv", "json", "jsonl")  # `poa export --format`: exports.FORMATS


# -- values -------------------------------------------------------------------------------------


def json_value(value):
    """A plain value as JSON gives it: `report_json.plain` with every decimal as a two-place exact
    string (dates ISO, timestamps ISO 8601 UTC with Z, mappings and lists value by value)."""
    return plain(value, two_places)


def field_value(field: Field, value):
    """A field's value as JSON gives it, by the field's type: a ``number`` always with two places
    (whatever Python number it is), an ``object`` a JSON object, the rest as `json_value`."""
    if value is None:
        return None
    if field.type == N:
        return two_places(Decimal(value))
    return json_value(value)


def row_values(name: str, row: Mapping) -> dict:
    """A row of table `name` as JSON gives it: the table's fields, in order, each by its type. A value
    no field describes is an error (a figure added to the catalogue needs its field here too)."""
    table = TABLES[name]
    undescribed = set(row) - set(table.columns)
    if undescribed:
        raise ValueError(f"table {name}: no field describes {', '.join(sorted(undescribed))} (adapters/open_tables.py)")
    return {f.name: field_value(f, row.get(f.name)) for f in table.fields}


def json_text(value) -> str:
    """An ``object`` value as one line of JSON text (CSV cells, read-model cells)."""
    return json.dumps(value, ensure_ascii=False)


def with_data(key: str, history: Sequence[Recorded], seqs: set[int] | None = None) -> list[dict]:
    """The `facts` rows of a plan's history (those of `seqs` only, when given), each with its
    `data`: the event as `poa history --format json` gives it."""
    records = {r.seq: r for r in history}
    from poa.projections.tables import fact_rows

    rows = [row for row in fact_rows(key, history) if seqs is None or row["seq"] in seqs]
    return [{**row, "data": recorded_to_dict(key, records[row["seq"]])} for row in rows]


# -- the read model's terms ---------------------------------------------------------------------

STORED_AS = {N: " Stored as a two-place exact decimal as text.", OBJ: " Stored as JSON text."}


def sqlite_type(field: Field) -> str:
    """INTEGER for an integer; TEXT for the rest: numbers are exact two-place decimal strings
    (SQLite has no decimal type), objects JSON text, dates and datetimes ISO text."""
    return "INTEGER" if field.type == I else "TEXT"


def read_model_description(field: Field) -> str:
    """The field's description, with how the read model stores a number or an object."""
    return field.description + STORED_AS.get(field.type, "")


# -- the JSON Schema of `poa export --format json` ------------------------------------------------

EXPORT_SCHEMA = "export"
_JSON_TYPES = {S: {"type": "string"}, I: {"type": "integer"}, N: {"$ref": "#/$defs/decimal"},
               DT: {"$ref": "#/$defs/date"}, TS: {"$ref": "#/$defs/timestamp"}, OBJ: {"type": "object"}}
_OBJECTS = {  # what an object field holds
    "budget": {"type": "object", "additionalProperties": {"$ref": "#/$defs/decimal"}},
    "data": {"$ref": "#/$defs/event"},
}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def field_schema(table: Table, field: Field) -> dict:
    """A field's JSON Schema: its type (an object by what it holds), null allowed outside the
    primary key, its description."""
    schema = dict(_OBJECTS[field.name]) if field.type == OBJ else dict(_JSON_TYPES[field.type])
    if field.name not in table.primary_key:
        schema = _nullable(schema)
    return {**schema, "description": field.description}


def row_schema(table: Table) -> dict:
    return {
        "type": "object",
        "description": table.description,
        "properties": {f.name: field_schema(table, f) for f in table.fields},
        "required": list(table.columns),
        "additionalProperties": False,
    }


def export_schema() -> dict:
    """The JSON Schema of `poa export --format json` (and, by `$defs/<table>`, of each JSON Lines
    row): the envelope, its rows by `table`; the history's event (`facts.data`) and value
    definitions are the history schema's."""
    history = json.loads(schema_path("history").read_text(encoding="utf-8"))
    defs = dict(history["$defs"])
    for name, table in TABLES.items():
        assert name not in defs, name
        defs[name] = row_schema(table)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:poa-ledger:schema:{SCHEMA_VERSION}:{EXPORT_SCHEMA}",
        "title": "poa export --format json",
        "description": "One open-data table at a view (docs/open-data.md): the view asked (null: no limit) and the "
                       "table's rows, each as $defs/<table> (a line of --format jsonl is one such row). Generated "
                       "from adapters/open_tables.py (python -m poa.adapters.open_tables --schema).",
        "version": SCHEMA_VERSION,
        "type": "object",
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "table": {"enum": list(TABLES)},
            "as_of": _nullable({"$ref": "#/$defs/date"}),
            "known_at": _nullable({"$ref": "#/$defs/timestamp"}),
            "rows": {"type": "array"},
        },
        "required": ["schema_version", "table", "as_of", "known_at", "rows"],
        "additionalProperties": False,
        "allOf": [
            {"if": {"properties": {"table": {"const": name}}},
             "then": {"properties": {"rows": {"items": {"$ref": f"#/$defs/{name}"}}}}}
            for name in TABLES
        ],
        "$defs": defs,
    }


def export_schema_text() -> str:
    """adapters/schemas/export.schema.json as committed."""
    return json.dumps(export_schema(), ensure_ascii=False, indent=2) + "\n"


# -- the docs' column tables ----------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def keys_sentence(table: Table) -> str:
    """Primary key (a, b); foreign keys (a) → t (a); …"""
    out = f"Primary key ({', '.join(table.primary_key)})"
    if table.foreign_keys:
        out += "; foreign keys " + "; ".join(
            f"({', '.join(mine)}) → {other} ({', '.join(theirs)})" for mine, other, theirs in table.foreign_keys)
    return out + "."


def markdown_columns(name: str, doc: str) -> str:
    """The column table of table `name` in docs/read-model.md (``read-model``: SQLite types, the
    read model's descriptions) or docs/open-data.md (``open-data``: Table Schema types, and the
    Fiscal Data Package column types where the table has any)."""
    table = TABLES[name]
    if doc == "read-model":
        lines = ["| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{f.name}` | {sqlite_type(f)} | {_cell(read_model_description(f))} |" for f in table.fields]
    else:
        fiscal = any(f.column_type for f in table.fields)
        lines = ["| field | type | FDP `columnType` | meaning |" if fiscal else "| field | type | meaning |",
                 "|---|---|---|---|" if fiscal else "|---|---|---|"]
        for f in table.fields:
            extra = f" {f'`{f.column_type}`' if f.column_type else ''} |" if fiscal else ""
            lines.append(f"| `{f.name}` | {f.type} |{extra} {_cell(f.description)} |")
    return "\n".join(lines) + "\n"


def markdown(doc: str) -> str:
    """Every column table of `doc` (read-model or open-data), each under its heading's table name."""
    names = READ_MODEL if doc == "read-model" else tuple(TABLES)
    return "\n".join(f"`{n}`: {keys_sentence(TABLES[n])}\n\n{markdown_columns(n, doc)}" for n in names)


def main(argv: Sequence[str]) -> int:
    if list(argv) == ["--schema"]:
        sys.stdout.write(export_schema_text())
        return 0
    if len(argv) == 2 and argv[0] == "--markdown" and argv[1] in ("read-model", "open-data"):
        sys.stdout.write(markdown(argv[1]))
        return 0
    sys.stderr.write("usage: python -m poa.adapters.open_tables --schema | --markdown read-model|open-data\n")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
