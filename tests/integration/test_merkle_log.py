"""The Merkle log (issue 11): every event a leaf of an RFC 9162 tree, written with it, on SQLite and PostgreSQL.

Tampering is done with SQL past the ledger, as an intruder with the file's or the server's
rights would; expected hashes are computed here with hashlib from the events' canonical
form, and proofs are checked with the offline procedure (adapters/evidence_check.py, the
script every evidence package carries), never with the program's own Merkle module.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing

import pytest

from poa.adapters import evidence_check as offline
from poa.adapters.stores import open_store
from support.builders import SMALL
from support.runners import invoke, no_traceback

pytestmark = pytest.mark.both_stores

PLAN = "DEMO-2021"
EVENTS = 23  # the small example's entries, one batch


def run(*args):
    result = invoke(*args)
    no_traceback(result)
    return result


def sql(request, store: str, statement: str, *parameters):
    """Run `statement` past the ledger. Tables: {events}, {log}, {nodes}, {lock}; {id}: the events'
    notification id; %s: a parameter."""
    if store.startswith("postgresql://"):
        postgres = request.getfixturevalue("postgres")
        statement = statement.replace("{id}", "notification_id")
        if statement.lstrip().upper().startswith("SELECT"):
            from psycopg.sql import SQL, Identifier

            from poa.adapters.postgres_store import EVENTS_TABLE, parse_url

            schema = parse_url(store).schema
            names = {n: Identifier(schema, t) for n, t in
                     (("events", EVENTS_TABLE), ("log", "poa_log"), ("nodes", "poa_log_nodes"), ("lock", "poa_write_lock"))}
            return postgres.execute(SQL(statement).format(**names), parameters)
        postgres.tamper(store, statement, *parameters)
        return None
    names = {"events": "stored_events", "id": "rowid", "log": "poa_log", "nodes": "poa_log_nodes", "lock": "poa_write_lock", "versions": "poa_versions"}
    with closing(sqlite3.connect(store)) as connection:
        rows = connection.execute(statement.format(**names).replace("%s", "?"), parameters).fetchall()
        connection.commit()
    return rows


def state_of(request, store: str, seq: int) -> dict:
    (row,) = sql(request, store, "SELECT state FROM {events} WHERE {id} = %s", seq)
    return json.loads(bytes(row[0]))


def set_state(request, store: str, seq: int, state: dict) -> None:
    data = json.dumps(state, separators=(",", ":")).encode()
    sql(request, store, "UPDATE {events} SET state = %s WHERE {id} = %s", data, seq)


def proof(store: str, seq: int, *flags: str) -> dict:
    result = run(*flags, "prove", "--event", str(seq), "--store", store)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def leaf_of(event: dict) -> bytes:
    """RFC 9162's leaf hash of an event's canonical form, computed here."""
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(b"\x00" + canonical).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1's MTH, transcribed."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


@pytest.fixture
def small(store_name):
    assert run("apply", str(SMALL), "--store", store_name).exit_code == 0
    return store_name


# -- an intact store ----------------------------------------------------------------------------------


def test_the_tree_head_is_the_rfc_9162_root_of_the_events_canonical_forms(small):
    history = json.loads(run("history", "--format", "json", "--store", small).stdout)["events"]
    leaves = []
    for seq in range(1, EVENTS + 1):
        document = proof(small, seq)
        event = document["event"]
        shown = history[seq - 1]  # the canonical form is the event `poa history` shows
        assert (event["plan"], event["seq"], event["kind"], event["recorded_at"], event["actor"], event["batch"]) == (
            PLAN, seq, shown["kind"], shown["recorded_at"], shown["actor"], shown["batch"]
        )
        assert leaf_of(event).hex() == document["leaf_hash"] and document["log_index"] == seq - 1
        head = document["tree_head"]
        assert offline.verify_inclusion(
            leaf_of(event), seq - 1, head["size"], [bytes.fromhex(p) for p in document["path"]], bytes.fromhex(head["root"])
        )
        leaves.append(leaf_of(event))
    digest = run("digest", "--format", "json", "--store", small)
    assert json.loads(digest.stdout)["tree_head"]["root"] == mth(leaves).hex()
    assert json.loads(digest.stdout)["digest"] == f"{EVENTS}:{mth(leaves).hex()}"


@pytest.mark.sqlite_only  # the proof's checks; both stores' proofs: the test above
def test_a_proof_with_one_flipped_byte_is_rejected_by_the_offline_procedure(small):
    document = proof(small, 7)
    leaf, path = bytes.fromhex(document["leaf_hash"]), [bytes.fromhex(p) for p in document["path"]]
    root, size = bytes.fromhex(document["tree_head"]["root"]), document["tree_head"]["size"]
    assert offline.verify_inclusion(leaf, 6, size, path, root)

    def flipped(value: bytes, at: int = 0) -> bytes:
        return value[:at] + bytes([value[at] ^ 1]) + value[at + 1:]

    assert not offline.verify_inclusion(flipped(leaf), 6, size, path, root)
    assert not offline.verify_inclusion(leaf, 6, size, path, flipped(root, 31))
    for i in range(len(path)):
        assert not offline.verify_inclusion(leaf, 6, size, [*path[:i], flipped(path[i], 5), *path[i + 1:]], root)


def test_a_consistency_proof_links_the_first_events_tree_to_today_s(small):
    leaves = [bytes.fromhex(proof(small, seq)["leaf_hash"]) for seq in range(1, EVENTS + 1)]
    result = run("prove", "--from", "10", "--store", small)
    document = json.loads(result.stdout)
    old, new = document["old_tree_head"], document["new_tree_head"]
    assert (old["size"], old["root"]) == (10, mth(leaves[:10]).hex())
    assert (new["size"], new["root"]) == (EVENTS, mth(leaves).hex())
    path = [bytes.fromhex(p) for p in document["path"]]
    assert offline.verify_consistency(10, EVENTS, mth(leaves[:10]), mth(leaves), path)
    assert not offline.verify_consistency(10, EVENTS, mth(leaves[:9]), mth(leaves), path)
    assert not offline.verify_consistency(10, EVENTS, mth(leaves[:10]), mth(leaves), [path[0][::-1], *path[1:]])


@pytest.mark.sqlite_only  # the proof's checks; both stores' proofs: the test above
def test_prove_refuses_what_is_not_there(small):
    assert run("prove", "--event", "24", "--store", small).exit_code == 2
    assert run("prove", "--from", "30", "--store", small).exit_code == 2
    assert run("prove", "--from", "0", "--store", small).exit_code == 2  # RFC 9162 has no proof from the empty tree
    assert run("prove", "--store", small).exit_code == 2
    assert run("prove", "--event", "3", "--from", "2", "--store", small).exit_code == 2


# -- tampering: `poa verify` names the event, reads refuse ------------------------------------------------


def change_a_value(request, store):
    state = state_of(request, store, 2)  # seq 2: progress 100 on 1.1.1.1.1
    assert state["fact"]["_data_"]["percent"]["_data_"] == "100"
    state["fact"]["_data_"]["percent"]["_data_"] = "10"
    set_state(request, store, 2, state)


def move_a_recorded_time(request, store):
    state = state_of(request, store, 3)
    state["timestamp"]["_data_"] = "2000-01-01T00:00:00+00:00"
    set_state(request, store, 3, state)


def swap_two_rows(request, store):
    second, third = state_of(request, store, 2), state_of(request, store, 3)
    set_state(request, store, 2, third)
    set_state(request, store, 3, second)


def delete_the_last_row_and_its_traces(request, store):
    sql(request, store, "DELETE FROM {events} WHERE {id} = %s", EVENTS)
    sql(request, store, "UPDATE {lock} SET events = events - 1, last_id = last_id - 1")
    sql(request, store, "UPDATE {versions} SET version = version - 1")


def forge_an_event(request, store):
    """A copy of the last event inserted as seq 24, with the commit record and versions made to agree."""
    sql(
        request, store, "INSERT INTO {events} (originator_id, originator_version, topic, state) "
        "SELECT originator_id, originator_version + 1, topic, state FROM {events} WHERE {id} = %s", EVENTS,
    )
    sql(request, store, "UPDATE {lock} SET events = events + 1, last_id = (SELECT MAX({id}) FROM {events})")
    sql(request, store, "UPDATE {versions} SET version = version + 1")


def rewrite_a_leaf_to_match(request, store):
    """Change a value, then write the leaf hash its new canonical form has (as the program would)."""
    change_a_value(request, store)
    event = proof(store, 2, "--no-verify")["event"]
    assert event["data"]["percent"] == "10"
    sql(request, store, "UPDATE {log} SET leaf = %s WHERE log_index = 1", leaf_of(event))


TAMPERING = {  # what is done, what `poa verify` says of it, what a report says
    "a value inside an event": (
        change_a_value, "plan DEMO-2021 seq 2 (log index 1): changed since it was recorded",
        "plan DEMO-2021 seq 2 (log index 1) no longer matches its leaf hash",
    ),
    "a recorded time": (
        move_a_recorded_time, "plan DEMO-2021 seq 3 (log index 2): changed since it was recorded",
        "plan DEMO-2021 seq 3 (log index 2) no longer matches its leaf hash",
    ),
    "two swapped rows": (
        swap_two_rows, "plan DEMO-2021 seq 2 (log index 1): holds the event recorded at log index 2",
        "plan DEMO-2021 seq 2 (log index 1) no longer matches its leaf hash",
    ),
    "a deleted row": (
        delete_the_last_row_and_its_traces, "log index 22 (seq 23 of aggregate",
        "plan DEMO-2021 seq 23 (log index 22) is in the store's Merkle log but its event is gone",
    ),
    "a forged event": (
        forge_an_event, "plan DEMO-2021 seq 24: not in the Merkle log",
        "plan DEMO-2021 seq 24 is not in the store's Merkle log",
    ),
    "a leaf rewritten to match": (
        rewrite_a_leaf_to_match, "plan DEMO-2021 seq 2 (log index 1): the tree head recorded with it no longer matches",
        "plan DEMO-2021 seq 2 (log index 1) is not included in the store's tree head",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_named_by_verify_and_refused_by_reads(request, small, case):
    tamper, verified, refused = TAMPERING[case]
    tamper(request, small)
    result = run("verify", "--store", small)
    assert result.exit_code == 1 and verified in result.stderr, result.output
    for command in (["report", "--as-of", "2021-09-30"], ["history"], ["explain", "1.1.1"]):
        result = run(*command, "--store", small)
        assert result.exit_code == 1 and refused in result.stderr, (command, result.output)
        assert "`poa verify` lists every problem" in result.stderr
    result = run("digest", "--store", small)
    assert result.exit_code == 1 and "not intact" in result.stderr


def test_no_verify_reads_a_tampered_store_for_forensic_work(request, small):
    change_a_value(request, small)
    result = run("--no-verify", "history", "--format", "json", "--code", "1.1.1.1.1", "--store", small)
    assert result.exit_code == 0, result.output
    (event,) = [e for e in json.loads(result.stdout)["events"] if e["seq"] == 2]
    assert event["data"]["percent"] == "10.00"  # the altered figure, shown as the store now holds it


def test_a_write_is_refused_on_a_tampered_plan(request, small, tmp_path):
    change_a_value(request, small)
    entry = tmp_path / "more.yaml"
    entry.write_text(f"plan: {PLAN}\nentries:\n  - progress: {{code: 1.2.1.1, percent: 40, date: 2021-09-30}}\n")
    result = run("apply", str(entry), "--store", small)
    assert result.exit_code == 1 and "no longer matches its leaf hash" in result.stderr
    assert len(json.loads(run("--no-verify", "history", "--format", "json", "--store", small).stdout)["events"]) == EVENTS


# -- digests kept elsewhere -------------------------------------------------------------------------------


def rewritten_copy(source: str, target: str, change=None, keep: int | None = None) -> None:
    """The source's events, as stored, into `target` with `change(seq, state) -> state` applied and only
    the first `keep`: a rewrite consistent with itself (its own log computed afresh)."""
    with closing(open_store(source, create=False, read_only=True)) as ledger:
        events = list(ledger.stored_events())[:keep]
    if change is not None:
        from eventsourcing.persistence import StoredEvent

        events = [StoredEvent(e.originator_id, e.originator_version, e.topic, change(e.originator_version, e.state)) for e in events]
    with closing(open_store(target, create=True)) as ledger:
        ledger.copy_in(events)


def test_a_digest_is_extended_by_later_events_and_taken_in_every_form(small, tmp_path):
    digest = run("digest", "--format", "json", "--store", small)
    (tmp_path / "head.json").write_text(digest.stdout)
    short = json.loads(digest.stdout)["digest"]
    line = run("digest", "--store", small).stdout  # SIZE:ROOT TIME
    assert line == f"{short} {json.loads(digest.stdout)['tree_head']['time']}\n"
    (tmp_path / "head.txt").write_text(line)
    entry = tmp_path / "more.yaml"
    entry.write_text(f"plan: {PLAN}\nentries:\n  - progress: {{code: 1.2.1.1, percent: 40, date: 2021-09-30}}\n")
    assert run("apply", str(entry), "--store", small).exit_code == 0
    for given in (short, line, digest.stdout, str(tmp_path / "head.json"), str(tmp_path / "head.txt")):
        result = run("verify", "--digest", given, "--store", small)
        assert result.exit_code == 0 and f"extends the digest {short}" in result.stdout, result.output
    assert run("verify", "--digest", "23:abc", "--store", small).exit_code == 2
    assert run("verify", "--digest", f"{short} yesterday", "--store", small).exit_code == 2
    assert run("verify", "--digest", str(tmp_path / "none.json"), "--store", small).exit_code == 2


@pytest.mark.sqlite_only  # a rewritten copy of the store is made in a second file
def test_a_consistent_rewrite_or_a_truncation_fails_the_digest_taken_before(small, tmp_path):
    digest = json.loads(run("digest", "--format", "json", "--store", small).stdout)["digest"]

    def lower_a_figure(seq, state):
        return state.replace(b'"_data_":"100"', b'"_data_":"10"') if seq == 2 else state

    rewritten, truncated = str(tmp_path / "rewritten.db"), str(tmp_path / "truncated.db")
    rewritten_copy(small, rewritten, lower_a_figure)
    rewritten_copy(small, truncated, keep=20)
    for store in (rewritten, truncated):
        assert run("verify", "--store", store).exit_code == 0  # each is consistent with itself
    result = run("verify", "--digest", digest, "--store", rewritten)
    assert result.exit_code == 1 and "first 23 events no longer hash to the digest's root" in result.stderr
    result = run("verify", "--digest", digest, "--store", truncated)
    assert result.exit_code == 1 and "holds 20 events, fewer than the 23 of the digest" in result.stderr
    prefix = f"1:{proof(small, 1)['leaf_hash']}"  # the tree of the approval alone: untouched by both
    assert run("verify", "--digest", prefix, "--store", rewritten).exit_code == 0


# -- stores made before the log ---------------------------------------------------------------------------


def test_a_store_made_before_the_log_is_refused_until_a_write_logs_every_event(request, small, tmp_path):
    if small.startswith("postgresql://"):
        from psycopg.sql import SQL, Identifier

        from poa.adapters.postgres_store import parse_url

        schema = parse_url(small).schema
        request.getfixturevalue("postgres").execute(
            SQL("DROP TABLE {0}, {1}").format(Identifier(schema, "poa_log"), Identifier(schema, "poa_log_nodes"))
        )
    else:
        sql(request, small, "DROP TABLE poa_log")
        sql(request, small, "DROP TABLE poa_log_nodes")
    result = run("report", "--as-of", "2021-09-30", "--store", small)
    assert result.exit_code == 1 and "the store has no Merkle log" in result.stderr
    entry = tmp_path / "more.yaml"
    entry.write_text(f"plan: {PLAN}\nentries:\n  - progress: {{code: 1.2.1.1, percent: 40, date: 2021-09-30}}\n")
    assert run("--no-verify", "apply", str(entry), "--store", small).exit_code == 0
    result = run("verify", "--store", small)
    assert result.exit_code == 0 and "tree head: 24:" in result.stdout, result.output


@pytest.mark.sqlite_only
def test_the_stored_nodes_are_read_through_the_primary_keys(small):
    """Reading a proof's nodes searches the log's primary keys, never scans a table (a row-value
    ``IN (VALUES …)`` list scanned the whole node table once per 250 nodes: a report's cost then grew
    with the store, issue 14's R2)."""
    from poa.adapters.sqlite_recorder import stored_nodes  # noqa: PLC0415

    statements = []
    with closing(sqlite3.connect(small)) as connection:
        size = connection.execute("SELECT COUNT(*) FROM poa_log").fetchone()[0]
        connection.set_trace_callback(statements.append)
        found = stored_nodes(connection.cursor(), [(0, 0), (0, size - 1), (1, 0), (2, 1), (3, 0)])
        connection.set_trace_callback(None)
        assert set(found) == {(0, 0), (0, size - 1), (1, 0), (2, 1), (3, 0)}  # 23 events: all five stored
        plans = [connection.execute(f"EXPLAIN QUERY PLAN {s}").fetchall() for s in statements if s.startswith("SELECT")]
    assert len(plans) == 4  # the leaves, then levels 1, 2 and 3
    assert all(step[3].startswith("SEARCH") for plan in plans for step in plan), plans
