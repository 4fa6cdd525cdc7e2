"""The README's main job works through the installed console script: the example batch
applies and reports."""

from support.builders import SMALL


def test_example_batch_applies_and_reports(poa_process):
    applied = poa_process("apply", str(SMALL))
    assert applied.returncode == 0, applied.stderr
    report = poa_process.json("report", "--as-of", "2021-09-30")
    assert report["plan"] == "DEMO-2021"
    assert report["summary"]["short_term_actions"] == 3
