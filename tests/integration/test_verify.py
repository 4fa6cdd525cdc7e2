"""`poa verify`: the whole store read back, on SQLite and on PostgreSQL (issue 10).

Exit 0 and the counts when the store is intact; exit 1 and every problem, by event, when a row
was deleted or changed behind the ledger's back (the Merkle log that also catches a consistent
rewrite is issue 11's). Damage is done here with SQL, as an intruder with the server's or the
file's rights would.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing

import pytest

from support.builders import SMALL
from support.runners import invoke, no_traceback

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL


def verify(store: str):
    result = invoke("verify", "--store", store)
    no_traceback(result)
    return result


def tamper(request, store: str, statement: str, *parameters) -> None:
    """Run `statement` (``{events}``: the store's events table, ``%s``: a parameter) past the ledger
    (and, on PostgreSQL, past its append-only trigger)."""
    if store.startswith("postgresql://"):
        request.getfixturevalue("postgres").tamper(store, statement, *parameters)
        return
    sqlite = statement.replace("{events}", "stored_events").replace("notification_id", "rowid").replace("%s", "?")
    with closing(sqlite3.connect(store)) as connection:
        connection.execute(sqlite, parameters)
        connection.commit()


def test_an_intact_store_is_verified_with_its_counts(store_name):
    assert invoke("apply", str(SMALL), "--store", store_name).exit_code == 0
    result = verify(store_name)
    assert result.exit_code == 0, result.output
    first, head = result.stdout.splitlines()
    assert first.endswith("intact: 23 events; plans: DEMO-2021 (23)")  # the example's 23 entries
    assert re.fullmatch(r"tree head: 23:[0-9a-f]{64}", head)  # its root: tests/integration/test_merkle_log.py


def test_an_event_that_cannot_be_read_back_is_named(request, store_name):
    assert invoke("apply", str(SMALL), "--store", store_name).exit_code == 0
    tamper(request, store_name, "UPDATE {events} SET state = %s WHERE notification_id = 5", b"{not json")
    result = verify(store_name)
    assert result.exit_code == 1
    assert "- event 5: cannot be read back" in result.stderr
    assert "plan DEMO-2021's events cannot be read back" in result.stderr
    assert "plan DEMO-2021 seq 5 (log index 4): changed, it cannot even be read back" in result.stderr  # the Merkle log's word
    assert "not intact (3 problems, listed above)" in result.stderr


def test_a_deleted_event_is_damage(request, store_name):
    assert invoke("apply", str(SMALL), "--store", store_name).exit_code == 0
    tamper(request, store_name, "DELETE FROM {events} WHERE notification_id = 23")
    result = verify(store_name)
    assert result.exit_code == 1
    assert "the store is damaged: it holds 22 events" in result.stderr and "recorded 23 events" in result.stderr


def test_verify_refuses_a_store_that_does_not_exist_and_creates_nothing(tmp_path):
    missing = tmp_path / "none.db"
    result = verify(str(missing))
    assert result.exit_code == 2 and "no such store" in result.stderr
    assert not missing.exists()
