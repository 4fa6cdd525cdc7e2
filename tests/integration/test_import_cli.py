"""`poa template` and `poa import` (docs/import.md), in-process against a real SQLite store: the
template filled as an operator would (tests/support/workbooks.py) gives the very plan the YAML
batch gives; a malformed workbook is refused naming its sheet, row and column, with nothing stored;
the ASUSS 2024 forms import through their shipped mapping and reproduce their own figures, counted
here straight from their cells, and their disagreements are said."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from poa.adapters.batch_files import read_batch
from poa.adapters.importing import template
from poa.cli import common
from support.builders import EXAMPLES, SMALL
from support.workbooks import empty_template, fill, saved

pytestmark = pytest.mark.filterwarnings("ignore:Print area cannot be set")  # openpyxl, reading the forms here

ASUSS = EXAMPLES / "asuss-2024"
F4, F5, MAPPING = ASUSS / "formulario-4.xlsx", ASUSS / "formulario-5.xlsx", ASUSS / "mapping.yaml"
ENTRIES = read_batch(str(SMALL)).entries
APPROVAL = ENTRIES[0]["approve"]
SECOND_QUARTER, CHANGES, THIRD_QUARTER = ENTRIES[1:10], ENTRIES[10:13], ENTRIES[13:]


def kinds(entries) -> list[str]:
    return [next(iter(entry)) for entry in entries]


def test_the_example_splits_into_the_workbooks_of_the_round_trip():
    assert kinds(SECOND_QUARTER) == ["progress"] * 5 + ["execution"] * 4  # all dated 2021-06-30
    assert kinds(CHANGES) == ["reformulate", "budget", "budget"]
    assert kinds(THIRD_QUARTER) == ["progress"] * 5 + ["execution"] * 3 + ["result", "justify"]


def write(path: Path, wb) -> Path:
    path.write_bytes(saved(wb))
    return path


def without_times(value):
    """A JSON document without the moments of recording and reading, which two stores never share."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in ("known_at", "recorded_at", "batch")}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


# -- the template, filled, gives the plan the YAML gives ------------------------------------------------


def test_the_template_filled_in_records_the_plan_the_yaml_batch_records(poa, tmp_path):
    ran = poa("template", "--output", "plantilla.xlsx")
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "plantilla.xlsx").read_bytes() == template()
    blank = (tmp_path / "plantilla.xlsx").read_bytes()
    q2 = write(tmp_path / "q2.xlsx", fill(load_workbook(BytesIO(blank)), APPROVAL, SECOND_QUARTER))
    q3 = write(tmp_path / "q3.xlsx", fill(load_workbook(BytesIO(blank)), None, THIRD_QUARTER))
    (tmp_path / "changes.yaml").write_text(yaml.safe_dump({"plan": "DEMO-2021", "entries": CHANGES}, allow_unicode=True))

    ran = poa("import", str(q2), "--plan", "DEMO-2021")
    assert ran.returncode == 0, ran.stderr
    assert "DEMO-2021: 10 entries recorded (now seq 10)" in ran.stderr  # the approval and 9 records
    assert poa("apply", "changes.yaml").returncode == 0
    ran = poa("import", str(q3))  # the store's only plan
    assert ran.returncode == 0, ran.stderr
    assert "DEMO-2021: 10 entries recorded (now seq 23)" in ran.stderr

    from_yaml = str(tmp_path / "yaml.db")
    assert poa("apply", str(SMALL), "--store", from_yaml).returncode == 0
    view = ("report", "--as-of", "2021-12-31")
    assert without_times(poa.json(*view)) == without_times(poa.json(*view, "--store", from_yaml))
    imported, applied = poa.json("history"), poa.json("history", "--store", from_yaml)
    # the same facts in the same order; only when, by which batch, they were recorded differs
    assert without_times(imported) == without_times(applied)
    assert len(imported["events"]) == 23


def test_the_template_is_not_written_to_a_terminal(poa, monkeypatch):
    monkeypatch.setattr(common, "stdout_is_terminal", lambda: True)
    ran = poa("template")
    assert ran.returncode == 2
    assert "the template is an xlsx workbook, a binary file: give --output FILE or redirect the output" in ran.stderr
    assert ran.stdout == ""


def test_a_dry_run_shows_what_would_be_recorded_and_stores_nothing(poa, tmp_path, store_path):
    q2 = write(tmp_path / "q2.xlsx", fill(empty_template(), APPROVAL, SECOND_QUARTER))
    ran = poa("import", str(q2), "--plan", "DEMO-2021", "--dry-run")
    assert ran.returncode == 0, ran.stderr
    assert "DEMO-2021: dry run, nothing recorded: 10 entries checked" in ran.stderr
    assert "1.1.1.1.1" in ran.stdout  # the preview of what would be recorded
    assert not store_path.exists() or poa("plans", "--format", "json").stdout.count('"plan"') == 0


def test_last_years_workbook_imported_as_an_initial_load_is_not_late(poa, tmp_path):
    q2 = write(tmp_path / "q2.xlsx", fill(empty_template(), APPROVAL, SECOND_QUARTER))
    ran = poa("import", str(q2), "--plan", "DEMO-2021", "--initial-load", "--load-reference", "POA 2021 (planilla)")
    assert ran.returncode == 0, ran.stderr
    events = poa.json("history")["events"]
    assert len(events) == 10 and {e["initial_load"] for e in events} == {"POA 2021 (planilla)"}
    report = poa.json("report", "--as-of", "2021-12-31")
    assert [w for w in report["warnings"] if w["kind"] == "late_record"] == []
    assert [load["reference"] for load in report["initial_loads"]] == ["POA 2021 (planilla)"]
    refused = poa("import", str(q2), "--plan", "DEMO-2022", "--load-reference", "POA 2021")
    assert refused.returncode == 2 and "option --load-reference: needs --initial-load" in refused.stderr


# -- malformed workbooks: exit 2, the sheet, row and column named, nothing stored -----------------------


def setting(sheet: str, cell: str, value):
    def change(wb):
        wb[sheet][cell] = value
    return change


def removing(sheet: str):
    def change(wb):
        del wb[sheet]
    return change


MALFORMED = {
    "wrong type": (
        setting("Acciones de corto plazo", "D2", "cuarenta"),
        "w.xlsx: sheet 'Acciones de corto plazo', row 2, column D (Ponderación %): holds the text 'cuarenta', not a number",
    ),
    "missing sheet": (removing("Operaciones"), "w.xlsx: no sheet 'Operaciones'"),
    "bad code": (
        setting("Operaciones", "A3", "1.1.1 2"),  # the rules refuse it: said at its cell
        "w.xlsx: sheet 'Operaciones', row 3, column A (Código): must be a code such as 6.1.1, got '1.1.1 2'",
    ),
    "duplicate code": (
        setting("Acciones estratégicas", "A3", "1.1"),
        "w.xlsx: sheet 'Acciones estratégicas', row 3, column A (Código): duplicate code 1.1: already read at "
        "w.xlsx: sheet 'Acciones estratégicas', row 2, column A (Código)",
    ),
    "formula": (
        setting("Operaciones", "E2", "=SUM(50000,50000)"),
        "w.xlsx: sheet 'Operaciones', row 2, column E: holds a formula ('=SUM(50000,50000)')",
    ),
    "text in a number column": (
        setting("Operaciones", "E2", "100,000.00"),
        "w.xlsx: sheet 'Operaciones', row 2, column E (TGN): holds the text '100,000.00', not a number",
    ),
    "unknown parent": (
        setting("Acciones de corto plazo", "B3", "9.9"),  # the rules refuse it: said at the parent's cell
        "w.xlsx: sheet 'Acciones de corto plazo', row 3, column B (Acción estratégica): unknown parent 9.9 of 1.1.2",
    ),
    "unknown code in the follow-up": (
        setting("Seguimiento", "A3", "7.7.7"),
        "w.xlsx: sheet 'Seguimiento', row 3, column A (Código): unknown code 7.7.7 in plan structure",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_workbook_is_refused_at_its_cell_and_nothing_is_stored(case, poa, tmp_path):
    assert poa("apply", str(SMALL)).returncode == 0  # a store that already holds a plan
    before = poa("history", "--format", "json").stdout
    wb = fill(empty_template(), APPROVAL, SECOND_QUARTER)
    change, said = MALFORMED[case]
    change(wb)
    write(tmp_path / "w.xlsx", wb)
    ran = poa("import", "w.xlsx", "--plan", "NEW-2021")
    assert ran.returncode == 2, ran.stderr
    assert said in ran.stderr
    assert "Traceback" not in ran.stderr
    assert poa("history", "--format", "json").stdout == before
    assert [p["plan"] for p in poa.json("plans")["plans"]] == ["DEMO-2021"]


def test_the_approval_needs_its_plan_and_its_date(poa, tmp_path):
    wb = fill(empty_template(), APPROVAL)
    wb["Plan"]["B3"] = None
    write(tmp_path / "w.xlsx", wb)
    ran = poa("import", "w.xlsx")
    assert ran.returncode == 2
    assert "option --plan: name the new plan the workbook approves (for example --plan AN-2020)" in ran.stderr
    ran = poa("import", "w.xlsx", "--plan", "NEW-2021")
    assert ran.returncode == 2
    assert "w.xlsx: sheet 'Plan', row 3, column B: is required" in ran.stderr
    ran = poa("import", "w.xlsx", "--plan", "NEW-2021", "--date", "2021-01-04")  # an option gives what the sheet lacks
    assert ran.returncode == 0, ran.stderr
    ran = poa("import", "w.xlsx", "--plan", "OTHER-2021", "--date", "2021-01-04", "--year", "20x1")
    assert ran.returncode == 2
    assert "option --year: must be a year such as 2020, got '20x1'" in ran.stderr


def test_options_of_an_approval_are_refused_when_nothing_is_approved(poa, tmp_path):
    assert poa("apply", str(SMALL)).returncode == 0
    write(tmp_path / "w.xlsx", fill(empty_template(), None, THIRD_QUARTER[-2:]))
    ran = poa("import", "w.xlsx", "--entity", "Otra")
    assert ran.returncode == 2
    assert "option --entity: the workbook holds no plan structure to approve" in ran.stderr


def test_a_bad_mapping_and_the_wrong_number_of_workbooks_are_refused(poa, tmp_path):
    (tmp_path / "m.yaml").write_text("poa_import: 1\nworkbooks: [{tables: [{sheet: S, header_row: 1, levels: [{kind: aei}]}]}]\n")
    ran = poa("import", str(F4), "--mapping", "m.yaml", "--plan", "X-2024")
    assert ran.returncode == 2
    assert "option --mapping: m.yaml: field 'workbooks[1].tables[1].levels[1].kind': must be one of plan," in ran.stderr
    ran = poa("import", str(F4), "--mapping", str(MAPPING), "--plan", "X-2024")
    assert ran.returncode == 2
    assert "reads 2 workbooks, in this order: Formulario 4, Formulario 5; got 1" in ran.stderr


# -- the ASUSS 2024 forms --------------------------------------------------------------------------------


def amount(value) -> Decimal:
    """An amount as the forms write it: a number, or a text with ',' grouping thousands ('129,813.00 ')."""
    return Decimal(value.strip().replace(",", "")) if isinstance(value, str) else Decimal(str(value))


def formulario_4() -> list[tuple]:
    ws = load_workbook(F4, read_only=True).worksheets[0]
    return [row for row in ws.iter_rows(min_row=6, values_only=True) if row and row[2]]


def formulario_5_blocks() -> list[dict]:
    """Each block of Formulario 5: its unit, its operations (rows whose column A is a number), the
    sum of its per-operation TOTAL rows (column Q)."""
    ws = load_workbook(F5, read_only=True).worksheets[0]
    blocks = []
    for row in ws.iter_rows(values_only=True):
        first = row[0] if row else None
        if first == "FORMULARIO 5":
            blocks.append({"unit": None, "operations": 0, "total": Decimal(0)})
        elif first == "UNIDAD ORGANIZACIONAL":
            blocks[-1]["unit"] = " ".join(row[2].split())
        elif isinstance(first, (int, float)):
            blocks[-1]["operations"] += 1
        elif first == "TOTAL":
            blocks[-1]["total"] += amount(row[16])
    return blocks


@pytest.fixture(scope="module")
def asuss(tmp_path_factory):
    """The ASUSS forms imported through the shipped mapping: (stderr, report JSON)."""
    from support.runners import PoaInProcess

    folder = tmp_path_factory.mktemp("asuss")
    poa = PoaInProcess(folder / "asuss.db", folder)
    ran = poa("import", str(F4), str(F5), "--mapping", str(MAPPING), "--plan", "ASUSS-2024",
              "--date", "2024-02-27", "--reference", "POA 2024, Formularios 4 y 5")
    assert ran.returncode == 0, ran.stderr
    return ran.stderr, poa.json("report", "--as-of", "2024-12-31")


def test_the_asuss_forms_give_a_plan_with_their_own_counts_and_totals(asuss):
    _stderr, report = asuss
    rows, blocks = formulario_4(), formulario_5_blocks()
    summary = report["summary"]
    # one ACP per Formulario 4 row (a POA code in a unit): 19 rows
    assert summary["short_term_actions"] == len(rows) == 19
    pei = {re.match(r"[0-9.]*[0-9]", part.strip()).group() for row in rows for part in row[0].split(" | ")}
    assert summary["strategic_actions"] == len(pei) == 4
    # every operation of Formulario 5, and its budget: the sum of its TOTAL rows
    assert summary["operations"] == sum(b["operations"] for b in blocks) == 300
    assert Decimal(summary["budget_current"]) == sum(b["total"] for b in blocks) == Decimal("53918486.01")
    assert Decimal(summary["weights_total"]) == sum(Decimal(str(row[6])) for row in rows)
    # each ACP's budget: its unit's blocks in Formulario 5
    by_unit = {}
    for block in blocks:
        by_unit[block["unit"]] = by_unit.get(block["unit"], Decimal(0)) + block["total"]
    imported = {" ".join(acp["title"].split(":")[0].split()): Decimal(acp["budget_current"]) for acp in report["short_term_actions"]}
    assert imported == {" ".join(row[7].split()): by_unit[" ".join(row[7].split())] for row in rows}


def test_where_formulario_4_and_formulario_5_disagree_the_import_says_so_with_both_figures(asuss):
    stderr, _report = asuss
    rows, blocks = formulario_4(), formulario_5_blocks()
    by_unit = {}
    for block in blocks:
        by_unit[block["unit"]] = by_unit.get(block["unit"], Decimal(0)) + block["total"]
    disagreeing = [row for row in rows if amount(row[5]) != by_unit[" ".join(row[7].split())]]
    warned = [line for line in stderr.splitlines() if "declares a budget of" in line]
    assert len(warned) == len(disagreeing) == 15  # of 19: only 4 units' forms agree
    # the Dirección General Ejecutiva: 129,813 programmed in Formulario 4 (row 6), 277,653 in its block of Formulario 5
    assert (
        f"warning: {F4}: sheet 'Worksheet', row 6, column F (Presupuesto programado Gestión): declares a budget of 129,813.00 "
        f"for 11.7.1.7.1.4-DGE, but its 16 budget lines sum to 277,653.00 ({F5}: sheet 'Worksheet', rows 17–35)"
    ) in stderr
    f4_total = sum(amount(row[5]) for row in rows)
    assert f4_total == Decimal("48134049")
    assert (
        f"the short-term actions' declared budgets sum to 48,134,049.00 ({F4}: sheet 'Worksheet', column F), but the "
        "operations' budget lines to 53,918,486.01: the plan's budget is the lines'"
    ) in stderr
    # a row of Formulario 4 that lists several POA codes is filed under the first, and says so
    assert f"{F4}: sheet 'Worksheet', row 13, column C (Código POA): lists 2 values (11.7.1.7.1.4, 1.1.3.1.1.1)" in stderr
