"""`poa apply --initial-load [--load-reference TEXT]` (issue 13) through the CLI, on real stores.

The batch below is a plan's first quarter transcribed months (years) after the fact: an approval
dated 2021-01-04 and a progress and an execution dated 2021-03-31, recorded today. Every one of
its 3 facts is more than 30 days late when recorded as it happened; recorded as an initial load
none is, and the report says once that the plan's history up to 2021-03-31 (its latest date) was
loaded from documents. The flag is part of each event's Merkle leaf: changing, removing or adding
it behind the ledger's back is caught by `poa verify`.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from contextlib import closing

import pytest

from poa.adapters import evidence_check as offline
from support.builders import ADUANA, base_approval, execution, progress
from support.runners import invoke, no_traceback

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

PLAN = "DEMO-2021"
REFERENCE = "Informe I trimestre 2021"
ENTRIES = [base_approval(), progress("1.1", 20, "2021-03-31"), execution("1.1.1", 50, "2021-03-31")]


@pytest.fixture
def batch(tmp_path):
    path = tmp_path / "primer-trimestre.json"
    path.write_text(json.dumps({"plan": PLAN, "entries": ENTRIES}), encoding="utf-8")
    return str(path)


def late(report: dict) -> list[int]:
    return [w["seq"] for w in report["warnings"] if w["kind"] == "late_record"]


def test_an_initial_load_is_not_late_and_the_report_says_so_once(poa, batch):
    applied = poa("apply", batch, "--initial-load", "--load-reference", REFERENCE)
    assert applied.returncode == 0, applied.stderr
    report = poa.json("report", "--as-of", "2021-12-31")
    assert late(report) == []
    (load,) = report["initial_loads"]
    recorded_at = poa.json("history")["events"][0]["recorded_at"]
    assert load == {"reference": REFERENCE, "up_to": "2021-03-31", "recorded_at": recorded_at, "actor": "tester", "facts": 3}
    md = poa("report", "--as-of", "2021-12-31", "--format", "md").stdout
    said = "La historia del plan hasta el 31 de marzo de 2021 se cargó de documentos (carga inicial Informe I trimestre 2021, registrada el "
    assert md.count(said) == 1 and "por tester)." in md.split(said)[1].split("\n")[0]
    english = poa("--lang", "en", "report", "--as-of", "2021-12-31", "--format", "md").stdout
    assert english.count("The plan's history up to March 31, 2021 was loaded from documents (initial load Informe I trimestre 2021") == 1
    # a fact recorded afterwards as it happens is late as ever: 2021-06-30 recorded today, years later
    assert poa("progress", "--code", "1.2", "--percent", "40", "--date", "2021-06-30").returncode == 0
    assert late(poa.json("report", "--as-of", "2021-12-31")) == [4]


def test_the_same_batch_without_the_flag_is_late_in_every_fact(poa, batch):
    assert poa("apply", batch).returncode == 0
    report = poa.json("report", "--as-of", "2021-12-31")
    assert late(report) == [1, 2, 3] and report["initial_loads"] == []


def test_history_shows_the_flag_and_the_default_reference_is_the_batch_id_s_start(poa, batch):
    assert poa("apply", batch, "--initial-load").returncode == 0
    events = poa.json("history")["events"]
    batch_id = events[0]["batch"]
    assert [e["initial_load"] for e in events] == [batch_id[:12]] * 3
    rows = list(csv.DictReader(io.StringIO(poa("history", "--format", "csv").stdout)))
    assert [r["initial_load"] for r in rows] == [batch_id[:12]] * 3
    assert "carga inicial=" + batch_id[:12] in poa("history").stdout
    assert poa.json("report", "--as-of", "2021-12-31")["initial_loads"][0]["reference"] == batch_id[:12]


def test_a_load_reference_without_the_flag_is_refused_and_nothing_is_stored(poa, batch):
    refused = poa("apply", batch, "--load-reference", REFERENCE)
    assert refused.returncode == 2 and "option --load-reference: needs --initial-load" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert PLAN not in poa("plans").stdout


def test_the_read_model_and_the_exports_carry_the_flag_and_no_late_record(poa, batch, tmp_path):
    assert poa("apply", batch, "--initial-load", "--load-reference", REFERENCE).returncode == 0
    db = tmp_path / "read.db"
    assert poa("project", "--db", str(db)).returncode == 0
    with closing(sqlite3.connect(db)) as connection:
        flags = connection.execute("SELECT seq, initial_load, days_late FROM facts ORDER BY seq").fetchall()
        lates = connection.execute("SELECT COUNT(*) FROM late_records").fetchone()[0]
    assert flags == [(1, REFERENCE, None), (2, REFERENCE, None), (3, REFERENCE, None)] and lates == 0
    rows = json.loads(poa("export", "--what", "facts", "--format", "json").stdout)["rows"]
    assert [(r["initial_load"], r["days_late"]) for r in rows] == [(REFERENCE, None)] * 3


def test_an_evidence_package_of_an_initial_load_verifies(poa, batch, tmp_path):
    assert poa("apply", batch, "--initial-load", "--load-reference", REFERENCE).returncode == 0
    package = tmp_path / "evidence"
    made = poa("evidence", "--as-of", "2021-12-31", "--output", str(package))
    assert made.returncode == 0, made.stderr
    files = offline.read_package(package)
    assert [e["event"]["initial_load"] for e in json.loads(files["events.json"])["events"]] == [REFERENCE] * 3
    assert offline.check(files) == []
    checked = poa("verify", "--package", str(package))
    assert checked.returncode == 0 and "the report follows from the events" in checked.stdout, checked.stderr


# -- tampering with the flag ---------------------------------------------------------------------------


def tamper_state(request, store: str, seq: int, change) -> None:
    """Rewrite event `seq`'s stored state (JSON) past the ledger, as an intruder with the store's rights."""
    if store.startswith("postgresql://"):
        from psycopg.sql import SQL, Identifier

        from poa.adapters.postgres_store import EVENTS_TABLE, parse_url

        postgres = request.getfixturevalue("postgres")
        table = Identifier(parse_url(store).schema, EVENTS_TABLE)
        ((state,),) = postgres.execute(SQL("SELECT state FROM {} WHERE notification_id = %s").format(table), (seq,))
        postgres.tamper(store, "UPDATE {events} SET state = %s WHERE notification_id = %s", change(json.loads(bytes(state))), seq)
        return
    with closing(sqlite3.connect(store)) as connection:
        ((state,),) = connection.execute("SELECT state FROM stored_events WHERE rowid = ?", (seq,)).fetchall()
        connection.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", (change(json.loads(state)), seq))
        connection.commit()


def with_flag(value):
    def change(state: dict) -> bytes:
        state["initial_load"] = value
        return json.dumps(state, separators=(",", ":")).encode()

    return change


def test_an_event_stored_before_the_flag_existed_reads_back_unflagged_and_keeps_its_leaf(request, store_name, batch):
    """Events written by an earlier version have no key ``initial_load`` in their stored state."""
    assert invoke("apply", batch, "--store", store_name).exit_code == 0

    def without_the_key(state: dict) -> bytes:
        assert state.pop("initial_load") is None
        return json.dumps(state, separators=(",", ":")).encode()

    for seq in (1, 2, 3):
        tamper_state(request, store_name, seq, without_the_key)
    result = invoke("verify", "--store", store_name)
    assert result.exit_code == 0, result.output  # the same leaves: the canonical form has no such key
    history = json.loads(invoke("history", "--format", "json", "--store", store_name).stdout)
    assert [e["initial_load"] for e in history["events"]] == [None] * 3


@pytest.mark.parametrize("case", ["changed", "removed", "added"])
def test_verify_catches_a_flag_changed_removed_or_added(request, store_name, batch, case):
    flags = () if case == "added" else ("--initial-load", "--load-reference", REFERENCE)
    assert invoke("apply", batch, "--store", store_name, *flags).exit_code == 0
    assert invoke("verify", "--store", store_name).exit_code == 0
    # "added": the trick that would hide a late record: a fact recorded as it happened marked as loaded
    tamper_state(request, store_name, 2, with_flag({"changed": "Otro informe", "removed": None, "added": REFERENCE}[case]))
    result = invoke("verify", "--store", store_name)
    no_traceback(result)
    assert result.exit_code == 1 and "plan DEMO-2021 seq 2 (log index 1): changed since it was recorded" in result.stderr
    report = invoke("report", "--as-of", "2021-12-31", "--store", store_name)
    assert report.exit_code == 1 and "plan DEMO-2021 seq 2 (log index 1) no longer matches its leaf hash" in report.stderr


# -- the Aduana example, as a planning unit would load it or not ----------------------------------------


def test_the_aduana_example_without_the_flag_warns_of_its_72_late_records(poa):
    assert poa("apply", str(ADUANA)).returncode == 0
    report = poa.json("report", "--as-of", "2020-12-31")
    # its 72 entries, dated in 2020 (the publication: issued 2021-01-20), all recorded today
    assert late(report) == list(range(1, 73)) and report["initial_loads"] == []
