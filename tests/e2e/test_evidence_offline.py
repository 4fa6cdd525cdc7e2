"""An evidence package is checked with Python alone: the checker it carries, run as a third party
would (`python3 check_evidence.py` in the package), passes it, and fails it once a file is altered."""

import subprocess
import sys

from support.builders import SMALL


def test_the_package_s_own_checker_passes_it_and_catches_an_altered_file(poa_process, tmp_path):
    assert poa_process("apply", str(SMALL)).returncode == 0
    package = tmp_path / "evidence"
    made = poa_process("evidence", "--as-of", "2021-09-30", "--output", str(package))
    assert made.returncode == 0, made.stderr
    checker = [sys.executable, "-I", "check_evidence.py"]  # isolated: nothing of the program on its path
    checked = subprocess.run(checker, cwd=package, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and "intact: plan DEMO-2021 as of 2021-09-30" in checked.stdout, checked.stderr
    report = package / "report.csv"
    report.write_bytes(report.read_bytes().replace(b"DEMO-2021", b"DEMO-2022", 1))
    checked = subprocess.run(checker, cwd=package, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1 and "report.csv: its SHA-256 or size is not the manifest's" in checked.stderr
