"""The output formats of the reading commands: for each command, its format names and their renderers.

A renderer takes the value the command's use-case returned (adapters/use_cases.py)
and `raw` (CSV cells exactly as recorded, `--raw-csv`) and returns the exact text
to write, final newline included, or the bytes of a binary document (XLSX, PDF):
the same value, in the same language (`poa.domain.catalogue.use_language`),
always gives the same bytes. A command's `--format` choices are its table's keys, in order (cli/common.py,
`format_option`). Adding a format: its renderer (adapters/report_*.py) and one entry in the
command's table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from poa.domain.catalogue import DRY_RUN_TEXTS

from .report_csv import CSV_DIALECTS, REPORT_TABLES, STANDARD, history_to_csv, report_to_csv
from .report_json import (
    evaluation_to_dict,
    history_to_dict,
    issued_reports_to_dict,
    reconciliation_to_dict,
    recorded_to_dict,
    timestamp,
)
from .outputs import BINARY, ENCODING, Renderer, rendered  # noqa: F401 - re-exported: every command's output
from .plan_listing import PLANS  # noqa: F401 - re-exported: `poa plans`, whose renderers import no domain
from .safe_text import json_text, terminal_safe

if TYPE_CHECKING:
    from poa.projections.evaluation import Evaluation

# The renderers' modules (report_*.py, proofs, and through them rich, openpyxl, Jinja2, matplotlib,
# WeasyPrint, the projections) are imported by the renderer when it first runs (`_module`), not with
# this module: a command's --format choices are its table's keys, read at start-up by `poa --help`
# and by every command (docs/design.md, "Start-up: what the entry point imports").


def _module(name: str):
    """This package's module `name`, imported when a renderer first needs it."""
    return importlib.import_module(f"{__package__}.{name}")


def _document(module: str, renderer: str) -> Callable:
    """A document's renderer, imported when first used: Jinja2, matplotlib, openpyxl and WeasyPrint
    cost a command that prints no document nothing at start-up."""
    return getattr(_module(module), renderer)


def _text(blocks) -> str:
    """Blocks drawn as the terminal's table format (`report_text.to_rich`)."""
    return _module("report_text").to_rich(blocks)




class FormatUnavailable(Exception):
    """A format whose optional library cannot be loaded here (the PDF without WeasyPrint or Pango):
    the command fails with this message, naming what to install."""


def _json(data) -> str:
    return json_text(data) + "\n"


# `report`: the projections.evaluation.Evaluation of a use_cases.Report
REPORT: dict[str, Renderer] = {
    "table": lambda ev, raw: _text(_module("report_text").layout(ev)),
    "json": lambda ev, raw: _json(evaluation_to_dict(ev)),
    "csv": lambda ev, raw: report_to_csv(ev, raw=raw),
    "md": lambda ev, raw: _module("report_text").to_markdown(_module("report_text").layout(ev)),
    "html": lambda ev, raw: _document("report_html", "to_html")(ev),
    "pdf": lambda ev, raw: _document("report_pdf", "to_pdf")(ev),
    "xlsx": lambda ev, raw: _document("report_xlsx", "to_xlsx")(ev),
}

CHARTED = ("html", "pdf")  # the formats that draw the quarter-by-quarter trend (`Evaluation.trend`)

# what `poa report --issue` seals: every format of the report but the PDF, which is printed from the
# sealed HTML (WeasyPrint's bytes are not the same from one run to the next)
PRINTED_FROM = {"pdf": "html"}  # a format not sealed: the sealed format it is printed from
SEALED = tuple(name for name in REPORT if name not in PRINTED_FROM)

CSV_TABLES = tuple(REPORT_TABLES)  # `poa report --format csv --table NAME`; the first is the default
CSV_DIALECT_NAMES = tuple(CSV_DIALECTS)  # `--csv-dialect NAME` of `report` and `history`; the first, standard, the default


def report_formats(table: str = CSV_TABLES[0], dialect: str = STANDARD) -> dict[str, Renderer]:
    """The report's formats with its CSV giving one table of the report (`report_csv.REPORT_TABLES`),
    in one of `CSV_DIALECTS` (``--csv-dialect``; a sealed report's is always the standard one)."""
    return {**REPORT, "csv": lambda ev, raw: report_to_csv(ev, raw=raw, table=table, dialect=dialect)}


def render_report(ev: Evaluation, fmt: str, *, raw_csv: bool = False, table: str = CSV_TABLES[0]) -> str | bytes:
    """The report in one format, as `poa report` prints it (text, or a binary document): the same
    evaluation always gives the same bytes."""
    return report_formats(table)[fmt](ev, raw_csv)


def report_bytes(ev: Evaluation, fmt: str) -> bytes:
    """The bytes `poa report --format FMT` writes for an evaluation (the elements table for CSV,
    neutralised): what `poa report --issue` seals for each format of `SEALED`, and what
    `--rerender` compares them with."""
    return rendered(REPORT, fmt, ev)


# `history`: a use_cases.PlanRecords
HISTORY: dict[str, Renderer] = {
    "table": lambda selected, raw: _module("report_tables").history_table(selected.plan, selected.records, selected.corrected),
    "json": lambda selected, raw: _json(history_to_dict(selected.plan, selected.records)),
    "csv": lambda selected, raw: history_to_csv([recorded_to_dict(selected.plan, r) for r in selected.records], raw=raw),
}


def history_formats(dialect: str = STANDARD) -> dict[str, Renderer]:
    """`HISTORY` with its CSV in one of `CSV_DIALECTS` (``--csv-dialect``)."""
    return {**HISTORY, "csv": lambda selected, raw: history_to_csv(
        [recorded_to_dict(selected.plan, r) for r in selected.records], raw=raw, dialect=dialect
    )}


# `reports`: a use_cases.PlanRecords of issued reports
ISSUED_REPORTS: dict[str, Renderer] = {
    "table": lambda issued, raw: _module("report_tables").issued_reports_table(issued.plan, issued.records),
    "json": lambda issued, raw: _json(issued_reports_to_dict(issued.plan, issued.records)),
}

# `reconcile`: a use_cases.Reconciliation
RECONCILIATION: dict[str, Renderer] = {
    "table": lambda compared, raw: _module("report_tables").reconciliation_table(
        compared.plan, compared.reports, compared.differences
    ),
    "json": lambda compared, raw: _json(reconciliation_to_dict(compared.plan, compared.reports, compared.differences)),
}

# `diff`: a projections.comparison.Comparison
COMPARISON: dict[str, Renderer] = {
    "table": lambda comparison, raw: _text(_module("report_diff").layout(comparison)),
    "json": lambda comparison, raw: _json(_module("report_diff").comparison_to_dict(comparison)),
}

def preview_text(preview) -> str:
    """A write's dry run (a use_cases.Preview) for people: the facts it would record (as `poa history`
    lists them), then the report's figures they would change (as `poa diff` shows them), or the
    would-be report of a new plan."""
    said = DRY_RUN_TEXTS
    as_of = preview.evaluation.as_of
    history_table = _module("report_tables").history_table
    recorded = said["would_record"].text.format(plan=preview.plan) + "\n" + history_table(preview.plan, preview.records)
    if preview.comparison is None:
        new_plan = _text(_module("report_text").layout(preview.evaluation))
        return recorded + "\n" + said["new_plan"].text.format(as_of=as_of) + "\n" + new_plan
    changed = _text(_module("report_diff").layout(preview.comparison))
    return recorded + "\n" + said["would_change"].text.format(as_of=as_of) + "\n" + changed


# `explain`: a projections.provenance.Provenance
PROVENANCE: dict[str, Renderer] = {
    "table": lambda provenance, raw: _text(_module("report_provenance").layout(provenance)),
    "json": lambda provenance, raw: _json(_module("report_provenance").provenance_to_dict(provenance)),
}


# `report --issued REF --rerender`: a use_cases.Rerendering, as one verdict for people
DIFF_LINES = 40  # of each differing format's unified diff: its first differences only


def rerendering_text(checked) -> str:
    """The verdict of `--rerender`: the issued report, then each sealed format, identical or
    not to what today's program renders from the issued view (with both SHA-256), the summary,
    and for each differing format the first lines of a unified diff (issued → today), in the
    interface's language."""
    from .interface import ngettext
    from .interface import translate as _

    fact = checked.issued.fact
    lines = [
        _(
            "report {reference} of plan {plan} (as of {as_of}, known at {known_at}), sealed by poa-ledger {sealed_by}; "
            "rendered again by poa-ledger {version} from the same view:"
        ).format(
            reference=repr(fact.reference), plan=checked.plan, as_of=fact.date.isoformat(), known_at=timestamp(fact.known_at),
            sealed_by=fact.program_version, version=checked.program_version,
        )
    ]
    for c in checked.checks:
        if c.identical:
            said = _("{format}: identical (sha256 {sealed})")
        elif c.today is None:
            said = _("{format}: NOT RENDERED: today's program has no such format (sealed sha256 {sealed})")
        else:
            said = _("{format}: DIFFERS (sealed sha256 {sealed}, today {today})")
        lines.append("  " + said.format(format=c.format, sealed=c.sealed_sha256, today=c.today_sha256))
    differing = [c for c in checked.checks if not c.identical]
    if not differing:
        lines.append(
            _("verdict: IDENTICAL: today's program renders {formats} byte for byte as issued.").format(
                formats=", ".join(c.format for c in checked.checks)
            )
        )
    else:
        lines.append(
            ngettext(  # English keeps "are" for one as well; other languages get both forms
                "verdict: DIFFERS: {count} of the {total} sealed formats checked ({formats}) are not what was issued; "
                "`poa report --issued` still prints the issued bytes.",
                "verdict: DIFFERS: {count} of the {total} sealed formats checked ({formats}) are not what was issued; "
                "`poa report --issued` still prints the issued bytes.",
                len(differing),
            ).format(count=len(differing), total=len(checked.checks), formats=", ".join(c.format for c in differing))
        )
    for c in differing:
        if c.today is not None and c.format not in BINARY:  # a workbook's zip bytes have no lines to show
            lines.append("")
            lines += _first_differences(c.sealed, c.today,
                                        _("{reference} ({format}, issued)").format(reference=fact.reference, format=c.format),
                                        _("{reference} ({format}, today)").format(reference=fact.reference, format=c.format))
    return "".join(terminal_safe(line, keep_newlines=True) + "\n" for line in lines)


def _first_differences(issued: bytes, today: bytes, issued_name: str, today_name: str) -> list[str]:
    """The first `DIFF_LINES` lines of the unified diff of two renderings (as UTF-8 text, lines
    without their ends), with a last line saying how many more there were."""
    import difflib

    from .interface import ngettext
    from .interface import translate as _

    diff = list(difflib.unified_diff(
        issued.decode(ENCODING, errors="replace").splitlines(),
        today.decode(ENCODING, errors="replace").splitlines(),
        issued_name, today_name, n=2, lineterm="",
    ))
    if not diff:
        return [f"--- {issued_name}", f"+++ {today_name}",
                _("(the lines are the same: only line ends or the final newline differ)")]
    if len(diff) > DIFF_LINES:
        more = len(diff) - DIFF_LINES
        # English keeps "lines" for one as well; other languages get both forms
        diff = diff[:DIFF_LINES] + [
            ngettext("… ({count} more lines of diff)", "… ({count} more lines of diff)", more).format(count=more)
        ]
    return diff


RERENDERING: dict[str, Renderer] = {"text": lambda checked, raw: rerendering_text(checked)}


# `digest`: a merkle_log.TreeHead (the store's, after a full verification)
TREE_HEAD: dict[str, Renderer] = {
    "text": lambda head, raw: _module("proofs").digest_line(head) + "\n",
    "json": lambda head, raw: _json(_module("proofs").digest_to_dict(head)),
}
