"""`poa report --format xlsx` (adapters/report_xlsx.py) on evaluations folded in memory.

Every figure in the workbook is checked against the JSON report of the same evaluation
(`evaluation_to_dict`), cell by cell as Decimal: the workbook adds no arithmetic of its own.
The scenario is the worked example (tests/support/worked_example.py) at 2021-09-30: a
cancelled operation and short-term action, two reformulations, three budget modifications,
every efficiency band; and at 2021-02-15, before anything is programmed (no efficiency).
"""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import openpyxl
import pytest

from poa.adapters.report_json import evaluation_to_dict
from poa.adapters.report_xlsx import HEADER_ROW, to_xlsx
from poa.domain.catalogue import BAND_COLOURS, BAND_LABELS, FIGURE, RESULTS_TABLE, use_language
from poa.domain.facts import Recorded
from poa.domain.fact_kinds import parse_entry
from poa.projections.evaluation import evaluate
from support.hostile_text import AS_OF, KNOWN_AT, PLAN as HOSTILE_PLAN, assert_no_raw_control, hostile_facts
from support.worked_example import APPROVAL, PLAN, in_memory

SPANISH_SHEETS = [
    "Informe", "Cuadro 1", "Cuadro 2", "Cuadro 3", "Cuadro 4", "Advertencias", "Reformulaciones",
    "Modificaciones presupuestarias", "Datos",
]
ENGLISH_SHEETS = [
    "Report", "Table 1", "Table 2", "Table 3", "Table 4", "Warnings", "Reformulations", "Budget modifications", "Data",
]
# Cuadro 3's columns, as the JSON keys of a short-term action (the total row: the summary's, `PLAN_KEYS`)
RESULT_KEYS = [
    "weight", "code", "title", "budget_current", "budget_executed", "budget_execution_pct", "progress_pct",
    "programmed_pct", "deviation_pts", "physical_efficacy_pct", "efficiency_pct", "efficiency_band",
    "relative_efficiency",
]
PLAN_KEYS = {"weight": "weights_total", "progress_pct": "physical_progress_pct"}
DATA_COLUMNS = [
    "plan", "as_of", "known_at", "level", "code", "parent", "title", "status", "sector_code", "weight",
    "progress_pct", "programmed_pct", "deviation_pts", "budget_current", "budget_executed", "budget_execution_pct",
    "physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency", "budget_TGN", "budget_Otros",
]
TEXT_KEYS = {"plan", "as_of", "known_at", "level", "code", "parent", "title", "status", "sector_code", "efficiency_band"}
# Cuadro 2 of the worked example at 09-30: every AEI, ACP and operation (tasks left out), by hand from its structure
BREAKDOWN = [
    ("1", 0), ("1.1", 1), ("1.1.1", 2), ("1.1.2", 2), ("1.2", 1), ("1.2.1", 2), ("1.2.2", 2), ("1.2.3", 2),
    ("2", 0), ("2.1", 1), ("2.1.1", 2), ("2.1.2", 2), ("2.2", 1), ("2.2.1", 2),
]
CANCELLED = {"1.2.2", "2.2", "2.2.1"}  # R2 of 08-16 cancels 1.2.2 and 2.2 (with its operation)


@pytest.fixture(scope="module")
def scenario():
    return in_memory()


@pytest.fixture(scope="module")
def q3(scenario):
    return scenario.at("2021-09-30")


def workbook(ev, language: str = "es") -> openpyxl.Workbook:
    with use_language(language):
        return openpyxl.load_workbook(io.BytesIO(to_xlsx(ev)))


def number(cell) -> Decimal | None:
    """A numeric cell as an exact decimal (openpyxl reads "73.33" as the float nearest it)."""
    if cell.value is None:
        return None
    assert cell.data_type == "n", (cell.coordinate, cell.value)
    return Decimal(str(cell.value))


def rows_from(ws, top: int) -> list[tuple]:
    return [row for row in ws.iter_rows(min_row=top) if any(c.value is not None for c in row)]


def elements_by_code(report: dict) -> dict[str, dict]:
    return {e["code"]: e for kind in ("strategic_actions", "short_term_actions", "operations", "tasks") for e in report[kind]}


# -- sheets and labels ------------------------------------------------------------------------


def test_sheets_and_headers_in_spanish_and_in_english(scenario):
    with use_language("en"):
        english = scenario.at("2021-09-30")  # its warnings are written in the language of the fold
    spanish_book, english_book = workbook(scenario.at("2021-09-30")), workbook(english, "en")
    assert spanish_book.sheetnames == SPANISH_SHEETS
    assert english_book.sheetnames == ENGLISH_SHEETS
    efficiency = ["physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency"]
    for book, lang in ((spanish_book, "es"), (english_book, "en")):
        results = [c.value for c in book.worksheets[3][HEADER_ROW]]
        assert results == [getattr(h, lang) for h in RESULTS_TABLE.headers] + [
            getattr(FIGURE[name].label, lang) for name in efficiency
        ]
        assert [c.value for c in book.worksheets[-1][1]] == DATA_COLUMNS  # the JSON keys, in every language
    assert [c.value for c in spanish_book["Cuadro 4"][HEADER_ROW]] == [
        "Trimestre", "Programado", "Resultado", "Desviación", "Justificación",
    ]
    assert [c.value for c in english_book["Table 4"][HEADER_ROW]] == [
        "Quarter", "Programmed", "Result", "Deviation", "Justification",
    ]
    assert spanish_book["Cuadro 4"].cell(HEADER_ROW + 1, 1).value == "Tercer trimestre"
    assert english_book["Table 4"].cell(HEADER_ROW + 1, 1).value == "Third quarter"
    assert [c.value for c in spanish_book["Advertencias"][1]] == ["Seq", "Código", "Mensaje"]
    assert [c.value for c in english_book["Warnings"][1]] == ["Seq", "Code", "Message"]
    assert spanish_book["Informe"]["A10"].value == "Generado por"
    assert english_book["Report"]["A10"].value.startswith("Generated by")


def test_no_english_label_in_the_spanish_workbook_nor_spanish_in_the_english_one(scenario):
    """Every text cell of the sheets for people (all but Datos, whose headers and identifiers are the
    JSON's), and every sheet name, is compared with every label of the catalogue and the module
    whose two languages differ."""
    from poa.adapters import report_xlsx
    from poa.domain import catalogue

    labels = set()

    def collect(value) -> None:
        if isinstance(value, catalogue.Label):
            labels.add(value)
        elif isinstance(value, catalogue.Table):
            collect(value.title)
            for h in value.headers:
                collect(h)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, (tuple, list)):
            for v in value:
                collect(v)
        elif isinstance(value, catalogue.Figure):
            collect(value.label)

    for module in (catalogue, report_xlsx):
        for value in vars(module).values():
            collect(value)
    differing = [label for label in labels if label.es != label.en and "{" not in label.es]
    with use_language("en"):
        english = scenario.at("2021-09-30")
    for book, other in ((workbook(scenario.at("2021-09-30")), "en"), (workbook(english, "en"), "es")):
        foreign = {getattr(label, other) for label in differing}
        texts = set(book.sheetnames)
        for ws in book.worksheets[:-1]:
            texts |= {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        assert not texts & foreign, (other, texts & foreign)


# -- figures ---------------------------------------------------------------------------------------


def test_every_figure_of_cuadro_3_is_the_json_figure(q3):
    report = evaluation_to_dict(q3)
    acps = {a["code"]: a for a in report["short_term_actions"]}
    ws = workbook(q3)["Cuadro 3"]
    assert [c.value for c in ws[HEADER_ROW]][:len(RESULTS_TABLE.headers)] == [h.es for h in RESULTS_TABLE.headers]
    *rows, total = rows_from(ws, HEADER_ROW + 1)
    assert [row[1].value for row in rows] == list(acps)
    for row in rows:
        expected = acps[row[1].value]
        check_results_row(row, expected, lambda key: key)
        assert row[2].value.startswith(expected["title"])
    check_results_row(total, report["summary"], lambda key: PLAN_KEYS.get(key, key))
    assert (total[1].value, total[2].value) == (None, "Total")
    # the plan as a whole: what its figures are by the rules, from the JSON's own rounded inputs
    s = report["summary"]
    assert Decimal(s["deviation_pts"]) == Decimal(s["programmed_pct"]) - Decimal(s["physical_progress_pct"])
    assert number(total[3]) == sum((Decimal(a["budget_current"]) for a in acps.values()), Decimal(0))


def check_results_row(row, expected: dict, key_of) -> None:
    for cell, key in zip(row, RESULT_KEYS, strict=True):
        value = expected.get(key_of(key))
        if key == "efficiency_band":
            assert cell.value == (BAND_LABELS[value].es if value else "sin meta")
            if value:
                assert cell.fill.fgColor.rgb.endswith(BAND_COLOURS[value].lstrip("#").upper())
        elif key in ("code", "title"):
            continue
        elif value is None:
            assert cell.value is None, (cell.coordinate, key)
        else:
            assert number(cell) == Decimal(value), (cell.coordinate, key)


def test_every_band_of_the_scenario_is_filled_with_its_colour(q3):
    ws = workbook(q3)["Cuadro 3"]
    band = RESULT_KEYS.index("efficiency_band") + 1
    filled = {ws.cell(r, band).value: ws.cell(r, band).fill.fgColor.rgb for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    graded = {BAND_LABELS[b].es: "00" + c.lstrip("#").upper() for b, c in BAND_COLOURS.items() if b != "inefficient"}
    assert filled == {**graded, "sin meta": "00000000"}  # 2.2 is cancelled: not graded, not filled


def test_the_datos_sheet_is_the_plan_then_every_element_in_code_order_with_the_json_figures(q3):
    report = evaluation_to_dict(q3)
    elements = elements_by_code(report)
    ws = workbook(q3)["Datos"]
    assert [c.value for c in ws[1]] == DATA_COLUMNS
    rows = list(ws.iter_rows(min_row=2))
    codes = [row[DATA_COLUMNS.index("code")].value for row in rows]
    assert codes == [PLAN, "1", "1.1", "1.1.1", "1.1.1.1", "1.1.1.2", "1.1.2", "1.2", "1.2.1", "1.2.2", "1.2.3",
                     "2", "2.1", "2.1.1", "2.1.2", "2.2", "2.2.1"]
    plan = {column: report["summary"].get(PLAN_KEYS.get(column, column)) for column in DATA_COLUMNS}
    plan.update(title=report["entity"], status="active", level="plan", budget=plan_budget(report))
    for row, code in zip(rows, codes):
        expected = plan if code == PLAN else {**elements[code], "level": level_of(report, code)}
        for cell, column in zip(row, DATA_COLUMNS):
            if column in ("plan", "as_of", "known_at"):
                assert cell.value == report[column]
            elif column == "code":
                continue
            elif column.startswith("budget_") and column not in FIGURE:
                budget = expected.get("budget")
                source = column.removeprefix("budget_")
                assert number(cell) == (None if budget is None else Decimal(budget.get(source, "0"))), (code, column)
            elif column in TEXT_KEYS:
                assert cell.value == expected.get(column) and cell.data_type in ("s", "n"), (code, column)
            else:
                value = expected.get(column)
                assert number(cell) == (None if value is None else Decimal(value)), (code, column)


def plan_budget(report: dict) -> dict:
    """The plan's budget by source: the sum of its strategic actions' (as the JSON gives them)."""
    total: dict[str, Decimal] = {}
    for aei in report["strategic_actions"]:
        for source, amount in aei["budget"].items():
            total[source] = total.get(source, Decimal(0)) + Decimal(amount)
    return {source: str(amount) for source, amount in total.items()}


def level_of(report: dict, code: str) -> str:
    kinds = {"strategic_actions": "strategic_action", "short_term_actions": "short_term_action",
             "operations": "operation", "tasks": "task"}
    return next(level for kind, level in kinds.items() if any(e["code"] == code for e in report[kind]))


def test_cuadro_2_groups_actions_and_operations_by_outline_level_with_their_budget_by_source(q3):
    report = evaluation_to_dict(q3)
    elements = elements_by_code(report)
    ws = workbook(q3)["Cuadro 2"]
    assert [c.value for c in ws[HEADER_ROW]] == ["Código", "Detalle", "N° Op.", "TGN", "Otros", "Total"]
    assert ws.sheet_properties.outlinePr.summaryBelow is False
    *rows, totals = rows_from(ws, HEADER_ROW + 1)
    assert [(row[0].value, ws.row_dimensions[row[0].row].outline_level) for row in rows] == BREAKDOWN
    for row, (code, depth) in zip(rows, BREAKDOWN):
        element = elements[code]
        assert row[0].alignment.indent == depth
        assert row[1].value.startswith(element["title"])
        assert row[1].value.endswith("(cancelada)") == (code in CANCELLED) == row[1].font.i
        for cell, source in zip(row[3:5], ("TGN", "Otros")):
            assert number(cell) == Decimal(element["budget"].get(source, "0"))
        assert number(row[5]) == Decimal(element["budget_current"])
        operations = [o for o in report["operations"] if o["code"].startswith(code + ".")]
        assert row[2].value == (None if depth == 2 else len(operations))
    assert totals[0].value == "Totales" and ws.row_dimensions[totals[0].row].outline_level == 0
    assert totals[2].value == len(report["operations"])
    for cell, source in zip(totals[3:5], ("TGN", "Otros")):
        assert number(cell) == sum((Decimal(o["budget"].get(source, "0")) for o in report["operations"]), Decimal(0))
    assert number(totals[5]) == Decimal(report["summary"]["budget_current"])


def test_cuadros_1_and_4_and_the_lists_hold_the_json_figures(q3):
    report = evaluation_to_dict(q3)
    s = report["summary"]
    book = workbook(q3)
    structure = {row[0].value: row[1] for row in rows_from(book["Cuadro 1"], HEADER_ROW + 1)}
    assert structure["N° de Operaciones"].value == s["operations"] == 6  # 1.2.2 and 2.2.1 are cancelled
    assert number(structure["Presupuesto Vigente (en Bs)"]) == Decimal(s["budget_current"])
    assert structure["N° de Reformulaciones"].value == s["reformulations"] == 2
    (weighted,) = rows_from(book["Cuadro 4"], HEADER_ROW + 1)
    assert [number(c) for c in weighted[1:4]] == [
        Decimal(s["programmed_pct"]), Decimal(s["physical_progress_pct"]), Decimal(s["deviation_pts"]),
    ]
    modifications = rows_from(book["Modificaciones presupuestarias"], 2)
    assert [(r[0].value, r[1].value.date(), r[2].value, r[4].value, r[5].value, number(r[6])) for r in modifications] == [
        (m["seq"], date.fromisoformat(m["date"]), m["reference"], m["code"], m["source"], Decimal(m["amount"]))
        for m in report["budget_modifications"]
    ]
    changes = rows_from(book["Reformulaciones"], 2)
    assert len(changes) == sum(len(r["changes"]) for r in report["reformulations"]) == 7
    assert [(c[2].value, c[4].value, c[5].value) for c in changes if c[4].value == "cancelación"] == [
        ("RD 015/2021", "cancelación", "1.2.2"), ("RD 015/2021", "cancelación", "2.2"),
    ]
    (line,) = [c for c in changes if c[4].value == "línea presupuestaria"]
    assert (line[5].value, line[7].value, number(line[8])) == ("1.2.1", "Otros", Decimal("-10000"))
    warnings = rows_from(book["Advertencias"], 2)
    assert [(w[0].value, w[1].value, w[2].value) for w in warnings] == [
        (w["seq"], w["code"], w["message"]) for w in report["warnings"]
    ]


def test_before_anything_is_programmed_there_is_no_efficiency(scenario):
    ev = scenario.at("2021-02-15")
    book = workbook(ev)
    band = RESULT_KEYS.index("efficiency_band")
    for row in rows_from(book["Cuadro 3"], HEADER_ROW + 1):
        assert row[band].value == "sin meta"
        assert [c.value for c in row[band - 2:band]] == [None, None] and row[band + 1].value is None
    data = book["Datos"]
    for column in ("physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency"):
        assert all(row[0].value is None for row in data.iter_cols(min_col=DATA_COLUMNS.index(column) + 1,
                                                                   max_col=DATA_COLUMNS.index(column) + 1, min_row=2))


# -- form ------------------------------------------------------------------------------------------


def test_frozen_headers_number_formats_and_widths(q3):
    book = workbook(q3)
    for name in ("Cuadro 1", "Cuadro 2", "Cuadro 3", "Cuadro 4"):
        assert book[name].freeze_panes == f"A{HEADER_ROW + 1}"
    for name in ("Advertencias", "Reformulaciones", "Modificaciones presupuestarias", "Datos"):
        assert book[name].freeze_panes == "A2"
    first = HEADER_ROW + 1
    results = book["Cuadro 3"]
    formats = [results.cell(first, c).number_format for c in range(1, len(RESULT_KEYS) + 1)]
    assert formats == [
        "0.00", "General", "General", "#,##0.00", "#,##0.00", '0.00" %"', '0.00" %"', '0.00" %"', "0.00",
        '0.00" %"', '0.00" %"', "General", "0.00",
    ]
    breakdown = book["Cuadro 2"]
    assert [breakdown.cell(first, c).number_format for c in range(3, 7)] == ["0", "#,##0.00", "#,##0.00", "#,##0.00"]
    data = book["Datos"]
    assert data.cell(2, DATA_COLUMNS.index("budget_TGN") + 1).number_format == "#,##0.00"
    assert data.cell(2, DATA_COLUMNS.index("progress_pct") + 1).number_format == '0.00" %"'
    assert book["Reformulaciones"].cell(2, 2).number_format == "yyyy-mm-dd"
    title = results.column_dimensions["C"].width
    assert 10 < title <= 62 and results.column_dimensions["A"].width < title


def test_the_same_evaluation_always_gives_the_same_bytes(q3):
    first = to_xlsx(q3)
    time.sleep(1.1)  # openpyxl stamps the document and the zip entries with the time
    assert to_xlsx(q3) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    known_at = q3.known_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert core.count(known_at) == 2  # created and modified: the view's known_at
    assert to_xlsx(attrs.evolve(q3, known_at=q3.known_at + timedelta(seconds=1))) != first


# -- user text -------------------------------------------------------------------------------------


HYPERLINK = '=HYPERLINK("http://evil.example","clic")'


def test_formula_looking_text_stays_text_and_controls_are_shown_escaped():
    approval = parse_entry(APPROVAL)
    titles = {"1.1.1": HYPERLINK, "1.1.2": "=1+1", "1.2.1": "Campana\x07 fin"}
    elements = tuple(attrs.evolve(e, title=titles.get(e.code, e.title)) for e in approval.elements)
    history = [Recorded(1, datetime(2021, 1, 5, tzinfo=timezone.utc), "tester", attrs.evolve(approval, elements=elements))]
    book = workbook(evaluate(PLAN, history, date(2021, 3, 31), datetime(2021, 4, 1, tzinfo=timezone.utc)))
    data = book["Datos"]
    title = {row[4].value: row[6] for row in data.iter_rows(min_row=2)}
    for code, expected in (("1.1.1", HYPERLINK), ("1.1.2", "=1+1"), ("1.2.1", "Campana\\x07 fin")):
        assert (title[code].value, title[code].data_type) == (expected, "s")
    details = {row[0].value: row[1] for row in rows_from(book["Cuadro 2"], HEADER_ROW + 1)}
    assert (details["1.1.2"].value, details["1.1.2"].data_type) == ("=1+1", "s")
    assert details["1.2.1"].value == "Campana\\x07 fin"


def test_hostile_text_anywhere_is_never_a_formula_nor_a_raw_control():
    """The safe-output tests' hostile plan (titles, results, a source, an actor, a reference)."""
    start = datetime(2021, 10, 1, tzinfo=timezone.utc)
    history = [Recorded(i, start + timedelta(minutes=i), actor, fact) for i, (actor, fact) in enumerate(hostile_facts(), 1)]
    xlsx = to_xlsx(evaluate(HOSTILE_PLAN, history, AS_OF, KNOWN_AT))
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    texts = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    for text in texts:
        assert_no_raw_control(text)
    assert '=HYPERLINK("http://evil.example","RA")' in texts  # the budget modification's reference, as typed
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))
