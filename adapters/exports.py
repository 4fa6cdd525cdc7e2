"""The open-data tables (docs/open-data.md): the rows of a view, and their CSV, JSON and JSON Lines
forms.

The rows come from `poa.projections.tables` (no figure is computed here); the tables, their
fields and the values of each type are described once in adapters/open_tables.py (`TABLES`, the
read model's description too): the same fields, in the same order, in every format and in the data
package's Table Schemas (adapters/datapackage.py). This module chooses the rows a view shows and
renders them: decimals as two-place exact strings in JSON and JSON Lines and as plain two-place
numbers in CSV, dates ISO, timestamps ISO 8601 UTC with ``Z``, objects (`facts.data`, the budget
by source) as JSON objects in JSON and JSON Lines and as their JSON text in CSV.

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
from io import StringIO
from pathlib import Path

from attrs import frozen

from poa.domain.facts import Recorded
from poa.projections.evaluation import Evaluation
from poa.projections.tables import (
    APPROVED,
    EXECUTED,
    MODIFIED,
    budget_line_rows,
    element_versions,
    evaluation_rows,
    evaluations,
    fiscal_rows,
    plan_row,
)

from .open_tables import EXPORT_FORMATS, OBJ, TABLES, Field, field_value, json_text, json_value, row_values, with_data
from .open_tables import WHAT  # noqa: F401 - the tables `poa export --what` names (defined there: docs/design.md, "Start-up")
from .report_json import SCHEMA_VERSION
from .safe_text import csv_cell, json_escape

FORMATS = EXPORT_FORMATS
CURRENCY = "BOB"  # ISO 4217: the boliviano, the currency of every amount of a Bolivian entity's POA
DIRECTION = "expenditure"  # a POA's budget is what the entity may spend
PHASE_LABELS = {
    APPROVED: "Presupuesto aprobado",
    MODIFIED: "Modificaciones presupuestarias",
    EXECUTED: "Presupuesto ejecutado",
}


@frozen
class View:
    """Which facts the tables show: dated on or before `as_of`, recorded at or before `known_at`
    (None: no limit); `as_of` also picks the one date at which the plan is evaluated."""

    as_of: date | None = None
    known_at: datetime | None = None


# -- rows ---------------------------------------------------------------------------------------


def known(history: Sequence[Recorded], view: View) -> list[Recorded]:
    """The plan's facts recorded at or before the view's known_at (all without one)."""
    if view.known_at is None:
        return list(history)
    return [r for r in history if r.recorded_at <= view.known_at]


EVALUATED = ("budget", "evaluation", "plan_evaluation")  # the tables of the plan's evaluations


def plan_evaluations(key: str, history: Sequence[Recorded], view: View) -> list[Evaluation]:
    """The evaluations the view's evaluated tables show: at its as_of (else every quarter end and
    the latest cut-off date), as known at its known_at (else at the plan's last event)."""
    seen = known(history, view)
    if not seen:
        return []
    return evaluations(key, seen, view.known_at, as_ofs=None if view.as_of is None else [view.as_of])


def table_rows(
    name: str, key: str, history: Sequence[Recorded], view: View, evaluated: Sequence[Evaluation] | None = None
) -> list[dict]:
    """The rows of table `name` for one plan at a view, with the table's columns only, in order.
    A plan whose approval is not known at the view has none. `evaluated`: the plan's
    `plan_evaluations` at this view, when the caller already has them (a data package's three
    evaluated tables share them)."""
    seen = known(history, view)
    if not seen:
        return []
    if name in EVALUATED and evaluated is None:
        evaluated = plan_evaluations(key, history, view)
    day = view.as_of
    if name == "plans":
        rows = [plan_row(key, seen)]
    elif name == "elements":
        rows = [v for v in element_versions(key, seen)
                if day is None or (v["valid_from"] <= day and (v["valid_to"] is None or day < v["valid_to"]))]
    elif name == "facts":
        rows = with_data(key, seen, None if day is None else {r.seq for r in seen if r.fact.date <= day})
    elif name == "budget_lines":
        rows = [b for b in budget_line_rows(key, seen) if day is None or b["date"] <= day]
    elif name == "budget":
        rows = _numbered(fiscal_rows(key, seen, evaluated=evaluated))
    elif name == "evaluation":
        rows = evaluation_rows(key, seen, evaluated=evaluated)[0]
    else:
        rows = evaluation_rows(key, seen, evaluated=evaluated)[1]
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


def csv_value(field: Field, value, raw: bool) -> str:
    """A value as a CSV cell: as in JSON (an object as its JSON text), None as an empty cell; a
    text neutralised for spreadsheets (`safe_text.csv_cell`; an object's JSON text keeps being
    JSON, its controls escaped the JSON way) unless `raw`."""
    shown = field_value(field, value)
    if shown is None:
        return ""
    if field.type == OBJ:
        return json_text(shown) if raw else json_escape(json_text(shown))
    if isinstance(value, str):
        return shown if raw else csv_cell(shown)
    return str(shown)


def to_csv(name: str, rows: Sequence[dict], *, raw: bool = False) -> str:
    """A header row with the table's columns, then one line per row (UTF-8 text, ``\\n`` line ends)."""
    buffer = StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    fields = TABLES[name].fields
    writer.writerow(TABLES[name].columns)
    for row in rows:
        writer.writerow([csv_value(f, row[f.name], raw) for f in fields])
    return buffer.getvalue()


def to_json(name: str, rows: Sequence[dict], view: View) -> str:
    """``{schema_version, table, as_of, known_at, rows[]}``: the view as asked (null: no limit)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "table": name,
        "as_of": json_value(view.as_of),
        "known_at": json_value(view.known_at),
        "rows": [row_values(name, row) for row in rows],
    }
    return json_escape(json.dumps(document, ensure_ascii=False, indent=2)) + "\n"


def to_jsonl(name: str, rows: Sequence[dict]) -> str:
    """One JSON object per line, the table's columns in order."""
    return "".join(json_escape(json.dumps(row_values(name, row), ensure_ascii=False)) + "\n"
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
