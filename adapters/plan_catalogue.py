"""`poa plans`: the plans of a store, read from its catalogue of plans when it can answer.

`plans(store)` is the use-case. For a SQLite store it first reads the catalogue (adapters/plan_rows.py)
with the sqlite3 module alone (`catalogued`): no eventsourcing, no domain, no attrs, no approval
decoded or hashed. It checks cheaply what opening the store checks (a SQLite file of a POA ledger,
whose rows are those its commits recorded: `SQLiteOperations.check_intact`) and that the catalogue has
a row for every plan the commits recorded and for no other. Whenever anything is unusual — no such
file, not SQLite, no catalogue, one that does not cover the plans, a PostgreSQL URL, `--no-verify`,
any SQLite error — it reads the approvals as before (`use_cases.plans`, checked against the Merkle
log), so that every refusal, message and exit status is the one it always was. The catalogue is
covered by no hash: `poa verify` compares every row with its approval (docs/integrity.md).
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from .plan_rows import CATALOGUE_COLUMNS, PlanListed, from_catalogue, listed

SQLITE_HEADER = b"SQLite format 3\x00"  # as adapters/sqlite_store.py checks it


def plans(store, *, read_only: bool = False, verified: bool = True) -> list[PlanListed]:
    """Every plan of the store, in the order they were approved: from its catalogue when it is a
    SQLite store whose catalogue covers its plans (and `verified`: not `poa --no-verify`), else
    from its approvals (`use_cases.plans`), which refuses what opening the store refuses."""
    found = catalogued(store) if verified and isinstance(store, str) else None
    if found is not None:
        return found
    from . import use_cases  # noqa: PLC0415 - the domain and the library, only when the catalogue cannot answer

    return [listed(key, approval) for key, approval in use_cases.plans(store, read_only=read_only)]


def catalogued(name: str) -> list[PlanListed] | None:
    """The plans of the SQLite store `name` from its catalogue, or None whenever it cannot answer
    as reading the approvals would (see the module's docstring)."""
    path = _plain_path(name)
    if path is None:
        return None
    uri = f"file:{quote(str(path.absolute()), safe='/')}?mode=ro"
    if not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-shm").exists():
        uri += "&immutable=1"  # an archived copy, read as `sqlite_store._access` reads it
    try:
        with closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as connection:
            connection.execute("BEGIN")  # one snapshot: a commit between two statements is not seen
            try:
                return _read(connection)
            finally:
                connection.execute("COMMIT")
    except (sqlite3.Error, ValueError, TypeError):
        return None


def _plain_path(name: str) -> Path | None:
    """The store's path if `name` is a plain name of a readable SQLite file (else None: the regular
    open says what it is)."""
    if not name.strip() or name == ":memory:" or name.startswith("file:") or "://" in name or "\x00" in name:
        return None
    timeout = os.environ.get("POA_LOCK_TIMEOUT", "").strip()  # a bad setting: refused by the regular open
    if timeout and not (timeout.isdigit() and 0 < int(timeout) <= 3600):
        return None
    path = Path(name)
    try:
        if not path.is_file() or not os.access(path, os.R_OK):
            return None
        with open(path, "rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return None
    except (OSError, ValueError):
        return None
    return path


def _read(c: sqlite3.Connection) -> list[PlanListed] | None:
    # what `check_intact` refuses: rows other than those the commits recorded (one statement: one snapshot)
    count, last, events, last_id = c.execute(
        "SELECT COUNT(*), COALESCE(MAX(rowid), 0), "
        "(SELECT events FROM poa_write_lock WHERE id = 1), (SELECT last_id FROM poa_write_lock WHERE id = 1) "
        "FROM stored_events"
    ).fetchone()
    if events is None or (count, last) != (events, last_id) or count != last:
        return None
    # a row for every plan the commits recorded, and for no other
    versions, catalogue, both = c.execute(
        "SELECT (SELECT COUNT(*) FROM poa_versions), (SELECT COUNT(*) FROM poa_plans), "
        "(SELECT COUNT(*) FROM poa_plans JOIN poa_versions USING (originator_id))"
    ).fetchone()
    if (count and not catalogue) or not versions == catalogue == both:
        return None
    rows = c.execute(f"SELECT {CATALOGUE_COLUMNS} FROM poa_plans ORDER BY notification_id").fetchall()
    return [from_catalogue(row) for row in rows]
