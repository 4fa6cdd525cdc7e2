"""The SQLite read model (docs/read-model.md): the ledger's plans, facts, structure versions, budget
lines and evaluations as plain tables, written incrementally and exactly once (the schema through
sqlite-utils, the rows with `executemany`).

The rows come from `poa.projections.tables` (the same rows feed the open-data exports); this module
only formats them (decimals as two-place exact strings, as the JSON report gives them; dates ISO;
timestamps ISO 8601 UTC with ``Z``: `values`, the same cells as `cells`) and writes them.

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

Cost. A page's rows are those of its facts alone (`tables.fact_row`, `tables.budget_lines`), worked
out with what the catch-up holds of each plan (`HeldPlan`: each progress and execution series' last
seq, the facts a correction may correct): in proportion to the page, not to the plan's history.
A plan written from its first fact up to its last is recomputed right after its last page from the
history the catch-up holds, then let go; any other dirty plan at the end, one at a time, from a
fresh read. What is held is bounded (`HELD`), so memory does not grow with the store.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import attrs
import sqlite_utils
from eventsourcing.persistence import Tracking, TrackingRecorder
from sqlite_utils.db import jsonify_if_needed

from poa.domain.catalogue import FactKindName
from poa.domain.corrections import CORRECTABLE
from poa.domain import facts as domain_facts
from poa.domain.facts import Correction, Recorded
from poa.domain.plan import Plan
from poa.projections.tables import budget_lines, corrected_seq, element_versions, evaluation_rows, fact_row, plan_row
from poa.projections.warnings import LATE_AFTER_DAYS

from .interface import translate as _
from .ledger import Ledger
from .open_tables import N, READ_MODEL, Table, json_text, json_value, read_model_description, row_values, sqlite_type
from .open_tables import TABLES as OPEN_TABLES
from .report_json import decimal_text, plain, recorded_to_dict, timestamp, two_places
from .sqlite_store import is_sqlite_file
from .store_errors import StoreError, StoreFailure

SCHEMA_VERSION = "3"  # 2: the keys of adapters/open_tables.py (budget_lines.plan, evaluation (plan, as_of)); 3: facts.initial_load
MARKER = "_poa_read_model"  # the table that says a database is a POA read model
PAGE_SIZE = 500  # notifications per transaction
HELD = 100_000  # facts, series and histories' records a catch-up holds at most between pages (`Held`)

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


_PLAIN = frozenset({str, int, bool, float, type(None)})  # what `json_value` gives back unchanged


def _not_json(value):
    """What JSON has no type for (a decimal, a date, a time), as `json_value` writes it."""
    found = json_value(value)
    if found is value:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return found


# `json_text(json_value(obj))` for an object whose keys are texts (`plain` makes every key one), in one
# pass: the encoder writes what JSON has a type for as `json_value` leaves it, the rest through it
_OBJECT_TEXT = json.JSONEncoder(ensure_ascii=False, default=_not_json).encode


def _json_ready(value):
    """`open_tables.json_value(value)`, with what is already plain (exactly a text, a number, None, or
    a dict or list of them) walked without its checks; anything else is `json_value`'s."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): _json_ready(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_json_ready(v) for v in value]
    return json_value(value)


_timestamp = lru_cache(maxsize=4096)(timestamp)  # a batch's facts share their recorded time

# the facts whose `poa history` data (`report_json.history_fields`) is each field of the fact but its
# date (and reference), in the order the fact declares them, None left out, a decimal as `decimal_text`:
# the progress and execution records, results and justifications -- nearly every fact of a plan
_FLAT_FIELDS = {
    kind: tuple(f.name for f in attrs.fields(kind) if f.name not in ("date", "reference"))
    for kind in (domain_facts.Progress, domain_facts.Execution, domain_facts.Result, domain_facts.Justification)
}


def data_text(plan: str, r: Recorded) -> str:
    """A fact's `data` cell: `report_json.recorded_to_dict(plan, r)` as the read model stores it (the
    JSON text `values` gives a dict), the most frequent facts' built without the generic walk."""
    fact = r.fact
    names = _FLAT_FIELDS.get(type(fact))
    if names is None:
        return _other(recorded_to_dict(plan, r))
    data = {}
    for name in names:
        value = getattr(fact, name)
        if value is None:
            continue
        kind = type(value)
        data[name] = decimal_text(value) if kind is Decimal else value if kind is str or kind is int else plain(value)
    return _OBJECT_TEXT({
        "seq": r.seq,
        "recorded_at": _timestamp(r.recorded_at),
        "kind": fact.kind,
        "plan": plan,
        "date": fact.date.isoformat(),
        "reference": getattr(fact, "reference", None),
        "actor": r.actor,
        "batch": r.batch,
        "initial_load": r.initial_load,
        "data": data,
    })


def _number(value) -> str | None:
    return None if value is None else two_places(Decimal(value))


def _other(value):
    """A value of a field not a number, as `cells` gives it and sqlite-utils binds it."""
    kind = type(value)
    if kind is datetime:
        return _timestamp(value)
    if kind is date:
        return value.isoformat()
    if kind is dict and all(type(k) is str for k in value):
        return _OBJECT_TEXT(value)
    value = _json_ready(value)
    return _OBJECT_TEXT(value) if isinstance(value, dict) else jsonify_if_needed(value)


class _Insert(NamedTuple):
    sql: str
    fields: tuple[tuple[str, frozenset, Callable], ...]  # each column: name, the types stored as they are, else how
    names: frozenset[str]
    columns: Callable  # a row with every column's key -> its values in column order (`operator.itemgetter`)


INSERTS = {
    t.name: _Insert(
        f"INSERT INTO [{t.name}] ({', '.join(f'[{c}]' for c in t.columns)}) VALUES ({', '.join('?' for _c in t.columns)})",
        tuple((f.name, frozenset({type(None)}), _number) if f.type == N else (f.name, frozenset({str, int, type(None)}), _other)
              for f in t.fields),
        frozenset(t.columns),
        itemgetter(*t.columns),
    )
    for t in TABLES
}


def values(name: str, rows: Sequence[dict]) -> list[tuple]:
    """`cells(name, rows)` as sqlite-utils would bind them: tuples of the table's columns, in order
    (for `executemany`).

    Column by column: a column whose values all have a type stored as it is (a text, an integer,
    None; a number column: None) is taken whole, and only the others are converted value by
    value (a value of such a type stays as it is, any other is converted), so that the cost is
    in the values that need converting."""
    insert = INSERTS[name]
    if not rows:
        return []
    names = insert.names
    if not all(map(names.issuperset, rows)):
        for row in rows:
            if not row.keys() <= names:
                row_values(name, row)  # refuses it, naming the columns no field describes
    try:
        table = list(map(insert.columns, rows))
    except KeyError:  # a row without some column: None there
        table = [tuple([row.get(field) for field, _same, _how in insert.fields]) for row in rows]
    columns = list(zip(*table))
    for i, (_field, same, how) in enumerate(insert.fields):
        column = columns[i]
        kinds = set(map(type, column))
        if kinds <= same:
            continue
        if how is _number:  # None stays None
            columns[i] = list(map(_number, column))
        elif kinds == {datetime}:
            columns[i] = list(map(_timestamp, column))
        elif kinds == {date}:
            columns[i] = list(map(date.isoformat, column))
        else:
            columns[i] = [v if type(v) in same else how(v) for v in column]
    return list(zip(*columns))


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
        # a page committed is in the WAL and survives the process (kill, crash) without a sync per commit;
        # a power loss may take the last pages back, with their tracking records: the next run re-reads them
        self.db.conn.execute("PRAGMA synchronous = NORMAL")
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
    def insert(self, name: str, rows: Sequence[dict]) -> None:
        """Insert rows of table `name` (its columns as `cells` gives them) in the open transaction."""
        if rows:
            self.db.conn.executemany(INSERTS[name].sql, values(name, rows))

    def write_page(self, expected: int, last_id: int, new: dict[str, list[Recorded]], held: Mapping[str, HeldPlan],
                   ids: dict[str, str]) -> bool:
        """Write one page in one transaction: the facts and budget lines of its events (`new`, by
        plan, each worked out with what `held` holds of its plan), the plans touched marked dirty,
        a new plan's id, and the tracking record of `last_id`. False, and nothing written, when
        another process has moved the position from `expected` meanwhile."""
        with self.transaction():
            if self.position() != expected:
                return False
            for originator_id, plan in ids.items():
                self.db.conn.execute(
                    "INSERT OR IGNORE INTO [_plan_ids] (originator_id, plan) VALUES (?, ?)", (originator_id, plan)
                )
            for plan, events in new.items():
                if events[0].seq == 1:  # a new plan: its row before its facts
                    self.db["plans"].upsert(cells("plans", [plan_row(plan, events[:1])])[0], pk="plan")
                facts, lines = held[plan].rows(plan, events)
                self.insert("facts", facts)
                self.insert("budget_lines", lines)
                self.db.conn.execute("INSERT OR IGNORE INTO [_dirty] (plan) VALUES (?)", (plan,))
            self.tracking.insert_tracking(Tracking(Ledger.name, last_id))
        return True

    def refresh(self, plan: str, history: Sequence[Recorded]) -> bool:
        """Recompute the per-plan tables of `plan` from its history as held, and clear its dirty
        mark, in one transaction. False, and nothing written, when the read model holds more of the
        plan's facts than `history` (another process wrote them meanwhile: it recomputes the plan)."""
        elements, plans = evaluation_rows(plan, history)
        versions = element_versions(plan, history)
        row = cells("plans", [plan_row(plan, history)])[0]
        with self.transaction():
            if self.last_seq(plan) != history[-1].seq:
                return False
            for table in PER_PLAN:
                self.db.conn.execute(f"DELETE FROM [{table}] WHERE plan = ?", (plan,))
            self.db["plans"].upsert(row, pk="plan")
            self.insert("elements", versions)
            if elements:
                self.insert("plan_evaluation", plans)  # before its elements' rows
                self.insert("evaluation", elements)
            self.db.conn.execute("DELETE FROM [_dirty] WHERE plan = ?", (plan,))
        return True


# -- the catch-up ----------------------------------------------------------------------------------


class HeldPlan:
    """What a catch-up holds of one plan between its pages: what the rows of the plan's next facts
    depend on, as of `last`, the last seq written — each progress and execution series' last record
    (a record's `corrects_seq`), and the facts a correction may correct with their corrections (a
    correction's budget lines) — and, when this run wrote the plan from its first fact, its history
    (to recompute the plan without reading it again). Never every record of every plan: a fact's
    rows cost in proportion to the fact, not to the plan's history."""

    __slots__ = ("ledger", "last", "latest", "structural", "history")

    def __init__(self, ledger: Ledger, last: int, latest: dict[tuple, int], history: list[Recorded] | None):
        self.ledger = ledger
        self.last = last
        self.latest = latest  # tables.record_key -> the seq of the series' last record
        # the seq of each fact a correction may correct -> that fact, then its corrections in seq
        # order; None until a correction of amounts needs it (read then from the ledger)
        self.structural: dict[int, list[Recorded]] | None = {} if history is not None else None
        self.history = history

    @property
    def weight(self) -> int:
        held = len(self.latest) + (len(self.history) if self.history is not None else 0)
        return held + (sum(map(len, self.structural.values())) if self.structural else 0)

    def rows(self, plan: str, events: Sequence[Recorded]) -> tuple[list[dict], list[dict]]:
        """The `facts` and `budget_lines` rows of the plan's next facts (`events`, in seq order, right
        after `last`), as `tables.fact_rows`/`with_data` and `tables.budget_line_rows` of the whole
        history give them; what is held moves on past them."""
        facts, lines = [], []
        for r in events:
            row = fact_row(plan, r, corrected_seq(r, self.latest))  # a new dict: `data` added to it
            row["data"] = data_text(plan, r)
            facts.append(row)
            fact = r.fact
            if isinstance(fact, Correction) and fact.budget is not None:
                if self.structural is None:
                    self.structural = {}
                    for earlier in self.ledger.facts(plan):
                        if earlier.seq < r.seq:
                            self._hold(earlier)
                lines += budget_lines(plan, r, self.structural.get(fact.corrects, ()))
            else:
                lines += budget_lines(plan, r, ())
            if self.structural is not None:
                self._hold(r)
            if self.history is not None:
                self.history.append(r)
            self.last = r.seq
        return facts, lines

    def _hold(self, r: Recorded) -> None:
        if isinstance(r.fact, CORRECTABLE):
            self.structural[r.seq] = [r]
        elif isinstance(r.fact, Correction):
            self.structural.setdefault(r.fact.corrects, []).append(r)


class Held(Mapping):
    """The plans a catch-up holds (`HeldPlan`), by key, the least recently written first; a plan not
    held is read when written: from the read model's own rows, as of what it holds."""

    def __init__(self, ledger: Ledger, model: ReadModel, limit: int | None = None):
        self.ledger, self.model, self.limit = ledger, model, HELD if limit is None else limit
        self.plans: OrderedDict[str, HeldPlan] = OrderedDict()

    def __getitem__(self, plan: str) -> HeldPlan:
        held = self.plans.get(plan)
        if held is None:
            held = self.plans[plan] = self.read(plan)
        self.plans.move_to_end(plan)
        return held

    def __iter__(self):
        return iter(self.plans)

    def __len__(self) -> int:
        return len(self.plans)

    def read(self, plan: str) -> HeldPlan:
        last = self.model.last_seq(plan)
        if not last:
            return HeldPlan(self.ledger, 0, {}, [])
        latest = {
            (FactKindName(kind), code, date.fromisoformat(day), source): seq
            for kind, code, day, source, seq in self.model.db.conn.execute(
                "SELECT kind, code, date, source, MAX(seq) FROM facts WHERE plan = ? AND kind IN (?, ?) "
                "GROUP BY kind, code, date, source", (plan, FactKindName.PROGRESS.value, FactKindName.EXECUTION.value)
            )
        }
        return HeldPlan(self.ledger, last, latest, None)

    def drop(self, plan: str) -> HeldPlan | None:
        return self.plans.pop(plan, None)

    def clear(self) -> None:
        self.plans.clear()

    def trim(self, keep: Iterable[str]) -> None:
        """Hold at most `limit`: let go of histories, then of the plans not in `keep`, least recently
        written first (a plan whose history is let go is recomputed from a fresh read of it)."""
        weight = sum(held.weight for held in self.plans.values())
        for held in list(self.plans.values()):
            if weight <= self.limit:
                return
            if held.history is not None:
                weight -= len(held.history)
                held.history = None
        keep = set(keep)
        for plan, held in list(self.plans.items()):
            if weight <= self.limit:
                return
            if plan not in keep:
                weight -= held.weight
                del self.plans[plan]


class CatchUp(NamedTuple):
    events: int  # notifications processed by this run
    plans: tuple[str, ...]  # plans whose per-plan tables were recomputed
    position: int  # the notification id tracked at the end


def catch_up(ledger: Ledger, model: ReadModel, *, page_size: int = PAGE_SIZE, progress: Progress | None = None) -> CatchUp:
    """Bring the read model up to the event store's last notification (as it is when this starts),
    page by page from the tracked position, then recompute the dirty plans.

    A plan this run wrote from its first fact and whose last fact it has written is recomputed
    right after that page, from the history it holds; every other dirty plan at the end, one at a
    time, from a fresh read of its history up to the last seq the read model holds for it."""
    report = progress or (lambda phase, done, total: None)
    try:
        stop = ledger.recorder.max_notification_id() or 0
    except Exception as error:  # the library's errors, as the store's failure
        raise ledger.store.failure(error) from None
    position = start = model.position()
    held = Held(ledger, model)
    plans: dict[str, str] = {}  # each plan's key by its originator id, as learnt
    recomputed: list[str] = []
    report("events", 0, max(stop - start, 0))

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
                key = ids.get(originator) or plans.get(originator) or model.plan_of(originator)
                if key is None:
                    raise StoreError(
                        _("event {id} belongs to no approved plan the read model knows").format(id=notification.id)
                    )
                plans[originator] = key
            recorded = Recorded(
                event.originator_version, event.timestamp, event.actor, event.fact, event.batch, event.initial_load
            )
            new.setdefault(key, []).append(recorded)
        if model.write_page(position, page[-1].id, new, held, ids):
            position = page[-1].id
            for plan in new:  # the plans written up to their last fact: recomputed now, then let go
                mine = held.plans.get(plan)
                if mine is not None and mine.history is not None and ledger.version(plan) == mine.last:
                    if model.refresh(plan, mine.history) is not False:
                        recomputed.append(plan)
                    held.drop(plan)
            held.trim(new)
        else:  # another process wrote this page: continue from where it is now
            held.clear()
            position = model.position()
        del page, new
        report("events", min(position, stop) - start, max(stop - start, 0))
    held.clear()
    dirty = model.dirty()
    total = len(recomputed) + len(dirty)
    report("plans", len(recomputed), total)
    for done, plan in enumerate(dirty, len(recomputed) + 1):
        last = model.last_seq(plan)
        history = [r for r in ledger.history(plan) if r.seq <= last]
        if model.refresh(plan, history) is not False:
            recomputed.append(plan)
        del history
        report("plans", done, total)
    return CatchUp(max(position - start, 0), tuple(sorted(set(recomputed))), position)


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
