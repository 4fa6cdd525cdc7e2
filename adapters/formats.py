"""The output formats of the reading commands: for each command, its format names and their renderers.

A renderer takes the value the command's use-case returned (adapters/use_cases.py)
and `raw` (CSV cells exactly as recorded, `--raw-csv`) and returns the exact text
to write, final newline included: the same value always gives the same bytes. A
command's `--format` choices are its table's keys, in order (cli/common.py,
`format_option`). Adding a format: its renderer (adapters/report_*.py) and one entry in the
command's table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from poa.projections.evaluation import Evaluation

from . import report_diff, report_provenance
from .report_csv import REPORT_TABLES, history_to_csv, report_to_csv
from .report_json import (
    evaluation_to_dict,
    history_to_dict,
    issued_reports_to_dict,
    plans_to_dict,
    reconciliation_to_dict,
    recorded_to_dict,
)
from .report_tables import history_table, issued_reports_table, plans_table, reconciliation_table
from .report_text import layout, to_markdown, to_rich
from .safe_text import json_text

Renderer = Callable[[Any, bool], str]  # renderer(value, raw) -> text


def _json(data) -> str:
    return json_text(data) + "\n"


# `report`: the projections.evaluation.Evaluation of a use_cases.Report
REPORT: dict[str, Renderer] = {
    "table": lambda ev, raw: to_rich(layout(ev)),
    "json": lambda ev, raw: _json(evaluation_to_dict(ev)),
    "csv": lambda ev, raw: report_to_csv(ev, raw=raw),
    "md": lambda ev, raw: to_markdown(layout(ev)),
}


CSV_TABLES = tuple(REPORT_TABLES)  # `poa report --format csv --table NAME`; the first is the default


def report_formats(table: str = CSV_TABLES[0]) -> dict[str, Renderer]:
    """The report's formats with its CSV giving one table of the report (`report_csv.REPORT_TABLES`)."""
    return {**REPORT, "csv": lambda ev, raw: report_to_csv(ev, raw=raw, table=table)}


def render_report(ev: Evaluation, fmt: str, *, raw_csv: bool = False, table: str = CSV_TABLES[0]) -> str:
    """The report text in one format, as `poa report` prints it: the same evaluation always gives the same bytes."""
    return report_formats(table)[fmt](ev, raw_csv)


# `history`: a use_cases.PlanRecords
HISTORY: dict[str, Renderer] = {
    "table": lambda selected, raw: history_table(selected.plan, selected.records),
    "json": lambda selected, raw: _json(history_to_dict(selected.plan, selected.records)),
    "csv": lambda selected, raw: history_to_csv([recorded_to_dict(selected.plan, r) for r in selected.records], raw=raw),
}

# `reports`: a use_cases.PlanRecords of issued reports
ISSUED_REPORTS: dict[str, Renderer] = {
    "table": lambda issued, raw: issued_reports_table(issued.plan, issued.records),
    "json": lambda issued, raw: _json(issued_reports_to_dict(issued.plan, issued.records)),
}

# `reconcile`: a use_cases.Reconciliation
RECONCILIATION: dict[str, Renderer] = {
    "table": lambda compared, raw: reconciliation_table(compared.plan, compared.reports, compared.differences),
    "json": lambda compared, raw: _json(reconciliation_to_dict(compared.plan, compared.reports, compared.differences)),
}

# `plans`: a list of (key, approval)
PLANS: dict[str, Renderer] = {
    "table": lambda plans, raw: plans_table(plans),
    "json": lambda plans, raw: _json(plans_to_dict(plans)),
}

# `diff`: a projections.comparison.Comparison
COMPARISON: dict[str, Renderer] = {
    "table": lambda comparison, raw: to_rich(report_diff.layout(comparison)),
    "json": lambda comparison, raw: _json(report_diff.comparison_to_dict(comparison)),
}

# `explain`: a projections.provenance.Provenance
PROVENANCE: dict[str, Renderer] = {
    "table": lambda provenance, raw: to_rich(report_provenance.layout(provenance)),
    "json": lambda provenance, raw: _json(report_provenance.provenance_to_dict(provenance)),
}
