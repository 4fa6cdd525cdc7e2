"""The PostgreSQL store's failures a user can meet, through the CLI in-process (click's CliRunner).

A store's URL that cannot name a store (no role, no database, an unknown ?setting, a bad
schema name) is the input's fault: exit 2, the message naming what is wrong. A server
that cannot be reached is the store's: exit 1, quickly. A database that does not exist,
or one without a ledger when reading, is exit 2, and nothing is written. A password in
the URL is never shown, in any output, error or not. The SQLite store's faults (files)
are in tests/integration/test_store_faults.py.
"""

from __future__ import annotations

import time
import uuid

import attrs
import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from poa.adapters.postgres_store import parse_url
from support.builders import SMALL
from support.runners import invoke, no_traceback

PASSWORD = "Pw-never-shown-7c1e"  # accepted and ignored by the test server's trust authentication
SYNTAX = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?schema=NAME]"


def ran(*args: str, status: int) -> str:
    """stdout and stderr of `poa ARGS` in-process, which ended with `status`, without a traceback,
    and never showing the password."""
    result = invoke(*args)
    output = result.stdout + result.stderr
    assert result.exit_code == status, (result.exit_code, output, result.exception)
    no_traceback(result)
    assert PASSWORD not in output, output
    return output


def with_password(url: str, **parts) -> str:
    """The store's URL with the password (and any other parts changed)."""
    return attrs.evolve(parse_url(url), password=PASSWORD, **parts).url()


def reading_and_writing(store: str) -> list[tuple[str, ...]]:
    """A command that reads the store and one that writes it."""
    return [("report", "--store", store), ("apply", str(SMALL), "--store", store)]


@pytest.mark.parametrize(
    "name, words",
    [
        ("postgresql://127.0.0.1:5432/poa", "name the role to connect as"),
        (f"postgresql://:{PASSWORD}@127.0.0.1:5432/poa", "name the role to connect as"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/", "name one database"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432", "name one database"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/poa?sslmode=require", "unknown setting 'sslmode'"),
        (f"postgresql://postgres@127.0.0.1:5432/poa?password={PASSWORD}", "unknown setting 'password'"),
        (f"postgresql://postgres:p@{PASSWORD}@127.0.0.1:5432/poa?sslmode=require", "unknown setting 'sslmode'"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/poa?schema=Ledger-2021", "schema 'Ledger-2021' must be"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/poa?schema=", "schema '' must be"),
        (f"postgresql://postgres:{PASSWORD}@127.0.0.1:99999/poa", "not a PostgreSQL URL"),
    ],
    ids=["no-user", "no-user-password", "no-database", "no-path", "unknown-setting", "password-setting",
         "password-with-at", "bad-schema", "empty-schema", "bad-port"],
)
def test_a_malformed_url_is_refused_with_exit_2_naming_the_fault(name, words):
    for args in reading_and_writing(name):
        message = ran(*args, status=2)
        assert words in message, message
        assert message.startswith("Error: postgresql://"), message
    # the syntax is recalled where the URL's shape is wrong
    if "name the role" in words or "name one database" in words:
        assert SYNTAX in message


def test_a_server_that_cannot_be_reached_is_exit_1_quickly(tmp_path):
    name = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/poa"
    for args in reading_and_writing(name):
        started = time.monotonic()
        message = ran(*args, status=1)
        assert time.monotonic() - started < 5, "a refused connection must not wait"
        assert "the PostgreSQL server cannot be reached" in message and "127.0.0.1:1" in message, message
    assert list(tmp_path.iterdir()) == []  # no SQLite file was made instead


def test_a_database_that_does_not_exist_is_exit_2_and_is_not_created(postgres):
    missing = f"poa_no_such_{uuid.uuid4().hex[:8]}"
    name = with_password(postgres.new_schema(), dbname=missing)
    for args in reading_and_writing(name):
        message = ran(*args, status=2)
        assert f'database "{missing}" does not exist' in message, message
    assert postgres.execute("SELECT 1 FROM pg_database WHERE datname = %s", (missing,)) == []


def test_reading_a_database_with_no_ledger_is_exit_2_and_writes_nothing(postgres, postgres_store):
    schema = parse_url(postgres_store).schema
    name = with_password(postgres_store)
    for command in (("report",), ("history",), ("plans",), ("reconcile",), ("export", "--what", "plans")):
        message = ran(*command, "--store", name, status=2)
        assert "no POA ledger in this database" in message, (command, message)
    target = postgres.new_schema()
    try:
        assert "no POA ledger in this database" in ran("copy", "--from", name, "--to", target, status=2)
    finally:
        postgres.drop_schema(target)
    # nothing was created: not the schema, let alone the ledger's tables
    assert postgres.execute("SELECT to_regnamespace(%s) IS NULL", (schema,)) == [(True,)]


def test_a_password_in_the_url_is_never_shown(postgres, postgres_store, tmp_path):
    """Trust authentication accepts the password and ignores it: every command works, and no
    output, success or refusal, shows it (messages show the URL with ``:***``)."""
    name = with_password(postgres_store)
    other = with_password(postgres.new_schema())
    try:
        assert "23 entries recorded" in ran("apply", str(SMALL), "--store", name, status=0)
        ran("report", "--store", name, "--format", "json", status=0)
        ran("history", "--store", name, status=0)
        ran("plans", "--store", name, status=0)
        ran("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01", "--store", name, status=0)
        refused = ran("apply", str(SMALL), "--store", name, status=2)
        assert "already approved" in refused
        copied = ran("copy", "--from", name, "--to", other, status=0)
        assert ":***@" in copied and "copied 24 events" in copied
        again = ran("copy", "--from", name, "--to", other, status=2)
        assert ":***@" in again and "already holds 24 events" in again
        assert "same store" in ran("copy", "--from", name, "--to", name, status=2)
        ran("report", "--store", with_password(other), "--plan", "NOPE-2021", status=2)
        # through the environment too
        result = invoke("report", "--format", "csv", env={"POA_STORE": name})
        assert result.exit_code == 0 and PASSWORD not in result.stdout + result.stderr
    finally:
        postgres.drop_schema(other)


# -- a damaged store, and events that cannot be changed ---------------------------------------------


def events_table(url: str) -> Identifier:
    return Identifier(parse_url(url).schema, "planledger_events")


def test_an_event_deleted_behind_the_ledgers_back_is_damage_for_every_command(postgres, postgres_store):
    """As on SQLite (finding 10): the rows must be those the commits recorded. Here the server's
    administrator switches the append-only trigger off to delete the last event."""
    ran("apply", str(SMALL), "--store", postgres_store, status=0)
    postgres.tamper(postgres_store, "DELETE FROM {events} WHERE notification_id = (SELECT MAX(notification_id) FROM {events})")
    for args in (("report",), ("history",), ("plans",), ("progress", "--code", "1.1.1", "--percent", "5", "--date", "2021-12-31")):
        output = ran(*args, "--store", postgres_store, status=1)
        assert "the store is damaged" in output and "22 events" in output and "23 events" in output, output


@pytest.mark.parametrize("statement", [
    "UPDATE {0} SET state = state",
    "DELETE FROM {0}",
    "TRUNCATE {0}",
])
def test_recorded_events_cannot_be_changed_even_by_the_stores_owner(postgres, postgres_store, statement):
    ran("apply", str(SMALL), "--store", postgres_store, status=0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="POA ledger events are append-only"):
        postgres.execute(SQL(statement).format(events_table(postgres_store)))
    ran("report", "--store", postgres_store, status=0)


def test_a_writer_held_up_longer_than_the_lock_timeout_is_told_busy_at_once(postgres, postgres_store):
    """POA_LOCK_TIMEOUT bounds the wait: after it, "busy" and nothing recorded, not the timeout
    ten or twenty times over (neither the library nor the ledger retries a lock timeout)."""
    ran("apply", str(SMALL), "--store", postgres_store, status=0)
    with postgres.commit_lock_held(postgres_store):
        started = time.monotonic()
        result = invoke("progress", "--code", "1.1.1", "--percent", "60", "--date", "2021-10-01",
                        "--store", postgres_store, env={"POA_LOCK_TIMEOUT": "1"})
        waited = time.monotonic() - started
    no_traceback(result)
    assert result.exit_code == 1, result.output
    assert "the store is busy" in result.stderr and "nothing was recorded" in result.stderr
    assert 1 <= waited < 5, waited
    history = invoke("history", "--store", postgres_store, "--format", "json")
    assert history.exit_code == 0 and history.stdout.count('"seq"') == 23


def test_the_insert_statement_is_the_librarys_with_its_events_sent_in_binary(postgres_store):
    """`PostgresCommitTimeRecorder` sends the library's insert statement its array of events in binary
    (`%b`): otherwise the statement is the library's own, as the library writes it in the version
    installed (a newer library's statement would show up here)."""
    from eventsourcing.postgres import PostgresApplicationRecorder

    from poa.adapters.stores import open_store

    ledger = open_store(postgres_store, create=True)
    try:
        recorder = ledger.recorder
        library = PostgresApplicationRecorder(recorder.datastore, events_table_name=recorder.events_table_name)
        with recorder.datastore.get_connection() as connection:
            ours = recorder.insert_events_statement.as_string(connection)
            theirs = library.insert_events_statement.as_string(connection)
        assert "%b::" in ours and "%s::" in theirs
        assert ours.replace("%b::", "%s::") == theirs
    finally:
        ledger.close()
