"""`poa export` in-process (docs/open-data.md): every table in every format reads back as the same
rows, views at --as-of / --known-at show exactly the facts visible there (a late correction), the
output file is written atomically, and bad input is refused with exit 2 naming the option.
Expected values are worked out from examples/small-2021.yaml and the rules, not copied from output."""

from __future__ import annotations

import csv
import io
import json

import pytest

from poa.adapters.exports import TABLES, WHAT

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL


def ok(ran):
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr
    return ran.stdout


def refused(ran, option):
    assert ran.returncode == 2, (ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr
    assert f"--{option}" in ran.stderr, ran.stderr
    return ran.stderr


def as_text(value) -> str:
    """A JSON value as its CSV cell (an object as its JSON text)."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


@pytest.mark.parametrize("what", WHAT)
def test_every_table_reads_back_the_same_rows_in_every_format(demo, what):
    from_csv = list(csv.DictReader(io.StringIO(ok(demo("export", "--what", what, "--raw-csv")))))
    document = json.loads(ok(demo("export", "--what", what, "--format", "json")))
    lines = [json.loads(line) for line in ok(demo("export", "--what", what, "--format", "jsonl")).splitlines()]
    assert (document["schema_version"], document["table"], document["as_of"], document["known_at"]) == ("2.0", what, None, None)
    assert from_csv and list(from_csv[0]) == list(TABLES[what].columns)
    assert document["rows"] == lines
    assert [{k: as_text(v) for k, v in row.items()} for row in lines] == from_csv


def test_amounts_are_two_place_strings_in_json_and_plain_numbers_in_csv(demo):
    # the approval of DEMO-2021: 1.1.1.1 has TGN 100000 (budget line 1 of seq 1 is its first source as written)
    lines = [json.loads(line) for line in ok(demo("export", "--what", "budget_lines", "--format", "jsonl")).splitlines()]
    assert (lines[0]["seq"], lines[0]["code"], lines[0]["source"], lines[0]["amount"], lines[0]["date"]) == (
        1, "1.1.1.1", "TGN", "100000.00", "2021-01-04")
    assert lines[0]["recorded_at"].endswith("Z")
    row = next(csv.DictReader(io.StringIO(ok(demo("export", "--what", "budget_lines")))))
    assert (row["amount"], row["seq"], row["line"]) == ("100000.00", "1", "1")


def late_correction(demo) -> str:
    """The example, then a correction of 1.1.1.2's Q2 progress (50 -> 55) recorded later; returns
    the recorded time of the example's last fact (seq 23): a moment before the correction."""
    ok(demo("progress", "--code", "1.1.1.2", "--percent", "55", "--date", "2021-06-30"))
    history = demo.json("history")["events"]
    assert [e["seq"] for e in history] == list(range(1, 25))
    return history[22]["recorded_at"]


def facts(demo, *view) -> list[dict]:
    return [json.loads(line) for line in ok(demo("export", "--what", "facts", "--format", "jsonl", *view)).splitlines()]


def test_facts_visible_at_a_view(demo):
    before = late_correction(demo)
    assert [f["seq"] for f in facts(demo, "--known-at", before)] == list(range(1, 24))
    now = facts(demo)
    assert (now[-1]["seq"], now[-1]["percent"], now[-1]["corrects_seq"]) == (24, "55.00", 4)  # entry 4 of the example
    # dated on or before 2021-06-30: the approval and the nine Q2 records (seqs 2-10), and the correction once known
    assert [f["seq"] for f in facts(demo, "--as-of", "2021-06-30", "--known-at", before)] == list(range(1, 11))
    assert [f["seq"] for f in facts(demo, "--as-of", "2021-06-30")] == list(range(1, 11)) + [24]


def test_evaluation_at_a_view_is_the_one_date_as_known_then(demo):
    before = late_correction(demo)

    def progress(*known):
        out = ok(demo("export", "--what", "evaluation", "--format", "json", "--as-of", "2021-06-30", *known))
        rows = [r for r in json.loads(out)["rows"] if r["code"] == "1.1.1.2"]
        assert [r["as_of"] for r in rows] == ["2021-06-30"]
        return rows[0]["progress_pct"], rows[0]["known_at"]

    assert progress("--known-at", before) == ("50.00", before.replace("+00:00", "Z"))  # the history gives +00:00
    assert progress()[0] == "55.00"
    # without --as-of: every quarter end (the latest cut-off, 2021-09-30, is one)
    rows = json.loads(ok(demo("export", "--what", "plan_evaluation", "--format", "json")))["rows"]
    assert [r["as_of"] for r in rows] == ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"]


def test_elements_in_force_at_a_date(demo):
    def versions(day):
        out = ok(demo("export", "--what", "elements", "--format", "json", "--as-of", day))
        return {r["code"]: r for r in json.loads(out)["rows"]}

    june, october = versions("2021-06-30"), versions("2021-10-01")
    assert "1.1.2.2" not in june and october["1.1.2.2"]["valid_from"] == "2021-07-15"  # added by the reformulation
    assert (june["1.2.1"]["weight"], october["1.2.1"]["weight"]) == ("30.00", "25.00")
    assert (june["1.2.1"]["version"], october["1.2.1"]["version"]) == (1, 2)
    # 1.1.1.2: approved 30000 Otros, -10000 on 2021-08-02
    assert (june["1.1.1.2"]["budget_current"], october["1.1.1.2"]["budget_current"]) == ("30000.00", "20000.00")
    everything = json.loads(ok(demo("export", "--what", "elements", "--format", "json")))["rows"]
    assert len([r for r in everything if r["code"] == "1.2.1"]) == 2  # without --as-of: every version


def test_output_is_written_atomically_and_replaces_a_file(demo, tmp_path):
    target = tmp_path / "out" / "budget.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    ran = demo("export", "--what", "budget", "--output", str(target))
    assert ok(ran) == ""
    assert target.read_text(encoding="utf-8") == ok(demo("export", "--what", "budget"))
    assert [p.name for p in target.parent.iterdir()] == ["budget.csv"]  # no temporary file left
    assert "budget row(s) written" in ran.stderr


def test_only_the_plan_named(demo, tmp_path):
    ok(demo("approve", "--plan", "OTRO-2021", str(structure(tmp_path))))
    rows = list(csv.DictReader(io.StringIO(ok(demo("export", "--what", "plans")))))
    assert [r["plan"] for r in rows] == ["DEMO-2021", "OTRO-2021"]
    rows = list(csv.DictReader(io.StringIO(ok(demo("export", "--what", "plans", "--plan", "OTRO-2021")))))
    assert [(r["plan"], r["entity"], r["events"]) for r in rows] == [("OTRO-2021", "Otra", "1")]


def structure(folder):
    path = folder / "otro.yaml"
    path.write_text(
        "entity: Otra\nyear: 2021\ndate: 2021-02-01\nreference: RA 1\n"
        "strategic_actions: [{code: '1', title: A}]\n"
        "short_term_actions: [{code: '1.1', parent: '1', title: B, weight: 100}]\n"
        "operations: [{code: '1.1.1', parent: '1.1', title: C, budget: {TGN: 10}}]\n"
    )
    return path


def test_csv_cells_are_neutralised_unless_raw(poa, tmp_path):
    approval = structure(tmp_path).read_text().replace("title: C", "title: '=HYPERLINK(1)'")
    (tmp_path / "f.yaml").write_text(approval)
    ok(poa("approve", "--plan", "F-2021", str(tmp_path / "f.yaml")))
    rows = list(csv.DictReader(io.StringIO(ok(poa("export", "--what", "elements")))))
    assert rows[-1]["title"] == "'=HYPERLINK(1)"
    rows = list(csv.DictReader(io.StringIO(ok(poa("export", "--what", "elements", "--raw-csv")))))
    assert rows[-1]["title"] == "=HYPERLINK(1)"


def test_refusals_name_the_option(demo, tmp_path):
    refused(demo("export", "--what", "nothing"), "what")
    refused(demo("export"), "what")
    refused(demo("export", "--what", "facts", "--as-of", "2021-13-01"), "as-of")
    refused(demo("export", "--what", "facts", "--known-at", "yesterday"), "known-at")
    refused(demo("export", "--what", "facts", "--format", "json", "--raw-csv"), "raw-csv")
    refused(demo("export", "--what", "facts", "--plan", "NOPE"), "plan")
    refused(demo("export", "--what", "facts", "--output", str(tmp_path / "missing" / "f.csv")), "output")
    refused(demo("export", "--what", "facts", "--output", str(tmp_path)), "output")
    refused(demo("export", "--datapackage", str(tmp_path / "p"), "--what", "facts"), "what")
    refused(demo("export", "--datapackage", str(tmp_path / "p"), "--format", "json"), "format")
    refused(demo("export", "--datapackage", str(tmp_path / "p"), "--output", "x.csv"), "output")
    refused(demo("export", "--datapackage", str(tmp_path / "missing" / "p")), "datapackage")
    assert not (tmp_path / "p").exists()


def test_a_package_replaces_a_previous_one_never_another_folder(demo, tmp_path):
    folder = tmp_path / "pkg"
    ok(demo("export", "--datapackage", str(folder)))
    first = (folder / "facts.csv").read_text(encoding="utf-8")
    ok(demo("progress", "--code", "1.2.1.1", "--percent", "50", "--date", "2021-10-05"))
    ok(demo("export", "--datapackage", str(folder)))  # a previous package: replaced
    assert (folder / "facts.csv").read_text(encoding="utf-8").startswith(first) and len(first) < len((folder / "facts.csv").read_text())
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # nothing left aside
    (folder / "notes.txt").write_text("mine")  # now the folder holds something the package does not list
    refused(demo("export", "--datapackage", str(folder)), "datapackage")
    assert (folder / "notes.txt").read_text() == "mine" and (folder / "facts.csv").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.csv").write_text("a\n")
    refused(demo("export", "--datapackage", str(other)), "datapackage")
    assert [p.name for p in other.iterdir()] == ["data.csv"]
    (tmp_path / "file").write_text("x")
    refused(demo("export", "--datapackage", str(tmp_path / "file")), "datapackage")
    empty = tmp_path / "empty"
    empty.mkdir()
    ok(demo("export", "--datapackage", str(empty)))
    assert (empty / "datapackage.json").exists()
