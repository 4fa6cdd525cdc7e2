"""The native template (`poa template`; adapters/workbook_template.py), written from the very mapping
`poa import` reads it with (adapters/mappings/template.yaml): the same headers, validations on the
rows below them, the instructions in Spanish, the same bytes every time."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from poa.adapters.importing import template
from poa.adapters.workbook_mapping import template_mapping
from poa.adapters.workbook_template import columns

MAPPING = template_mapping()


def workbook():
    return load_workbook(BytesIO(template()))


def test_the_same_bytes_every_time():
    assert template() == template()


def test_one_sheet_per_table_after_the_instructions():
    assert workbook().sheetnames == [
        "Instrucciones", "Plan", "Acciones estratégicas", "Acciones de corto plazo", "Operaciones", "Tareas", "Seguimiento",
    ]


def test_the_headers_are_the_ones_the_importer_looks_for():
    wb = workbook()
    for table in MAPPING.workbooks[0].tables:
        if table.labels is not None:
            continue
        written = [cell.value for cell in wb[table.sheet][1] if cell.value is not None]
        assert written == [header for header, *_rest in columns(table)], table.sheet
    assert [cell.value for cell in wb["Operaciones"][1]] == ["Código", "Acción de corto plazo", "Título", "Peso", "TGN", "Otros"]
    assert [wb["Plan"].cell(row, 1).value for row in range(1, 5)] == ["Entidad", "Gestión", "Fecha de aprobación", "Referencia de aprobación"]


def test_codes_weights_percentages_amounts_and_dates_are_validated():
    wb = workbook()

    def validation(sheet: str, column: str):
        (found,) = [v for v in wb[sheet].data_validations.dataValidation if str(v.sqref).startswith(f"{column}2:")]
        return found

    code = validation("Acciones de corto plazo", "A")
    assert code.type == "custom" and 'SEARCH(" ",A2)' in code.formula1 and "LEN(A2)<=64" in code.formula1
    weight = validation("Acciones de corto plazo", "D")
    assert (weight.type, weight.operator, weight.formula1, weight.formula2) == ("decimal", "between", "0", "100")
    percent = validation("Seguimiento", "C")
    assert (percent.type, percent.formula1, percent.formula2) == ("decimal", "0", "100")
    amount = validation("Operaciones", "E")
    assert (amount.type, amount.formula1) == ("decimal", "0")
    date = validation("Seguimiento", "B")
    assert date.type == "date"
    assert str(validation("Tareas", "A").sqref) == "A2:A1001"
    assert wb["Tareas"].column_dimensions["A"].number_format == "@"  # a code stays as typed: 1.10 is not 1.1


def test_the_instructions_are_in_spanish_and_say_every_column():
    texts = [cell.value for row in workbook()["Instrucciones"].iter_rows() for cell in row if cell.value]
    joined = "\n".join(texts)
    assert texts[0] == "POA Ledger: plantilla del POA y de su seguimiento trimestral"
    assert "No use fórmulas: una celda con fórmula se rechaza" in joined
    for header in ("Ponderación %", "Acción de corto plazo", "Avance %", "Ejecutado (Bs)", "Justificación", "TGN, Otros"):
        assert header in texts, header
