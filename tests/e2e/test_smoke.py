"""The README's main job works: the example batch applies and reports."""

from conftest import EXAMPLES


def test_example_batch_applies_and_reports(poa):
    applied = poa("apply", str(EXAMPLES / "small-2021.yaml"))
    assert applied.returncode == 0, applied.stderr
    report = poa.json("report", "--as-of", "2021-09-30")
    assert report["plan"] == "DEMO-2021"
    assert report["summary"]["short_term_actions"] == 3
