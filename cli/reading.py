"""Commands that read the ledger: `report`, `reports`, `history`, `reconcile` (`plans`: cli/plans.py)."""

from __future__ import annotations

import sys

import click

from poa.adapters import formats
from poa.adapters.interface import translate as _
from poa.adapters.safe_text import terminal_safe
from poa.domain.fact_kinds import FACT_KINDS
from poa.domain.settings import Signatures

from .common import (
    Refused,
    actor_option,
    as_of_option,
    cli,
    csv_dialect_option,
    format_option,
    interrupts_deferred,
    known_at_option,
    output,
    output_option,
    plan_option,
    raw_csv_option,
    read_only_asked,
    refuse_binary_to_terminal,
    refusing,
    store_option,
    write,
)


@cli.command()
@as_of_option
@known_at_option
@format_option(formats.REPORT, default=None, help="Output format (default: table, or the issued report's).")
@click.option("--issue", "issue", metavar="REFERENCE", help="Record this report as issued under REFERENCE, then print it.")
@click.option("--issued", "issued", metavar="REFERENCE", help="Reproduce the report issued as REFERENCE, exactly as it was printed.")
@click.option(
    "--table",
    "table",
    type=click.Choice(formats.CSV_TABLES),
    default=formats.CSV_TABLES[0],
    show_default=True,
    help="With --format csv: which table of the report. elements: the plan and every element in code order, "
    "with one budget_<SOURCE> column per funding source; results, justifications: one row per text; "
    "reformulations: one row per change; budget_modifications: one row per modification. Every row starts "
    "with plan, as_of, known_at (columns in docs/design.md, 'JSON and CSV').",
)
@click.option(
    "--rerender",
    "rerender",
    is_flag=True,
    help="With --issued: render the issued report again with today's program from its issued view and print "
    "only a verdict: for each format it was sealed in (or the --format given), whether today's bytes are "
    "identical to the sealed ones, with a short diff where they are not. Exit status 0 when all are "
    "identical, 1 when any differs.",
)
@click.option("--prepared-by", "prepared_by", metavar="NAME", help="The html and pdf signature block's "
              "Elaborado por (default: the plan's settings); recorded with --issue.")
@click.option("--reviewed-by", "reviewed_by", metavar="NAME", help="The signature block's Revisado por.")
@click.option("--approved-by", "approved_by", metavar="NAME", help="The signature block's Aprobado por.")
@raw_csv_option
@csv_dialect_option
@output_option
@store_option
@plan_option
@actor_option
@refusing
def report(as_of, known_at, fmt, issue, issued, table, rerender, prepared_by, reviewed_by, approved_by, raw_csv,
           csv_dialect, store, plan, actor):
    """The plan and its evaluation at --as-of, as known at --known-at.

    With --issue the report is rendered as known at that very moment in every format,
    sealed (each format's SHA-256 and bytes, and the program's version) and recorded as
    issued; --issued prints the sealed bytes, checked against their SHA-256, whatever was
    recorded afterwards and whatever version of the program runs; --issued --rerender says
    whether today's program still renders the same bytes.
    """
    from poa.adapters import use_cases

    if rerender:
        given = [name for name, value in (("--as-of", as_of), ("--known-at", known_at), ("--issue", issue),
                                          ("--table", table != formats.CSV_TABLES[0]), ("--raw-csv", raw_csv),
                                          ("--csv-dialect", csv_dialect), ("--prepared-by", prepared_by),
                                          ("--reviewed-by", reviewed_by), ("--approved-by", approved_by)) if value]
        if issued is None or given:
            refusal = _("option --rerender: compares the sealed forms of a report issued (--issued REFERENCE)")
            if given:
                refusal += _("; drop {options}").format(options=", ".join(given))
            raise Refused(refusal)
        verdict = use_cases.rerender_report(store, plan, issued, format=fmt, read_only=read_only_asked())
        output(formats.RERENDERING, "text", verdict)
        sys.exit(0 if verdict.identical else 1)
    if csv_dialect is not None:
        if fmt != "csv" and not (issued is not None and fmt is None):
            raise Refused(_("option --csv-dialect: applies to --format csv only, not {format}").format(format=fmt or "table"))
        if csv_dialect != formats.CSV_DIALECT_NAMES[0] and (issue is not None or issued is not None):
            raise Refused(_("option --csv-dialect: an issued report's CSV is sealed in the standard dialect; drop --csv-dialect"))
    refuse_binary_to_terminal(fmt)  # before an --issue is recorded
    with interrupts_deferred() as defer:  # once recorded, an issued report says so before any interrupt
        shown = use_cases.report(
            store, plan, as_of=as_of, known_at=known_at, format=fmt, raw_csv=raw_csv, issue=issue, issued=issued,
            actor=actor, read_only=read_only_asked(), saving=defer, table=table,
            signatures=Signatures(prepared_by, reviewed_by, approved_by),
        )
        if issue is not None:
            r = shown.issued
            sealed = r.fact.seal(formats.PRINTED_FROM.get(r.fact.format, r.fact.format))  # a PDF: its sealed HTML
            click.echo(
                terminal_safe(
                    _(
                        "{plan}: report {reference!r} issued (seq {seq}, recorded at {recorded_at}), sealed by "
                        "poa-ledger {version} as known at {known_at}: sha256 {sha256} ({format})."
                    ).format(
                        plan=shown.plan, reference=r.fact.reference, seq=r.seq, recorded_at=r.recorded_at.isoformat(),
                        version=r.fact.program_version, known_at=r.fact.known_at.isoformat(), sha256=sealed.sha256,
                        format=sealed.format,
                    )
                ),
                err=True,
            )
    for note in shown.notes:
        click.echo(terminal_safe(f"{shown.plan}: {note}"), err=True)
    if shown.content is not None:
        write(shown.content, shown.format)
    else:
        output(formats.report_formats(table, csv_dialect or formats.CSV_DIALECT_NAMES[0]), shown.format,
               shown.evaluation, raw=raw_csv)


@cli.command()
@format_option(formats.ISSUED_REPORTS)
@output_option
@store_option
@plan_option
@refusing
def reports(fmt, store, plan):
    """The reports issued with `poa report --issue`."""
    from poa.adapters import use_cases

    output(formats.ISSUED_REPORTS, fmt, use_cases.issued_reports(store, plan, read_only=read_only_asked()))


HISTORY_KINDS = [k.name.value for k in FACT_KINDS]


@cli.command()
@click.option("--code", help="Only facts about this element.")
@click.option("--descendants", is_flag=True, help="With --code: also facts about every element under it.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(HISTORY_KINDS), help="Only facts of this kind (repeatable).")
@click.option("--actor", help="Only facts recorded by this actor.")
@click.option("--reference", help="Only facts with this reference.")
@click.option("--since", help="Recorded at or after (timestamp, or a date: its start, UTC).")
@click.option("--until", help="Recorded at or before (timestamp, or a date: its end, UTC).")
@click.option("--from", "date_from", help="Effective on or after this date.")
@click.option("--to", "date_to", help="Effective on or before this date.")
@click.option("--late", "late_days", type=click.IntRange(min=0), help="Recorded more than DAYS after their effective date.")
@format_option(formats.HISTORY)
@raw_csv_option
@csv_dialect_option
@output_option
@store_option
@plan_option
@refusing
def history(code, descendants, kinds, actor, reference, since, until, date_from, date_to, late_days, fmt, raw_csv,
            csv_dialect, store, plan):
    """The plan's events in recorded order, all or those matching every filter given."""
    from poa.adapters import use_cases

    if raw_csv and fmt != "csv":
        raise Refused(_("option --raw-csv: applies to --format csv only, not {format}").format(format=fmt))
    if csv_dialect is not None and fmt != "csv":
        raise Refused(_("option --csv-dialect: applies to --format csv only, not {format}").format(format=fmt))
    selected = use_cases.history(
        store, plan, code=code, descendants=descendants, kinds=kinds, actor=actor, reference=reference, since=since,
        until=until, date_from=date_from, date_to=date_to, late_days=late_days, read_only=read_only_asked(),
    )
    output(formats.history_formats(csv_dialect or formats.CSV_DIALECT_NAMES[0]), fmt, selected, raw=raw_csv)


@cli.command()
@click.option("--reference", help="Only the published report with this reference.")
@known_at_option
@format_option(formats.RECONCILIATION)
@output_option
@store_option
@plan_option
@refusing
def reconcile(reference, known_at, fmt, store, plan):
    """Compare every figure of the published reports with the ledger; exit 1 when any differs."""
    from poa.adapters import use_cases

    compared = use_cases.reconcile(store, plan, reference=reference, known_at=known_at, read_only=read_only_asked())
    output(formats.RECONCILIATION, fmt, compared)
    sys.exit(1 if compared.differences else 0)

