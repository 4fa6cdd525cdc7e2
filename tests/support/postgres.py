"""The PostgreSQL server the tests use: one database per run (or per xdist worker), one schema per test.

The server is `POA_TEST_POSTGRES` (a URL naming a database on it; `.ci/run` creates a
fresh one and sets it), else ``postgresql://postgres@127.0.0.1:5432/postgres``, the
machines' server (trust authentication), in which a throw-away database is created
for the run and dropped at its end. Each test that asks for a PostgreSQL store gets a
schema of its own in that database (``?schema=t_...``), dropped after the test.

When no server can be reached the PostgreSQL tests are skipped with the reason —
except under ``CI=true``, where they must run: there the missing server is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import attrs
import psycopg
from psycopg.sql import SQL, Identifier

from poa.adapters.postgres_recorder import LOCK_CLASS
from poa.adapters.postgres_store import EVENTS_TABLE, PostgresTarget, parse_url

from . import programs

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
STORE_KINDS = ("sqlite", "postgresql")  # every kind of store the store tests run on (tests/conftest.py)


def server_url() -> str:
    return os.environ.get("POA_TEST_POSTGRES") or DEFAULT_SERVER


def unavailable(reason: str):
    """Skip (outside CI) or fail (CI=true) a test that needs the server."""
    message = f"no PostgreSQL server for the tests: {reason} (start it: docs/deployment.md; or set POA_TEST_POSTGRES)"
    programs.unavailable(message, "the PostgreSQL tests")


class PostgresDatabase:
    """The database of this run (or worker): made here unless POA_TEST_POSTGRES names one."""

    def __init__(self, worker: str):
        self.server = parse_url(server_url())
        self.own = "POA_TEST_POSTGRES" not in os.environ
        self.dbname = f"poa_test_{worker}_{uuid.uuid4().hex[:8]}" if self.own else self.server.dbname
        self.error = None
        try:
            if self.own:
                with self.server.connect() as connection:
                    connection.execute(SQL("CREATE DATABASE {0}").format(Identifier(self.dbname)))
            else:  # the database named must answer
                with self.target.connect() as connection:
                    connection.execute("SELECT 1")
        except psycopg.Error as error:
            self.error = " ".join(str(error).split())

    @property
    def target(self) -> PostgresTarget:
        return PostgresTarget(
            self.server.user, self.server.password, self.server.host, self.server.port, self.dbname
        )

    def new_schema(self) -> str:
        """A URL naming a schema of its own (created when the store is first written)."""
        if self.error:
            unavailable(self.error)
        return attrs.evolve(self.target, schema=f"t_{uuid.uuid4().hex[:16]}").url()

    def drop_schema(self, url: str) -> None:
        schema = parse_url(url).schema
        with closing(self.target.connect()) as connection:
            connection.execute(SQL("DROP SCHEMA IF EXISTS {0} CASCADE").format(Identifier(schema)))

    def close(self) -> None:
        if self.own and not self.error:
            with self.server.connect() as connection:
                connection.execute(SQL("DROP DATABASE IF EXISTS {0} WITH (FORCE)").format(Identifier(self.dbname)))

    @contextmanager
    def commit_lock_held(self, url: str) -> Iterator[None]:
        """Another session holding the store's commit lock during the block, as a writer in flight
        would (the advisory lock `PostgresCommitTimeRecorder` takes; ending the session releases it)."""
        with closing(self.target.connect()) as connection:
            connection.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, parse_url(url).schema))
            yield

    def tamper(self, url: str, statement: str, *parameters) -> None:
        """Run `statement` on the store's tables past their append-only triggers, as an intruder with
        the server's rights could (``%s``: a parameter; tables: ``{events}``, ``{log}`` (the Merkle log),
        ``{nodes}`` (its nodes), ``{lock}`` (the commit record))."""
        schema = parse_url(url).schema
        tables = {
            "events": Identifier(schema, EVENTS_TABLE),
            "log": Identifier(schema, "poa_log"),
            "nodes": Identifier(schema, "poa_log_nodes"),
            "lock": Identifier(schema, "poa_write_lock"),
            "versions": Identifier(schema, "poa_versions"),
        }
        guarded = [tables["events"], tables["log"], tables["nodes"]]
        for table in guarded:
            self.execute(SQL("ALTER TABLE {0} DISABLE TRIGGER USER").format(table))
        try:
            self.execute(SQL(statement).format(**tables), parameters)
        finally:
            for table in guarded:
                self.execute(SQL("ALTER TABLE {0} ENABLE TRIGGER USER").format(table))

    def execute(self, statement, parameters=None):
        """Run SQL as the server's administrator (the tests' role) in this run's database."""
        with closing(self.target.connect()) as connection:
            cursor = connection.execute(statement, parameters)
            return cursor.fetchall() if cursor.description else None


@contextmanager
def empty_store(kind: str, folder: Path, request) -> Iterator[str]:
    """An empty store of the kind (``sqlite`` or ``postgresql``), its own: the file poa.db in
    `folder`, or a fresh PostgreSQL schema (the session's `postgres` fixture is asked for only
    then, so a SQLite store needs no server), dropped afterwards. For the fixtures and examples
    that cannot use the function-scoped `store_name` (module-scoped stores, hypothesis examples)."""
    if kind == "sqlite":
        yield str(folder / "poa.db")
        return
    postgres = request.getfixturevalue("postgres")
    url = postgres.new_schema()
    try:
        yield url
    finally:
        postgres.drop_schema(url)
