"""Reading a read model (adapters/read_model.py) back for comparison: its public tables and views,
row by row in primary-key order, and its private bookkeeping (tracked position, dirty plans)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from poa.adapters.read_model import TABLES, VIEWS

__all__ = ["snapshot", "position", "dirty", "facts_by_plan"]


def _connect(db: Path):
    return closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True))


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every public table and view, its rows in primary-key order (views in their own order,
    then sorted), and what full-text search finds for a few words: what two read models built
    differently must share."""
    found = {}
    with _connect(db) as connection:
        for table in TABLES:
            order = ", ".join(table.primary_key)
            found[table.name] = connection.execute(f"SELECT * FROM [{table.name}] ORDER BY {order}").fetchall()
        for view in VIEWS:
            found[view] = sorted(connection.execute(f"SELECT * FROM [{view}]").fetchall(), key=repr)
        for word in ("ACP", "Op", "texto", "traspaso", "Portal"):
            found[f"fts:{word}"] = sorted(
                connection.execute(
                    "SELECT plan, code, version FROM elements WHERE rowid IN "
                    "(SELECT rowid FROM elements_fts WHERE elements_fts MATCH ?)", (word,)
                ).fetchall()
            ) + sorted(
                connection.execute(
                    "SELECT plan, seq FROM facts WHERE rowid IN (SELECT rowid FROM facts_fts WHERE facts_fts MATCH ?)",
                    (word,),
                ).fetchall()
            )
    return found


def position(db: Path) -> int:
    with _connect(db) as connection:
        return connection.execute("SELECT COALESCE(MAX(notification_id), 0) FROM _tracking").fetchone()[0]


def dirty(db: Path) -> list[str]:
    with _connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT plan FROM _dirty ORDER BY plan")]


def facts_by_plan(db: Path) -> dict[str, list[int]]:
    """The seqs the read model holds, by plan, in order (no duplicate: the primary key)."""
    found: dict[str, list[int]] = {}
    with _connect(db) as connection:
        for plan, seq in connection.execute("SELECT plan, seq FROM facts ORDER BY plan, seq"):
            found.setdefault(plan, []).append(seq)
    return found
