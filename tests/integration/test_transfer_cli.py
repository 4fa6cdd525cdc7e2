"""`poa transfer` in-process against a real store holding examples/small-2021.yaml (the `demo`
fixture): one fact, one atomic change, shown as one line with both sides in every report form;
a refused transfer exits 2 naming its option and stores nothing.

By hand, from the example (tests/integration/test_cli_report.py): 1.1.2.1 holds TGN 250000 and
1.1.2.2 Otros 15000 (added by the 07-15 reformulation); the plan's current budget is 480000 with
2 budget modifications (the two `budget` entries of 08-02). The transfer below moves TGN 5000 from
1.1.2.1 to 1.1.2.2 on 2021-11-02: 1.1.2.1 TGN 250000 − 5000 = 245000, 1.1.2.2 TGN 0 + 5000 = 5000;
the plan stays at 480000 and counts 2 + 1 = 3 budget modifications.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from jsonschema import Draft202012Validator

from poa.adapters.report_json import schema_path

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

TRANSFER = (
    "transfer", "--from", "1.1.2.1", "--to", "1.1.2.2", "--source", "TGN", "--amount", "5000",
    "--date", "2021-11-02", "--reference", "RA 077/2021", "--reason", "Traspaso a firma digital",
)
LINE_ES = "2021-11-02 — traspaso RA 077/2021: de 1.1.2.1 (TGN) → a 1.1.2.2 (TGN): 5,000 (Traspaso a firma digital)."
LINE_EN = "2021-11-02 — transfer RA 077/2021: from 1.1.2.1 (TGN) → to 1.1.2.2 (TGN): 5,000 (Traspaso a firma digital)."


def events(demo) -> list[dict]:
    return demo.json("history")["events"]


def test_a_transfer_is_one_fact_and_one_line_with_both_sides_in_every_report(demo):
    before = events(demo)
    total = demo.json("report", "--as-of", "2021-12-31")["summary"]["budget_current"]
    ran = demo(*TRANSFER)
    assert ran.returncode == 0, ran.stderr
    after = events(demo)
    assert len(after) == len(before) + 1  # one fact
    (fact,) = after[len(before):]
    assert fact["kind"] == "transfer" and fact["reference"] == "RA 077/2021" and fact["date"] == "2021-11-02"
    assert fact["data"] == {
        "from": {"code": "1.1.2.1", "source": "TGN"}, "to": {"code": "1.1.2.2", "source": "TGN"},
        "amount": "5000.00", "reason": "Traspaso a firma digital",
    }

    report = demo.json("report", "--as-of", "2021-12-31")
    assert report["summary"]["budget_current"] == total == "480000.00"
    assert report["summary"]["budget_modifications"] == 3  # the two `budget` entries and the transfer
    operations = {o["code"]: o["budget"] for o in report["operations"]}
    assert operations["1.1.2.1"] == {"TGN": "245000.00"} and operations["1.1.2.2"] == {"Otros": "15000.00", "TGN": "5000.00"}
    item = report["budget_modifications"][-1]
    assert {k: item[k] for k in ("seq", "code", "source", "to_code", "to_source", "amount", "reference")} == {
        "seq": fact["seq"], "code": "1.1.2.1", "source": "TGN", "to_code": "1.1.2.2", "to_source": "TGN",
        "amount": "5000.00", "reference": "RA 077/2021",
    }

    markdown = demo("report", "--as-of", "2021-12-31", "--format", "md")
    assert markdown.returncode == 0 and f"- {LINE_ES}" in markdown.stdout
    assert LINE_EN in demo("--lang", "en", "report", "--as-of", "2021-12-31", "--format", "md").stdout
    table = demo("report", "--as-of", "2021-12-31", "--format", "table", env={"COLUMNS": "200"})
    assert table.returncode == 0 and LINE_ES in " ".join(table.stdout.split())  # on one item, however wrapped

    rows = list(csv.DictReader(io.StringIO(
        demo("report", "--as-of", "2021-12-31", "--format", "csv", "--table", "budget_modifications").stdout
    )))
    assert len(rows) == 3 and list(rows[0])[-2:] == ["to_code", "to_source"]
    assert rows[0]["to_code"] == rows[1]["to_code"] == ""  # a `poa budget` row: no receiving side
    assert {k: rows[2][k] for k in ("code", "source", "amount", "to_code", "to_source")} == {
        "code": "1.1.2.1", "source": "TGN", "amount": "5000.00", "to_code": "1.1.2.2", "to_source": "TGN",
    }


def test_history_explain_and_diff_show_the_transfer(demo):
    assert demo(*TRANSFER).returncode == 0
    table = demo("history", "--code", "1.1.2.2", env={"COLUMNS": "250"})
    flat = " ".join(table.stdout.split())
    assert "de 1.1.2.1 (TGN) → a 1.1.2.2 (TGN): 5000, motivo=Traspaso a firma digital" in flat  # as typed
    explained = demo.json("explain", "1.1.2.2", "--as-of", "2021-12-31")
    events = explained["figures"]["budget"]["TGN"]["events"]
    assert [(e["kind"], e["action"], e["value"], e["role"]) for e in events] == [("transfer", "transfer", "5000.00", "used")]
    giving = demo.json("explain", "1.1.2.1", "--as-of", "2021-12-31")["figures"]["budget"]["TGN"]["events"]
    assert [(e["action"], e["value"]) for e in giving] == [("approve", "250000.00"), ("transfer", "-5000.00")]
    diff = demo("diff", "--from", "2021-11-01", "--to", "2021-11-02", env={"COLUMNS": "250"})
    assert diff.returncode == 0, diff.stderr
    assert "Traspaso a firma digital: de 1.1.2.1 (TGN) → a" in " ".join(diff.stdout.split())  # one cell, wrapped
    (event,) = demo.json("diff", "--from", "2021-11-01", "--to", "2021-11-02")["events"]
    assert event["kind"] == "transfer" and event["values"] == {
        "from": {"code": "1.1.2.1", "source": "TGN"}, "to": {"code": "1.1.2.2", "source": "TGN"},
        "amount": "5000.00", "reason": "Traspaso a firma digital",
    }


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"--amount": "250000.01"}, "option --amount"),  # 1.1.2.1 TGN: 250000 − 250000.01 = −0.01
        ({"--amount": "0"}, "option --amount"),
        ({"--to": "1.1.2.1"}, "option --to"),  # the same operation and source
        ({"--from": "1.1.2"}, "option --from"),  # a short-term action holds no budget
        ({"--to": "9.9.9"}, "option --to"),
        ({"--to-source": " "}, "option --to-source"),
    ],
)
def test_a_refused_transfer_exits_2_naming_its_option_and_stores_nothing(demo, change, option):
    args = list(TRANSFER)
    for name, value in change.items():
        if name in args:
            args[args.index(name) + 1] = value
        else:
            args += [name, value]
    before = events(demo)
    ran = demo(*args)
    assert ran.returncode == 2, ran.stderr
    assert f"{option}: " in ran.stderr and "Traceback" not in ran.stderr  # the option itself, not a field path
    assert events(demo) == before


def test_the_negative_balance_is_named(demo):
    args = list(TRANSFER)
    args[args.index("--amount") + 1] = "250000.01"
    ran = demo(*args)
    assert ran.returncode == 2 and "1.1.2.1" in ran.stderr and "-0.01" in ran.stderr


def test_a_dry_run_records_nothing(demo):
    before = events(demo)
    ran = demo(*TRANSFER, "--dry-run")
    assert ran.returncode == 0, ran.stderr
    assert events(demo) == before


def test_every_json_output_with_a_transfer_keeps_its_schema(demo):
    """The report, history, explain, diff and export documents holding a transfer validate against
    adapters/schemas (their `to_code`/`to_source`, `data_transfer`, action and kind `transfer`)."""
    assert demo(*TRANSFER).returncode == 0
    documents = {
        "report": [demo.json("report", "--as-of", "2021-12-31")],
        "history": [demo.json("history")],
        "explain": [demo.json("explain", "1.1.2.1", "--as-of", "2021-12-31"), demo.json("explain", "--as-of", "2021-12-31")],
        "diff": [demo.json("diff", "--from", "2021-11-01", "--to", "2021-11-02")],
        "export": [demo.json("export", "--what", what) for what in ("facts", "budget_lines", "elements")],
    }
    for name, found in documents.items():
        validator = Draft202012Validator(json.loads(schema_path(name).read_text(encoding="utf-8")))
        for document in found:
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
            assert not errors, f"{name}: {errors[:5]}"
    lines = [row for row in documents["export"][1]["rows"] if row["by"] == "transfer"]
    assert [(r["line"], r["code"], r["source"], r["amount"], r["action"]) for r in lines] == [
        (1, "1.1.2.1", "TGN", "-5000.00", "transfer"), (2, "1.1.2.2", "TGN", "5000.00", "transfer"),
    ]
    warnings = documents["report"][0]["warnings"]
    assert {w["kind"] for w in warnings} <= set(
        json.loads(schema_path("report").read_text(encoding="utf-8"))["properties"]["warnings"]["items"]["properties"]["kind"]["enum"]
    )
