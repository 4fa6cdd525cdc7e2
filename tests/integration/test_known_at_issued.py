"""`--known-at issued:REFERENCE` (in-process, against a real store holding examples/small-2021.yaml):
every reading command that takes --known-at (report, explain, reconcile, export; and the KNOWN_AT
of a diff view) reads the view as known when the report issued under REFERENCE was printed — the
very output `--known-at` gives with that report's own known_at —, and an unknown reference is
refused with exit status 2, naming the option.

The store: the example (23 entries), a publication declaring the figures of 30 Sep as the example
gives them, report Q3 issued as of 30 Sep, then, later, a correction of 1.1.2 (45 → 40 at 30 Jun)
and an execution of 1.1.2.2 (7000 on 15 Sep). As known at Q3 the later two do not exist.
"""

from __future__ import annotations

import json

import pytest

# `issued:REF` is resolved from the plan's history, above the store: these run on SQLite only
# (the issued view on PostgreSQL: tests/integration/test_sealed_reports.py, test_evidence.py)

# 30 Sep in the example: institutional progress (40·220/3 + 35·45 + 25·45) / 100 = 56.333… → 56.33;
# executed 95000 (1.1.1) + 160000 (1.1.2.1) + 0 (1.1.2.2) + 41000 (1.2.1.1) = 296000
PUBLISH = (
    "publish", "--reference", "Informe Q3", "--issued", "2021-10-10", "--date", "2021-09-30",
    "--declared", "{physical_progress_pct: 56.33, budget_executed: 296000}",
)


@pytest.fixture
def issued(demo):
    """The demo store with report Q3 issued (as JSON) and two facts recorded after it; its known_at."""
    assert demo(*PUBLISH).returncode == 0
    printed = demo("report", "--as-of", "2021-09-30", "--issue", "Q3", "--format", "json")
    assert printed.returncode == 0, printed.stderr
    later = [
        demo("progress", "--code", "1.1.2", "--percent", "40", "--date", "2021-06-30", "--note", "corrección"),
        demo("execution", "--code", "1.1.2.2", "--amount", "7000", "--date", "2021-09-15"),
    ]
    assert [r.returncode for r in later] == [0, 0], [r.stderr for r in later]
    return printed.stdout, json.loads(printed.stdout)["known_at"]


def out(poa, *args: str, status: int = 0) -> str:
    result = poa(*args)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_report_as_known_when_q3_was_issued(demo, issued):
    printed, known_at = issued
    by_reference = out(demo, "report", "--as-of", "2021-09-30", "--known-at", "issued:Q3", "--format", "json")
    assert by_reference == out(demo, "report", "--as-of", "2021-09-30", "--known-at", known_at, "--format", "json")
    # the same view as the report issued: the same bytes
    assert by_reference == printed
    report = json.loads(by_reference)
    acp = next(a for a in report["short_term_actions"] if a["code"] == "1.1.2")
    # as known then: 1.1.2 at 45 (not the later 40), executed 160000 + 0 (the 7000 not yet known)
    assert (acp["progress_pct"], acp["budget_executed"]) == ("45.00", "160000.00")
    assert report["summary"]["physical_progress_pct"] == "56.33"
    # known now it differs: (40·220/3 + 35·40 + 25·45) / 100 = 54.583… → 54.58
    now = json.loads(out(demo, "report", "--as-of", "2021-09-30", "--format", "json"))
    assert now["summary"]["physical_progress_pct"] == "54.58"
    # only the moment is the report's: another as_of, as known then (" issued: Q3 " is the same reference)
    june = out(demo, "report", "--as-of", "2021-06-30", "--known-at", " issued: Q3 ", "--format", "csv")
    assert june == out(demo, "report", "--as-of", "2021-06-30", "--known-at", known_at, "--format", "csv")
    assert json.loads(out(demo, "report", "--as-of", "2021-06-30", "--known-at", "issued:Q3", "--format", "json"))["as_of"] == "2021-06-30"


def test_explain_of_an_element_and_of_the_plan(demo, issued):
    _, known_at = issued
    for code in ("1.1.2", "DEMO-2021"):
        by_reference = out(demo, "explain", code, "--as-of", "2021-09-30", "--known-at", "issued:Q3", "--format", "json")
        assert by_reference == out(demo, "explain", code, "--as-of", "2021-09-30", "--known-at", known_at, "--format", "json")
    acp = json.loads(out(demo, "explain", "1.1.2", "--as-of", "2021-09-30", "--known-at", "issued:Q3", "--format", "json"))
    # seq 5 (45) used; the correction, recorded after Q3, not known
    assert [(e["value"], e["role"]) for e in acp["figures"]["progress_pct"]["events"]] == [
        ("45.00", "used"), ("40.00", "not_known"),
    ]
    table = out(demo, "explain", "--as-of", "2021-09-30", "--known-at", "issued:Q3")
    assert table == out(demo, "explain", "--as-of", "2021-09-30", "--known-at", known_at)


def test_reconcile_as_known_when_q3_was_issued(demo, issued):
    _, known_at = issued
    by_reference = out(demo, "reconcile", "--known-at", "issued:Q3", "--format", "json")
    assert by_reference == out(demo, "reconcile", "--known-at", known_at, "--format", "json")
    # as known then the publication agrees with the ledger (56.33, 296000) ...
    assert json.loads(by_reference)["differences"] == []
    # ... known now it does not: 54.58 and 296000 + 7000 = 303000 (exit status 1: differences found)
    now = json.loads(out(demo, "reconcile", "--format", "json", status=1))
    assert {(d["figure"], d["computed"]) for d in now["differences"]} == {
        ("physical_progress_pct", "54.58"), ("budget_executed", "303000.00"),
    }


def test_export_and_the_known_at_of_a_diff_view(demo, issued):
    _, known_at = issued
    for what in ("evaluation", "facts"):
        by_reference = out(demo, "export", "--what", what, "--format", "json", "--known-at", "issued:Q3")
        assert by_reference == out(demo, "export", "--what", what, "--format", "json", "--known-at", known_at)
    by_reference = json.loads(out(demo, "diff", "--from", "2021-09-30@issued:Q3", "--to", "2021-09-30", "--format", "json"))
    by_time = json.loads(out(demo, "diff", "--from", f"2021-09-30@{known_at}", "--to", "2021-09-30", "--format", "json"))
    assert by_reference["from"] == by_time["from"] == {"as_of": "2021-09-30", "known_at": known_at, "issued": None}
    # the later view is "now" in each run: everything else is the same
    assert {k: v for k, v in by_reference.items() if k != "to"} == {k: v for k, v in by_time.items() if k != "to"}
    # seq 24 the publication, 25 report Q3, then 26 the correction and 27 the execution: unknown at Q3
    assert {e["seq"] for e in by_reference["events"]} >= {26, 27}
    assert 24 not in {e["seq"] for e in by_reference["events"]}


def test_export_of_every_plan_asks_for_the_plan_of_the_reference(demo, issued):
    approved = demo("approve", "-", "--plan", "OTRO-2021", input=(
        "entity: Otra\nyear: 2021\ndate: 2021-01-04\nreference: RA 1\n"
        "strategic_actions: [{code: '1', title: A}]\n"
        "short_term_actions: [{code: '1.1', parent: '1', title: B, weight: 100}]\n"
    ))
    assert approved.returncode == 0, approved.stderr
    refused = demo("export", "--what", "plans", "--known-at", "issued:Q3")
    assert refused.returncode == 2
    assert "option --known-at: 'issued:Q3' names a report of one plan: choose the plan with --plan" in refused.stderr
    _, known_at = issued
    assert out(demo, "export", "--what", "plans", "--plan", "DEMO-2021", "--known-at", "issued:Q3") == out(
        demo, "export", "--what", "plans", "--plan", "DEMO-2021", "--known-at", known_at
    )


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("report", "--as-of", "2021-09-30"), "option --known-at"),
        (("explain", "1.1.2"), "option --known-at"),
        (("explain",), "option --known-at"),
        (("reconcile",), "option --known-at"),
        (("export", "--what", "evaluation"), "option --known-at"),
    ],
    ids=["report", "explain-element", "explain-plan", "reconcile", "export"],
)
def test_an_unknown_reference_is_refused_naming_the_option(demo, issued, args, option):
    refused = demo(*args, "--known-at", "issued:Q4")
    assert refused.returncode == 2, refused.stderr
    assert f"{option}: no report issued as 'Q4' (issued: 'Q3')" in refused.stderr
    assert refused.stdout == "" and "Traceback" not in refused.stderr


def test_an_unknown_reference_in_a_diff_view_is_refused(demo, issued):
    refused = demo("diff", "--from", "2021-09-30@issued:Q4", "--to", "2021-09-30")
    assert refused.returncode == 2
    assert "option --from: KNOWN_AT no report issued as 'Q4' (issued: 'Q3')" in refused.stderr


def test_a_store_without_issued_reports_says_so(demo):
    refused = demo("report", "--known-at", "issued:Q3")
    assert refused.returncode == 2
    assert "option --known-at: no report issued as 'Q3' (issued: none)" in refused.stderr
