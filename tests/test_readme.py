"""The README's walkthroughs run as written, and say what they claim."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def shell_blocks(section: str) -> list[str]:
    body = README.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", body, flags=re.S)


def run_walkthrough(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("POA_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )


def test_operator_and_auditor_walkthroughs_run(tmp_path):
    script = "\n".join(shell_blocks("Operator's walkthrough") + shell_blocks("Auditor's walkthrough"))
    # after the walkthrough, both views of the year end, for the auditor's claims
    script += (
        '\npoa report --as-of 2021-12-31 --known-at "$T" --format json > then.json'
        "\npoa report --as-of 2021-12-31 --format json > now.json\n"
    )
    result = run_walkthrough(tmp_path, script)
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
