"""The native template's workbook (`poa template`, docs/import.md), written from its mapping.

`template_bytes(mapping)` writes, for the first workbook of a mapping of tables with a header
row or of label/value rows (the built-in `mappings/template.yaml`): an "Instrucciones" sheet in
Spanish (the mapping's title and help, each sheet's help and each column's), then one sheet per
table with its header row — the very headers `poa import` looks for — and, on the rows below, the
data validations of each column's field: codes (text without spaces, at most 64 characters),
weights and percentages (decimals 0–100), amounts (decimals ≥ 0), dates, years; code and text
columns are formatted as text, so that Excel keeps ``1.10`` as written. The same mapping always
gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from poa.domain.values import CODE_MAX

from .workbook_mapping import FIELD_TYPES, Level, Mapping, Spec, Table
from .xlsx_bytes import GENERATOR, workbook_bytes

ROWS = 1000  # rows below the header that carry the validations
FIXED_TIME = datetime(2024, 1, 1)  # the workbook's created/modified: fixed, so that the bytes are
INSTRUCTIONS = "Instrucciones"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
WRAP = Alignment(wrap_text=True, vertical="top")
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
NUMBER_FORMAT = "#,##0.00"

# the validation of each type of field: (type, operator, formula1, formula2, error shown, prompt's title)
VALIDATIONS = {
    "code": ("custom", None, 'AND(LEN({cell})<={max},ISERROR(SEARCH(" ",{cell})))', None,
             "Un código es un texto sin espacios de hasta 64 caracteres, por ejemplo 1.1.2."),
    "weight": ("decimal", "between", "0", "100", "Escriba un número de 0 a 100."),
    "relative_weight": ("decimal", "between", "0", "1000000", "Escriba un número de 0 a 1.000.000."),
    "percent": ("decimal", "between", "0", "100", "Escriba un porcentaje de 0 a 100."),
    "amount": ("decimal", "between", "0", "999999999999999.99", "Escriba un monto en bolivianos, 0 o más, con hasta 2 decimales."),
    "date": ("date", "between", "DATE(1900,1,1)", "DATE(2200,12,31)", "Escriba una fecha (AAAA-MM-DD)."),
    "year": ("whole", "between", "1900", "2200", "Escriba un año, por ejemplo 2024."),
}


def template_bytes(mapping: Mapping) -> bytes:
    """The workbook of the mapping's first workbook: instructions, then one sheet per table."""
    wb = Workbook()
    wb.remove(wb.active)
    tables = mapping.workbooks[0].tables
    _instructions(wb.create_sheet(INSTRUCTIONS), mapping, tables)
    for table in tables:
        ws = wb.create_sheet(str(table.sheet))
        if table.labels is not None:
            _form(ws, table)
        else:
            _table(ws, table)
    wb.properties.title = mapping.title
    wb.properties.lastModifiedBy = GENERATOR
    return workbook_bytes(wb, FIXED_TIME)


# -- what a table's columns are -----------------------------------------------------------------------


def columns(table: Table) -> list[tuple[str, str, Spec | None, Level]]:
    """A header-row table's columns, in the mapping's order: (header, field type, spec, level), each
    header once; then the budget's template source columns."""
    found: dict[str, tuple[str, str, Spec | None, Level]] = {}
    budgets = []
    for level in table.levels:
        specs = [(name, spec) for name, spec in level.fields]
        specs += [("percent", spec) for spec in level.schedule]
        if level.when is not None:
            specs.append(("when", level.when))
        for name, spec in specs:
            if spec.header is None or spec.header in found:
                continue
            kind = FIELD_TYPES.get(name, "text")
            if name == "weight" and level.kind != "short_term_action":
                kind = "relative_weight"
            found[spec.header] = (spec.header, kind, spec, level)
        if level.budget is not None and level.budget.sources_after is not None:
            budgets += [(source, "amount", None, level) for source in level.budget.template_columns]
    return list(found.values()) + budgets


# -- sheets ---------------------------------------------------------------------------------------------------


def _instructions(ws: Worksheet, mapping: Mapping, tables) -> None:
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    row = 1
    ws.cell(row, 1, mapping.title or mapping.name or "POA Ledger").font = TITLE
    row += 2
    for paragraph in (mapping.help or "").strip().split("\n\n"):
        if paragraph.strip():
            cell = ws.cell(row, 1, " ".join(paragraph.split()))
            cell.alignment = WRAP
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.row_dimensions[row].height = 15 * max(1, len(paragraph) // 110 + 1)
            row += 1
    for table in tables:
        row += 1
        ws.cell(row, 1, f"Hoja «{table.sheet}»" + (f": {table.title}" if table.title else "")).font = BOLD
        row += 1
        if table.help:
            cell = ws.cell(row, 1, " ".join(table.help.split()))
            cell.alignment = WRAP
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.row_dimensions[row].height = 15 * max(1, len(table.help) // 110 + 1)
            row += 1
        for header, help_ in _documented(table):
            ws.cell(row, 1, header).font = BOLD
            cell = ws.cell(row, 2, help_)
            cell.alignment = WRAP
            row += 1


def _documented(table: Table) -> list[tuple[str, str]]:
    """Each column (or label) of a table with its help."""
    if table.labels is not None:
        return [(spec.head, spec.help or "") for level in table.levels for _name, spec in level.fields if spec.head]
    said = [(header, spec.help or "") for header, _kind, spec, _level in columns(table) if spec is not None]
    for level in table.levels:
        if level.budget is not None and level.budget.sources_after is not None and level.budget.help:
            said.append((", ".join(level.budget.template_columns) or "…", level.budget.help))
    return said


def _form(ws: Worksheet, table: Table) -> None:
    """A sheet of label/value rows: the label, the value to fill in (validated), the help."""
    label, value = table.labels.label, table.labels.value
    ws.column_dimensions[get_column_letter(label)].width = 28
    ws.column_dimensions[get_column_letter(value)].width = 40
    ws.column_dimensions[get_column_letter(value + 1)].width = 80
    row = 1
    for level in table.levels:
        for name, spec in level.fields:
            if spec.head is None:
                continue
            ws.cell(row, label, spec.head).font = BOLD
            cell = ws.cell(row, value)
            _validate(ws, FIELD_TYPES.get(name, "text"), f"{get_column_letter(value)}{row}", spec, cell)
            if spec.help:
                ws.cell(row, value + 1, spec.help).alignment = WRAP
            row += 1


def _table(ws: Worksheet, table: Table) -> None:
    """A sheet with its header row and the validations of the rows below."""
    header_row = table.header_row or 1
    first = (table.data_start or header_row + table.header_rows)
    for column, (header, kind, spec, _level) in enumerate(columns(table), start=1):
        cell = ws.cell(header_row, column, header)
        cell.font, cell.fill = BOLD, HEADER_FILL
        letter = get_column_letter(column)
        width = spec.width if spec is not None and spec.width else (50 if kind == "text" and header.lower().startswith(("tít", "tit")) else 16)
        ws.column_dimensions[letter].width = width
        _validate(ws, kind, f"{letter}{first}:{letter}{first + ROWS - 1}", spec, None)
        number_format = {"code": TEXT_FORMAT, "text": TEXT_FORMAT, "date": DATE_FORMAT, "amount": NUMBER_FORMAT}.get(kind)
        if number_format:
            ws.column_dimensions[letter].number_format = number_format
    ws.freeze_panes = ws.cell(first, 1)


def _validate(ws: Worksheet, kind: str, cells: str, spec: Spec | None, cell) -> None:
    """The data validation of a field's cells (`cells`: a range), and the text format of codes and texts."""
    if cell is not None:
        cell.number_format = {"code": TEXT_FORMAT, "text": TEXT_FORMAT, "date": DATE_FORMAT}.get(kind, "General")
    rule = VALIDATIONS.get(kind)
    if rule is None:
        return
    type_, operator, formula1, formula2, error = rule
    first_cell = cells.split(":")[0]
    validation = DataValidation(
        type=type_,
        operator=operator,
        formula1=formula1.format(cell=first_cell, max=CODE_MAX),
        formula2=formula2,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Valor no válido",
        error=error,
        showInputMessage=spec is not None and spec.help is not None,
        promptTitle=(spec.header or spec.head or "")[:32] if spec is not None else None,
        prompt=(spec.help or "")[:255] if spec is not None else None,
    )
    validation.add(cells)
    ws.add_data_validation(validation)
