"""`PostgresCommitTimeRecorder`: the library's PostgreSQL recorder, stamping a transaction's events at commit with the server's clock.

The library's `PostgresApplicationRecorder` already serialises writers: each insert
transaction takes an EXCLUSIVE lock on the events table, so notification ids are
handed out in commit order. This subclass adds, in the same transaction and before
the insert:

- the **commit lock**, a transaction-level advisory lock (`pg_advisory_xact_lock`)
  keyed by the store's schema, which the PostgreSQL store's `settle` takes in shared
  mode to wait for a writer in flight (advisory locks need no privilege on the
  tables, so an auditor's read-only role can settle too);
- **one stamp** for every event of the transaction, read from the **server's clock**
  (`clock_timestamp()`) while the lock is held, or one microsecond after the
  previous transaction's stamp if the clock is behind it; the server's clock is the
  one clock of all the operators' machines;
- the commit record (`poa_write_lock`: the last stamp, the number of events, the
  last notification id) and each aggregate's recorded version (`poa_versions`),
  written in the same transaction (the count and the last id once the insert has
  succeeded);
- at creation, a trigger refusing UPDATE, DELETE and TRUNCATE on the events table:
  an operator's role needs UPDATE on it for the library's table lock, and the
  trigger keeps the table append-only all the same.

It overrides two private methods of `eventsourcing.postgres.PostgresApplicationRecorder`
(`_insert_stored_events` and `_fetch_ids_after_insert_events`, to act inside the insert
transaction before and after the insert), sends its insert statement's parameter in binary
(`insert_events_statement`, otherwise the library's own: a test compares the two) and calls its
`insert_events` without the retry decorator around it (`__wrapped__`), as they are in the
versions pyproject.toml allows (eventsourcing >=9.5.6,<9.6). Before widening that
range, run tests/integration/test_store_contract.py (the library's recorder contract
suite against this class) and tests/integration/test_commit_time.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timezone
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from . import merkle
from .commit_stamps import last_versions, to_commit
from .index_queries import INDEX_COLUMNS
from .merkle_log import CatalogueRows, IndexRows, LeafHashes, extended
from .plan_rows import CATALOGUE_COLUMNS
from .store_errors import StoreDamaged

LOCK_CLASS = 0x504F41  # "POA": the first key of the store's advisory locks; the second is the schema's hash
COMMIT_LOCK = SQL("SELECT pg_advisory_xact_lock({0}, hashtext(%s))").format(LOCK_CLASS)
SETTLE_LOCK = SQL("SELECT pg_advisory_xact_lock_shared({0}, hashtext(%s))").format(LOCK_CLASS)
CREATE_LOCK = SQL("SELECT pg_advisory_lock({0}, hashtext(%s || ' create'))").format(LOCK_CLASS)
CREATE_UNLOCK = SQL("SELECT pg_advisory_unlock({0}, hashtext(%s || ' create'))").format(LOCK_CLASS)
APPEND_ONLY_MESSAGE = "POA ledger events are append-only"


LOG_CHUNK = 5000  # events logged and indexed at a time: a large batch's log rows are never all held at once
INSERT_CHUNK = 2000  # events per INSERT statement of a batch (`_insert_stored_events`)


class PostgresCommitTimeRecorder(PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, stamping every event of a transaction with one commit time
    from the server's clock, under the store's commit lock (see the module's docstring)."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        # the library's insert statement, its events' array sent in binary: psycopg writes an array of
        # composite values as text in Python, escaping every state's bytes (about six times the CPU)
        self.insert_events_statement = SQL(
            "    INSERT INTO {schema}.{table} AS t ("
            "    originator_id, originator_version, topic, state)"
            "    SELECT originator_id, originator_version, topic, state"
            "    FROM unnest(%b::{schema}.{stored_event_type}[])"
            " RETURNING notification_id"
        ).format(
            schema=Identifier(datastore.schema),
            table=Identifier(events_table_name),
            stored_event_type=Identifier(self.stored_event_type_name),
        )
        names = {
            "schema": Identifier(datastore.schema),
            "events": Identifier(events_table_name),
            "lock": Identifier("poa_write_lock"),
            "versions": Identifier("poa_versions"),
            "refuse": Identifier("poa_refuse_change"),
            "log": Identifier("poa_log"),
            "nodes": Identifier("poa_log_nodes"),
            "index": Identifier("poa_index"),
            "plans": Identifier("poa_plans"),
        }
        self.names = names
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{lock} "
                "(id integer PRIMARY KEY, stamped timestamptz, events bigint NOT NULL, last_id bigint NOT NULL)"
            ).format(**names),
            SQL("INSERT INTO {schema}.{lock} (id, events, last_id) VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING").format(
                **names
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{versions} (originator_id uuid PRIMARY KEY, version bigint NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{log} (log_index bigint PRIMARY KEY, notification_id bigint NOT NULL "
                "UNIQUE, originator_id uuid NOT NULL, originator_version bigint NOT NULL, leaf bytea NOT NULL, root bytea NOT NULL)"
            ).format(**names),
            SQL("CREATE INDEX IF NOT EXISTS poa_log_by_aggregate ON {schema}.{log} (originator_id, originator_version)").format(
                **names
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{nodes} "
                "(level integer NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))"
            ).format(**names),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{index} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                "kind text NOT NULL, code text, source text, day integer NOT NULL, recorded bigint NOT NULL, value text, "
                "initial_load text, PRIMARY KEY (originator_id, originator_version))"
            ).format(**names),
            SQL(  # the catalogue of plans (adapters/plan_catalogue.py)
                "CREATE TABLE IF NOT EXISTS {schema}.{plans} (originator_id uuid PRIMARY KEY, notification_id bigint NOT NULL, "
                "plan text NOT NULL, entity text NOT NULL, year integer NOT NULL, approved text NOT NULL, reference text NOT NULL, "
                "recorded_at text NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{refuse}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION '{message}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$"
            ).format(message=SQL(APPEND_ONLY_MESSAGE), **names),
            *(
                SQL(statement).format(table=Identifier(table), **names)
                for table in (events_table_name, "poa_log", "poa_log_nodes", "poa_index", "poa_plans")
                for statement in (
                    "CREATE OR REPLACE TRIGGER poa_append_only BEFORE UPDATE OR DELETE ON {schema}.{table} "
                    "FOR EACH ROW EXECUTE FUNCTION {schema}.{refuse}()",
                    "CREATE OR REPLACE TRIGGER poa_append_only_truncate BEFORE TRUNCATE ON {schema}.{table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{refuse}()",
                )
            ),
        ]
        self.keep_stamps = False  # `poa copy`: insert events as they are, with the stamps of their first store
        self.last_stamp = None  # the stamp of the last transaction this recorder inserted events in
        self.leaf_hashes: LeafHashes | None = None  # set by the ledger: the events' leaf hashes for the Merkle log
        self.index_rows: IndexRows | None = None  # set by the ledger: the events' rows of the index (`poa_index`)
        self.catalogue_rows: CatalogueRows | None = None  # set by the ledger: the rows of the plans approved (`poa_plans`)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """The library's insert without its retry decorator (ten attempts on an `OperationalError`):
        a lock timeout means another writer held the store for the whole timeout, which the
        ledger reports as busy at once (`Ledger.record`) instead of making the user wait ten times
        as long; the ledger itself retries a version conflict or a lost connection."""
        try:
            return PostgresApplicationRecorder.insert_events.__wrapped__(self, stored_events, **kwargs)
        except _AfterInsert as failed:  # rolled back (`_fetch_ids_after_insert_events`)
            raise failed.error from None

    def create_table(self) -> None:
        """The library's tables and ours (the snapshots' included), created by one process at a time
        (concurrent creations of the same types and tables fail on PostgreSQL)."""
        with self.datastore.get_connection() as connection:
            connection.execute(CREATE_LOCK, (self.datastore.schema,))
            try:
                super().create_table()
                # the plans' snapshots (Ledger._take_snapshots): the library creates their table too, unlocked,
                # which two processes creating a store at once would race on; created here first, it exists then
                snapshots = self.events_table_name.removesuffix("_events") + "_snapshots"
                PostgresAggregateRecorder(self.datastore, events_table_name=snapshots).create_table()
            finally:
                connection.execute(CREATE_UNLOCK, (self.datastore.schema,))

    def _insert_stored_events(self, curs, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        """Take the commit lock, stamp the events with one commit time, insert them (the library
        locks the table and inserts), then record the commit. Private in the library: see the module's docstring."""
        names = self.names
        curs.execute(SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout))
        curs.execute(COMMIT_LOCK, (self.datastore.schema,))
        curs.execute(SQL("SELECT clock_timestamp() AS now, stamped, events FROM {schema}.{lock} WHERE id = 1").format(**names))
        row = curs.fetchone()
        previous = row["stamped"].astimezone(timezone.utc) if row["stamped"] is not None else None
        events, stamp = to_commit(
            stored_events, previous, keep=self.keep_stamps, held=row["events"], clock=row["now"].astimezone(timezone.utc)
        )
        self.last_stamp = stamp  # the ledger stamps its snapshots with it once the save returns (`Ledger._take_snapshots`)
        with curs.connection.cursor() as other:  # `curs` is the library's, for the insert and its RETURNING rows
            other.executemany(
                SQL(
                    "INSERT INTO {schema}.{versions} (originator_id, version) VALUES (%s, %s) "
                    "ON CONFLICT (originator_id) DO UPDATE SET version = GREATEST({versions}.version, excluded.version)"
                ).format(**names),
                list(last_versions(stored_events).items()),
            )
            other.execute(SQL("UPDATE {schema}.{lock} SET stamped = %s WHERE id = 1").format(**names), (stamp,))
        # a large batch in a few statements whose results are read as they come: one statement of every event
        # stalls in pipeline mode (the server waits for the rest of the statement, the client for its results)
        self._lock_table(curs)
        self._chunk_ids: list[int] = []
        with curs.connection.cursor() as other:
            for start in range(0, len(events) - INSERT_CHUNK, INSERT_CHUNK):
                chunk = events[start:start + INSERT_CHUNK]
                rows = [self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state) for e in chunk]
                other.execute(self.insert_events_statement, (rows,))
                self._chunk_ids += [row["notification_id"] for row in other.fetchall()]
        last = events[len(self._chunk_ids):]
        super()._insert_stored_events(curs, last, **kwargs)

    def _fetch_ids_after_insert_events(self, curs, stored_events: Sequence[StoredEvent], **kwargs: Any):
        """The library's notification ids of the insert, then the rest of the commit record: the event
        count and the last id. Done here, once the insert is known to have succeeded: a statement
        queued after a refused insert (a version conflict) would fail as "pipeline aborted" instead of
        letting the conflict surface. Private in the library: see the module's docstring.

        The library catches any exception raised here inside its transaction block, so that the block
        ends normally and commits, and raises it after: an error of ours (the log, the index) would
        commit the events without them. It is carried through as `_AfterInsert`, which the library does
        not catch: the transaction rolls back, and `insert_events` raises the error itself."""
        ids = [*self._chunk_ids, *super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)]
        try:
            curs.execute(
                SQL("UPDATE {schema}.{lock} SET events = events + %s, last_id = %s WHERE id = 1").format(**self.names),
                (len(stored_events), max(ids)),
            )
            if self.leaf_hashes is not None:
                self._log(curs, stored_events, ids)
        except Exception as error:
            raise _AfterInsert(error) from error
        return ids

    def _log(self, curs, inserted: Sequence[StoredEvent], ids: Sequence[int]) -> None:
        """Append every event not yet in the Merkle log (those just `inserted`, numbered `ids`; all of a
        store made before the log, read back) to it, with the perfect nodes they complete
        (adapters/merkle_log.py), `LOG_CHUNK` events at a time."""
        names = self.names
        curs.execute(
            SQL("SELECT COALESCE(MAX(log_index) + 1, 0) AS size, COALESCE(MAX(notification_id), 0) AS last FROM {schema}.{log}")
            .format(**names)
        )
        row = curs.fetchone()
        size, last = row["size"], row["last"]
        numbered: Sequence[int] | None = None
        if ids and len(ids) == len(inserted) and all(a < b for a, b in zip(ids, ids[1:])):
            # the inserted events, in notification order, are all that is not logged if none lies between
            curs.execute(
                SQL("SELECT COUNT(*) AS found FROM {schema}.{events} WHERE notification_id > %s AND notification_id < %s")
                .format(**names),
                (last, ids[0]),
            )
            if curs.fetchone()["found"] == 0:
                numbered, stored = ids, inserted
        if numbered is None:
            curs.execute(
                SQL(
                    "SELECT notification_id, originator_id, originator_version, topic, state FROM {schema}.{events} "
                    "WHERE notification_id > %s ORDER BY notification_id"
                ).format(**names),
                (last,),
            )
            rows = curs.fetchall()
            numbered = [r["notification_id"] for r in rows]
            stored = [StoredEvent(r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])) for r in rows]
        if not stored:
            return
        # every read before any write: in pipeline mode a read after a large executemany was seen to get
        # the result of an INSERT instead of its own
        positions = merkle.frontier_positions(size)
        found = stored_nodes(curs, self.datastore.schema, positions)
        if len(found) != len(positions):
            raise StoreDamaged(f"the store is damaged: its Merkle log lacks nodes {sorted(set(positions) - set(found))} it must extend")
        frontier = [found[p] for p in positions]
        unindexed = self._earlier(curs, "index", numbered[0]) if self.index_rows is not None else []
        uncatalogued = self._earlier(curs, "plans", numbered[0], approvals=True) if self.catalogue_rows is not None else []
        for start in range(0, len(stored), LOG_CHUNK):
            chunk = list(stored[start:start + LOG_CHUNK])
            entries, nodes, frontier = extended(frontier, size + start, self.leaf_hashes(chunk))
            _insert_columns(
                curs, SQL("INSERT INTO {schema}.{log} (log_index, notification_id, originator_id, originator_version, leaf, root) ").format(**names),
                LOG_TYPES,
                [
                    (i, notification_id, event.originator_id, event.originator_version, leaf, root)
                    for (i, leaf, root), notification_id, event in zip(entries, numbered[start:start + LOG_CHUNK], chunk)
                ],
            )
            if nodes:
                _insert_columns(curs, SQL("INSERT INTO {schema}.{nodes} (level, idx, hash) ").format(**names), NODE_TYPES, nodes)
            if self.index_rows is not None:
                self._index(curs, chunk, unindexed, uncatalogued)
                unindexed = uncatalogued = []

    def _earlier(self, curs, table: str, first: int, *, approvals: bool = False) -> list[StoredEvent]:
        """The events before notification id `first` (`approvals`: only the plans' first events) if the
        table named in `names` is new (a store made before it, which its next write fills), else none."""
        names = self.names
        curs.execute(SQL("SELECT 1 AS found FROM {schema}.{table} LIMIT 1").format(schema=names["schema"], table=names[table]))
        if curs.fetchone() is not None or first <= 1:
            return []
        curs.execute(
            SQL(
                "SELECT originator_id, originator_version, topic, state FROM {schema}.{events} "
                "WHERE notification_id < %s" + (" AND originator_version = 1" if approvals else "") + " ORDER BY notification_id"
            ).format(**names),
            (first,),
        )
        return [StoredEvent(r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"])) for r in curs.fetchall()]

    def _index(self, curs, stored: list[StoredEvent], unindexed: list[StoredEvent], uncatalogued: list[StoredEvent]) -> None:
        """Index the events just logged, with `unindexed` (earlier events of a store made before the index),
        and list the plans they approve, with those of `uncatalogued`, in the catalogue of plans (`_catalogue`)."""
        names = self.names
        if self.catalogue_rows is not None:
            self._catalogue(curs, uncatalogued + stored)
        _insert_columns(
            curs, SQL("INSERT INTO {schema}.{index} (" + INDEX_COLUMNS + ") ").format(**names), INDEX_TYPES,
            self.index_rows(unindexed + stored), " ON CONFLICT DO NOTHING",  # a log made anew logs events indexed already
        )

    def _catalogue(self, curs, stored: list[StoredEvent]) -> None:
        """List the plans these events approve in the catalogue of plans."""
        names = self.names
        rows = self.catalogue_rows(stored)
        if rows:
            curs.executemany(
                SQL(
                    "INSERT INTO {schema}.{plans} (originator_id, notification_id, " + CATALOGUE_COLUMNS + ") "
                    "SELECT originator_id, notification_id, %s, %s, %s, %s, %s, %s FROM {schema}.{events} "
                    "WHERE originator_id = %s AND originator_version = 1 ON CONFLICT DO NOTHING"
                ).format(**names),
                [(*values, aggregate) for aggregate, values in rows],
            )


LOG_TYPES = ("bigint", "bigint", "uuid", "bigint", "bytea", "bytea")
NODE_TYPES = ("integer", "bigint", "bytea")
INDEX_TYPES = ("uuid", "bigint", "text", "text", "text", "integer", "bigint", "text", "text")  # INDEX_COLUMNS' types


def _insert_columns(curs, insert: SQL, types: Sequence[str], rows: Sequence[tuple], after: str = "") -> None:
    """`insert` (``INSERT INTO table (columns)``) of `rows` in one statement: each column sent as one
    array of `types`, in binary, and unnested by the server. psycopg's executemany dumps each row's
    values in Python: about five times the CPU for a log's or an index's rows."""
    unnest = SQL("SELECT * FROM unnest(" + ", ".join(f"%b::{t}[]" for t in types) + ")" + after)
    columns = [list(column) for column in zip(*rows)] if rows else [[] for _ in types]
    curs.execute(insert + unnest, columns)


class _AfterInsert(BaseException):
    """An error of the work done after an insert, in its transaction, carried past the library's catch of
    `Exception` so that the transaction rolls back (`_fetch_ids_after_insert_events`)."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


NODES = SQL(
    "SELECT 0 AS level, log_index AS idx, leaf AS hash FROM {schema}.poa_log WHERE log_index = ANY(%s) UNION ALL "
    "SELECT n.level, n.idx, n.hash FROM {schema}.poa_log_nodes n "
    "JOIN unnest(%s::integer[], %s::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx"
)


def stored_nodes(curs, schema: str, positions: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The Merkle log's stored perfect nodes at these (level, index) positions, level 0 being the leaves,
    in one query with the cursor `curs` (the writer's, in its transaction, or a reader's; dict rows);
    those not stored are absent."""
    wanted = set(positions)
    inner = [(level, index) for level, index in wanted if level > 0]
    curs.execute(
        NODES.format(schema=Identifier(schema)),
        ([index for level, index in wanted if level == 0], [level for level, _ in inner], [index for _, index in inner]),
    )
    return {(row["level"], row["idx"]): bytes(row["hash"]) for row in curs.fetchall()}
