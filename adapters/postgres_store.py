"""The PostgreSQL store (many operators, one server): a database, opened through the library's PostgreSQL module.

A store is named by a URL, ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME`` with an
optional ``?schema=NAME`` (default ``public``): one ledger per schema. The password
may also come from libpq's usual places (``PGPASSWORD``, ``~/.pgpass``), and is never
shown in a message. `open_postgresql` first connects once on its own (a clear message,
quickly, for a server that cannot be reached, a database that does not exist or a
role that may not log in), checks whether the ledger's tables exist and whether the
role may write them, then opens the ledger with the library's recorder
`PostgresCommitTimeRecorder` (adapters/postgres_recorder.py). A role that may only
read (an auditor's: `poa admin grant-auditor`) opens the store read-only.

`PostgresOperations` is what the ledger asks of the store beyond the library's
recorder (`adapters/ledger.py`, `StoreOperations`), as the SQLite store's does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timezone
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from uuid import UUID

import psycopg
from attrs import frozen
from eventsourcing.persistence import ApplicationRecorder, PersistenceError, StoredEvent
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from poa.projections.selection import IndexRow, microseconds

from .index_queries import INDEX_ROWS, LOADS
from .interface import translate as _
from .ledger import Ledger
from .plan_rows import CATALOGUE_COLUMNS
from .merkle_log import LogEntry
from .postgres_recorder import APPEND_ONLY_MESSAGE, SETTLE_LOCK, PostgresCommitTimeRecorder, stored_nodes
from .sqlite_store import MAX_VERSION, lock_timeout
from .store_errors import StoreBusy, StoreDamaged, StoreError, StoreFailure, StoreReadOnly

EVENTS_TABLE = Ledger.name.lower() + "_events"  # the library names the table after the application
CONNECT_TIMEOUT = 10  # seconds to reach the server
IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")
DEFAULT_SCHEMA = "public"


@frozen
class PostgresTarget:
    """Where a PostgreSQL store is: the parts of its URL."""

    user: str
    password: str
    host: str
    port: int
    dbname: str
    schema: str = DEFAULT_SCHEMA

    def url(self, *, password: bool = True) -> str:
        """The store's URL (``password=False``: with the password, if any, masked)."""
        secret = (":" + quote(self.password, safe="") if password else ":***") if self.password else ""
        query = "" if self.schema == DEFAULT_SCHEMA else f"?schema={self.schema}"
        return f"postgresql://{quote(self.user, safe='')}{secret}@{self.host}:{self.port}/{quote(self.dbname, safe='')}{query}"

    def said(self, error: Exception) -> str:
        """The driver's or the library's message on one line, the password, if any, masked."""
        text = " ".join(str(error).split())
        return text.replace(self.password, "***") if self.password else text

    @property
    def shown(self) -> str:
        """The store's URL as messages show it: the password, if any, masked."""
        return self.url(password=False)

    def connect(self, **options) -> psycopg.Connection:
        return psycopg.connect(
            dbname=self.dbname, host=self.host, port=self.port, user=self.user, password=self.password or None,
            connect_timeout=CONNECT_TIMEOUT, autocommit=True, **options,
        )


def masked(name: str) -> str:
    """A store URL as a message may show it, even one that does not parse: the password of the
    user part (up to the last @: a password may hold one) and a query's ``password=`` masked."""
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", re.sub(r"(//[^:/@]*):.*@", r"\1:***@", name), flags=re.I)


def parse_url(name: str) -> PostgresTarget:
    """The parts of ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?schema=NAME]`` (also ``postgres://``)."""
    shown = masked(name)
    try:
        parts = urlsplit(name)
        port = parts.port or 5432
    except ValueError as error:
        raise StoreError(_("{store}: not a PostgreSQL URL ({error})").format(store=shown, error=error)) from None
    syntax = "postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME[?schema=NAME]"
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise StoreError(_("{store}: a PostgreSQL store is named {syntax}").format(store=shown, syntax=syntax))
    if not parts.username:
        raise StoreError(_("{store}: name the role to connect as: {syntax}").format(store=shown, syntax=syntax))
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname or "/" in dbname:
        raise StoreError(_("{store}: name one database: {syntax}").format(store=shown, syntax=syntax))
    if parts.fragment:
        raise StoreError(_("{store}: a store's URL has no #fragment").format(store=shown))
    query = parse_qsl(parts.query, keep_blank_values=True)
    unknown = [key for key, _value in query if key != "schema"]
    if unknown:
        raise StoreError(
            _("{store}: unknown setting {setting} (the one setting is ?schema=NAME)").format(store=shown, setting=repr(unknown[0]))
        )
    schema = dict(query).get("schema", DEFAULT_SCHEMA)
    if not IDENTIFIER.fullmatch(schema):
        raise StoreError(
            _("{store}: schema {schema} must be lower-case letters, digits and _ (at most 63)").format(
                store=shown, schema=repr(schema[:70])
            )
        )
    return PostgresTarget(unquote(parts.username), unquote(parts.password or ""), parts.hostname, port, dbname, schema)


@frozen
class Found:
    """What one look at the database found: whether the ledger's tables exist and the role's rights."""

    exists: bool
    can_write: bool
    can_create: bool
    replica: bool  # a standby server, replaying the primary's changes: read-only
    logged: bool = True  # the Merkle log's tables exist (a store made before them lacks them)


def inspect(target: PostgresTarget) -> Found:
    """Connect once and look: the ledger's tables, and what the role may do with them."""
    try:
        with target.connect() as connection:
            row = connection.execute(
                "SELECT to_regclass(%(events)s) IS NOT NULL AND to_regclass(%(lock)s) IS NOT NULL, "
                "CASE WHEN to_regclass(%(events)s) IS NULL THEN false "
                "ELSE has_table_privilege(%(events)s, 'INSERT') AND has_table_privilege(%(lock)s, 'UPDATE') END, "
                "CASE WHEN to_regnamespace(%(schema)s) IS NULL THEN has_database_privilege(current_database(), 'CREATE') "
                "ELSE has_schema_privilege(%(schema)s, 'CREATE') END, "
                "pg_is_in_recovery(), to_regclass(%(log)s) IS NOT NULL",
                {
                    "log": f'"{target.schema}".poa_log',
                    "events": f'"{target.schema}".{EVENTS_TABLE}',
                    "lock": f'"{target.schema}".poa_write_lock',
                    "schema": target.schema,
                },
            ).fetchone()
    except psycopg.Error as error:
        raise connection_failure(target, error) from None
    return Found(*row)


def connection_failure(target: PostgresTarget, error: psycopg.Error) -> Exception:
    """Why the server could not be used, as the project's error (a wrong name is the input's fault)."""
    text = target.said(error)
    if "does not exist" in text:  # the database or the role
        return StoreError(f"{target.shown}: {text}")
    if "authentication failed" in text or "no password supplied" in text:
        return StoreError(_("{store}: the server refused the role's credentials ({error})").format(store=target.shown, error=text))
    return StoreFailure(
        _("{store}: the PostgreSQL server cannot be reached or refused the connection ({error})").format(
            store=target.shown, error=text
        )
    )


class PostgresOperations:
    """The PostgreSQL store's side of the ledger (`ledger.StoreOperations`)."""

    def __init__(
        self, recorder: ApplicationRecorder, target: PostgresTarget, read_only: str, lock_timeout: int, replica: bool
    ):
        self.recorder = recorder
        self.target = target
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self.replica = replica
        self.names = {"schema": Identifier(target.schema), "events": Identifier(EVENTS_TABLE)}

    def recorded_version(self, originator_id: UUID) -> int:
        """The version the commits recorded for an aggregate (0: none recorded)."""
        row = self._one(SQL("SELECT version FROM {schema}.poa_versions WHERE originator_id = %s"), (originator_id,))
        return row[0] if row else 0

    def settle(self) -> datetime:
        """Now, by the server's clock, as the known_at of views that can no longer change.

        The commit lock is taken in shared mode, which waits for a writer in flight to
        commit (writers take it exclusively, `PostgresCommitTimeRecorder`); the server's
        clock is read while it is held, and read again until it has moved past that
        reading, so a later transaction is stamped after it.

        On a standby replica (`replica`), which replays the primary's transactions in
        commit order, "now" is the stamp of the last transaction replayed: every
        transaction stamped up to it has been replayed (writers stamp and commit one at
        a time, under the commit lock), and any later one will be stamped after it.
        """
        if self.replica:
            row = self._one(SQL("SELECT stamped FROM {schema}.poa_write_lock WHERE id = 1"))
            if row is None or row[0] is None:
                return datetime(1970, 1, 1, tzinfo=timezone.utc)
            return row[0].astimezone(timezone.utc)
        try:
            with self.recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(SQL("SET LOCAL lock_timeout = '{0}s'").format(self.lock_timeout))
                cursor.execute(SETTLE_LOCK, (self.target.schema,))
                cursor.execute("SELECT clock_timestamp() AS now")
                now = cursor.fetchone()["now"]
                while True:
                    cursor.execute("SELECT clock_timestamp() > %s AS past", (now,))
                    if cursor.fetchone()["past"]:
                        break
        except PersistenceError as error:
            raise self.failure(error) from None
        return now.astimezone(timezone.utc)

    def structure_problems(self) -> list[str]:
        """Nothing beyond what `verify` reads: the server keeps its own structure."""
        return []

    def check_intact(self) -> None:
        """Refuse a damaged store: its event rows must be those its commits recorded (their
        number and the last notification id; on PostgreSQL ids may skip values a refused
        transaction took, so gaps are not damage)."""
        row = self._one(
            SQL(
                "SELECT (SELECT COUNT(*) FROM {schema}.{events}), "
                "(SELECT COALESCE(MAX(notification_id), 0) FROM {schema}.{events}), events, last_id "
                "FROM {schema}.poa_write_lock WHERE id = 1"
            )
        )
        if row is None:
            raise StoreDamaged(_("the store is damaged: its commit record (poa_write_lock) is missing"))
        count, last, events, last_id = row
        if (count, last) != (events, last_id):
            raise StoreDamaged(
                _(
                    "the store is damaged: it holds {count} events with ids up to {last}, but its commits recorded "
                    "{recorded} events with ids up to {recorded_last}"
                ).format(count=count, last=last, recorded=events, recorded_last=last_id)
            )

    def failure(self, error: Exception) -> StoreFailure:
        """The library's error read from PostgreSQL's message: busy, read-only, or another failure."""
        text = self.target.said(error)
        if "lock timeout" in text or "couldn't get a connection" in text:
            return StoreBusy(
                _(
                    "the store is busy: another writer held it longer than the timeout ({error}); nothing was recorded, "
                    "try again"
                ).format(error=text),
                waited=True,
            )
        if "deadlock detected" in text:
            return StoreBusy(_("the store is busy: two transactions waited for each other ({error}); try again").format(error=text))
        if APPEND_ONLY_MESSAGE in text:
            return StoreReadOnly(_("the store refused to change recorded events ({error})").format(error=text))
        if "permission denied" in text or "read-only transaction" in text:
            return StoreReadOnly(
                _("the store cannot be written by role {role} ({error}): nothing was recorded").format(
                    role=repr(self.target.user), error=text
                )
            )
        if "connection" in text and ("closed" in text or "failed" in text or "lost" in text):
            return StoreFailure(_("{store}: the connection to the server was lost ({error})").format(store=self.target.shown, error=text))
        return StoreFailure(_("the store could not complete the operation: {error}").format(error=text))

    def log_entries(self, originator_id: UUID | None = None, up_to: int | None = None, after: int = 0) -> list[LogEntry]:
        """The Merkle log's entries of one aggregate (None: all), of its versions after `after` up to `up_to` (None: all), in log order."""
        if originator_id is None:
            return self._entries("ORDER BY log_index")
        return self._entries(
            "WHERE originator_id = %s AND originator_version > %s AND originator_version <= %s ORDER BY log_index",
            (originator_id, after, up_to or MAX_VERSION),
        )

    def log_head(self) -> LogEntry | None:
        entries = self._entries("ORDER BY log_index DESC LIMIT 1")
        return entries[0] if entries else None

    def log_entry(self, log_index: int) -> LogEntry | None:
        entries = self._entries("WHERE log_index = %s", (log_index,))
        return entries[0] if entries else None

    def log_nodes(self, positions: Iterable[tuple[int, int]] | None) -> dict[tuple[int, int], bytes]:
        """The stored perfect nodes at these positions, level 0 being the leaves (None: every node of level >= 1)."""
        if positions is None:
            rows = self._all(SQL("SELECT level, idx, hash FROM {schema}.poa_log_nodes"))
            return {(level, index): bytes(value) for level, index, value in rows}
        return self._read(lambda cursor: stored_nodes(cursor, self.target.schema, positions), {})

    def log_entries_at(self, originator_id: UUID, versions: Sequence[int]) -> list[LogEntry]:
        return self._entries("WHERE originator_id = %s AND originator_version = ANY(%s)", (originator_id, list(versions)))

    def index_rows(self, originator_id: UUID, as_of: date, known_at: datetime, others: bool) -> list[IndexRow] | None:
        rows = self._all(
            SQL(INDEX_ROWS.format(placeholder="%s", table="{schema}.poa_index")),
            (originator_id, as_of.toordinal(), microseconds(known_at), others),
        )
        return list(map(IndexRow._make, rows))

    def index_loads(self, originator_id: UUID, as_of: date, known_at: datetime) -> dict[str, tuple[int, date, int]]:
        rows = self._all(
            SQL(LOADS.format(placeholder="%s", table="{schema}.poa_index")),
            (originator_id, as_of.toordinal(), microseconds(known_at)),
        )
        return {r[0]: (r[1], date.fromordinal(r[2]), r[3]) for r in rows}

    def index_count(self, originator_id: UUID) -> int:
        rows = self._all(SQL("SELECT COUNT(*) FROM {schema}.poa_index WHERE originator_id = %s"), (originator_id,))
        return rows[0][0] if rows else 0

    def events_at(self, originator_id: UUID, versions: Sequence[int]) -> list[StoredEvent]:
        rows = self._all(
            SQL(
                "SELECT originator_version, topic, state FROM {schema}.{events} "
                "WHERE originator_id = %s AND originator_version = ANY(%s) ORDER BY originator_version"
            ),
            (originator_id, list(versions)),
        )
        return [StoredEvent(originator_id, r[0], r[1], bytes(r[2])) for r in rows]

    def plan_catalogue(self) -> list[tuple[UUID, tuple]]:
        rows = self._all(SQL(f"SELECT originator_id, {CATALOGUE_COLUMNS} FROM {{schema}}.poa_plans ORDER BY notification_id"))
        return [(r[0], tuple(r[1:])) for r in rows]

    def _entries(self, clause: str, parameters: tuple = ()) -> list[LogEntry]:
        rows = self._all(
            SQL(
                "SELECT log_index, notification_id, originator_id, originator_version, leaf, root FROM {schema}.poa_log "
                + clause
            ),
            parameters,
        )
        return [LogEntry(r[0], r[1], r[2], r[3], bytes(r[4]), bytes(r[5])) for r in rows]

    def _all(self, statement: SQL, parameters: tuple = ()) -> list[tuple]:
        """Every row of a query of our own tables (none if a store made before the table lacks it)."""

        def rows(cursor) -> list[tuple]:
            cursor.execute(statement.format(**self.names), parameters)
            return [tuple(row.values()) for row in cursor.fetchall()]

        return self._read(rows, [])

    def _read(self, read: Callable, missing):
        """`read(cursor)` in a reading transaction of our own tables (`missing` if a store made before
        a table lacks it), the library's errors read as the store's failures."""
        try:
            with self.recorder.datastore.transaction(commit=False) as cursor:
                return read(cursor)
        except PersistenceError as error:
            if "does not exist" in str(error):
                return missing
            raise self.failure(error) from None

    def _one(self, statement: SQL, parameters: tuple = ()):
        try:
            with self.recorder.datastore.transaction(commit=False) as cursor:
                cursor.execute(statement.format(**self.names), parameters)
                row = cursor.fetchone()
        except PersistenceError as error:
            raise self.failure(error) from None
        return None if row is None else tuple(row.values())


def open_postgresql(name: str, *, create: bool, read_only: bool = False) -> Ledger:
    """The ledger in the PostgreSQL store `name` (a URL, `parse_url`).

    Reading (``create=False``): a database without the ledger's tables is an error and
    nothing is written to it. Writing: the schema and the tables are created if need be.
    A role that may not write the tables, or `read_only`, opens the store read-only.
    """
    target = parse_url(name)
    found = inspect(target)
    if not found.exists and not create:
        raise StoreError(_("{store}: no POA ledger in this database (record something first with `poa apply`)").format(store=target.shown))
    if not found.exists and read_only:
        raise StoreError(_("{store}: no POA ledger in this database (it cannot be created read-only)").format(store=target.shown))
    if not found.exists and not found.can_create:
        raise StoreReadOnly(
            _("{store}: no POA ledger here, and role {role} may not create one").format(store=target.shown, role=repr(target.user))
        )
    if found.replica and not found.exists:
        raise StoreError(
            _("{store}: no POA ledger on this replica (it cannot be created on a standby server)").format(store=target.shown)
        )
    if read_only:
        why = _("as asked")
    elif found.replica:
        why = _("the server is a standby replica; write to the primary")
    elif found.exists and not found.can_write:
        why = _("role {role} may only read this store").format(role=repr(target.user))
    else:
        why = ""
    timeout = lock_timeout()
    if not found.exists:
        _create_schema(target)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": target.dbname,
        "POSTGRES_HOST": target.host,
        "POSTGRES_PORT": str(target.port),
        "POSTGRES_USER": target.user,
        "POSTGRES_PASSWORD": target.password or os.environ.get("PGPASSWORD", ""),
        "POSTGRES_SCHEMA": target.schema,
        "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "POSTGRES_LOCK_TIMEOUT": str(timeout),
        "POSTGRES_POOL_SIZE": "1",  # one command, one connection (a second while one is held)
        "POSTGRES_MAX_OVERFLOW": "1",
        "APPLICATION_RECORDER_TOPIC": get_topic(PostgresCommitTimeRecorder),
        # set, not left to the shell: the library's insert function would bypass the commit-time stamping
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "ORIGINATOR_ID_TYPE": "uuid",  # poa_versions keys plans by uuid
        # a store made before the Merkle log gets its tables when opened to write (its events are logged by the next write)
        "CREATE_TABLE": "n" if found.exists and (found.logged or why) else "y",
    }
    try:
        ledger = Ledger(env, lambda recorder: PostgresOperations(recorder, target, why, timeout, found.replica))
    except PersistenceError as error:
        raise connection_failure(target, psycopg.Error(str(error))) from None
    try:
        if found.exists:
            ledger.check_intact()
    except BaseException:
        ledger.close()
        raise
    return ledger


def _create_schema(target: PostgresTarget) -> None:
    if target.schema == DEFAULT_SCHEMA:
        return
    try:
        with target.connect() as connection:
            connection.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(target.schema)))
    except psycopg.errors.UniqueViolation:
        pass  # another process created it at the same moment
    except psycopg.Error as error:
        raise connection_failure(target, error) from None


# -- roles (`poa admin`) -----------------------------------------------------------------

ACCESS = ("auditor", "operator")


def grant(name: str, role: str, access: str) -> list[str]:
    """Give `role` an auditor's (read-only) or an operator's (read and record) access to the store
    `name`; return the statements run. Run by the store's owner (the role that created it).

    An auditor may read every table of the store's schema and write none (any write it had is
    revoked). An operator may read them and append events: INSERT on the events table and its
    sequence, UPDATE on the commit record and the versions, and UPDATE on the events table,
    which the library's table lock (`LOCK TABLE ... IN EXCLUSIVE MODE`) requires; the store's
    trigger refuses any UPDATE, DELETE or TRUNCATE of an event (`PostgresCommitTimeRecorder`).
    """
    if access not in ACCESS:
        raise StoreError(_("access must be one of {choices}, got {access}").format(choices=", ".join(ACCESS), access=repr(access)))
    target = parse_url(name)
    if not role.strip():
        raise StoreError(_("the role's name is empty"))
    if not inspect(target).exists:
        raise StoreError(_("{store}: no POA ledger in this database (record something first with `poa apply`)").format(store=target.shown))
    names = {
        "schema": Identifier(target.schema),
        "role": Identifier(role),
        "events": Identifier(target.schema, EVENTS_TABLE),
        "sequence": Identifier(target.schema, EVENTS_TABLE + "_notification_id_seq"),
        "lock": Identifier(target.schema, "poa_write_lock"),
        "versions": Identifier(target.schema, "poa_versions"),
        "log": Identifier(target.schema, "poa_log"),
        "nodes": Identifier(target.schema, "poa_log_nodes"),
        "index": Identifier(target.schema, "poa_index"),
        "plans": Identifier(target.schema, "poa_plans"),
        "snapshots": Identifier(target.schema, Ledger.name.lower() + "_snapshots"),
    }
    statements = [
        "GRANT USAGE ON SCHEMA {schema} TO {role}",
        "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
    ]
    if access == "operator":
        statements += [
            "GRANT INSERT, UPDATE ON {events} TO {role}",
            "GRANT USAGE ON SEQUENCE {sequence} TO {role}",
            "GRANT INSERT, UPDATE ON {lock}, {versions} TO {role}",
            "GRANT INSERT ON {log}, {nodes}, {index}, {plans}, {snapshots} TO {role}",
        ]
    try:
        with target.connect() as connection:
            if connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None:
                raise StoreError(
                    _("role {role} does not exist on the server: create it first (CREATE ROLE ... LOGIN), see docs/deployment.md")
                    .format(role=repr(role))
                )
            with connection.transaction():
                done = []
                for statement in statements:
                    query = SQL(statement).format(**names)
                    connection.execute(query)
                    done.append(query.as_string(connection))
    except psycopg.Error as error:
        text = target.said(error)
        if "permission denied" in text or "must be owner" in text:
            raise StoreReadOnly(
                _("{store}: role {role} may not grant access to this store ({error})").format(
                    store=target.shown, role=repr(target.user), error=text
                )
            ) from None
        raise connection_failure(target, error) from None
    return done
