"""The report and the history as CSV (contract version `SCHEMA_VERSION`), for spreadsheets and pandas.

The report is one of five tables (`poa report --format csv --table NAME`, `REPORT_TABLES`):

- ``elements`` (the default): `ELEMENT_COLUMNS`, then one ``budget_<SOURCE>`` column per
  funding source of the plan (`source_columns`, in the order of `ordered_sources`). The first
  row is the plan itself (level ``plan``, code the plan key, title the entity) with the
  summary figures and its budget by source; then every element in code order
  (`in_code_order`: depth first, each element followed by its children, siblings by the
  natural order of their codes, so ``1.2`` before ``1.10``). A number the row's kind carries is
  always written, ``0.00`` for zero; a figure its kind does not carry (a task's budget, an
  operation's programmed progress) is an empty cell.
- ``results``, ``justifications``: one row per text (`NOTE_COLUMNS`): the plan's own first,
  then the elements' in code order, each in date order.
- ``reformulations``: one row per change of each reformulation in force (`REFORMULATION_COLUMNS`),
  the change's fields in the entry syntax as a JSON text (``change``).
- ``budget_modifications``: one row per budget modification in force (`BUDGET_MODIFICATION_COLUMNS`);
  a transfer is one row: ``code``/``source`` its giving side, ``to_code``/``to_source`` its
  receiving side (empty for a `poa budget` row), ``amount`` the amount moved.

Every row of every table starts with ``plan, as_of, known_at``. Decimals are two-place strings
(`two_places`), recorded times and known_at `timestamp` (ISO 8601 UTC with ``Z``).

Cells that a spreadsheet would evaluate as a formula (``=``, ``+``, ``-``, ``@``, tab, CR
first; plain numbers such as ``-12.50`` excepted) get a leading ``'``, and control
characters but line breaks and tab are shown escaped (`poa.adapters.safe_text.csv_cell`),
unless `raw` (``--raw-csv``, for machine consumers: every cell as recorded).

Every table is written in one of `CSV_DIALECTS` (``--csv-dialect``): ``standard``, the contract
above (UTF-8, ``,``, ``.`` decimals, no BOM); ``excel``, the same with a UTF-8 byte order mark
so that spreadsheets read the text as UTF-8; ``excel-es``, with the BOM, ``;`` between cells
and a decimal comma in the cells that hold a number the ledger wrote (`numeric_columns`: the
report's decimal figures, the budget by source, a budget modification's amount), never in a
text a user typed. A sealed report's CSV is always ``standard``.
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from io import StringIO
from typing import TYPE_CHECKING, NamedTuple

from poa.domain.catalogue import Status

from .report_json import (
    REPORT_ELEMENT_FIGURES,
    budget_modification_to_dict,
    evaluation_to_dict,
    reformulation_to_dict,
    timestamp,
    two_places,
)
from .safe_text import csv_cell, json_escape

if TYPE_CHECKING:
    from poa.projections.evaluation import Evaluation, Figures


# -- funding sources as column names --------------------------------------------------------

MAIN_SOURCE = "TGN"  # the Tesoro General de la Nación: first of the sources wherever they are listed


def ordered_sources(sources: Iterable[str]) -> list[str]:
    """The documented order of funding sources: ``TGN`` first, then the others alphabetically
    ignoring case (`str.casefold`), ties by the exact name (``Otros`` before ``otros``)."""
    unique = set(sources)
    rest = sorted(unique - {MAIN_SOURCE}, key=lambda s: (s.casefold(), s))
    return ([MAIN_SOURCE] if MAIN_SOURCE in unique else []) + rest


def source_column(source: str) -> str:
    """The column of one source's budget: ``budget_`` and the source name with accents dropped
    (Unicode NFKD, combining marks removed) and every run of other characters than ASCII
    letters and digits turned into one ``_``, none at either end (``"Otros recursos"`` →
    ``budget_Otros_recursos``, ``"Donación"`` → ``budget_Donacion``; a name left empty →
    ``budget_source``). Two sources may give the same column: `source_columns` resolves that."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", source) if not unicodedata.combining(c))
    name = re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_")
    return f"budget_{name or 'source'}"


def source_columns(sources: Iterable[str]) -> dict[str, str]:
    """Every source's column, collision-safe, in the order of `ordered_sources`: a source whose
    `source_column` an earlier source (in that order) already has gets ``_2``, ``_3``, … (the
    first suffix not taken), so ``TGN``, ``Otros recursos`` and ``Otros-recursos`` give
    ``budget_TGN``, ``budget_Otros_recursos`` and ``budget_Otros_recursos_2``."""
    columns: dict[str, str] = {}
    taken: set[str] = set()
    for source in ordered_sources(sources):
        column = base = source_column(source)
        n = 1
        while column in taken:
            n += 1
            column = f"{base}_{n}"
        columns[source] = column
        taken.add(column)
    return columns


# -- code order ------------------------------------------------------------------------------


def code_key(code: str) -> tuple:
    """The natural order of codes: segment by segment (``.``), digits by their number, so that
    ``1.2`` < ``1.10`` and ``2`` < ``10``; the code itself breaks ties (``01`` and ``1``)."""
    segments = tuple(
        tuple((0, int(run), "") if run.isdigit() else (1, 0, run) for run in re.findall(r"[0-9]+|[^0-9]+", segment))
        for segment in code.split(".")
    )
    return segments, code


def in_code_order(elements: Iterable[Figures]) -> list[Figures]:
    """Depth first from the strategic actions: each element followed by its children, siblings in
    `code_key` order (an element whose parent is not among them last, in code order)."""
    elements = list(elements)
    children: dict[str | None, list[Figures]] = {}
    codes = {e.code for e in elements}
    for e in elements:
        children.setdefault(e.parent if e.parent in codes else None, []).append(e)
    ordered: list[Figures] = []
    stack = sorted(children.get(None, []), key=lambda e: code_key(e.code), reverse=True)
    while stack:
        element = stack.pop()
        ordered.append(element)
        stack.extend(sorted(children.get(element.code, []), key=lambda e: code_key(e.code), reverse=True))
    return ordered


# -- the report's tables -----------------------------------------------------------------------

VIEW_COLUMNS = ("plan", "as_of", "known_at")
# the elements table: the view, the level, the code and parent, then the JSON report's element
# figures (a budget by source spread over budget_<SOURCE> columns after them; no sector code)
ELEMENT_COLUMNS = VIEW_COLUMNS + ("level", "code", "parent") + tuple(
    f.name for f in REPORT_ELEMENT_FIGURES if f.name != "sector_code" and not f.by_source
)
COLUMNS = ELEMENT_COLUMNS  # the name this module gave them first
NOTE_COLUMNS = VIEW_COLUMNS + ("level", "code", "date", "text")
REFORMULATION_COLUMNS = VIEW_COLUMNS + (
    "seq", "date", "reference", "reason", "recorded_at", "actor", "change", "action", "code", "fields",
)
BUDGET_MODIFICATION_COLUMNS = VIEW_COLUMNS + (
    "seq", "date", "reference", "reason", "code", "source", "amount", "recorded_at", "actor",
    "to_code", "to_source",  # a transfer's receiving side (code, source: its giving side); empty for `poa budget`
)


def _view(ev: Evaluation) -> dict:
    return {"plan": ev.plan, "as_of": ev.as_of.isoformat(), "known_at": timestamp(ev.known_at)}


def elements_rows(ev: Evaluation) -> tuple[list[str], list[dict]]:
    data = evaluation_to_dict(ev)
    view = _view(ev)
    s = data["summary"]
    plan_row = {
        **view,
        "level": "plan",
        "code": ev.plan,
        "title": ev.entity,
        "status": Status.ACTIVE,
        "weight": s["weights_total"],
        "progress_pct": s["physical_progress_pct"],
        "programmed_pct": s["programmed_pct"],
        "deviation_pts": s["deviation_pts"],
        "budget_current": s["budget_current"],
        "budget_executed": s["budget_executed"],
        "budget_execution_pct": s["budget_execution_pct"],
    }
    plan_budget: dict[str, Decimal] = {}
    for strategic_action in ev.strategic_actions:  # the plan's budget by source: Σ over them
        for source, amount in (strategic_action.budget or {}).items():
            plan_budget[source] = plan_budget.get(source, Decimal(0)) + amount
    # each element's row is its dict in `data` (element_to_dict already ran once per element there)
    shown = data["strategic_actions"] + data["short_term_actions"] + data["operations"] + data["tasks"]
    row_of = {id(figures): row for figures, row in zip(ev.elements(), shown, strict=True)}
    sources = set(plan_budget)
    for figures in ev.elements():
        sources.update(figures.budget or {})
    columns = source_columns(sources)
    rows = [plan_row]
    for source, column in columns.items():
        plan_row[column] = two_places(plan_budget.get(source, Decimal(0)))
    for figures in in_code_order(ev.elements()):
        row = {**view, **row_of[id(figures)], "level": figures.kind}
        budget = row.pop("budget", None)
        if budget is not None:  # the kind carries a budget: every source's cell, 0.00 where it has none
            for source, column in columns.items():
                row[column] = budget.get(source, "0.00")
        rows.append(row)
    return list(ELEMENT_COLUMNS) + list(columns.values()), rows


def _notes_rows(which: str) -> Callable[[Evaluation], tuple[list[str], list[dict]]]:
    def rows_of(ev: Evaluation) -> tuple[list[str], list[dict]]:
        view = _view(ev)
        rows = [
            {**view, "level": "plan", "code": ev.plan, "date": n.date.isoformat(), "text": n.text}
            for n in sorted(getattr(ev, which), key=lambda n: n.date)
        ]
        for figures in in_code_order(ev.elements()):
            rows.extend(
                {**view, "level": figures.kind, "code": figures.code, "date": n.date.isoformat(), "text": n.text}
                for n in sorted(getattr(figures, which), key=lambda n: n.date)
            )
        return list(NOTE_COLUMNS), rows

    return rows_of


def reformulations_rows(ev: Evaluation) -> tuple[list[str], list[dict]]:
    view = _view(ev)
    rows = []
    for r in ev.reformulations:
        reformulation = reformulation_to_dict(r)
        changes = reformulation.pop("changes")
        for number, change in enumerate(changes, start=1):
            ((action, fields),) = change.items()
            rows.append({
                **view,
                **reformulation,
                "change": number,
                "action": action,
                "code": fields.get("code"),
                "fields": json.dumps(fields, ensure_ascii=False),
            })
    return list(REFORMULATION_COLUMNS), rows


def budget_modifications_rows(ev: Evaluation) -> tuple[list[str], list[dict]]:
    view = _view(ev)
    return list(BUDGET_MODIFICATION_COLUMNS), [{**view, **budget_modification_to_dict(r)} for r in ev.budget_modifications]


REPORT_TABLES: dict[str, Callable[[Evaluation], tuple[list[str], list[dict]]]] = {
    "elements": elements_rows,
    "results": _notes_rows("results"),
    "justifications": _notes_rows("justifications"),
    "reformulations": reformulations_rows,
    "budget_modifications": budget_modifications_rows,
}
JSON_CELLS = {"fields"}  # cells holding a JSON text: their controls escaped the JSON way


# -- dialects ----------------------------------------------------------------------------------


class CsvDialect(NamedTuple):
    """How a CSV is written: the cell separator, the decimal mark of the ledger's numbers, and
    whether the text starts with a UTF-8 byte order mark (which spreadsheets need to read UTF-8)."""

    delimiter: str
    decimal_mark: str
    bom: bool


STANDARD = "standard"
CSV_DIALECTS: dict[str, CsvDialect] = {
    STANDARD: CsvDialect(",", ".", False),  # the contract: the bytes documented in docs/design.md
    "excel": CsvDialect(",", ".", True),
    "excel-es": CsvDialect(";", ",", True),  # a spreadsheet in Spanish: ; between cells, decimal comma
}
BOM = "\ufeff"
_DECIMAL = re.compile(r"-?[0-9]+\.[0-9]+")


def numeric_columns(table: str, columns: list[str]) -> set[str]:
    """The columns of a report table (`REPORT_TABLES`) whose cells are numbers the ledger wrote
    with a decimal point: in ``elements`` the decimal figures and the budget_<SOURCE> columns (those
    after `ELEMENT_COLUMNS`), in ``budget_modifications`` the amount; none in the other tables
    (their numbers are integers, or inside a JSON text)."""
    if table == "elements":
        decimal = {f.name for f in REPORT_ELEMENT_FIGURES if f.decimal}
        return {c for c in ELEMENT_COLUMNS if c in decimal} | set(columns[len(ELEMENT_COLUMNS):])
    if table == "budget_modifications":
        return {"amount"}
    return set()


def report_to_csv(ev: Evaluation, *, raw: bool = False, table: str = "elements", dialect: str = STANDARD) -> str:
    """One table of the report (`REPORT_TABLES`) as CSV, in one of `CSV_DIALECTS`."""
    columns, rows = REPORT_TABLES[table](ev)
    return _write(columns, rows, raw=raw, dialect=dialect, numeric=numeric_columns(table, columns))


def _write(columns: list[str], rows: list[dict], *, raw: bool, dialect: str = STANDARD,
           numeric: Collection[str] = ()) -> str:
    """The CSV text of `rows`: cells neutralised unless `raw`, then written in `dialect`, with
    the decimal mark of its `numeric` columns' numbers."""
    shape = CSV_DIALECTS[dialect]
    buffer = StringIO()
    if shape.bom:
        buffer.write(BOM)
    writer = csv.DictWriter(
        buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n", delimiter=shape.delimiter
    )
    writer.writeheader()  # every column name starts with a letter, budget_<SOURCE> too
    rows = rows if raw else [_neutralised(row) for row in rows]
    if shape.decimal_mark != "." and numeric:
        rows = [_with_decimal_mark(row, numeric, shape.decimal_mark) for row in rows]
    writer.writerows(rows)
    return buffer.getvalue()


def _with_decimal_mark(row: dict, numeric: Collection[str], mark: str) -> dict:
    """The row with `mark` for the decimal point in the numbers of its `numeric` cells (a cell
    there that is not a plain decimal number, such as an empty one, is left as it is)."""
    return {
        key: value.replace(".", mark) if key in numeric and isinstance(value, str) and _DECIMAL.fullmatch(value)
        else value
        for key, value in row.items()
    }


def _neutralised(row: dict) -> dict:
    return {key: csv_cell(json_escape(value) if key in JSON_CELLS else value) for key, value in row.items()}


HISTORY_COLUMNS = ("seq", "recorded_at", "kind", "plan", "date", "reference", "actor", "batch", "initial_load", "data")


def history_to_csv(events: list[dict], *, raw: bool = False, dialect: str = STANDARD) -> str:
    """History rows; the kind-specific fields are one JSON column, ``data`` (neutralised too
    if it ever starts like a formula; a JSON object starts with ``{``). In `dialect` (no column
    holds a decimal number outside the JSON text: only the separator and the BOM change)."""
    shape = CSV_DIALECTS[dialect]
    buffer = StringIO()
    if shape.bom:
        buffer.write(BOM)
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_COLUMNS, lineterminator="\n", delimiter=shape.delimiter)
    writer.writeheader()
    for event in events:
        data = json.dumps(event["data"], ensure_ascii=False)
        if raw:
            writer.writerow({**event, "data": data})
        else:  # the data's controls escaped the JSON way: still JSON, with the same value
            writer.writerow(_neutralised({**event, "data": json_escape(data)}))
    return buffer.getvalue()
