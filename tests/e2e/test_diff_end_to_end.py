"""`poa diff` end to end through the real console script: the diff scenario
(tests/support/diff_scenario.py) written as batch files, `poa apply`, `poa report --issue`,
`poa diff --from issued:REF` and `poa report --issued`."""

from __future__ import annotations

import json

from support.diff_scenario import LATE, PLAN, Q3, Q4, REPORT


def test_cli_end_to_end_with_a_report_issued_by_poa_report(poa_process, tmp_path):
    """The same scenario through the CLI only: `poa apply`, `poa report --issue`, `poa diff --from issued:REF`."""
    poa = poa_process
    for name, entries in (("q3", Q3), ("q4", Q4), ("late", LATE)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"plan": PLAN, "entries": entries}))
    assert poa("apply", str(tmp_path / "q3.json")).returncode == 0
    printed = poa.json("report", "--as-of", "2021-09-30", "--issue", REPORT)
    for name in ("q4", "late"):
        assert poa("apply", str(tmp_path / f"{name}.json")).returncode == 0

    result = poa.json("diff", "--from", f"issued:{REPORT}", "--to", "2021-09-30")
    assert [(e["seq"], e["because"]) for e in result["events"]] == [(22, "recorded"), (23, "recorded")]
    summary = {d["figure"]: (d["from"], d["to"]) for d in result["summary"]}
    assert summary == {
        "budget_executed": ("1400.00", "1700.00"),
        "budget_execution_pct": ("27.45", "33.33"),
        "physical_progress_pct": ("40.00", "42.00"),
        "deviation_pts": ("33.00", "31.00"),
        # as in tests/unit/test_diff.py: efficacy 40/73 → 42/73, weighted with execution 27.45 → 33.33
        "physical_efficacy_pct": ("54.79", "57.53"),
        "efficiency_pct": ("41.12", "45.43"),
        "relative_efficiency": ("2.00", "1.73"),
    }
    for figure, (before, _) in summary.items():  # "from" is what the issued report printed
        assert printed["summary"][figure] == before, figure
    reprinted = poa.json("report", "--issued", REPORT)
    assert reprinted["summary"] == printed["summary"]
