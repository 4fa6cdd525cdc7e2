"""The report and the history as CSV: one row per element (or event), for spreadsheets and pandas.

The report's first row is the plan itself (level ``plan``) with the summary
figures and its budget by source; then every element, strategic actions first. Current budget by
source is spread over ``budget_<SOURCE>`` columns, one per source of the plan.

Cells that a spreadsheet would evaluate as a formula (``=``, ``+``, ``-``, ``@``, tab, CR
first; plain numbers such as ``-12.50`` excepted) get a leading ``'``, and control
characters but line breaks and tab are shown escaped (`poa.adapters.safe_text.csv_cell`),
unless `raw` (``--raw-csv``, for machine consumers: every cell as recorded).
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from io import StringIO

from poa.domain.catalogue import Status
from poa.projections.evaluation import Evaluation

from .report_json import REPORT_ELEMENT_FIGURES, evaluation_to_dict, two_places
from .safe_text import csv_cell, json_escape

# the report's columns: the level, the code and parent, then the JSON report's element figures
# (a budget by source spread over budget_<SOURCE> columns after them; no sector code, as since
# the first version)
COLUMNS = ("level", "code", "parent") + tuple(
    f.name for f in REPORT_ELEMENT_FIGURES if f.name != "sector_code" and not f.by_source
)


def report_to_csv(ev: Evaluation, *, raw: bool = False) -> str:
    data = evaluation_to_dict(ev)
    s = data["summary"]
    rows = [
        {
            "level": "plan",
            "code": ev.plan,
            "title": ev.entity,
            "status": Status.ACTIVE,
            "weight": s["weights_total"],
            "progress_pct": s["physical_progress_pct"],
            "programmed_pct": s["programmed_pct"],
            "deviation_pts": s["deviation_pts"],
            "budget_current": s["budget_current"],
            "budget_executed": s["budget_executed"],
            "budget_execution_pct": s["budget_execution_pct"],
        }
    ]
    for strategic_action in data["strategic_actions"]:  # the plan's budget by source: Σ over them
        for source, amount in strategic_action["budget"].items():
            key = f"budget_{source}"
            rows[0][key] = two_places(Decimal(rows[0].get(key, "0")) + Decimal(amount))
    sources: set[str] = set()
    # each element's row is its dict in `data` (element_to_dict already ran once per element there)
    shown = data["strategic_actions"] + data["short_term_actions"] + data["operations"] + data["tasks"]
    for figures, row in zip(ev.elements(), shown, strict=True):
        row["level"] = figures.kind
        for source, amount in (row.pop("budget", None) or {}).items():
            row[f"budget_{source}"] = amount
            sources.add(source)
        rows.append(row)
    columns = list(COLUMNS) + [f"budget_{s}" for s in sorted(sources)]
    buffer = StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()  # every column name starts with a letter, budget_<SOURCE> too
    writer.writerows(rows if raw else [_neutralised(row) for row in rows])
    return buffer.getvalue()


def _neutralised(row: dict) -> dict:
    return {key: csv_cell(value) for key, value in row.items()}


HISTORY_COLUMNS = ("seq", "recorded_at", "kind", "plan", "date", "reference", "actor", "batch", "data")


def history_to_csv(events: list[dict], *, raw: bool = False) -> str:
    """History rows; the kind-specific fields are one JSON column, ``data`` (neutralised too
    if it ever starts like a formula; a JSON object starts with ``{``)."""
    buffer = StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HISTORY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for event in events:
        data = json.dumps(event["data"], ensure_ascii=False)
        if raw:
            writer.writerow({**event, "data": data})
        else:  # the data's controls escaped the JSON way: still JSON, with the same value
            writer.writerow(_neutralised({**event, "data": json_escape(data)}))
    return buffer.getvalue()
