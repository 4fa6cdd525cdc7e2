"""The queries of the store's index (projections/selection.py) that SQLite and PostgreSQL share.

Written once with `{placeholder}` for the driver's parameter mark and `{table}` for the index table's name.
"""

from __future__ import annotations

INDEX_COLUMNS = "originator_id, originator_version, kind, code, source, day, recorded, value, initial_load"
INDEX_ROW = "originator_version, kind, code, source, day, recorded, value, initial_load"

INDEX_ROWS = (
    f"SELECT {INDEX_ROW} FROM {{table}} WHERE originator_id = {{placeholder}} AND day <= {{placeholder}} "
    "AND recorded <= {placeholder} AND (kind = 'other') = {placeholder} ORDER BY originator_version"
)

LOADS = (
    "SELECT initial_load, COUNT(*), MAX(day), MIN(originator_version) FROM {table} "
    "WHERE originator_id = {placeholder} AND day <= {placeholder} AND recorded <= {placeholder} AND initial_load IS NOT NULL "
    "GROUP BY initial_load"
)
