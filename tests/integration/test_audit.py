"""The auditor's commands (in-process, against a real store): issued reports, history filters,
closing and reopening.

The store holds examples/small-2021.yaml, whose events are, in recorded order:
 1 approve (01-04) · 2–6 progress at 06-30 (1.1.1.1.1, 1.1.1.1.2, 1.1.1.2, 1.1.2, 1.2.1.1)
 7–10 execution at 06-30 (1.1.1.1 TGN, 1.1.1.1 Otros, 1.1.2.1, 1.2.1.1) · 11 reformulate (07-15)
 12–13 budget RA 045/2021 (08-02: 1.1.1.2 −10000, 1.1.1.1 +10000)
 14–18 progress at 09-30 (1.1.1.1.2, 1.1.1.2, 1.1.2.1, 1.1.2.2, 1.2.1.1)
 19–21 execution at 09-30 (1.1.1, 1.1.2.1, 1.2.1.1) · 22 result 1.1.2 · 23 justify 1.2.1
"""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL


def seqs(events: list[dict]) -> list[int]:
    return [e["seq"] for e in events]


def acp(report: dict, code: str) -> dict:
    return next(a for a in report["short_term_actions"] if a["code"] == code)


def write(poa, name: str, text: str) -> str:
    path = poa.cwd / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- issued reports -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md"])
def test_an_issued_report_is_reproduced_byte_for_byte_after_corrections(demo, fmt):
    ref = f"Informe III-2021 ({fmt})"
    printed = demo("report", "--as-of", "2021-09-30", "--issue", ref, "--format", fmt)
    assert printed.returncode == 0, printed.stderr
    # afterwards: a correction of 1.1.2 at 09-30 and a late record for Q3, then more of Q4
    later = write(
        demo,
        "later.yaml",
        "plan: DEMO-2021\nentries:\n"
        "  - progress: {code: 1.1.2, percent: 60, date: 2021-09-30}\n"
        "  - execution: {code: 1.1.2.2, amount: 7000, date: 2021-09-15}\n"
        "  - progress: {code: 1.1.2.2, percent: 90, date: 2021-12-31}\n",
    )
    assert demo("apply", later).returncode == 0
    again = demo("report", "--issued", ref)  # the issued format is the default
    assert again.returncode == 0, again.stderr
    assert again.stdout == printed.stdout
    assert ref in demo("reports").stdout


def test_the_issued_view_known_now_shows_the_corrections(demo):
    issued = demo.json("report", "--as-of", "2021-09-30", "--issue", "Q3")
    # as issued: 1.1.2 = its direct record 45 (06-30); executed 160000 (1.1.2.1) + 0 (1.1.2.2)
    assert acp(issued, "1.1.2")["progress_pct"] == "45.00"
    assert acp(issued, "1.1.2")["budget_executed"] == "160000.00"
    later = write(
        demo,
        "later.yaml",
        "plan: DEMO-2021\nentries:\n"
        "  - progress: {code: 1.1.2, percent: 60, date: 2021-09-30}\n"
        "  - execution: {code: 1.1.2.2, amount: 7000, date: 2021-09-15}\n",
    )
    assert demo("apply", later).returncode == 0
    (listed,) = demo.json("reports")["reports"]
    assert (listed["reference"], listed["as_of"], listed["format"], listed["seq"]) == ("Q3", "2021-09-30", "json", 24)
    # the issued report carries the moment it was rendered at (just before its recording) as known_at
    assert issued["known_at"] == listed["known_at"]
    same = demo.json("report", "--as-of", "2021-09-30", "--known-at", listed["known_at"])
    assert same == issued
    now = demo.json("report", "--as-of", "2021-09-30")
    # known now: the later record for 09-30 wins (60); executed 160000 + 7000 = 167000
    assert acp(now, "1.1.2")["progress_pct"] == "60.00"
    assert acp(now, "1.1.2")["budget_executed"] == "167000.00"


def test_issue_and_issued_refusals(demo):
    assert demo("report", "--as-of", "2021-09-30", "--issue", "Q3").returncode == 0
    twice = demo("report", "--as-of", "2021-09-30", "--issue", "Q3")
    assert twice.returncode == 2 and "already issued" in twice.stderr and "option --issue" in twice.stderr
    unknown = demo("report", "--issued", "Q9")
    assert unknown.returncode == 2 and "option --issued" in unknown.stderr and "'Q3'" in unknown.stderr
    mixed = demo("report", "--issued", "Q3", "--as-of", "2021-06-30")
    assert mixed.returncode == 2 and "option --issued" in mixed.stderr
    with_known_at = demo("report", "--issue", "Q3b", "--known-at", "2021-10-01")
    assert with_known_at.returncode == 2 and "option --known-at" in with_known_at.stderr
    outside = demo("report", "--issue", "2022", "--as-of", "2022-03-31")
    assert outside.returncode == 2 and "outside the plan's year" in outside.stderr
    assert seqs(demo.json("history", "--kind", "issue")["events"]) == [24]  # the refused ones stored nothing


# -- history filters ----------------------------------------------------------------------------


def test_history_by_code_with_and_without_descendants(demo):
    # 1.1.1 itself: the approval (every code) and its own execution at 09-30
    assert seqs(demo.json("history", "--code", "1.1.1")["events"]) == [1, 19]
    # with its operations 1.1.1.1, 1.1.1.2 and tasks 1.1.1.1.1, 1.1.1.1.2
    assert seqs(demo.json("history", "--code", "1.1.1", "--descendants")["events"]) == [1, 2, 3, 4, 7, 8, 12, 13, 14, 15, 19]
    # the reformulation touches 1.1.2.2 (added), 1.1.2, 1.2.1 (weights) and 1.2.1.1 (budget line)
    assert seqs(demo.json("history", "--code", "1.1.2.2")["events"]) == [11, 17]
    unknown = demo("history", "--code", "9.9")
    assert unknown.returncode == 2 and "option --code" in unknown.stderr


def test_history_by_kind_reference_and_effective_dates(demo):
    assert seqs(demo.json("history", "--kind", "budget")["events"]) == [12, 13]
    assert seqs(demo.json("history", "--kind", "budget", "--kind", "reformulate")["events"]) == [11, 12, 13]
    assert seqs(demo.json("history", "--reference", "RA 045/2021")["events"]) == [12, 13]
    assert seqs(demo.json("history", "--from", "2021-07-01", "--to", "2021-08-31")["events"]) == [11, 12, 13]
    assert seqs(demo.json("history", "--to", "2021-01-31")["events"]) == [1]
    bad = demo("history", "--from", "2021-02-30")
    assert bad.returncode == 2 and "option --from" in bad.stderr


def test_history_by_actor_and_recorded_time(demo):
    first = demo.json("history")["events"]
    time.sleep(0.01)
    later = write(demo, "later.yaml", "plan: DEMO-2021\nentries:\n  - progress: {code: 1.1.2, percent: 60, date: 2021-09-30}\n")
    assert demo("apply", later, env={"POA_ACTOR": "auditora"}).returncode == 0
    assert seqs(demo.json("history", "--actor", "auditora")["events"]) == [24]
    assert seqs(demo.json("history", "--actor", "tester")["events"]) == list(range(1, 24))
    last_first = first[-1]["recorded_at"]
    # --until the last event of the first batch: the first batch; --since just after: only seq 24
    assert seqs(demo.json("history", "--until", last_first)["events"]) == list(range(1, 24))
    after = demo.json("history")["events"][-1]["recorded_at"]
    assert seqs(demo.json("history", "--since", after)["events"]) == [24]
    csv_out = demo("history", "--actor", "auditora", "--format", "csv")
    assert csv_out.stdout.splitlines()[0] == "seq,recorded_at,kind,plan,date,reference,actor,batch,initial_load,data"
    assert len(csv_out.stdout.splitlines()) == 2


def test_history_late_records(demo):
    events = demo.json("history")["events"]
    reformulation = events[10]
    assert reformulation["kind"] == "reformulate" and reformulation["date"] == "2021-07-15"
    days = (date.fromisoformat(reformulation["recorded_at"][:10]) - date(2021, 7, 15)).days
    # everything was recorded (on the same day) years after 2021: more than `days` late are
    # exactly the facts dated before 07-15, i.e. seqs 1–10 (approval and the 06-30 records)
    assert seqs(demo.json("history", "--late", str(days))["events"]) == list(range(1, 11))
    assert seqs(demo.json("history", "--late", str(days), "--kind", "execution")["events"]) == [7, 8, 9, 10]


# -- closing ------------------------------------------------------------------------------------


def test_a_closed_plan_refuses_facts_of_its_year_until_reopened(demo):
    closed = demo("close", "--date", "2022-01-31", "--reference", "RA 010/2022")
    assert closed.returncode == 0, closed.stderr
    before = demo.json("history")["events"]
    refused = demo("progress", "--code", "1.1.2", "--percent", "70", "--date", "2021-12-31")
    assert refused.returncode == 2 and "closed" in refused.stderr and "RA 010/2022" in refused.stderr
    assert "Traceback" not in refused.stderr
    batch = write(demo, "late.yaml", "plan: DEMO-2021\nentries:\n  - result: {code: 1.1.2, date: 2021-12-31, text: x}\n")
    in_batch = demo("apply", batch)
    assert in_batch.returncode == 2 and "late.yaml: entry 1 (result)" in in_batch.stderr
    assert demo.json("history")["events"] == before  # nothing stored
    twice = demo("close", "--date", "2022-02-01", "--reference", "RA 011/2022")
    assert twice.returncode == 2 and "already closed" in twice.stderr
    # the closing is shown by the report, whatever its as_of
    report = demo.json("report", "--as-of", "2021-12-31")
    assert report["closed"]["reference"] == "RA 010/2022" and report["closed"]["date"] == "2022-01-31"
    assert "Gestión cerrada el 31 de enero de 2022 (RA 010/2022)" in demo("report", "--format", "md").stdout
    # a report can still be issued about a closed year
    assert demo("report", "--as-of", "2021-12-31", "--issue", "Cierre 2021").returncode == 0

    reopened = demo("reopen", "--date", "2022-02-10", "--reference", "RA 015/2022", "--reason", "Corrección de avance")
    assert reopened.returncode == 0, reopened.stderr
    assert demo("progress", "--code", "1.1.2", "--percent", "70", "--date", "2021-12-31").returncode == 0
    kinds = [e["kind"] for e in demo.json("history", "--kind", "close", "--kind", "reopen")["events"]]
    assert kinds == ["close", "reopen"]
    reopened_report = demo.json("report", "--as-of", "2021-12-31")
    assert reopened_report["closed"] is None
    # both stay visible in the report
    assert [(c["kind"], c["reference"], c["reason"]) for c in reopened_report["closings"]] == [
        ("close", "RA 010/2022", None),
        ("reopen", "RA 015/2022", "Corrección de avance"),
    ]
    assert "Reabierta el 10 de febrero de 2022 (RA 015/2022): Corrección de avance." in demo("report", "--format", "md").stdout
    not_closed = demo("reopen", "--date", "2022-02-11", "--reference", "x", "--reason", "y")
    assert not_closed.returncode == 2 and "not closed" in not_closed.stderr


def test_closing_is_an_entry_kind_of_batches(demo):
    batch = write(
        demo,
        "close.json",
        json.dumps({"plan": "DEMO-2021", "entries": [{"close": {"date": "2022-01-31", "reference": "RA 1"}}]}),
    )
    assert demo("apply", batch).returncode == 0
    (event,) = demo.json("history", "--kind", "close")["events"]
    assert (event["date"], event["reference"], event["data"]) == ("2022-01-31", "RA 1", {})
