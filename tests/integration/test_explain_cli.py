"""`poa explain` (in-process, against a real store holding examples/small-2021.yaml): its JSON
matches the report and marks a correction; its table, and its refusals. The provenance
itself, on a history written by hand, is in tests/unit/test_explain.py.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

CORRECTION = """
plan: DEMO-2021
entries:
  - progress: {code: 1.1.2, percent: 40, date: 2021-06-30, note: "corrección"}
"""


def test_cli_json_matches_the_report_and_marks_a_correction(demo):
    # examples/small-2021.yaml: seq 5 is progress 1.1.2 = 45 at 30 Jun; 23 entries in all
    first_batch_known = demo.json("history")["events"][-1]["recorded_at"]
    corrected = demo("apply", "-", input=CORRECTION)  # seq 24
    assert corrected.returncode == 0, corrected.stderr
    data = demo.json("explain", "1.1.2", "--as-of", "2021-09-30")
    assert data["element"] == {"code": "1.1.2", "kind": "short_term_action", "parent": "1.1",
                               "title": "Ampliar la atención en línea", "status": "active"}
    f = data["figures"]
    # the correction (40, seq 24) wins over seq 5 (45), same date 30 Jun
    assert (f["progress_pct"]["rule"], f["progress_pct"]["value"]) == ("direct_record", "40.00")
    assert [(e["seq"], e["role"]) for e in f["progress_pct"]["events"]] == [(5, "corrected"), (24, "used")]
    # budget: TGN 250000 (1.1.2.1, approval); Otros 15000 (1.1.2.2 added by RD 01-010-21, seq 11)
    assert [(e["seq"], e["action"], e["code"], e["value"]) for e in f["budget"]["TGN"]["events"]] == [
        (1, "approve", "1.1.2.1", "250000.00")]
    assert [(e["seq"], e["action"], e["code"], e["value"]) for e in f["budget"]["Otros"]["events"]] == [
        (11, "add", "1.1.2.2", "15000.00")]
    assert f["budget_current"]["value"] == "265000.00"
    # executed: no own record → 1.1.2.1 160000 (30 Sep, seq 20) + 1.1.2.2 0 = 160000;
    # 160000 / 265000 × 100 = 60.3773… → 60.38
    assert (f["budget_executed"]["rule"], f["budget_executed"]["value"]) == ("sum_over_operations", "160000.00")
    assert [(p["code"], p["value"]) for p in f["budget_executed"]["parts"]] == [("1.1.2.1", "160000.00"), ("1.1.2.2", "0.00")]
    assert f["budget_execution_pct"]["value"] == "60.38"
    # every value is the report's for the same as_of
    report = demo.json("report", "--as-of", "2021-09-30")
    element = next(a for a in report["short_term_actions"] if a["code"] == "1.1.2")
    for key in ("status", "weight", "progress_pct", "programmed_pct", "deviation_pts",
                "budget_current", "budget_executed", "budget_execution_pct"):
        assert f[key]["value"] == element[key], key
    assert {s: x["value"] for s, x in f["budget"].items()} == element["budget"]
    # as known before the correction: seq 5 is used, seq 24 not known
    then = demo.json("explain", "1.1.2", "--as-of", "2021-09-30", "--known-at", first_batch_known)
    assert then["figures"]["progress_pct"]["value"] == "45.00"
    assert [(e["seq"], e["role"]) for e in then["figures"]["progress_pct"]["events"]] == [(5, "used"), (24, "not_known")]


def test_cli_table_and_refusals(demo):
    shown_table = demo("explain", "1.1.1", "--as-of", "2021-09-30")
    assert shown_table.returncode == 0, shown_table.stderr
    out = shown_table.stdout
    # 1.1.1 = (2·70 + 1·80) / 3 = 73.33 (test_cli_report's worked example)
    assert "Procedencia de las cifras — Acción de Corto Plazo 1.1.1" in out
    assert "Avance físico (%): 73.33" in out and "Promedio ponderado" in out
    assert "1.1.1.1.2" in out and "usado" in out
    unknown = demo("explain", "9.9")
    assert unknown.returncode == 2
    assert "argument CODE: unknown code 9.9 in plan DEMO-2021" in unknown.stderr
    early = demo("explain", "1.1.1", "--as-of", "2021-01-03")
    assert early.returncode == 2
    assert "not in force at 2021-01-03" in early.stderr
    assert "Traceback" not in unknown.stderr + early.stderr
