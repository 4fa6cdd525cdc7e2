"""The documentation runs as written: the README's walkthroughs and the auditor's guide."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from support.builders import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "auditors-guide.md").read_text(encoding="utf-8")


def shell_blocks(text: str, section: str | None = None) -> list[str]:
    if section is not None:
        text = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def run_script(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POA_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_operator_and_auditor_walkthroughs_run(tmp_path):
    script = "\n".join(shell_blocks(README, "Operator's walkthrough") + shell_blocks(README, "Auditor's walkthrough"))
    # after the walkthrough, both views of the year end, for the auditor's claims
    script += (
        '\npoa report --as-of 2021-12-31 --known-at "$T" --format json > then.json'
        "\npoa report --as-of 2021-12-31 --format json > now.json\n"
    )
    result = run_script(tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    def acp(name: str, code: str) -> dict:
        report = json.loads((tmp_path / name).read_text())
        return next(a for a in report["short_term_actions"] if a["code"] == code)

    # the auditor's claims: 45.00 as known when printed, 60.00 as known now
    assert acp("then.json", "1.1.2")["progress_pct"] == "45.00"
    assert acp("now.json", "1.1.2")["progress_pct"] == "60.00"
    # the operator's reformulation: 1.1.1.2 cancelled, weights 45 + 35 + 20
    now = json.loads((tmp_path / "now.json").read_text())
    assert next(o for o in now["operations"] if o["code"] == "1.1.1.2")["status"] == "cancelled"
    assert now["summary"]["weights_total"] == "100.00"


def test_the_auditors_guide_runs_and_says_what_it_claims(tmp_path):
    script = "\n".join(shell_blocks(GUIDE))
    script += (
        '\nexport POA_STORE=audit.db'
        '\npoa diff --from "issued:Informe III trimestre 2021" --to 2021-09-30 --format json > diff.json'
        "\npoa reconcile --store an.db --format json > reconcile.json || true\n"
    )
    result = run_script(tmp_path, script)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "identical to the issued report" in result.stdout
    assert "refused: the plan is closed" in result.stdout
    assert "the published report disagrees with its own data" in result.stdout
    assert "intact: report 'Informe III trimestre 2021' as issued, plan DEMO-2021" in result.stdout  # check_evidence.py
    assert "evidencia: intact: plan DEMO-2021 as of 2021-09-30" in result.stdout  # poa verify --package

    diff = json.loads((tmp_path / "diff.json").read_text())
    # the two records made after the issued report (seqs 25, 26), the first correcting seq 18
    corrections = {e["seq"]: e["corrects"] for e in diff["events"]}
    assert corrections == {25: 18, 26: None}
    changed = {(e["code"], d["figure"]): (d["from"], d["to"]) for e in diff["elements"] for d in e["differences"]}
    assert changed[("1.2.1.1", "progress_pct")] == ("45.00", "50.00")
    assert changed[("1.1.2", "budget_executed")] == ("160000.00", "167000.00")
    provenance = json.loads((tmp_path / "provenance.json").read_text())
    assert provenance["element"]["code"] == "1.2.1"
    # the guide's five differences of the Aduana report
    reconciled = json.loads((tmp_path / "reconcile.json").read_text())
    assert (reconciled["schema_version"], reconciled["reports"]) == ("2.0", 1)
    figures = {(d["code"], d["figure"]) for d in reconciled["differences"]}
    assert figures == {
        (None, "operations"), (None, "tasks"), (None, "budget_executed"), (None, "physical_progress_pct"),
        ("6.2.5", "budget_current"),
    }


def test_the_other_tools_walkthrough_runs(tmp_path):
    """The Aduana example through the read model, an export and a data package, checked against
    the figures worked by hand in examples/aduana-nacional-2020.md (Q4: current budget
    578,301,240.00; physical progress Σw·p / Σw = 8,070.88 / 99 = 81.52; 4 strategic actions,
    19 short-term actions, 44 operations, no tasks)."""
    result = run_script(tmp_path, "\n".join(shell_blocks(README, "Other tools' walkthrough")))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    # the second `poa project` read nothing new: the first had taken every event
    assert "poa-read.db: 0 new events" in result.stderr

    import sqlite3

    with sqlite3.connect(tmp_path / "poa-read.db") as db:
        q4 = db.execute(
            "SELECT budget_current, physical_progress_pct, short_term_actions, operations FROM plan_evaluation "
            "WHERE plan = 'AN-2020' AND as_of = '2020-12-31'"
        ).fetchone()
        assert q4 == ("578301240.00", "81.52", 19, 44)
        assert db.execute("SELECT COUNT(*) FROM cuadro_3 WHERE as_of = '2020-12-31'").fetchone() == (19,)
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert "cuadro_3" in metadata["databases"]["poa-read"]["tables"]

    lines = (tmp_path / "evaluation-q4.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 4 + 19 + 44 and all(",2020-12-31," in line for line in lines[1:])

    package = json.loads((tmp_path / "open-data" / "datapackage.json").read_text())
    assert {r["name"] for r in package["resources"]} == {
        "plans", "elements", "facts", "budget_lines", "budget", "evaluation", "plan_evaluation",
    }
    assert json.loads((tmp_path / "report.json").read_text())["schema_version"] == "2.0"
