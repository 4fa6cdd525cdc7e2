"""`poa report`, `poa history` and `poa plans` (in-process, against a real store): the stable
shapes of SPEC §5.

The store holds examples/small-2021.yaml. Figures at 2021-09-30, by hand:
- 1.1.1.1 from its tasks: (1·100 + 3·60) / 4 = 70; 1.1.1.2 = 80;
  1.1.1 = (2·70 + 1·80) / 3 = 73.333… → "73.33"; programmed Q3 of [10,40,70,100] = 70.
- 1.1.2 has a direct record (45 at 06-30) that wins over its operations → "45.00".
- 1.2.1 = its only operation 1.2.1.1 = 45.
- weights after the 07-15 reformulation: 40 + 35 + 25 = 100;
  physical progress = (40·73.333… + 35·45 + 25·45) / 100 = 56.333… → "56.33";
  programmed = (40·70 + 35·75 + 25·75) / 100 = 73 → deviation 16.666… → "16.67".
- current budget: 1.1.1.1 = 100000 TGN + (20000 + 10000) Otros; 1.1.1.2 = 30000 − 10000;
  1.1.2.1 = 250000; 1.1.2.2 = 15000 (added); 1.2.1.1 = 80000 − 15000 → total 480000.
- executed: 1.1.1 direct 95000; 1.1.2 = 160000 + 0; 1.2.1 = 41000 → 296000;
  296000 / 480000 = 61.666… % → "61.67".
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

ELEMENT_KEYS = {"code", "parent", "title", "status", "weight", "progress_pct"}
SUMMARY_KEYS = {
    "strategic_actions", "short_term_actions", "operations", "tasks", "weights_total", "budget_current",
    "budget_executed", "budget_execution_pct", "physical_progress_pct", "programmed_pct", "deviation_pts",
    "reformulations", "budget_modifications", "physical_efficacy_pct", "efficiency_pct", "efficiency_band",
    "relative_efficiency",
}


def test_json_report_keys_and_exact_strings(demo):
    report = demo.json("report", "--as-of", "2021-09-30")
    assert set(report) == {
        "schema_version", "plan", "entity", "year", "as_of", "known_at", "summary", "strategic_actions",
        "short_term_actions", "operations", "tasks", "reformulations", "budget_modifications", "warnings",
        "results", "justifications",  # of the plan as a whole (entries without code)
        "closed",  # the closing in force at known_at, or null
        "closings",  # every closing and reopening known at known_at
        "initial_loads",  # the initial loads among the visible facts (none here)
    }
    assert (report["schema_version"], report["plan"], report["entity"], report["year"], report["as_of"]) == (
        "2.0", "DEMO-2021", "Entidad Demostrativa", 2021, "2021-09-30",
    )
    assert list(report)[0] == "schema_version"
    s = report["summary"]
    assert set(s) == SUMMARY_KEYS
    assert (s["strategic_actions"], s["short_term_actions"], s["operations"], s["tasks"]) == (2, 3, 5, 2)
    assert s["weights_total"] == "100.00"
    assert s["budget_current"] == "480000.00"
    assert s["budget_executed"] == "296000.00"
    assert s["budget_execution_pct"] == "61.67"
    assert s["physical_progress_pct"] == "56.33"
    assert s["programmed_pct"] == "73.00"
    assert s["deviation_pts"] == "16.67"
    assert s["reformulations"] == 1  # RD 01-010-21; the two modifications of RA 045/2021 are counted apart
    assert s["budget_modifications"] == 2

    acp = {a["code"]: a for a in report["short_term_actions"]}
    assert ELEMENT_KEYS <= set(acp["1.1.1"])
    assert acp["1.1.1"]["progress_pct"] == "73.33"
    assert acp["1.1.1"]["programmed_pct"] == "70.00"
    assert acp["1.1.1"]["deviation_pts"] == "-3.33"
    assert acp["1.1.1"]["budget"] == {"Otros": "50000.00", "TGN": "100000.00"}
    assert acp["1.1.2"]["progress_pct"] == "45.00"
    assert acp["1.1.2"]["results"] == [{"date": "2021-09-30", "text": "Portal de trámites en producción para 12 trámites."}]
    assert acp["1.2.1"]["justifications"][0]["date"] == "2021-09-30"
    tasks = {t["code"]: t for t in report["tasks"]}
    assert set(tasks["1.1.1.1.2"]) == ELEMENT_KEYS | {"results", "justifications"}  # no money on tasks
    assert tasks["1.1.1.1.2"]["weight"] == "3.00"
    ops = {o["code"]: o for o in report["operations"]}
    assert ops["1.1.2.2"]["budget_current"] == "15000.00"

    (ref,) = report["reformulations"]
    assert ref["reference"] == "RD 01-010-21" and ref["date"] == "2021-07-15"
    assert ref["changes"][0] == {
        "add": {"kind": "operation", "code": "1.1.2.2", "title": "Implementar la firma digital",
                "parent": "1.1.2", "weight": "1.00", "budget": {"Otros": "15000.00"}},
    }
    assert ref["changes"][3] == {"budget": {"code": "1.2.1.1", "source": "Otros", "amount": "-15000.00"}}
    # the transfer of RA 045/2021 (08-02): 10000 Otros from 1.1.1.2 to 1.1.1.1, seqs 12 and 13
    assert [(m["seq"], m["date"], m["reference"], m["code"], m["source"], m["amount"], m["actor"])
            for m in report["budget_modifications"]] == [
        (12, "2021-08-02", "RA 045/2021", "1.1.1.2", "Otros", "-10000.00", "tester"),
        (13, "2021-08-02", "RA 045/2021", "1.1.1.1", "Otros", "10000.00", "tester"),
    ]
    assert report["budget_modifications"][0]["reason"] == "Traspaso a rediseño de procedimientos"
    kinds = [w["kind"] for w in report["warnings"]]
    # 1.1.2 deviates 75 − 45 = 30 points without justification; 1.2.1 has one dated 09-30
    assert [w["code"] for w in report["warnings"] if w["kind"] == "unjustified_deviation"] == ["1.1.2"]
    assert "weights_total" not in kinds


def test_as_of_before_the_reformulation_shows_the_approved_structure(demo):
    report = demo.json("report", "--as-of", "2021-06-30")
    # before 07-15: weights 40 + 30 + 30, no 1.1.2.2, budget 480000 − 15000 (not yet added) + 15000 (not yet moved)
    assert report["summary"]["weights_total"] == "100.00"
    assert report["summary"]["operations"] == 4
    assert report["summary"]["reformulations"] == 0
    acp = {a["code"]: a for a in report["short_term_actions"]}
    assert acp["1.1.2"]["weight"] == "30.00"
    assert acp["1.2.1"]["budget_current"] == "80000.00"
    # 1.1.1 at 06-30: 1.1.1.1 = (1·100 + 3·20)/4 = 40; 1.1.1.2 = 50 → (2·40 + 50)/3 = 43.333…
    assert acp["1.1.1"]["progress_pct"] == "43.33"
    assert acp["1.1.1"]["programmed_pct"] == "40.00"


def test_csv_report_rows_and_columns(demo):
    out = demo("report", "--as-of", "2021-09-30", "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows[0]["level"] == "plan" and rows[0]["code"] == "DEMO-2021"
    assert rows[0]["progress_pct"] == "56.33"
    # the plan's budget by source: TGN 100000 + 250000; Otros 30000 + 20000 + 15000 + 65000
    assert (rows[0]["budget_TGN"], rows[0]["budget_Otros"]) == ("350000.00", "130000.00")
    assert list(rows[0]) == [
        "plan", "as_of", "known_at", "level", "code", "parent", "title", "status", "weight", "progress_pct",
        "programmed_pct", "deviation_pts", "budget_current", "budget_executed", "budget_execution_pct",
        "physical_efficacy_pct", "efficiency_pct", "efficiency_band", "relative_efficiency",
        "budget_TGN", "budget_Otros",  # TGN first, then the others alphabetically
    ]
    known_at = rows[0]["known_at"]
    assert known_at.endswith("Z") and all((r["plan"], r["as_of"], r["known_at"]) == ("DEMO-2021", "2021-09-30", known_at) for r in rows)
    # code order: each element followed by its children
    assert [r["code"] for r in rows[1:]] == [
        "1.1", "1.1.1", "1.1.1.1", "1.1.1.1.1", "1.1.1.1.2", "1.1.1.2", "1.1.2", "1.1.2.1", "1.1.2.2", "1.2", "1.2.1",
        "1.2.1.1",
    ]
    op = next(r for r in rows if r["code"] == "1.1.1.1")
    assert (op["budget_TGN"], op["budget_Otros"]) == ("100000.00", "30000.00")
    # zero is 0.00 where the kind carries the figure: 1.1.1.2 has no TGN line and has spent nothing
    op = next(r for r in rows if r["code"] == "1.1.1.2")
    assert (op["budget_TGN"], op["budget_executed"], op["budget_execution_pct"]) == ("0.00", "0.00", "0.00")
    assert (op["programmed_pct"], op["deviation_pts"]) == ("", "")  # not figures of an operation
    task = next(r for r in rows if r["code"] == "1.1.1.1.2")
    assert (task["budget_current"], task["budget_TGN"], task["weight"]) == ("", "", "3.00")  # no money on tasks


def test_markdown_and_table_are_spanish_cuadros(demo):
    md = demo("report", "--as-of", "2021-09-30", "--format", "md")
    assert md.returncode == 0, md.stderr
    sections = [line for line in md.stdout.splitlines() if line.startswith("## ")]
    assert sections == [
        "## I. Estructura del POA",
        "## II. Desglose de la estructura del POA",
        "## III. Principales resultados",
        "## IV. Reformulaciones y desviaciones",
        "## V. Seguimiento y evaluación trimestral",
        "## VI. Conclusiones",
    ]
    assert "| N° de Acciones de Corto Plazo | 3 |" in md.stdout
    # every amount of the plan is whole: printed as the seed does, without cents
    assert "| Presupuesto Vigente (en Bs) | 480,000 |" in md.stdout
    assert "| 40.00 | 1.1.1 | Simplificar trámites | 150,000 | 95,000 | 63.33 | 73.33 | 70.00 | -3.33 |" in md.stdout
    # Cuadro 2: operation 1.1.1.1 = 100000 TGN + 30000 Otros
    nbsp = "\u00a0"  # Cuadro 2's hierarchy, kept by Markdown renderers
    assert f"| {nbsp * 4}1.1.1.1 | Rediseñar procedimientos |  | 100,000 | 30,000 | 130,000 |" in md.stdout
    assert "| Totales |  | 5 | 350,000 | 130,000 | 480,000 |" in md.stdout
    # section IV lists the Q3 reformulation and the transfer
    assert "2021-07-15 — reformulación RD 01-010-21" in md.stdout
    assert "2021-08-02 — modificación presupuestaria RA 045/2021: 1.1.1.2 Otros -10,000" in md.stdout
    assert "avance físico de 56.33 %" in md.stdout
    table = demo("report", "--as-of", "2021-09-30")
    assert table.returncode == 0
    assert "Cuadro N° 3" in table.stdout and "Advertencias" in table.stdout


def test_known_at_before_a_batch_hides_it(demo, tmp_path):
    first = demo.json("history")["events"][-1]["recorded_at"]
    later = tmp_path / "later.yaml"
    later.write_text(
        "plan: DEMO-2021\nentries:\n  - progress: {code: 1.1.2, percent: 60, date: 2021-09-30}\n", encoding="utf-8"
    )
    assert demo("apply", str(later)).returncode == 0
    now = demo.json("report", "--as-of", "2021-09-30")
    then = demo.json("report", "--as-of", "2021-09-30", "--known-at", first)
    pick = lambda r: next(a for a in r["short_term_actions"] if a["code"] == "1.1.2")["progress_pct"]  # noqa: E731
    assert (pick(then), pick(now)) == ("45.00", "60.00")
    assert then["known_at"] == first


def test_history_lists_every_event_in_recorded_order(demo):
    events = demo.json("history")["events"]
    assert [e["seq"] for e in events] == list(range(1, 24))
    times = [datetime.fromisoformat(e["recorded_at"]) for e in events]  # compared as times, not as texts
    assert times == sorted(times) and all(e["recorded_at"].endswith("Z") for e in events)
    first, budget = events[0], events[11]
    assert set(first) == {"seq", "recorded_at", "kind", "plan", "date", "reference", "actor", "batch", "initial_load", "data"}
    assert first["initial_load"] is None  # not applied as an initial load
    assert (first["kind"], first["plan"], first["date"], first["reference"], first["actor"]) == (
        "approve", "DEMO-2021", "2021-01-04", "RA 001/2021", "tester",
    )
    assert len(first["data"]["operations"]) == 4
    assert budget["kind"] == "budget" and budget["data"] == {
        "code": "1.1.1.2", "source": "Otros", "amount": "-10000.00", "reason": "Traspaso a rediseño de procedimientos",
    }
    csv_out = demo("history", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert len(rows) == 23 and json.loads(rows[1]["data"])["percent"] == "100.00"


def test_plans_lists_the_plans(demo):
    (plan,) = demo.json("plans")["plans"]
    assert plan["plan"] == "DEMO-2021" and plan["year"] == 2021 and plan["reference"] == "RA 001/2021"
