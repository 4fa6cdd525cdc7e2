"""Workbooks for the tests of `poa template` / `poa import` (docs/import.md), built in memory with
openpyxl: the native template filled with a batch's entries as an operator would type them
(numbers as numbers, dates as dates, codes as text), cells found by their headers.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook, load_workbook

from poa.adapters.importing import template

STRUCTURE_SHEETS = {  # list of an approval entry -> its sheet of the template
    "strategic_actions": "Acciones estratégicas",
    "short_term_actions": "Acciones de corto plazo",
    "operations": "Operaciones",
    "tasks": "Tareas",
}
FIELD_HEADERS = {  # field of an element -> its header in the template
    "code": "Código", "title": "Título", "sector_code": "Código sectorial", "weight": "Peso",
}
PARENT_HEADERS = {
    "short_term_actions": "Acción estratégica", "operations": "Acción de corto plazo", "tasks": "Operación",
}
PLAN_ROWS = {"entity": 1, "year": 2, "date": 3, "reference": 4}  # the Plan sheet's rows (value in column B)
FOLLOW_UP = "Seguimiento"


def number(text) -> int | Decimal:
    """A number as an operator types it in a number cell: whole numbers as int, others exact."""
    value = Decimal(str(text))
    return int(value) if value == value.to_integral_value() else value


def headers(ws) -> dict[str, int]:
    return {cell.value: cell.column for cell in ws[1] if cell.value is not None}


def put(ws, row: int, values: dict) -> None:
    """Write `values` (header -> value) in `row`, each under its header."""
    columns = headers(ws)
    for header, value in values.items():
        if value is not None:
            ws.cell(row, columns[header], value)


def empty_template() -> Workbook:
    return load_workbook(BytesIO(template()))


def fill(wb: Workbook, approval: dict | None = None, records=()) -> Workbook:
    """The template `wb` with an approval entry's fields and the records (entries such as
    ``{"progress": {...}}``) of the follow-up sheet, one row each, in order."""
    if approval:
        for name, row in PLAN_ROWS.items():
            value = approval[name]
            wb["Plan"].cell(row, 2, date.fromisoformat(str(value)) if name == "date" else number(value) if name == "year" else value)
        for list_name, sheet in STRUCTURE_SHEETS.items():
            ws = wb[sheet]
            for row, item in enumerate(approval.get(list_name) or [], start=2):
                values = {FIELD_HEADERS[k]: v for k, v in item.items() if k in FIELD_HEADERS}
                if list_name == "short_term_actions":
                    values["Ponderación %"] = number(values.pop("Peso"))
                    for quarter, percent in enumerate(item.get("schedule") or [], start=1):
                        values[f"Programado T{quarter} %"] = number(percent)
                elif "Peso" in values:
                    values["Peso"] = number(values["Peso"])
                if "parent" in item:
                    values[PARENT_HEADERS[list_name]] = item["parent"]
                for source, amount in (item.get("budget") or {}).items():
                    values[source] = number(amount)
                put(ws, row, values)
    ws = wb[FOLLOW_UP]
    for row, entry in enumerate(records, start=2):
        ((kind, f),) = entry.items()
        values = {"Código": f.get("code"), "Fecha de corte": date.fromisoformat(str(f["date"]))}
        if kind == "progress":
            values.update({"Avance %": number(f["percent"]), "Nota": f.get("note")})
        elif kind == "execution":
            values.update({"Ejecutado (Bs)": number(f["amount"]), "Fuente": f.get("source")})
        elif kind == "result":
            values["Resultado"] = f["text"]
        elif kind == "justify":
            values["Justificación"] = f["text"]
        put(ws, row, values)
    return wb


def saved(wb: Workbook) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def opened(data: bytes):
    """A workbook's bytes opened as `poa import` opens a file: values only, read-only."""
    return load_workbook(BytesIO(data), read_only=True, data_only=False)
