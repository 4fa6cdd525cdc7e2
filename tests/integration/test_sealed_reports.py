"""Sealed issued reports through the CLI, in-process, against a real store (issue 11, point 3;
docs/design.md, "Issued reports").

The store holds examples/small-2021.yaml (23 events; the `demo` fixture). Every expected value
is computed here: the SHA-256 with hashlib over the bytes `poa report --format F` prints for the
issued view (its as-of date, as known at the report's known_at), never read back from the seal.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date
from importlib import metadata

import pytest
from jsonschema import Draft202012Validator
from support.builders import Command, open_store
from support.runners import invoke

from poa.adapters import formats
from poa.adapters.report_json import schema_path
from poa.adapters.use_cases import seal as seal_of
from poa.cli.main import cli
from poa.domain.facts import ReportIssued

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

AS_OF = "2021-09-30"
REF = "Informe III-2021"
LATER = (
    "plan: DEMO-2021\nentries:\n"
    "  - progress: {code: 1.1.2, percent: 60, date: 2021-09-30}\n"
    "  - execution: {code: 1.1.2.2, amount: 7000, date: 2021-09-15}\n"
)


def run(demo, *args: str):
    """`poa ARGS` in-process against the demo's store: click's Result, with `stdout_bytes`."""
    return invoke(*args, env={"POA_STORE": str(demo.store)}, cwd=demo.cwd)


def issue(demo, fmt: str = "md", ref: str = REF) -> bytes:
    printed = run(demo, "report", "--as-of", AS_OF, "--issue", ref, "--format", fmt)
    assert printed.exit_code == 0, printed.output
    return printed.stdout_bytes


def listed(demo, ref: str = REF) -> dict:
    reports = json.loads(run(demo, "reports", "--format", "json").stdout)["reports"]
    return next(r for r in reports if r["reference"] == ref)


def at_view(demo, known_at: str, fmt: str, *more: str) -> bytes:
    """What `poa report` prints at the issued view, asked as an ordinary view."""
    result = run(demo, "report", "--as-of", AS_OF, "--known-at", known_at, "--format", fmt, *more)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def record_later(demo) -> None:
    (demo.cwd / "later.yaml").write_text(LATER, encoding="utf-8")
    assert run(demo, "apply", "later.yaml").exit_code == 0


def test_every_format_is_sealed_with_the_hash_of_what_report_prints_at_the_issued_view(demo):
    printed = issue(demo, "md")
    record_later(demo)  # later facts dated within the view change nothing of it
    report = listed(demo)
    (event,) = json.loads(run(demo, "history", "--kind", "issue", "--format", "json").stdout)["events"]
    seals = event["data"]["seals"]
    assert list(seals) == list(formats.SEALED) == ["table", "json", "csv", "md", "html", "xlsx"]  # not the PDF
    assert event["data"]["program_version"] == report["program_version"] == metadata.version("poa-ledger")
    assert event["data"]["known_at"] == report["known_at"]
    for fmt in formats.SEALED:
        expected = at_view(demo, report["known_at"], fmt)
        assert seals[fmt] == {"sha256": hashlib.sha256(expected).hexdigest()}, fmt  # the hash only, no bytes
        again = run(demo, "report", "--issued", REF, "--format", fmt)
        assert again.exit_code == 0 and again.stderr == "", again.output
        assert again.stdout_bytes == expected, fmt
    assert printed == at_view(demo, report["known_at"], "md")
    assert report["sealed"] is True and report["sha256"] == hashlib.sha256(printed).hexdigest()
    assert run(demo, "report", "--issued", REF).stdout_bytes == printed  # its own format by default
    # `poa reports` and `poa history` name the seal, never dump the bytes
    for args in (("reports",), ("history",), ("history", "--format", "json"), ("history", "--format", "csv")):
        shown = run(demo, *args)
        assert shown.exit_code == 0 and "zlib" not in shown.stdout and len(shown.stdout) < 40_000, args
    assert report["sha256"] in run(demo, "reports").stdout
    assert seals["json"]["sha256"] in run(demo, "history", "--kind", "issue").stdout


def test_the_issued_report_differs_from_the_old_view_only_by_its_known_at(demo):
    """Rendered as known at the settled "now", before its fact was recorded: as known at its
    recorded time (the view before the seal) the report would be the same but for its known_at
    — its own issue fact counts for nothing in a report."""
    issued = json.loads(issue(demo, "json"))
    report = listed(demo)
    assert issued["known_at"] == report["known_at"] != report["recorded_at"]
    old = json.loads(at_view(demo, report["recorded_at"], "json"))
    assert {**old, "known_at": issued["known_at"]} == issued


def test_an_issued_report_stays_byte_identical_when_a_renderer_changes(demo, monkeypatch):
    printed_md = issue(demo, "md")
    printed_json = issue(demo, "json", ref="Q3 json")
    record_later(demo)
    markdown, as_json = formats.REPORT["md"], formats.REPORT["json"]
    monkeypatch.setitem(formats.REPORT, "md", lambda ev, raw: markdown(ev, raw) + "\nLínea agregada por un programa nuevo.\n")
    monkeypatch.setitem(formats.REPORT, "json", lambda ev, raw: as_json(ev, raw).replace('"plan"', '"nuevo": 1,\n  "plan"', 1))
    known_at = listed(demo)["known_at"]
    assert at_view(demo, known_at, "md") != printed_md  # today's program says something else
    again = run(demo, "report", "--issued", REF)
    assert again.exit_code == 0 and again.stdout_bytes == printed_md and again.stderr == ""
    assert run(demo, "report", "--issued", "Q3 json").stdout_bytes == printed_json

    verdict = run(demo, "report", "--issued", REF, "--rerender")
    assert verdict.exit_code == 1, verdict.output
    out = verdict.stdout
    assert "  md: DIFFERS" in out and "  table: identical" in out and "  csv: identical" in out
    assert "  json: DIFFERS" in out  # the JSON renderer was changed too
    assert "+Línea agregada por un programa nuevo." in out and '+  "nuevo": 1,' in out
    assert f"sealed sha256 {hashlib.sha256(printed_md).hexdigest()}" in out
    assert "verdict: DIFFERS: 2 of the 6 sealed formats checked (json, md)" in out
    only_table = run(demo, "report", "--issued", REF, "--rerender", "--format", "table")
    assert only_table.exit_code == 0 and "md:" not in only_table.stdout, only_table.output

    monkeypatch.undo()
    same = run(demo, "report", "--issued", REF, "--rerender")
    assert same.exit_code == 0, same.output
    assert "verdict: IDENTICAL: today's program renders table, json, csv, md, html, xlsx byte for byte as issued." in same.stdout
    assert "DIFFERS" not in same.stdout


def test_rerender_is_refused_without_an_issued_report_or_with_another_view(demo):
    issue(demo)
    for args in (("--rerender",), ("--issued", REF, "--rerender", "--as-of", AS_OF),
                 ("--issued", REF, "--rerender", "--format", "csv", "--table", "results")):
        refused = run(demo, "report", *args)
        assert refused.exit_code == 2 and "option --rerender" in refused.stderr and refused.stdout == "", args
    unknown = run(demo, "report", "--issued", "Q9", "--rerender")
    assert unknown.exit_code == 2 and "option --issued" in unknown.stderr


def test_forms_that_are_not_sealed_are_rendered_by_todays_program_and_said_so(demo):
    issue(demo, "md")
    known_at = listed(demo)["known_at"]
    results = run(demo, "report", "--issued", REF, "--format", "csv", "--table", "results")
    assert results.exit_code == 0 and results.stdout_bytes == at_view(demo, known_at, "csv", "--table", "results")
    assert "not as --table results: rendered by today's program" in results.stderr
    raw = run(demo, "report", "--issued", REF, "--format", "csv", "--raw-csv")
    assert raw.exit_code == 0 and raw.stdout_bytes == at_view(demo, known_at, "csv", "--raw-csv")
    assert "not as --raw-csv: rendered by today's program" in raw.stderr


@pytest.mark.sqlite_only
@pytest.mark.parametrize("what", ["sha256", "bytes"])
def test_a_tampered_seal_is_refused(demo, what):
    printed = issue(demo, "md")
    md = hashlib.sha256(printed).hexdigest()
    with sqlite3.connect(demo.store) as db:
        rowid, state = db.execute("SELECT rowid, state FROM stored_events ORDER BY rowid DESC LIMIT 1").fetchone()
        data = json.loads(state)
        (seal,) = [s["_data_"] for s in data["fact"]["_data_"]["seals"] if s["_data_"]["format"] == "md"]
        if what == "sha256":
            assert seal["sha256"] == md
            seal["sha256"] = hashlib.sha256(b"otro informe\n").hexdigest()
        else:  # other bytes, still a valid zlib stream, under the same hash
            seal["zlib_base64"] = seal_of("md", printed + b"\nagregado\n").zlib_base64
        db.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (json.dumps(data, separators=(",", ":")).encode(), rowid))
    for args in (("report", "--issued", REF), ("report", "--issued", REF, "--rerender")):
        refused = run(demo, *args)
        assert refused.exit_code == 1 and refused.stdout == "", (args, refused.output)
        assert "Traceback" not in refused.output and ("damaged" in refused.stderr or "broken" in refused.stderr)
    if any(p.name == "no_verify" for p in cli.params):  # past the Merkle log's check, the seal's own
        refused = run(demo, "--no-verify", "report", "--issued", REF)
        assert refused.exit_code == 1 and refused.stdout == "", refused.output
        assert f"the store is damaged: issued report {REF!r}" in refused.stderr and "sealed md bytes" in refused.stderr


def test_a_report_issued_before_the_seal_is_rendered_by_todays_program_with_a_note(demo):
    ledger = open_store(str(demo.store), create=False)
    try:  # what an earlier version recorded: reference, date and format only
        ledger.record([Command("DEMO-2021", ReportIssued("VIEJO", date(2021, 9, 30), "json"), "tester", "test", 0)])
    finally:
        ledger.close()
    old = listed(demo, "VIEJO")
    assert (old["sealed"], old["program_version"], old["sha256"]) == (False, None, None)
    assert old["known_at"] == old["recorded_at"]
    record_later(demo)
    again = run(demo, "report", "--issued", "VIEJO")
    assert again.exit_code == 0, again.output
    assert again.stdout_bytes == at_view(demo, old["recorded_at"], "json")  # the view as known when recorded
    assert "report 'VIEJO' was not sealed (issued by an earlier version of the program)" in again.stderr
    assert "rendered by today's program" in again.stderr
    history = json.loads(run(demo, "history", "--kind", "issue", "--format", "json").stdout)
    assert history["events"][0]["data"] == {"format": "json"}  # its history as before
    issue(demo, "md")  # and a sealed one beside it: both valid documents of the contract
    for name, document in (("reports", json.loads(run(demo, "reports", "--format", "json").stdout)),
                           ("history", json.loads(run(demo, "history", "--format", "json").stdout))):
        schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
        assert not [e.message for e in Draft202012Validator(schema).iter_errors(document)], name
    refused = run(demo, "report", "--issued", "VIEJO", "--rerender")
    assert refused.exit_code == 2 and "was not sealed" in refused.stderr and refused.stdout == ""


def test_a_diff_from_the_issued_view_holds_its_own_issue_and_never_the_sealed_bytes(demo):
    """The issued view is as known just before its own issue was recorded: `diff` does not list
    that issue as an event of the difference; another report issued in between is listed, by its
    hashes only."""
    issue(demo, "md")
    record_later(demo)
    issue(demo, "json", ref="Q3 bis")
    diff = run(demo, "diff", "--from", f"issued:{REF}", "--to", AS_OF, "--format", "json")
    assert diff.exit_code == 0, diff.output
    events = {e["seq"]: e for e in json.loads(diff.stdout)["events"]}
    assert sorted(events) == [25, 26, 27]  # the two later records and the other issue, not seq 24
    assert set(events[27]["values"]["seals"]) == set(formats.SEALED) and "zlib" not in diff.stdout
    table = run(demo, "diff", "--from", f"issued:{REF}", "--to", AS_OF)
    assert table.exit_code == 0 and "zlib" not in table.stdout


@pytest.mark.sqlite_only  # the PDF is printed above the store
def test_the_pdf_of_an_issued_report_is_printed_from_its_sealed_html(demo):
    printed = issue(demo, "pdf")  # issuing in PDF prints the PDF of the HTML it sealed
    assert printed.startswith(b"%PDF")
    (event,) = json.loads(run(demo, "history", "--kind", "issue", "--format", "json").stdout)["events"]
    assert "pdf" not in event["data"]["seals"] and "html" in event["data"]["seals"]
    again = run(demo, "report", "--issued", REF)
    assert again.exit_code == 0 and again.stdout_bytes.startswith(b"%PDF")
    assert "printed from its sealed HTML" in again.stderr
    text = pdf_text(again.stdout_bytes)
    html = run(demo, "report", "--issued", REF, "--format", "html").stdout
    assert "Cuadro N° 3" in text and "Cuadro N° 3" in html  # the same document, printed


def pdf_text(data: bytes) -> str:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)
