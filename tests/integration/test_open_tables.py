"""The one description of the tables other tools read (adapters/open_tables.py): the committed JSON
Schema of `poa export --format json` is the one it generates, the docs' column tables are its own,
the read model and the exports have the same columns, and the values the exports added to the
read model's (`facts.data`, the by-source `budget`, `plan_evaluation.budget_modifications`) are
right, worked out by hand from examples/small-2021.yaml."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing

from poa.adapters import open_tables as ot
from poa.adapters.report_json import schema_path

from support.builders import ROOT


def test_the_committed_export_schema_is_the_generated_one():
    assert schema_path("export").read_text(encoding="utf-8") == ot.export_schema_text(), (
        "adapters/schemas/export.schema.json is stale: run "
        "`python -m poa.adapters.open_tables --schema > adapters/schemas/export.schema.json`"
    )


def test_the_docs_column_tables_are_the_description():
    read_model = (ROOT / "docs" / "read-model.md").read_text(encoding="utf-8")
    open_data = (ROOT / "docs" / "open-data.md").read_text(encoding="utf-8")
    for name in ot.READ_MODEL:
        section = read_model.split(f"### `{name}`\n", 1)[1].split("\n### ", 1)[0]
        assert ot.markdown_columns(name, "read-model") in section, name
        assert ot.keys_sentence(ot.TABLES[name]) in section, name
    for name in ot.TABLES:
        section = open_data.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        assert ot.markdown_columns(name, "open-data") in section, name
        assert ot.keys_sentence(ot.TABLES[name]) in section, name


def test_every_field_is_typed_described_and_keyed_within_its_tables():
    assert set(ot.READ_MODEL) == set(ot.TABLES) - {"budget"}
    for table in ot.TABLES.values():
        assert len(set(table.columns)) == len(table.columns)
        assert all(f.type in ot.TYPES and f.description.endswith(".") for f in table.fields)
        assert set(table.primary_key) <= set(table.columns)
        for mine, other, theirs in table.foreign_keys:
            assert set(mine) <= set(table.columns) and set(theirs) <= set(ot.TABLES[other].columns)
    # units stay visible: every amount says Bs., every percentage %, every deviation points
    for table in ot.TABLES.values():
        for f in table.fields:
            if f.name.endswith("_pct") or f.name.startswith("schedule_q"):
                assert "%" in f.description, (table.name, f.name)
            if f.name.endswith("_pts"):
                assert "percentage points" in f.description
            if f.name in ("amount", "budget_current", "budget_executed", "budget"):
                assert "Bs." in f.description, (table.name, f.name)


def test_the_read_model_and_the_exports_have_the_same_columns(demo, tmp_path):
    db = tmp_path / "read.db"
    assert demo("project", "--db", str(db)).returncode == 0
    with closing(sqlite3.connect(db)) as connection:
        for name in ot.READ_MODEL:
            stored = [row[1] for row in connection.execute(f"PRAGMA table_info([{name}])")]
            exported = next(csv.reader(io.StringIO(demo("export", "--what", name).stdout)))
            assert stored == exported == list(ot.TABLES[name].columns), name
        # the same rows, value for value: the read model's text is the JSON value (an object: its JSON text)
        for name in ot.READ_MODEL:
            rows = json.loads(demo("export", "--what", name, "--format", "json").stdout)["rows"]
            as_stored = [tuple(json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v for v in r.values())
                         for r in rows]
            pk = ", ".join(ot.TABLES[name].primary_key)
            assert sorted(as_stored, key=repr) == sorted(
                connection.execute(f"SELECT * FROM [{name}] ORDER BY {pk}").fetchall(), key=repr), name


def test_the_added_columns_worked_by_hand(demo):
    def rows(what, *args):
        return json.loads(demo("export", "--what", what, "--format", "json", *args).stdout)["rows"]

    # RA 045/2021: two budget modifications dated 2021-08-02 (seqs 12, 13), none before
    plans = {r["as_of"]: r for r in rows("plan_evaluation")}
    assert [plans[d]["budget_modifications"] for d in ("2021-06-30", "2021-09-30")] == [0, 2]
    assert [plans[d]["reformulations"] for d in ("2021-06-30", "2021-09-30")] == [0, 1]
    # TGN: 100000 (1.1.1.1) + 250000 (1.1.2.1); Otros: 20000 + 10000 (1.1.1.1) + 30000 - 10000 (1.1.1.2)
    # + 15000 (1.1.2.2, added) + 80000 - 15000 (1.2.1.1)
    assert plans["2021-09-30"]["budget"] == {"TGN": "350000.00", "Otros": "130000.00"}
    assert plans["2021-09-30"]["budget_current"] == "480000.00"
    element = {(r["as_of"], r["code"]): r for r in rows("evaluation")}
    assert element["2021-06-30", "1.1.1.1"]["budget"] == {"TGN": "100000.00", "Otros": "20000.00"}
    assert element["2021-09-30", "1.1.1.1"]["budget"] == {"TGN": "100000.00", "Otros": "30000.00"}
    assert element["2021-09-30", "1.1.1.1.1"]["budget"] is None  # a task carries no budget
    first = rows("facts")[0]
    assert (first["data"]["seq"], first["data"]["kind"], first["data"]["date"]) == (1, "approve", "2021-01-04")
    assert first["data"] == demo.json("history")["events"][0]
    # in CSV the objects are their JSON text
    cells = next(csv.DictReader(io.StringIO(demo("export", "--what", "facts").stdout)))
    assert json.loads(cells["data"]) == first["data"]
    cells = list(csv.DictReader(io.StringIO(demo("export", "--what", "plan_evaluation", "--as-of", "2021-09-30").stdout)))
    assert [json.loads(c["budget"]) for c in cells] == [{"TGN": "350000.00", "Otros": "130000.00"}]
    assert [c["budget_modifications"] for c in cells] == ["2"]
