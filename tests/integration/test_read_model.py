"""The SQLite read model (`poa project`, adapters/read_model.py, docs/read-model.md) of real stores,
SQLite files and PostgreSQL schemas (a store that is not a file names its read model with --db).

- incremental after every batch == rebuilt from scratch, table by table (hypothesis);
- the `evaluation` table == `poa report --format json`, figure by figure;
- a crash between the rows and the tracking update, or before the per-plan tables are
  recomputed, then a re-run: no duplicate, no gap, the rebuilt content;
- Datasette serves a view; the metadata and docs describe every table and column;
- refusals: a --db that is not a read model is refused and left untouched.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poa.adapters import read_model as rm
from poa.adapters import use_cases as uc
from poa.adapters.read_model import TABLES, VIEWS
from poa.adapters.stores import is_url
from poa.adapters.use_cases import record_batch
from poa.projections.tables import ELEMENT_EVALUATION_FIGURES

from support.builders import ADUANA, ADUANA_LOAD, ROOT, SMALL, commands, open_store
from support.postgres import empty_store
from support.read_model import dirty, facts_by_plan, position, snapshot
from support.runners import PoaInProcess
from support.strategies import KEY, order_free_facts

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

QUARTERS = ("2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31")


def project(store: Path | str, db: Path, **options) -> uc.Projected:
    return uc.project(str(store), str(db), **options)


def store_file(store: Path | str) -> Path | None:
    """The store's file (SQLite), or None (a PostgreSQL store's URL)."""
    return store if isinstance(store, Path) else None


def db_option(poa: PoaInProcess, db: Path) -> tuple[str, ...]:
    """`poa project`'s options for the read model `db`: none when it is the default, poa-read.db
    beside a SQLite store, so that the default is used; else --db (a PostgreSQL store has no folder)."""
    beside = not is_url(str(poa.store)) and Path(poa.store).parent / "poa-read.db" == db
    return () if beside else ("--db", str(db))


def rebuilt(store: Path | str, folder: Path) -> dict:
    db = folder / "rebuilt.db"
    project(store, db, rebuild=True)
    return snapshot(db)


# -- incremental == rebuilt --------------------------------------------------------------------------


@st.composite
def batches(draw):
    """A plan (and a second plan with the same entries) recorded in several batches."""
    approval, facts = draw(order_free_facts())
    cuts = sorted(draw(st.lists(st.integers(0, len(facts)), max_size=3)))
    parts = [facts[a:b] for a, b in zip([0, *cuts], [*cuts, len(facts)])]
    return approval, [p for p in parts if p], draw(st.integers(1, 7))


# store_kind (a text) and request (asked only for the session's server) hold no state an example could change
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(batches())
def test_incremental_after_every_batch_equals_rebuilt(store_kind, request, case):
    approval, parts, page_size = case
    with tempfile.TemporaryDirectory() as name, empty_store(store_kind, Path(name), request) as store, \
            closing(open_store(str(store), create=True)) as ledger:
        folder = Path(name)
        db = folder / "read.db"
        record_batch(ledger, commands(KEY, approval))
        project(store, db, page_size=page_size)
        record_batch(ledger, commands("Q-2021", approval))
        for part in parts:
            record_batch(ledger, commands(KEY, *part) + commands("Q-2021", *part))
            project(store, db, page_size=page_size)
        project(store, db, page_size=page_size)  # the second plan's approval, when no batch followed
        incremental = snapshot(db)
        assert incremental == rebuilt(store, folder)
        assert facts_by_plan(db) == {plan: list(range(1, len(ledger.history(plan)) + 1)) for plan in (KEY, "Q-2021")}
        assert position(db) == sum(1 for _ in ledger.stored_events())  # every event of the store, once


def test_rerunning_processes_only_new_events(poa, store, tmp_path):
    db = tmp_path / "poa-read.db"
    options = db_option(poa, db)  # none on SQLite: the default read model, beside the store
    first = poa("project", *options)
    assert first.returncode == 0, first.stderr
    assert first.stderr == f"{db}: 23 new events, 1 plan recomputed (position 23).\n"
    again = poa("project", *options)
    assert again.stderr == f"{db}: 0 new events, 0 plans recomputed (position 23).\n"
    poa("progress", "--code", "1.1.2.1", "--percent", "90", "--date", "2021-12-31")
    third = uc.project(str(store), str(db) if options else None)
    assert (third.events, third.plans, third.position) == (1, ("DEMO-2021",), 24)
    assert snapshot(db) == rebuilt(store, tmp_path)


# -- the evaluation table is the JSON report -----------------------------------------------------------


def evaluation_rows(db: Path, plan: str, as_of: str) -> tuple[dict, dict]:
    with sqlite3.connect(db) as connection:
        connection.row_factory = sqlite3.Row
        elements = {r["code"]: dict(r) for r in connection.execute(
            "SELECT * FROM evaluation WHERE plan = ? AND as_of = ?", (plan, as_of))}
        summary = connection.execute(
            "SELECT * FROM plan_evaluation WHERE plan = ? AND as_of = ?", (plan, as_of)).fetchone()
    return elements, dict(summary)


def assert_same_as_report(poa: PoaInProcess, db: Path, plan: str, as_of: str) -> int:
    report = poa.json("report", "--as-of", as_of, "--plan", plan)
    elements, summary = evaluation_rows(db, plan, as_of)
    compared = 0
    listed = [e for kind in ("strategic_actions", "short_term_actions", "operations", "tasks") for e in report[kind]]
    assert sorted(elements) == sorted(e["code"] for e in listed)
    for element in listed:
        row = elements[element["code"]]
        assert row["parent"] == element["parent"]
        figures = {k: v for k, v in element.items() if k not in ("code", "parent", "results", "justifications")}
        for name, value in figures.items():
            stored = json.loads(row[name]) if name == "budget" else row[name]
            assert stored == value, (element["code"], name)
            compared += 1
        absent = set(ELEMENT_EVALUATION_FIGURES) - set(figures)  # not carried by the kind: null
        assert {name: row[name] for name in absent} == dict.fromkeys(absent)
    for name, value in report["summary"].items():
        assert summary[name] == value, name
        compared += 1
    return compared


def test_evaluation_equals_the_json_report_for_aduana_at_the_year_end(poa, tmp_path):
    assert poa("apply", str(ADUANA), *ADUANA_LOAD).returncode == 0
    db = tmp_path / "poa-read.db"
    assert poa("project", *db_option(poa, db)).returncode == 0
    assert assert_same_as_report(poa, db, "AN-2020", "2020-12-31") > 500


def test_evaluation_equals_the_json_report_for_the_small_example_at_every_quarter(demo, tmp_path):
    db = tmp_path / "poa-read.db"
    assert demo("project", *db_option(demo, db)).returncode == 0
    for as_of in QUARTERS:
        assert assert_same_as_report(demo, db, "DEMO-2021", as_of) > 100
    with sqlite3.connect(db) as connection:
        dates = [row[0] for row in connection.execute("SELECT as_of FROM plan_evaluation ORDER BY as_of")]
    assert dates == list(QUARTERS)  # the latest cut-off, 2021-09-30, is a quarter end


# -- crashes ---------------------------------------------------------------------------------------------


class Crash(Exception):
    pass


def test_a_crash_between_the_rows_and_the_tracking_update_loses_and_doubles_nothing(store, tmp_path, monkeypatch):
    db = tmp_path / "read.db"
    calls = []
    original = rm.ReadModelTracking.insert_tracking

    def crash_on_the_third_page(self, tracking):
        calls.append(tracking.notification_id)
        if len(calls) == 3:
            raise Crash("between the rows and the tracking update")
        original(self, tracking)

    monkeypatch.setattr(rm.ReadModelTracking, "insert_tracking", crash_on_the_third_page)
    with pytest.raises(Crash):
        project(store, db, page_size=5)
    # pages 1 and 2 committed whole; page 3's facts were rolled back with its tracking record
    assert calls == [5, 10, 15]
    assert position(db) == 10
    assert facts_by_plan(db) == {"DEMO-2021": list(range(1, 11))}
    assert dirty(db) == ["DEMO-2021"]
    monkeypatch.setattr(rm.ReadModelTracking, "insert_tracking", original)
    resumed = project(store, db, page_size=5)
    assert (resumed.events, resumed.position) == (13, 23)
    assert facts_by_plan(db) == {"DEMO-2021": list(range(1, 24))}
    assert snapshot(db) == rebuilt(store, tmp_path)


def test_a_crash_before_the_plans_are_recomputed_is_completed_by_the_next_run(store, tmp_path, monkeypatch):
    db = tmp_path / "read.db"

    def crash(self, plan, history):
        raise Crash("before the per-plan tables")

    monkeypatch.setattr(rm.ReadModel, "refresh", crash)
    with pytest.raises(Crash):
        project(store, db)
    assert (position(db), dirty(db)) == (23, ["DEMO-2021"])
    monkeypatch.undo()
    resumed = project(store, db)
    assert (resumed.events, resumed.plans, dirty(db)) == (0, ("DEMO-2021",), [])
    assert snapshot(db) == rebuilt(store, tmp_path)


def test_a_page_another_process_wrote_meanwhile_is_not_written_again(store, tmp_path, monkeypatch):
    db = tmp_path / "read.db"
    project(store, db, page_size=10)
    with sqlite3.connect(db) as connection:  # as if another process had tracked the first page only
        connection.execute("DELETE FROM _tracking WHERE notification_id > 10")
        connection.execute("DELETE FROM budget_lines WHERE seq > 10")
        connection.execute("DELETE FROM facts WHERE seq > 10")
    model = rm.open_read_model(db, store_file(store))
    try:  # a process that still believes the position is 0 writes nothing
        assert model.write_page(0, 10, {}, {}, {}) is False
    finally:
        model.close()
    assert position(db) == 10
    assert project(store, db).events == 13
    assert snapshot(db) == rebuilt(store, tmp_path)


# -- Datasette ---------------------------------------------------------------------------------------------


def test_datasette_serves_cuadro_3_with_the_metadata(demo, tmp_path):
    datasette_app = pytest.importorskip("datasette.app")
    db, metadata = tmp_path / "poa-read.db", tmp_path / "metadata.json"
    assert demo("project", *db_option(demo, db), "--metadata", str(metadata)).returncode == 0
    meta = json.loads(metadata.read_text())
    ds = datasette_app.Datasette([str(db)], metadata=meta)

    async def get(path):
        response = await ds.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    rows = asyncio.run(get("/poa-read/cuadro_3.json?plan=DEMO-2021&as_of=2021-06-30&_shape=array"))
    # Q2 by hand: 1.1.1: ops 1.1.1.1 = (1×100 + 3×20)/4 = 40 and 1.1.1.2 = 50, weights 2 and 1:
    # (80 + 50)/3 = 43.33; programmed 40 (its schedule); executed 40000 + 5000 of 150000 = 30 %.
    # 1.1.2: 45 recorded, programmed 50 (default schedule); 90000 of 250000 = 36 %.
    # 1.2.1: its one operation's 30; programmed 50; 25000 of 80000 = 31.25 %.
    assert [(r["code"], r["weight"], r["progress_pct"], r["programmed_pct"], r["deviation_pts"], r["budget_current"],
             r["budget_executed"], r["budget_execution_pct"]) for r in rows] == [
        ("1.1.1", "40.00", "43.33", "40.00", "-3.33", "150000.00", "45000.00", "30.00"),
        ("1.1.2", "30.00", "45.00", "50.00", "5.00", "250000.00", "90000.00", "36.00"),
        ("1.2.1", "30.00", "30.00", "50.00", "20.00", "80000.00", "25000.00", "31.25"),
    ]
    info = asyncio.run(get("/-/metadata.json"))
    assert info["databases"]["poa-read"]["tables"]["cuadro_3"]["description"].startswith("Cuadro 3")
    found = asyncio.run(get("/poa-read/elements.json?_search=digital&_shape=array"))
    assert [(r["code"], r["version"]) for r in found] == [("1.1.2.2", 1)]


def test_metadata_and_docs_describe_every_table_column_and_view():
    meta = rm.datasette_metadata("poa-read")
    described = meta["databases"]["poa-read"]["tables"]
    docs = (ROOT / "docs" / "read-model.md").read_text()
    for table in TABLES:
        assert set(described[table.name]["columns"]) == set(table.columns)
        assert all(described[table.name]["columns"].values())
        assert f"### `{table.name}`" in docs
        for column in table.columns:
            assert f"`{column}`" in docs, (table.name, column)
    for view in VIEWS:
        assert described[view]["description"] and f"`{view}`" in docs


# -- refusals ------------------------------------------------------------------------------------------------


def test_a_db_that_is_not_a_read_model_is_refused_and_left_untouched(demo, store, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE mine (x)")
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    (tmp_path / "folder").mkdir()
    itself = {str(store): "is the event store itself"} if store_file(store) else {}  # a URL names no file
    cases = {
        **itself,
        str(other): "a SQLite database with other tables, not a POA read model",
        str(text): "not a SQLite database",
        str(tmp_path / "folder"): "is a directory",
        str(tmp_path / "missing" / "read.db"): "does not exist",
    }
    before = {path: Path(path).read_bytes() for path in (*itself, str(other), str(text))}
    for db, message in cases.items():
        result = demo("project", "--db", db)
        assert result.returncode == 2, (db, result.stderr)
        assert result.stderr.startswith("Error: option --db: ") and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert {path: Path(path).read_bytes() for path in before} == before


def test_a_read_model_of_an_older_schema_is_refused_until_rebuilt(demo, tmp_path):
    db = tmp_path / "poa-read.db"
    assert demo("project", "--db", str(db)).returncode == 0
    with closing(sqlite3.connect(db)) as connection, connection:
        assert connection.execute("SELECT value FROM _poa_read_model WHERE key = 'schema'").fetchone() == ("3",)
        # a read model of schema 1: evaluation had no key to plan_evaluation
        connection.execute("UPDATE _poa_read_model SET value = '1' WHERE key = 'schema'")
    before = db.read_bytes()
    result = demo("project", "--db", str(db))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "a read model of schema 1, this version writes 3; rebuild it with --rebuild" in result.stderr
    assert db.read_bytes() == before
    assert demo("project", "--db", str(db), "--rebuild").returncode == 0
    with closing(sqlite3.connect(db)) as connection:
        assert connection.execute("SELECT value FROM _poa_read_model WHERE key = 'schema'").fetchone() == ("3",)
        keys = connection.execute("SELECT [table], [from], [to] FROM pragma_foreign_key_list('evaluation')").fetchall()
        assert sorted(keys) == [("plan_evaluation", "as_of", "as_of"), ("plan_evaluation", "plan", "plan"),
                                ("plans", "plan", "plan")]
    assert snapshot(db)["plan_evaluation"]


def test_another_event_store_as_db_is_refused(demo, tmp_path):
    other = tmp_path / "other-store.db"
    assert demo("apply", str(SMALL), "--store", str(other)).returncode == 0
    result = demo("project", "--db", str(other))
    assert result.returncode == 2 and "is a POA event store, not a read model" in result.stderr


def test_bad_options_are_refused_naming_them(demo, tmp_path):
    (tmp_path / "folder").mkdir()
    db = tmp_path / "poa-read.db"
    metadata = demo("project", *db_option(demo, db), "--metadata", str(tmp_path / "folder"))
    assert metadata.returncode == 2 and "--metadata" in metadata.stderr
    interval = demo("project", *db_option(demo, db), "--interval", "0")
    assert interval.returncode == 2 and "--interval" in interval.stderr
    missing = demo("project", "--store", str(tmp_path / "nothing.db"))
    assert missing.returncode == 2 and "no such store" in missing.stderr
    assert not db.exists()


@pytest.mark.sqlite_only  # the store's file, made read-only, keeps its bytes
def test_the_store_is_only_read(demo, store, tmp_path):
    before = store.read_bytes()
    store.chmod(0o444)
    try:
        result = demo("project", "--db", str(tmp_path / "read.db"))
    finally:
        store.chmod(0o644)
    assert result.returncode == 0, result.stderr
    assert store.read_bytes() == before


def test_views_answer_the_common_questions(demo, tmp_path):
    db = tmp_path / "poa-read.db"
    demo("progress", "--code", "1.1.2", "--percent", "50", "--date", "2021-06-30")  # corrects seq 5
    assert demo("project", *db_option(demo, db)).returncode == 0
    with sqlite3.connect(db) as connection:
        corrections = connection.execute("SELECT seq, code, percent, corrected_seq, corrected_percent FROM corrections").fetchall()
        # in force on 2021-07-15: the reformulation's versions (valid_from is inclusive)
        weights = dict(connection.execute(
            "SELECT code, weight FROM elements WHERE plan = 'DEMO-2021' AND kind = 'short_term_action' "
            "AND valid_from <= '2021-07-15' AND (valid_to IS NULL OR '2021-07-15' < valid_to)").fetchall())
        before = dict(connection.execute(
            "SELECT code, weight FROM elements WHERE plan = 'DEMO-2021' AND kind = 'short_term_action' "
            "AND valid_from <= '2021-07-14' AND (valid_to IS NULL OR '2021-07-14' < valid_to)").fetchall())
        today = connection.execute("SELECT COUNT(*) FROM structure_today").fetchone()[0]
        late = connection.execute("SELECT COUNT(*) FROM late_records").fetchone()[0]
    assert corrections == [(24, "1.1.2", "50.00", 5, "45.00")]
    assert weights == {"1.1.1": "40.00", "1.1.2": "35.00", "1.2.1": "25.00"}
    assert before == {"1.1.1": "40.00", "1.1.2": "30.00", "1.2.1": "30.00"}
    assert today == 12  # every element, once: 11 approved and the operation the reformulation added
    assert late == 24  # recorded today, every fact of 2021 is more than 30 days late
