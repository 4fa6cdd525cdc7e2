"""`poa report --format xlsx` in-process against real stores holding the two examples
(examples/small-2021.yaml and examples/aduana-nacional-2020.yaml): the workbook's figures are
the JSON report's of the same view, read with openpyxl and, after LibreOffice has opened and
converted the workbook (headless, every sheet to CSV), read from LibreOffice's own CSV.

LibreOffice is /usr/bin/soffice on the test machines; without it the conversion test is
skipped with the reason, unless CI=true, where it fails (as tests/support/postgres.py does
for a missing PostgreSQL server).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from decimal import Decimal
from typing import NamedTuple

import openpyxl
import pytest

from poa.adapters.report_xlsx import HEADER_ROW
from poa.domain.catalogue import FIGURE
from support.programs import program
from support.builders import ADUANA, ADUANA_LOAD, SMALL
from support.runners import invoke, no_traceback

EXAMPLES = {"small": (SMALL, "2021-12-31"), "aduana": (ADUANA, "2020-12-31")}
KNOWN_AT = "2099-01-01"  # a fixed view: the JSON and the workbook are rendered from the same one
SHEETS = [
    "Informe", "Cuadro 1", "Cuadro 2", "Cuadro 3", "Cuadro 4", "Advertencias", "Reformulaciones",
    "Modificaciones presupuestarias", "Datos",
]
RESULT_KEYS = [  # Cuadro 3's columns as JSON keys (the total row: the summary's, with PLAN_KEYS)
    "weight", "code", "title", "budget_current", "budget_executed", "budget_execution_pct", "progress_pct",
    "programmed_pct", "deviation_pts", "physical_efficacy_pct", "efficiency_pct", "efficiency_band",
    "relative_efficiency",
]
PLAN_KEYS = {"weight": "weights_total", "progress_pct": "physical_progress_pct"}
TEXT_KEYS = {"plan", "as_of", "known_at", "level", "code", "parent", "title", "status", "sector_code", "efficiency_band"}
LEVELS = {"strategic_actions": "strategic_action", "short_term_actions": "short_term_action",
          "operations": "operation", "tasks": "task"}
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"  # every sheet, raw values


class Rendered(NamedTuple):
    name: str
    xlsx: bytes
    english: bytes
    report: dict


@pytest.fixture(scope="module", params=list(EXAMPLES))
def rendered(request, tmp_path_factory) -> Rendered:
    """One example's workbook in Spanish and in English (`poa --lang en`) and its JSON report, from a
    store made for it, all of the same view."""
    example, as_of = EXAMPLES[request.param]
    store = str(tmp_path_factory.mktemp(request.param) / "poa.db")
    applied = invoke("apply", str(example), *(ADUANA_LOAD if example == ADUANA else ()), "--store", store)
    assert applied.exit_code == 0, applied.output
    view = ("--store", store, "--as-of", as_of, "--known-at", KNOWN_AT)
    shown = invoke("report", "--format", "xlsx", *view)
    no_traceback(shown)
    assert shown.exit_code == 0, shown.stderr
    report = invoke("report", "--format", "json", *view)
    assert report.exit_code == 0, report.stderr
    english = invoke("--lang", "en", "report", "--format", "xlsx", *view)
    assert english.exit_code == 0, english.stderr
    return Rendered(request.param, shown.stdout_bytes, english.stdout_bytes, json.loads(report.stdout))


def expected_results(report: dict) -> list[dict]:
    """Cuadro 3's rows as the JSON gives them: every short-term action, then the plan's total."""
    total = {key: report["summary"].get(PLAN_KEYS.get(key, key)) for key in RESULT_KEYS}
    return [*report["short_term_actions"], {**total, "code": None}]


def expected_data(report: dict) -> list[dict]:
    """The Datos sheet's rows as the JSON gives them: the plan (its summary; its budget by source the
    sum of its strategic actions'), then every element."""
    summary = report["summary"]
    budget: dict[str, Decimal] = {}
    for aei in report["strategic_actions"]:
        for source, amount in aei["budget"].items():
            budget[source] = budget.get(source, Decimal(0)) + Decimal(amount)
    plan = {
        **summary, **{key: summary[name] for key, name in PLAN_KEYS.items()},
        "code": report["plan"], "title": report["entity"], "status": "active", "level": "plan", "budget": budget,
    }
    return [plan, *({**e, "level": level} for kind, level in LEVELS.items() for e in report[kind])]


def check_row(cells: dict[str, object], expected: dict, report: dict) -> None:
    """One row of Cuadro 3 or Datos (column → value as read, a number as Decimal) against the JSON."""
    for column, value in cells.items():
        if column in ("plan", "as_of", "known_at"):
            assert value == report[column], column
        elif column.startswith("budget_") and column not in FIGURE:  # budget_<SOURCE>
            budget = expected.get("budget")
            source = column.removeprefix("budget_")
            assert value == (None if budget is None else Decimal(budget.get(source, "0"))), (expected["code"], column)
        elif column in TEXT_KEYS:
            assert value == expected.get(column), (expected["code"], column)
        else:
            want = expected.get(column)
            assert value == (None if want is None else Decimal(want)), (expected["code"], column)


def as_read(value):
    """A value read back (openpyxl or LibreOffice's CSV): numbers as Decimal, empty as None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    return value


def csv_number(text: str, column: str):
    if text == "" or column in TEXT_KEYS:
        return text or None
    return Decimal(text)


def test_the_workbook_loads_and_holds_the_json_figures(rendered):
    name, xlsx, _, report = rendered
    assert xlsx.startswith(b"PK\x03\x04")
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == SHEETS
    results = book["Cuadro 3"]
    rows = list(results.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    expected = expected_results(report)
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        assert row[1] == want["code"]
        cells = {k: as_read(v) for k, v in zip(RESULT_KEYS, row) if k not in ("code", "title", "efficiency_band")}
        check_row(cells, want, report)
    data = list(book["Datos"].iter_rows(values_only=True))
    columns = list(data[0])
    assert len(data) - 1 == len(expected_data(report))
    by_code = {row[columns.index("code")]: row for row in data[1:]}
    for want in expected_data(report):
        check_row({c: as_read(v) for c, v in zip(columns, by_code[want["code"]])}, want, report)


def test_lang_en_gives_the_same_figures_under_english_names(rendered):
    spanish, english = (openpyxl.load_workbook(io.BytesIO(b)) for b in (rendered.xlsx, rendered.english))
    assert english.sheetnames == [
        "Report", "Table 1", "Table 2", "Table 3", "Table 4", "Warnings", "Reformulations", "Budget modifications", "Data",
    ]
    assert english["Table 3"].cell(HEADER_ROW, 1).value == "Weight"
    for es, en in zip(spanish.worksheets[1:4] + [spanish["Datos"]], english.worksheets[1:4] + [english["Data"]]):
        numbers = [[c for c in row if isinstance(c, (int, float))] for row in es.iter_rows(values_only=True)]
        assert numbers == [[c for c in row if isinstance(c, (int, float))] for row in en.iter_rows(values_only=True)]


def soffice() -> str:
    """LibreOffice's program, or skip (fail under CI=true) without it."""
    return program(("soffice",), "LibreOffice (soffice) is not installed: the workbook cannot be opened by a "
                   "spreadsheet here", "the LibreOffice test")


def test_libreoffice_opens_the_workbook_and_reads_the_json_figures(rendered, tmp_path):
    program = soffice()
    name, xlsx, _, report = rendered
    workbook = tmp_path / f"{name}.xlsx"
    workbook.write_bytes(xlsx)
    out = tmp_path / "csv"
    converted = subprocess.run(
        [program, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", CSV_FILTER, "--outdir", str(out), str(workbook)],
        capture_output=True, text=True, timeout=180,
    )
    assert converted.returncode == 0, converted.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}-{sheet}.csv" for sheet in SHEETS), converted.stdout

    def table(sheet: str) -> list[list[str]]:
        with open(out / f"{name}-{sheet}.csv", encoding="utf-8", newline="") as f:
            return list(csv.reader(f))

    results = table("Cuadro 3")
    assert results[HEADER_ROW - 1][:2] == ["Pond.", "Código"]
    rows = [r for r in results[HEADER_ROW:] if any(r)]
    expected = expected_results(report)
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected):
        assert row[1] == (want["code"] or "")
        cells = {k: csv_number(v, k) for k, v in zip(RESULT_KEYS, row) if k not in ("code", "title", "efficiency_band")}
        check_row(cells, want, report)
    data = table("Datos")
    columns = data[0]
    assert columns[:5] == ["plan", "as_of", "known_at", "level", "code"]
    by_code = {row[columns.index("code")]: row for row in data[1:]}
    assert len(by_code) == len(data) - 1 == len(expected_data(report))
    for want in expected_data(report):
        check_row({c: csv_number(v, c) for c, v in zip(columns, by_code[want["code"]])}, want, report)
