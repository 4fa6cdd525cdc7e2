"""The SQLite read model (docs/read-model.md): the ledger's plans, facts, structure versions, budget
lines and evaluations as plain tables, written incrementally and exactly once through sqlite-utils.

The rows come from `poa.projections.tables` (the same rows feed the open-data exports); this module
only formats them (decimals as two-place exact strings, as the JSON report gives them; dates ISO;
timestamps ISO 8601 UTC with ``Z``) and writes them.

Exactly once. The position in the event store's notification log is tracked in the read model
itself, through the eventsourcing library's tracking interface (`ReadModelTracking`, a
`TrackingRecorder`: `insert_tracking`, `max_tracking_id`), and every page of notifications is
written in ONE SQLite transaction: its `facts` and `budget_lines` rows, the plans it touches marked
dirty, and the tracking record. A crash before the commit loses the whole page (re-read next time),
never part of it; a page is never written twice (the tracking record's primary key, and the
position re-read under the write lock). The per-plan tables (`plans`, `elements`, `evaluation`,
`plan_evaluation`) are then recomputed for each dirty plan from the plan's history up to the last
seq the read model holds for it — a deterministic function of the tracked position — in one
transaction per plan that also clears its dirty mark. Whatever the moment of a crash, the next run
completes the same content a rebuild gives.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import sqlite_utils
from eventsourcing.persistence import Tracking, TrackingRecorder

from poa.domain.facts import Recorded
from poa.domain.plan import Plan
from poa.projections.tables import budget_line_rows, element_versions, evaluation_rows, plan_row
from poa.projections.warnings import LATE_AFTER_DAYS

from .interface import translate as _
from .ledger import Ledger
from .open_tables import READ_MODEL, Table, json_text, read_model_description, row_values, sqlite_type, with_data
from .open_tables import TABLES as OPEN_TABLES
from .sqlite_store import is_sqlite_file
from .store_errors import StoreError, StoreFailure

SCHEMA_VERSION = "3"  # 2: the keys of adapters/open_tables.py (budget_lines.plan, evaluation (plan, as_of)); 3: facts.initial_load
MARKER = "_poa_read_model"  # the table that says a database is a POA read model
PAGE_SIZE = 500  # notifications per transaction

Progress = Callable[[str, int, int], None]  # (phase: "events" or "plans", done, total)


class ReadModelError(Exception):
    """A --db that cannot be a read model (an event store, another database, a folder...)."""


# -- the schema: the tables, their columns, keys and descriptions are adapters/open_tables.py's
# (`TABLES`, the read model's in `READ_MODEL`); the DDL and the Datasette metadata read them ------

TABLES: tuple[Table, ...] = tuple(OPEN_TABLES[name] for name in READ_MODEL)
TABLE = {t.name: t for t in TABLES}

# the views: name -> (description, SQL)
VIEWS: dict[str, tuple[str, str]] = {
    "structure_today": (
        "The versions of every element in force today (date('now')): for a past year, the structure at its end.",
        "SELECT * FROM elements WHERE valid_from <= date('now') AND (valid_to IS NULL OR date('now') < valid_to)",
    ),
    "cuadro_3": (
        "Cuadro 3 per plan and as_of: the short-term actions with weight, progress, programmed, deviation, "
        "current and executed budget (Bs.) and execution (%).",
        "SELECT plan, as_of, code, parent, title, status, weight, progress_pct, programmed_pct, deviation_pts, "
        "budget_current, budget_executed, budget_execution_pct FROM evaluation "
        "WHERE kind = 'short_term_action' ORDER BY plan, as_of, rowid",
    ),
    "late_records": (
        f"Facts recorded more than {LATE_AFTER_DAYS} days after their effective date (the report's late-record warning).",
        f"SELECT plan, seq, kind, code, date, recorded_at, actor, days_late FROM facts WHERE days_late > {LATE_AFTER_DAYS}",
    ),
    "corrections": (
        "Every record that corrects an earlier one, beside the record it corrects: a progress or execution record "
        "of the same element and cut-off date, a correction (`correct`) and the fact it corrects, a result or "
        "justification and the text it replaces.",
        "SELECT c.plan, c.seq, c.kind, c.code, c.date, c.source, c.percent, c.amount, c.recorded_at, c.actor, "
        "o.seq AS corrected_seq, o.percent AS corrected_percent, o.amount AS corrected_amount, "
        "o.recorded_at AS corrected_recorded_at, o.actor AS corrected_actor "
        "FROM facts c JOIN facts o ON o.plan = c.plan AND o.seq = c.corrects_seq",
    ),
}
INDEXES = (
    ("facts", ("plan", "kind")),
    ("facts", ("days_late",)),
    ("facts", ("plan", "corrects_seq")),
    ("elements", ("valid_from", "valid_to")),
    ("elements", ("plan", "made_by_seq")),
    ("evaluation", ("kind", "plan", "as_of")),
    ("budget_lines", ("plan", "code", "source")),
)
FULL_TEXT = {"elements": ("title",), "facts": ("text", "note", "reason")}
PRIVATE = {
    MARKER: "CREATE TABLE [_poa_read_model] ([key] TEXT PRIMARY KEY, [value] TEXT)",
    "_tracking": "CREATE TABLE [_tracking] ([application_name] TEXT NOT NULL, [notification_id] INTEGER NOT NULL, "
    "PRIMARY KEY ([application_name], [notification_id]))",
    "_dirty": "CREATE TABLE [_dirty] ([plan] TEXT PRIMARY KEY)",
    "_plan_ids": "CREATE TABLE [_plan_ids] ([originator_id] TEXT PRIMARY KEY, [plan] TEXT NOT NULL)",
}
PER_PLAN = ("elements", "evaluation", "plan_evaluation")  # recomputed whole for a dirty plan (with `plans`)


def _ddl(table: Table) -> str:
    columns = [f"[{f.name}] {sqlite_type(f)}{' NOT NULL' if f.name in table.primary_key else ''}" for f in table.fields]
    columns.append(f"PRIMARY KEY ({', '.join(f'[{c}]' for c in table.primary_key)})")
    for mine, other, theirs in table.foreign_keys:
        columns.append(
            f"FOREIGN KEY ({', '.join(f'[{c}]' for c in mine)}) REFERENCES [{other}] ({', '.join(f'[{c}]' for c in theirs)})"
        )
    return f"CREATE TABLE [{table.name}] (\n   " + ",\n   ".join(columns) + "\n)"


# -- values ---------------------------------------------------------------------------------------


def cells(name: str, rows: Sequence[dict]) -> list[dict]:
    """Rows of table `name` as the read model stores them: its columns, each by its type
    (`open_tables.row_values`), an object as its JSON text."""
    return [{k: json_text(v) if isinstance(v, dict) else v for k, v in row_values(name, row).items()} for row in rows]


# -- tracking: the library's interface, on the read model's own database ---------------------------


class ReadModelTracking(TrackingRecorder):
    """The eventsourcing library's `TrackingRecorder` on the read model's database: the position
    of the notifications processed, written by the caller's open transaction (`insert_tracking`
    never commits), so that it is stored with the rows or not at all."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def insert_tracking(self, tracking: Tracking) -> None:
        """Record a position; a position already recorded (a page written twice) raises
        `sqlite3.IntegrityError`, which rolls back the caller's transaction."""
        self.db.conn.execute(
            "INSERT INTO [_tracking] (application_name, notification_id) VALUES (?, ?)",
            (tracking.application_name, tracking.notification_id),
        )

    def max_tracking_id(self, application_name: str) -> int | None:
        row = self.db.conn.execute(
            "SELECT MAX(notification_id) FROM [_tracking] WHERE application_name = ?", (application_name,)
        ).fetchone()
        return row[0]


# -- the database ------------------------------------------------------------------------------------


def check_read_model_path(path: Path, store_path: Path | None) -> None:
    """Refuse a --db that is not (or cannot become) a read model, without touching it."""
    if path.exists() and path.is_dir():
        raise ReadModelError(_("{path}: is a directory, not a read-model file").format(path=path))
    if not path.parent.exists():
        raise ReadModelError(_("{path}: folder {folder} does not exist").format(path=path, folder=path.parent))
    if store_path is not None and path.exists() and store_path.exists() and os.path.samefile(path, store_path):
        raise ReadModelError(_("{path}: is the event store itself; the read model is a separate database").format(path=path))
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        sqlite = is_sqlite_file(path)
    except OSError as error:
        raise ReadModelError(_("{path}: cannot be read ({reason})").format(path=path, reason=error.strerror)) from None
    if not sqlite:
        raise ReadModelError(_("{path}: not a SQLite database; it is left untouched").format(path=path))
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.absolute()), safe='/')}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise ReadModelError(
            _("{path}: cannot be read as SQLite ({error}); it is left untouched").format(path=path, error=error)
        ) from None
    if "stored_events" in tables:
        raise ReadModelError(_("{path}: is a POA event store, not a read model; it is left untouched").format(path=path))
    if tables and MARKER not in tables:
        raise ReadModelError(
            _("{path}: a SQLite database with other tables, not a POA read model; it is left untouched").format(path=path)
        )


class ReadModel:
    """The read-model database: its schema, its tracked position, and the writes of a catch-up."""

    def __init__(self, path: Path):
        self.path = path
        self.db = sqlite_utils.Database(str(path))
        self.db.conn.execute("PRAGMA busy_timeout = 30000")
        self.db.conn.execute("PRAGMA foreign_keys = ON")
        self.tracking = ReadModelTracking(self.db)

    def close(self) -> None:
        self.db.close()

    # -- schema -------------------------------------------------------------------------------------
    def ensure_schema(self) -> None:
        """Create every table, index, full-text index and view the database lacks."""
        if MARKER in self.db.table_names():
            version = self.db.conn.execute(f"SELECT value FROM [{MARKER}] WHERE key = 'schema'").fetchone()
            if version and version[0] != SCHEMA_VERSION:
                raise ReadModelError(
                    _("{path}: a read model of schema {found}, this version writes {schema}; rebuild it with --rebuild").format(
                        path=self.path, found=version[0], schema=SCHEMA_VERSION
                    )
                )
            return
        if self.db.journal_mode != "wal":
            self.db.enable_wal()
        with self.transaction():
            for name, ddl in PRIVATE.items():
                self.db.execute(ddl)
            for table in TABLES:
                self.db.execute(_ddl(table))
            for table, columns in INDEXES:
                self.db[table].create_index(columns, find_unique_name=True)
            for table, columns in FULL_TEXT.items():
                self.db[table].enable_fts(columns, create_triggers=True)
            for name, (_description, sql) in VIEWS.items():
                self.db.create_view(name, sql)
            self.db.execute(f"INSERT INTO [{MARKER}] (key, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def drop_everything(self) -> None:
        """Remove every table, view and trigger (for --rebuild), in one transaction."""
        with self.transaction():
            for kind in ("view", "trigger"):
                for (name,) in self.db.conn.execute(f"SELECT name FROM sqlite_master WHERE type = '{kind}'").fetchall():
                    self.db.execute(f"DROP {kind.upper()} IF EXISTS [{name}]")
            names = [row[0] for row in self.db.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'"
            ).fetchall()]
            virtual = [row[0] for row in self.db.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
            ).fetchall()]
            for name in virtual:
                self.db.execute(f"DROP TABLE IF EXISTS [{name}]")
            # children first: facts is referenced by elements and budget_lines, plans by the rest
            order = ["budget_lines", "elements", "evaluation", "plan_evaluation", "facts", "plans"]
            for name in sorted(names, key=lambda n: order.index(n) if n in order else -1):
                self.db.execute(f"DROP TABLE IF EXISTS [{name}]")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One SQLite transaction, the write lock taken at its start (BEGIN IMMEDIATE); sqlite-utils'
        own blocks inside it become savepoints. Rolled back on any exception, interrupts included."""
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
            raise
        self.db.conn.execute("COMMIT")

    # -- reading ------------------------------------------------------------------------------------
    def position(self) -> int:
        return self.tracking.max_tracking_id(Ledger.name) or 0

    def plan_of(self, originator_id: str) -> str | None:
        row = self.db.conn.execute("SELECT plan FROM [_plan_ids] WHERE originator_id = ?", (originator_id,)).fetchone()
        return row[0] if row else None

    def last_seq(self, plan: str) -> int:
        row = self.db.conn.execute("SELECT MAX(seq) FROM facts WHERE plan = ?", (plan,)).fetchone()
        return row[0] or 0

    def dirty(self) -> list[str]:
        return [row[0] for row in self.db.conn.execute("SELECT plan FROM [_dirty] ORDER BY plan")]

    # -- writing ------------------------------------------------------------------------------------
    def write_page(self, expected: int, last_id: int, new: dict[str, list[Recorded]], histories: dict[str, list[Recorded]],
                   ids: dict[str, str]) -> bool:
        """Write one page in one transaction: the facts and budget lines of its events (`new`, by
        plan; `histories`: each plan's history up to its last new event), the plans touched marked
        dirty, a new plan's id, and the tracking record of `last_id`. False, and nothing written,
        when another process has moved the position from `expected` meanwhile."""
        with self.transaction():
            if self.position() != expected:
                return False
            for originator_id, plan in ids.items():
                self.db.conn.execute(
                    "INSERT OR IGNORE INTO [_plan_ids] (originator_id, plan) VALUES (?, ?)", (originator_id, plan)
                )
            for plan, events in new.items():
                history = histories[plan]
                if history[0].seq == 1 and events[0].seq == 1:  # a new plan: its row before its facts
                    self.db["plans"].upsert(cells("plans", [plan_row(plan, history[:1])])[0], pk="plan")
                self.db["facts"].insert_all(cells("facts", with_data(plan, history, {r.seq for r in events})))
                new_seqs = {r.seq for r in events}  # a correction's lines need the fact it corrects: the whole history
                lines = [row for row in budget_line_rows(plan, history) if row["seq"] in new_seqs]
                if lines:
                    self.db["budget_lines"].insert_all(cells("budget_lines", lines))
                self.db.conn.execute("INSERT OR IGNORE INTO [_dirty] (plan) VALUES (?)", (plan,))
            self.tracking.insert_tracking(Tracking(Ledger.name, last_id))
        return True

    def refresh(self, plan: str, history: Sequence[Recorded]) -> None:
        """Recompute the per-plan tables of `plan` from its history as held, and clear its dirty
        mark, in one transaction."""
        elements, plans = evaluation_rows(plan, history)
        with self.transaction():
            for table in PER_PLAN:
                self.db.conn.execute(f"DELETE FROM [{table}] WHERE plan = ?", (plan,))
            self.db["plans"].upsert(cells("plans", [plan_row(plan, history)])[0], pk="plan")
            self.db["elements"].insert_all(cells("elements", element_versions(plan, history)))
            if elements:
                self.db["plan_evaluation"].insert_all(cells("plan_evaluation", plans))  # before its elements' rows
                self.db["evaluation"].insert_all(cells("evaluation", elements))
            self.db.conn.execute("DELETE FROM [_dirty] WHERE plan = ?", (plan,))


# -- the catch-up ----------------------------------------------------------------------------------


class CatchUp(NamedTuple):
    events: int  # notifications processed by this run
    plans: tuple[str, ...]  # plans whose per-plan tables were recomputed
    position: int  # the notification id tracked at the end


def catch_up(ledger: Ledger, model: ReadModel, *, page_size: int = PAGE_SIZE, progress: Progress | None = None) -> CatchUp:
    """Bring the read model up to the event store's last notification (as it is when this starts),
    page by page from the tracked position, then recompute the dirty plans."""
    report = progress or (lambda phase, done, total: None)
    try:
        stop = ledger.recorder.max_notification_id() or 0
    except Exception as error:  # the library's errors, as the store's failure
        raise ledger.store.failure(error) from None
    position = start = model.position()
    histories: dict[str, list[Recorded]] = {}  # each touched plan's history as held, this run
    report("events", 0, max(stop - start, 0))

    def held(plan: str) -> list[Recorded]:
        if plan not in histories:
            last = model.last_seq(plan)
            histories[plan] = [r for r in ledger.history(plan) if r.seq <= last] if last else []
        return histories[plan]

    while position < stop:
        page = ledger.recorder.select_notifications(position + 1, page_size, stop=stop)
        if not page:
            break
        new: dict[str, list[Recorded]] = {}
        ids: dict[str, str] = {}
        for notification in page:
            event = ledger.mapper.to_domain_event(notification)
            originator = event.originator_id.hex
            if isinstance(event, Plan.Approved):
                key = event.key
                ids[originator] = key
            else:
                key = ids.get(originator) or model.plan_of(originator)
                if key is None:
                    raise StoreError(
                        _("event {id} belongs to no approved plan the read model knows").format(id=notification.id)
                    )
            recorded = Recorded(
                event.originator_version, event.timestamp, event.actor, event.fact, event.batch, event.initial_load
            )
            new.setdefault(key, []).append(recorded)
        extended = {plan: held(plan) + events for plan, events in new.items()}
        if model.write_page(position, page[-1].id, new, extended, ids):
            histories.update(extended)
            position = page[-1].id
        else:  # another process wrote this page: continue from where it is now
            histories.clear()
            position = model.position()
        report("events", min(position, stop) - start, max(stop - start, 0))
    dirty = model.dirty()
    report("plans", 0, len(dirty))
    for done, plan in enumerate(dirty, 1):
        model.refresh(plan, held(plan))
        report("plans", done, len(dirty))
    return CatchUp(max(position - start, 0), tuple(dirty), position)


# -- Datasette ---------------------------------------------------------------------------------------


def datasette_metadata(database: str, *, title: str = "POA Ledger: read model") -> dict:
    """Datasette metadata for the read model opened under the name `database` (its file name
    without .db): title, descriptions of every table, column and view, units, source, licence."""
    tables = {
        t.name: {"description": t.description, "columns": {f.name: read_model_description(f) for f in t.fields}}
        for t in TABLES
    }
    for name, (description, _sql) in VIEWS.items():
        tables[name] = {"description": description}
    for name in (*PRIVATE, *(f"{t}_fts" for t in FULL_TEXT)):
        tables[name] = {"hidden": True}
    return {
        "title": title,
        "description": (
            "The annual operating plans (POA) of the ledger, their facts, structure versions, budget lines "
            "and quarterly evaluation. Amounts are in bolivianos (Bs.), percentages in %, deviations in "
            "percentage points, all as exact two-place decimal strings (CAST(x AS REAL) to chart them)."
        ),
        "source": "POA Ledger event store (poa project)",
        "source_url": "",
        "license": "To be stated by the publishing entity",
        "license_url": "",
        "databases": {database: {"tables": tables}},
    }


def open_read_model(path: Path, store_path: Path | None, *, rebuild: bool = False) -> ReadModel:
    """The read model at `path`, created or checked, its schema in place (dropped first with `rebuild`)."""
    check_read_model_path(path, store_path)
    try:
        model = ReadModel(path)
        try:
            if rebuild:
                model.drop_everything()
            model.ensure_schema()
        except BaseException:
            model.close()
            raise
    except sqlite3.OperationalError as error:
        raise read_model_failure(path, error) from None
    return model


def read_model_failure(path: Path, error: Exception) -> StoreFailure:
    text = str(error)
    if "locked" in text or "busy" in text:
        return StoreFailure(_("{path}: the read model is busy (another `poa project` holds it): {error}").format(path=path, error=text))
    return StoreFailure(_("{path}: the read model could not be written: {error}").format(path=path, error=text))
