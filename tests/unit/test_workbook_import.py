"""Mapping files and the reading of workbooks into entries (adapters/workbook_mapping.py,
adapters/workbook_import.py; docs/import.md), on workbooks built in memory with openpyxl.

Every expected figure is worked out by hand in a comment; every refusal names its sheet, row
and column, as the operator sees it."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook

from poa.adapters.importing import origin
from poa.adapters.workbook_import import Place, WorkbookRefused, read_opened
from poa.adapters.workbook_mapping import MappingError, normalized, parse_mapping, template_mapping
from support.workbooks import empty_template, fill, opened, saved

TEMPLATE = template_mapping()


def read(wb: Workbook, mapping=TEMPLATE, name: str = "plan.xlsx"):
    """What `poa import` reads of `wb` (saved and opened as a file is: values only)."""
    return read_opened([(name, opened(saved(wb)))], mapping)


def refusal(wb: Workbook, mapping=TEMPLATE) -> str:
    with pytest.raises(WorkbookRefused) as refused:
        read(wb, mapping)
    return str(refused.value)


def mapping(text: str):
    from poa.adapters.batch_files import parse_text

    return parse_mapping(parse_text(text, "m.yaml", json_format=False), "m.yaml")


APPROVAL = {
    "entity": "Entidad", "year": "2025", "date": "2025-01-06", "reference": "RA 1/2025",
    "strategic_actions": [{"code": "1", "title": "AEI uno"}],
    "short_term_actions": [{"code": "1.1", "parent": "1", "title": "ACP", "weight": "100", "schedule": ["10", "40", "70", "100"]}],
    "operations": [{"code": "1.1.1", "parent": "1.1", "title": "Op", "weight": "2", "budget": {"TGN": "1500.5", "Otros": "0"}}],
    "tasks": [{"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea"}],
}


# -- the template's own mapping ---------------------------------------------------------------------


def test_the_template_reads_back_as_the_entries_typed_in():
    wb = fill(empty_template(), APPROVAL, [
        {"progress": {"code": "1.1.1.1", "percent": "45.5", "date": "2025-03-31", "note": "bien"}},
        {"execution": {"code": "1.1.1", "amount": "700", "date": "2025-03-31", "source": "TGN"}},
        {"justify": {"date": "2025-03-31", "text": "Institucional"}},
    ])
    reading = read(wb)
    assert reading.warnings == ()
    assert reading.entries == (
        {"approve": {
            "entity": "Entidad", "year": "2025", "date": "2025-01-06", "reference": "RA 1/2025",
            "strategic_actions": [{"code": "1", "title": "AEI uno"}],
            "short_term_actions": [
                {"code": "1.1", "parent": "1", "title": "ACP", "weight": "100", "schedule": ["10", "40", "70", "100"]}
            ],
            # the source columns of the template: TGN 1500.5 and Otros 0 (a 0 typed is a line of 0; a blank, none)
            "operations": [{"code": "1.1.1", "parent": "1.1", "title": "Op", "weight": "2", "budget": {"TGN": "1500.5", "Otros": "0"}}],
            "tasks": [{"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea"}],
        }},
        {"progress": {"code": "1.1.1.1", "date": "2025-03-31", "percent": "45.5", "note": "bien"}},
        {"execution": {"code": "1.1.1", "date": "2025-03-31", "amount": "700", "source": "TGN"}},
        {"justify": {"date": "2025-03-31", "text": "Institucional"}},  # no code: the plan as a whole
    )
    assert reading.approves


def test_every_field_of_every_entry_knows_its_cell():
    reading = read(fill(empty_template(), APPROVAL, [{"progress": {"code": "1.1.1.1", "percent": "5", "date": "2025-03-31"}}]))
    origins = reading.origins
    assert str(origins[(1, "operations[1].budget.TGN")]) == "plan.xlsx: sheet 'Operaciones', row 2, column E (TGN)"
    assert str(origins[(1, "short_term_actions[1].schedule[3]")]) == (
        "plan.xlsx: sheet 'Acciones de corto plazo', row 2, column G (Programado T3 %)"
    )
    assert str(origins[(1, "tasks[1].parent")]) == "plan.xlsx: sheet 'Tareas', row 2, column B (Operación)"
    assert str(origins[(1, "date")]) == "plan.xlsx: sheet 'Plan', row 3, column B"
    assert str(origins[(2, "percent")]) == "plan.xlsx: sheet 'Seguimiento', row 2, column C (Avance %)"
    # a path the map does not hold is said at its nearest holder: the element, then the entry
    assert str(origin(origins, 1, "operations[1].budget.Otros.x")) == "plan.xlsx: sheet 'Operaciones', row 2, column F (Otros)"
    assert str(origin(origins, 1, "tasks[1].weight")) == "plan.xlsx: sheet 'Tareas', row 2, column D (Peso)"  # left blank
    assert origin(origins, 1, None) == "plan.xlsx"  # the approval as a whole: the workbook


def test_a_sheet_and_its_columns_are_found_by_name_whatever_the_order_and_accents():
    wb = fill(empty_template(), APPROVAL)
    ws = wb["Tareas"]
    ws.move_range("A1:D2", cols=3)  # the columns moved right, so "Código" is now column D
    wb["Acciones estratégicas"].title = "ACCIONES ESTRATEGICAS"
    reading = read(wb)
    assert reading.entries[0]["approve"]["tasks"] == [{"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea"}]
    assert reading.entries[0]["approve"]["strategic_actions"] == [{"code": "1", "title": "AEI uno"}]
    assert str(reading.origins[(1, "tasks[1].code")]) == "plan.xlsx: sheet 'Tareas', row 2, column D (Código)"


def test_an_empty_template_holds_nothing_and_a_follow_up_only_workbook_approves_nothing():
    assert read(empty_template()).entries == ()
    reading = read(fill(empty_template(), None, [{"result": {"code": "1.1", "date": "2025-06-30", "text": "Hecho"}}]))
    assert reading.entries == ({"result": {"code": "1.1", "date": "2025-06-30", "text": "Hecho"}},)
    assert not reading.approves


def test_a_follow_up_row_with_nothing_to_record_is_warned_about():
    wb = empty_template()
    wb["Seguimiento"].cell(2, 1, "1.1")
    wb["Seguimiento"].cell(2, 2, date(2025, 6, 30))
    assert read(wb).warnings == ("plan.xlsx: sheet 'Seguimiento', row 2: nothing is read from this row",)


# -- malformed workbooks: refused at their cell ------------------------------------------------------


def test_a_formula_is_refused_never_evaluated():
    wb = fill(empty_template(), APPROVAL)
    wb["Operaciones"]["E2"] = "=1000+500.5"
    assert refusal(wb) == (
        "plan.xlsx: sheet 'Operaciones', row 2, column E: holds a formula ('=1000+500.5'): formulas are not read; "
        "paste the values instead"
    )


def test_a_code_typed_as_a_number_is_refused():
    wb = fill(empty_template(), APPROVAL)
    wb["Tareas"]["A2"] = 1.1  # Excel would show 1.1 for 1.10 too
    assert refusal(wb).startswith(
        "plan.xlsx: sheet 'Tareas', row 2, column A (Código): holds the number 1.1, not a code written as text"
    )


def test_a_number_written_as_text_is_refused_by_the_template():
    wb = fill(empty_template(), APPROVAL)
    wb["Operaciones"]["E2"] = "129,813.00 "
    assert refusal(wb) == (
        "plan.xlsx: sheet 'Operaciones', row 2, column E (TGN): holds the text '129,813.00 ', not a number: "
        "type the number in a number cell, without thousands separators"
    )


def test_a_date_typed_as_a_number_and_true_false_are_wrong_types():
    wb = fill(empty_template(), None, [{"progress": {"code": "1", "percent": "5", "date": "2025-03-31"}}])
    wb["Seguimiento"]["B2"] = 45747
    wb["Seguimiento"]["B2"].number_format = "General"  # a date format would make it the date it counts the days of
    assert refusal(wb) == "plan.xlsx: sheet 'Seguimiento', row 2, column B (Fecha de corte): holds the number 45747, not a date (YYYY-MM-DD)"
    wb["Seguimiento"]["B2"] = date(2025, 3, 31)
    wb["Seguimiento"]["C2"] = True
    assert refusal(wb) == "plan.xlsx: sheet 'Seguimiento', row 2, column C (Avance %): holds true/false, not a number"


def test_a_duplicate_code_names_both_places():
    approval = dict(APPROVAL, tasks=[*APPROVAL["tasks"], {"code": "1.1.1.1", "parent": "1.1.1", "title": "Otra"}])
    assert refusal(fill(empty_template(), approval)) == (
        "plan.xlsx: sheet 'Tareas', row 3, column A (Código): duplicate code 1.1.1.1: already read at "
        "plan.xlsx: sheet 'Tareas', row 2, column A (Código)"
    )


def test_a_missing_sheet_or_column_and_a_blank_code_are_refused():
    wb = fill(empty_template(), APPROVAL)
    del wb["Tareas"]
    assert refusal(wb).startswith("plan.xlsx: no sheet 'Tareas' (sheets: 'Instrucciones', 'Plan',")
    wb = fill(empty_template(), APPROVAL)
    wb["Operaciones"]["C1"] = "Descripción"
    assert refusal(wb) == "plan.xlsx: sheet 'Operaciones', row 2: no column headed 'Título'"
    wb = fill(empty_template(), APPROVAL)
    wb["Operaciones"]["A2"] = None
    assert refusal(wb) == "plan.xlsx: sheet 'Operaciones', row 2, column A (Código): the code is blank"


def test_a_negative_budget_is_refused_at_its_cell():
    wb = fill(empty_template(), APPROVAL)
    wb["Operaciones"]["F2"] = -5
    assert refusal(wb) == "plan.xlsx: sheet 'Operaciones', row 2, column F (Otros): must be at least 0, got '-5'"


# -- mappings ---------------------------------------------------------------------------------------


FORM = """
poa_import: 1
numbers: "1,234.56"
lookups:
  units: {Oficina Central: OC}
workbooks:
  - name: Formulario
    tables:
      - sheet: 1
        header_row: 2
        levels:
          - kind: strategic_action
            each: {column: A, separator: " | "}
            repeats: same
            code: {column: A, pattern: '^([0-9.]*[0-9])'}
            title: {column: A, pattern: '-(.*)$', replace: {"<br>": ","}}
          - kind: short_term_action
            values:
              poa: {column: B, split: " | ", several: warn, pattern: '^([0-9.]*[0-9])'}
              unit: {column: D, lookup: units}
            code: {format: "{poa}-{unit}"}
            title: {column: B, split: " | ", pattern: '-(.*)$'}
            weight: C
            declared_budget: E
  - name: Detalle
    tables:
      - sheet: Hoja
        blocks:
          start: {column: A, equals: FORM}
          labels: {label: A, value: C}
          header: {column: A, equals: Código}
          end: {column: A, starts_with: TOTAL GENERAL}
          end_total: E
        skip: [{column: A, text: true, blank_columns: "B:E"}]
        totals: [{when: {column: A, equals: TOTAL}, level: operation, column: E}]
        levels:
          - kind: short_term_action
            from: head
            repeats: same
            values:
              poa: {head: CÓDIGO POA, pattern: '^([0-9.]*[0-9])'}
              unit: {head: Unidad, lookup: units}
            code: {format: "{poa}-{unit}"}
            weight: {head: Ponderación}
            declared_budget: {head: Presupuesto}
          - kind: operation
            when: A
            values:
              op: {column: B, pattern: '^([0-9]+\\.[0-9]+)\\.[0-9]+$', else: {column: A}}
            code: {format: "{short_term_action}.{op}"}
            title: {const: Operación}
          - kind: task
            when: B
            values:
              number: {column: B, pattern: '^[0-9]+\\.[0-9]+\\.([0-9]+)$', else: {ordinal: true}}
            code: {format: "{operation}.{number}"}
            title: C
          - kind: budget_line
            when: D
            budget: {Internos: D, Externos: E}
"""


def form_workbooks():
    """A two-row Formulario and a Detalle of one block: the shapes of the ASUSS forms, in small."""
    f4 = Workbook()
    ws = f4.active
    ws.append(["FORMULARIO"])
    ws.append(["PEI", "POA", "Pond", "Unidad", "Presupuesto"])
    ws.append(["6.1.-UNO<br> Y DOS | 6.2.-OTRO", "1.1.-ACP | 2.2.-B", 40, "OFICINA  central", "1,000.00"])
    d = Workbook()
    ws = d.active
    ws.title = "Hoja"
    for row in (
        ["FORM"],
        ["CÓDIGO POA", None, "1.1.-ACP"],
        ["UNIDAD", None, "Oficina Central"],
        ["Ponderación", None, "40.00 "],
        ["Presupuesto", None, "1,000.00 "],
        ["Código", "Tarea", "Título", "Internos", "Externos"],
        [4.1, "4.10.1", "T uno", "600.50 ", None],  # 4.10 stored as the number 4.1: the task code says 4.10
        [None, None, None, "100", "50"],  # a second line of the same task
        ["TOTAL", None, None, None, "751.00"],  # 600.50 + 100 + 50 = 750.50, not 751
        ["ÁREA LEGAL"],  # a sub-area's name: skipped
        [4.2, 4.2, "T sin número", "300", None],  # a task code without its number: its position, 1
        ["TOTAL", None, None, None, 300],
        ["TOTAL GENERAL", None, None, None, "1,050.50"],  # 750.50 + 300 = 1,050.50: agrees
    ):
        ws.append(row)
    return f4, d


def read_form(f4: Workbook, d: Workbook):
    return read_opened([("f4.xlsx", opened(saved(f4))), ("f5.xlsx", opened(saved(d)))], mapping(FORM))


def test_a_foreign_layout_is_read_through_its_mapping():
    reading = read_form(*form_workbooks())
    approval = reading.entries[0]["approve"]
    assert approval["strategic_actions"] == [{"code": "6.1", "title": "UNO, Y DOS"}, {"code": "6.2", "title": "OTRO"}]
    # the ACP: under the row's first PEI code, coded by its first POA code and the unit's initials
    assert approval["short_term_actions"] == [{"code": "1.1-OC", "parent": "6.1", "title": "ACP", "weight": "40"}]
    assert approval["operations"] == [
        # 600.50 + 100 internal, 50 external
        {"code": "1.1-OC.4.10", "parent": "1.1-OC", "title": "Operación", "budget": {"Internos": "700.50", "Externos": "50"}},
        {"code": "1.1-OC.4.2", "parent": "1.1-OC", "title": "Operación", "budget": {"Internos": "300"}},
    ]
    assert approval["tasks"] == [
        {"code": "1.1-OC.4.10.1", "parent": "1.1-OC.4.10", "title": "T uno"},
        {"code": "1.1-OC.4.2.1", "parent": "1.1-OC.4.2", "title": "T sin número"},
    ]
    assert reading.warnings == (
        "f4.xlsx: sheet 'Sheet', row 3, column B (POA): lists 2 values (1.1, 2.2); the first is read",
        "f5.xlsx: sheet 'Hoja', row 9, column E: declares a total of 751.00 for 1.1-OC.4.10, but the budget lines above it "
        "sum to 750.50",
        # declared 1,000 in both forms (said once); the lines: 750.50 + 300 = 1,050.50
        "f4.xlsx: sheet 'Sheet', row 3, column E (Presupuesto): declares a budget of 1,000.00 for 1.1-OC, but its 3 budget lines sum to "
        "1,050.50 (f5.xlsx: sheet 'Hoja', rows 7–11)",
        "the short-term actions' declared budgets sum to 1,000.00 (f4.xlsx: sheet 'Sheet', column E), but the operations' "
        "budget lines to 1,050.50: the plan's budget is the lines'",
    )


def test_two_forms_that_give_an_element_different_figures_are_warned_about_and_the_first_is_kept():
    f4, d = form_workbooks()
    d.active["C4"] = "55.00"
    d.active["C5"] = "1,100.00"
    reading = read_form(f4, d)
    assert reading.entries[0]["approve"]["short_term_actions"][0]["weight"] == "40"
    assert (
        "1.1-OC: weight is 40 at f4.xlsx: sheet 'Sheet', row 3, column C (Pond) but 55.00 at f5.xlsx: sheet 'Hoja', row 4, "
        "column C; the first is kept"
    ) in reading.warnings
    # both declared budgets are said, each against the lines (750.50 + 300 = 1,050.50)
    assert [w for w in reading.warnings if "declares a budget" in w] == [
        "f4.xlsx: sheet 'Sheet', row 3, column E (Presupuesto): declares a budget of 1,000.00 for 1.1-OC, but its 3 budget "
        "lines sum to 1,050.50 (f5.xlsx: sheet 'Hoja', rows 7–11)",
        "f5.xlsx: sheet 'Hoja', row 5, column C: declares a budget of 1,100.00 for 1.1-OC, but its 3 budget lines sum to "
        "1,050.50 (f5.xlsx: sheet 'Hoja', rows 7–11)",
    ]


def test_a_foreign_layout_refuses_what_its_mapping_does_not_allow():
    f4, d = form_workbooks()
    d.active["D7"] = "600,50"  # a decimal comma where the mapping says 1,234.56
    with pytest.raises(WorkbookRefused) as refused:
        read_form(f4, d)
    assert str(refused.value) == "f5.xlsx: sheet 'Hoja', row 7, column D (Internos): '600,50' is not a number written 1,234.56"
    f4, d = form_workbooks()
    f4.active["D3"] = "Oficina Norte"
    with pytest.raises(WorkbookRefused) as refused:
        read_form(f4, d)
    assert str(refused.value) == (
        "f4.xlsx: sheet 'Sheet', row 3, column D (Unidad): 'Oficina Norte' is not in the mapping's lookup 'units': add it there"
    )


@pytest.mark.parametrize(
    "change, said",
    [
        ({"poa_import": "2"}, "m.yaml: field 'poa_import': this program reads mappings of version 1, got '2'"),
        ({"colour": "red"}, "m.yaml: field 'colour': unknown key (expected one of: poa_import, name, title, help, plan, numbers, lookups, workbooks)"),
        ({"numbers": "1 234,56"}, "m.yaml: field 'numbers': must be one of cells, 1,234.56, 1.234,56, got '1 234,56'"),
    ],
)
def test_a_mapping_is_checked_key_by_key(change, said):
    data = {"poa_import": "1", "workbooks": [{"tables": [{"sheet": "S", "header_row": "1", "levels": [
        {"kind": "strategic_action", "code": "A", "title": "B"}]}]}]}
    with pytest.raises(MappingError) as refused:
        parse_mapping({**data, **change}, "m.yaml")
    assert str(refused.value) == said


@pytest.mark.parametrize(
    "level, said",
    [
        ({"kind": "strategic_action", "code": "A1", "title": "B"},
         "field 'workbooks[1].tables[1].levels[1].code': must be a mapping, got 'A1'"),
        ({"kind": "strategic_action", "code": {"column": "A", "pattern": "(["}, "title": "B"},
         "field 'workbooks[1].tables[1].levels[1].code.pattern': is not a valid regular expression"),
        ({"kind": "strategic_action", "code": {"column": "A", "pattern": "[0-9]+"}, "title": "B"},
         "field 'workbooks[1].tables[1].levels[1].code.pattern': must have a group, (...), around the value to take"),
        ({"kind": "strategic_action", "code": {"column": "A", "lookup": "units"}, "title": "B"},
         "field 'workbooks[1].tables[1].levels[1].code.lookup': no lookup named 'units' (lookups: none)"),
        ({"kind": "strategic_action", "code": {"format": "{poa}"}, "title": "B"},
         "field 'workbooks[1].tables[1].levels[1].code.format': names 'poa', which is none of: row"),
        ({"kind": "strategic_action", "code": {"column": "A", "header": "Código"}, "title": "B"},
         "field 'workbooks[1].tables[1].levels[1].code': must read its value from exactly one of: column, header, head, const, format, ordinal"),
        ({"kind": "strategic_action", "title": "B"}, "field 'workbooks[1].tables[1].levels[1].code': is required"),
        ({"kind": "operation", "code": "A", "title": "B"},
         "field 'workbooks[1].tables[1].levels[1]': a level of kind operation needs a parent: a parent field, or a level "
         "of kind short_term_action before it"),
        ({"kind": "aei", "code": "A", "title": "B"}, "field 'workbooks[1].tables[1].levels[1].kind': must be one of plan,"),
        ({"kind": "strategic_action", "code": "A", "title": "B", "from": "head"},
         "field 'workbooks[1].tables[1].levels[1].from': there is no head here"),
    ],
)
def test_a_level_is_checked_and_its_key_named(level, said):
    data = {"poa_import": "1", "workbooks": [{"tables": [{"sheet": "S", "header_row": "1", "levels": [level]}]}]}
    with pytest.raises(MappingError) as refused:
        parse_mapping(data, "m.yaml")
    assert str(refused.value).startswith(f"m.yaml: {said}")


def test_labels_are_compared_without_accents_case_or_extra_spaces():
    assert normalized("  CÓDIGO   Operación(1) ") == normalized("codigo operacion(1)") == "codigo operacion(1)"


def test_a_place_says_sheet_row_and_column():
    assert str(Place("f.xlsx", "Hoja", 7, 4, "Monto")) == "f.xlsx: sheet 'Hoja', row 7, column D (Monto)"
    assert str(Place("f.xlsx", "Hoja", 7)) == "f.xlsx: sheet 'Hoja', row 7"
