"""The Aduana Nacional 2020 example against the published report (seed, Cuadros 1 and 3).

Expected figures are the report's own, as printed in Cuadro 3 (weight, current,
executed, % execution, % progress), with the one documented fix: 6.2.5's current
budget is 1,279,909 (Cuadro 2), not the 1,279,309 Cuadro 3 prints, since
895,745 / 1,279,909 = 69.985 % is the printed 69.99 %.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.builders import ADUANA, ADUANA_LOAD
from support.postgres import STORE_KINDS, empty_store
from support.runners import PoaInProcess

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

CUT_OFF = "2020-12-31"

# code: (weight, current, executed, % execution, % progress) — Cuadro 3 as printed (6.2.5 fixed)
CUADRO_3 = {
    "6.1.1": ("9.00", "29965588.00", "21867402.00", "72.98", "78.92"),
    "6.1.2": ("1.00", "50000.00", "48000.00", "96.00", "100.00"),
    "6.1.3": ("10.00", "22000.00", "7000.00", "31.82", "75.98"),
    "6.1.4": ("3.00", "68304866.00", "6136314.00", "8.98", "73.75"),
    "6.1.5": ("3.00", "0.00", "0.00", "0.00", "80.49"),
    "6.1.6": ("3.00", "0.00", "0.00", "0.00", "66.67"),
    "6.2.1": ("3.00", "19970.00", "0.00", "0.00", "71.38"),
    "6.2.2": ("14.00", "18358491.00", "14354153.00", "78.19", "75.73"),
    "6.2.3": ("8.00", "51458268.00", "34690096.00", "67.41", "67.95"),
    "6.2.4": ("5.00", "7047552.00", "5762226.00", "81.76", "95.24"),
    "6.2.5": ("2.00", "1279909.00", "895745.00", "69.99", "65.59"),
    "14.3.1": ("6.00", "10173669.00", "6957139.00", "68.38", "75.97"),
    "14.3.2": ("7.00", "0.00", "0.00", "0.00", "89.34"),
    "14.3.3": ("2.00", "0.00", "0.00", "0.00", "83.75"),
    "12.4.1": ("10.00", "387544657.00", "352498124.00", "90.96", "94.15"),
    "12.4.2": ("2.00", "50000.00", "45254.00", "90.51", "77.69"),
    "12.4.3": ("3.00", "0.00", "0.00", "0.00", "100.00"),
    "12.4.4": ("3.00", "3936270.00", "1118199.00", "28.41", "89.05"),
    "12.4.5": ("5.00", "90000.00", "27000.00", "30.00", "100.00"),
}


@pytest.fixture(scope="module", params=STORE_KINDS)
def aduana_store(request, tmp_path_factory) -> Iterator[str]:
    """The module's store for the Aduana example, one of each kind: a SQLite file,
    or a PostgreSQL store of its own (a fresh schema, dropped afterwards)."""
    with empty_store(request.param, tmp_path_factory.mktemp("aduana"), request) as store:
        yield store


@pytest.fixture(scope="module")
def aduana(aduana_store, tmp_path_factory):
    poa = PoaInProcess(aduana_store, tmp_path_factory.mktemp("aduana"))
    applied = poa("apply", str(ADUANA), *ADUANA_LOAD)  # transcribed from the published report: an initial load
    assert applied.returncode == 0, applied.stderr
    return poa


@pytest.fixture(scope="module")
def report(aduana):
    return aduana.json("report", "--as-of", CUT_OFF)


def test_loaded_from_the_report_none_of_its_facts_is_late_and_the_report_says_so_once(aduana, report):
    assert [w for w in report["warnings"] if w["kind"] == "late_record"] == []  # 72 without the flag
    (load,) = report["initial_loads"]
    # its 72 facts: the latest effective date is the Q4 cut-off (the publication's date too)
    assert (load["reference"], load["up_to"], load["facts"]) == (ADUANA_LOAD[-1], CUT_OFF, 72)
    md = aduana("report", "--as-of", CUT_OFF, "--format", "md").stdout
    said = ("La historia del plan hasta el 31 de diciembre de 2020 se cargó de documentos (carga inicial Informe de "
            "Seguimiento POA, IV trimestre 2020, registrada el ")
    assert md.count(said) == 1 and "Registro 1 (" not in md


def test_every_acp_row_equals_cuadro_3(report):
    rows = {
        a["code"]: (a["weight"], a["budget_current"], a["budget_executed"], a["budget_execution_pct"], a["progress_pct"])
        for a in report["short_term_actions"]
    }
    assert rows == CUADRO_3


def test_totals_of_the_report(report):
    s = report["summary"]
    # Cuadro 1 and Cuadro 2's total line: 254,882,662 TGN + 323,418,578 Otros = 578,301,240
    assert s["budget_current"] == "578301240.00"
    # the executed column of Cuadro 3 adds up to 444,406,652 (its total line says ...852);
    # 444,406,652 / 578,301,240 = 76.8469… % → 76.85, as printed
    assert s["budget_executed"] == "444406652.00"
    assert s["budget_execution_pct"] == "76.85"
    assert (s["strategic_actions"], s["short_term_actions"], s["operations"], s["tasks"]) == (4, 19, 44, 0)
    # the printed weights sum to 99
    assert s["weights_total"] == "99.00"
    sectors = {a["code"]: a["sector_code"] for a in report["strategic_actions"]}
    assert sectors == {"6.1": "6", "6.2": "6", "14.3": "14", "12.4": "12"}


def test_reconcile_lists_exactly_the_predicted_differences(aduana):
    result = aduana("reconcile", "--format", "json")
    assert result.returncode == 1, result.stderr  # differences found
    compared = json.loads(result.stdout)
    assert (compared["schema_version"], compared["plan"], compared["reports"]) == ("2.0", "AN-2020", 1)
    rows = {(d["code"], d["figure"]): d for d in compared["differences"]}
    reference = "Informe de Seguimiento y Evaluación al POA, IV trimestre 2020"
    assert all(d["reference"] == reference for d in rows.values())
    # computed − declared, each computed figure by hand:
    expected = {
        # Cuadro 2 lists 44 operations (6.1.3.1 and 12.4.2.2 are not printed); Cuadro 1 declares 46
        (None, "operations"): (46, 44, -2),
        # no task is listed; 808 declared
        (None, "tasks"): (808, 0, -808),
        # Σ of the 19 executed amounts = 444,406,652; the total line prints 444,406,852
        (None, "budget_executed"): ("444406852.00", "444406652.00", "-200.00"),
        # Σ wᵢ·pᵢ = 9·78.92 + 1·100 + 10·75.98 + 3·73.75 + 3·80.49 + 3·66.67 + 3·71.38 + 14·75.73
        #   + 8·67.95 + 5·95.24 + 2·65.59 + 6·75.97 + 7·89.34 + 2·83.75 + 10·94.15 + 2·77.69 + 3·100
        #   + 3·89.05 + 5·100 = 8,070.88; Σ wᵢ = 99; 8,070.88 / 99 = 81.5240… → 81.52 (declared 82.41)
        (None, "physical_progress_pct"): ("82.41", "81.52", "-0.89"),
        # 6.2.5: Cuadro 3 prints 1,279,309; Cuadro 2's operation 6.2.5.1 holds 1,279,909
        ("6.2.5", "budget_current"): ("1279309.00", "1279909.00", "600.00"),
    }
    got = {key: (d["declared"], d["computed"], d["difference"]) for key, d in rows.items()}
    assert got == expected


def test_reconcile_table_names_each_difference(aduana):
    result = aduana("reconcile")
    assert result.returncode == 1
    assert "Conciliación de 1 informe publicado de AN-2020: 5 diferencias" in result.stdout
    assert "Avance físico institucional (%)" in result.stdout and "82.41" in result.stdout and "81.52" in result.stdout


def test_reconcile_with_an_unknown_reference_is_refused(aduana):
    result = aduana("reconcile", "--reference", "Informe inexistente")
    assert result.returncode == 2
    assert "no published report" in result.stderr and "Traceback" not in result.stderr


def test_markdown_report_follows_the_seed(aduana):
    md = aduana("report", "--as-of", CUT_OFF, "--format", "md").stdout
    # amounts as the seed prints them: thousands separators, no cents (every amount is whole)
    assert "| Presupuesto Vigente (en Bs) | 578,301,240 |" in md
    assert "| 9.00 | 6.1.1 |" in md and "| 29,965,588 | 21,867,402 | 72.98 | 78.92 |" in md
    assert "| Totales |  | 44 | 254,882,662 | 323,418,578 | 578,301,240 |" in md
    # Cuadro 4 carries the institutional justification (a justify entry without code)
    assert "emergencia sanitaria COVID 19" in md.split("## V.")[1]
    assert "se logró un avance físico de 81.52 %" in md
    assert "ejecución presupuestaria de 76.85 %" in md


def test_a_consistent_published_report_reconciles_with_exit_0(poa, tmp_path):
    """A synthetic report whose figures are the ledger's own (worked out by hand) agrees."""
    batch = tmp_path / "plan.yaml"
    batch.write_text(
        """plan: SYN-2022
entries:
  - approve:
      entity: Entidad Sintética
      year: 2022
      date: 2022-01-03
      reference: "RA 1/2022"
      strategic_actions: [{code: "1", title: "Única"}]
      short_term_actions:
        - {code: "1.1", parent: "1", title: "A", weight: 60}
        - {code: "1.2", parent: "1", title: "B", weight: 40}
      operations:
        - {code: "1.1.1", parent: "1.1", title: "A1", budget: {TGN: 1000}}
        - {code: "1.2.1", parent: "1.2", title: "B1", budget: {TGN: 3000}}
  - progress: {code: "1.1", percent: 50, date: 2022-06-30}
  - progress: {code: "1.2", percent: 20, date: 2022-06-30}
  - execution: {code: "1.1.1", amount: 250, date: 2022-06-30}
  - execution: {code: "1.2.1", amount: 1500, date: 2022-06-30}
  # by hand at 06-30: progress (60·50 + 40·20)/100 = 38; programmed Q2 = 50; deviation 12;
  # current 4000, executed 1750, 1750/4000 = 43.75 %; 1.1: 250/1000 = 25 %
  - publish:
      reference: "Informe II trimestre 2022"
      issued: 2022-07-10
      date: 2022-06-30
      declared: {strategic_actions: 1, short_term_actions: 2, operations: 2, tasks: 0, weights_total: 100,
                 budget_current: 4000, budget_executed: 1750, budget_execution_pct: 43.75,
                 physical_progress_pct: 38, programmed_pct: 50, deviation_pts: 12}
      short_term_actions:
        "1.1": {weight: 60, budget_current: 1000, budget_executed: 250, budget_execution_pct: 25,
                progress_pct: 50, programmed_pct: 50, deviation_pts: 0}
        "1.2": {weight: 40, progress_pct: 20, deviation_pts: 30}
""",
        encoding="utf-8",
    )
    assert poa("apply", str(batch)).returncode == 0
    result = poa("reconcile", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    compared = json.loads(result.stdout)
    assert compared["differences"] == [] and compared["reports"] == 1
