"""`poa explain` of the plan (its key, or no CODE) and of a strategic action, in-process against a
real store holding examples/small-2021.yaml: the figures worked out by hand, the same as the report's
summary and strategic action, valid against explain.schema.json; the table; the refusals. The
provenance itself, on a history written by hand: tests/unit/test_explain_plan.py.
"""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from poa.adapters.report_json import schema_path

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

AS_OF = ("--as-of", "2021-09-30")


def view(demo) -> tuple[str, ...]:
    """As of 30 Sep, as known when the example's batch was recorded (one moment for every run)."""
    return (*AS_OF, "--known-at", demo.json("history")["events"][-1]["recorded_at"])


def validate(document: dict) -> None:
    schema = json.loads(schema_path("explain").read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert errors == [], [e.message for e in errors]


def test_the_plans_figures_worked_out_by_hand_are_the_reports(demo):
    at = view(demo)
    plan = demo.json("explain", *at)
    assert demo.json("explain", "DEMO-2021", *at) == plan
    assert plan["element"] == {"code": "DEMO-2021", "kind": "plan", "parent": None,
                               "title": "Entidad Demostrativa", "status": None}
    validate(plan)
    f = plan["figures"]
    values = {name: x["value"] for name, x in f.items() if name != "budget"}
    # examples/small-2021.yaml as of 30 Sep 2021:
    # 2 AEIs, 3 ACPs, 5 operations (1.1.2.2 added by RD 01-010-21), 2 tasks; weights 40 + 35 + 25 = 100;
    # TGN 100000 (1.1.1.1) + 250000 (1.1.2.1) = 350000;
    # Otros 20000 + 10000 (1.1.1.1) + 30000 − 10000 (1.1.1.2) + 80000 − 15000 (1.2.1.1) + 15000 (1.1.2.2) = 130000;
    # executed 95000 (1.1.1's own record) + 160000 (1.1.2.1) + 0 (1.1.2.2) + 41000 (1.2.1.1) = 296000;
    # 296000 / 480000 × 100 = 61.666… → 61.67;
    # progress: 1.1.1 = (2·(1·100 + 3·60)/4 + 1·80) / 3 = 220/3, 1.1.2 = 45 (its record), 1.2.1 = 45:
    # (40·220/3 + 35·45 + 25·45) / 100 = 56.333… → 56.33;
    # programmed (three quarter ends): (40·70 + 35·75 + 25·75) / 100 = 73; deviation 73 − 56.333… = 16.67;
    # one reformulation (RD 01-010-21), two budget modifications (RA 045/2021)
    assert values == {
        "strategic_actions": 2, "short_term_actions": 3, "operations": 5, "tasks": 2, "weights_total": "100.00",
        "budget_current": "480000.00", "budget_executed": "296000.00", "budget_execution_pct": "61.67",
        "physical_progress_pct": "56.33", "programmed_pct": "73.00", "deviation_pts": "16.67",
        "reformulations": 1, "budget_modifications": 2,
        # efficacy 56.333…/73 × 100 = 77.17; weighted 77.17 × 0.5 + 61.67 × 0.5 = 69.42 (sufficient: 51 to 75);
        # relative 77.17 / 61.67 = 1.25
        "physical_efficacy_pct": "77.17", "efficiency_pct": "69.42", "efficiency_band": "sufficient",
        "relative_efficiency": "1.25",
    }
    assert {s: x["value"] for s, x in f["budget"].items()} == {"Otros": "130000.00", "TGN": "350000.00"}
    assert [(e["seq"], e["reference"]) for e in f["reformulations"]["events"]] == [(11, "RD 01-010-21")]
    assert [(e["seq"], e["code"], e["value"]) for e in f["budget_modifications"]["events"]] == [
        (12, "1.1.1.2", "-10000.00"), (13, "1.1.1.1", "10000.00"),
    ]
    assert [(e["seq"], e["action"], e["code"]) for e in f["operations"]["events"]][-1] == (11, "add", "1.1.2.2")
    # every figure is the one the report's summary prints for the same view
    report = demo.json("report", *at)
    assert values == report["summary"]
    assert (plan["as_of"], plan["known_at"]) == (report["as_of"], report["known_at"])


def test_a_strategic_action_is_the_reports(demo):
    aei = demo.json("explain", "1.1", *AS_OF)
    validate(aei)
    f = aei["figures"]
    # AEI 1.1: ACPs 1.1.1 (w 40) and 1.1.2 (w 35): weight 75; progress (40·220/3 + 35·45) / 75 = 60.111… → 60.11;
    # programmed (40·70 + 35·75) / 75 = 72.333… → 72.33; deviation 12.22;
    # current 120000 + 20000 (1.1.1) + 265000 (1.1.2) = 415000; executed 95000 + 160000 = 255000 → 61.45 %
    assert [(k, f[k]["rule"], f[k]["value"]) for k in ("weight", "progress_pct", "programmed_pct", "deviation_pts")] == [
        ("weight", "sum_of_active_short_term_action_weights", "75.00"),
        ("progress_pct", "weighted_mean_of_short_term_actions", "60.11"),
        ("programmed_pct", "weighted_mean_of_short_term_actions", "72.33"),
        ("deviation_pts", "programmed_minus_progress", "12.22"),
    ]
    assert [(k, f[k]["value"]) for k in ("budget_current", "budget_executed", "budget_execution_pct")] == [
        ("budget_current", "415000.00"), ("budget_executed", "255000.00"), ("budget_execution_pct", "61.45"),
    ]
    assert f["budget_executed"]["rule"] == "sum_over_short_term_actions"
    report = demo.json("report", *AS_OF)
    element = next(a for a in report["strategic_actions"] if a["code"] == "1.1")
    for key in ("status", "weight", "progress_pct", "programmed_pct", "deviation_pts",
                "budget_current", "budget_executed", "budget_execution_pct"):
        assert f[key]["value"] == element[key], key
    assert {s: x["value"] for s, x in f["budget"].items()} == element["budget"]


def test_the_plans_table(demo):
    at = view(demo)
    shown = demo("explain", *at)
    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    assert "Procedencia de las cifras — POA DEMO-2021: Entidad Demostrativa" in out
    assert "Avance físico institucional (%): 56.33" in out and "Desviación (puntos): 16.67" in out
    assert "Presupuesto vigente total: 480,000.00" in out and "Ejecución presupuestaria (%): 61.67" in out
    assert "N° de Reformulaciones: 1" in out and "RD 01-010-21" in out
    assert demo("explain", "DEMO-2021", *at).stdout == out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("explain", "DEMO-2022"), "argument CODE: unknown code DEMO-2022 in plan DEMO-2021"),
        (("explain", "--as-of", "2021-01-03"), "option --as-of: plan DEMO-2021 is not in force at 2021-01-03"),
        (("explain", "DEMO-2021", "--known-at", "2020-12-31"), "option --known-at: plan DEMO-2021 is not in force"),
        (("explain", "--known-at", "mañana"), "option --known-at: must be a timestamp"),
        (("explain", "--plan", "OTRO-2021"), "option --plan:"),
        (("explain", "--format", "md"), "Invalid value for '--format'"),
    ],
    ids=["other-key", "before-approval", "known-before-approval", "bad-known-at", "unknown-plan", "bad-format"],
)
def test_refusals(demo, args, message):
    refused = demo(*args)
    assert refused.returncode == 2, refused.stdout
    assert message in refused.stderr
    assert refused.stdout == "" and "Traceback" not in refused.stderr
