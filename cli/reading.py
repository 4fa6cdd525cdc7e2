"""Commands that read the ledger: `report`, `history`, `reconcile`, `plans`."""

from __future__ import annotations

import sys

import click

from poa.adapters import use_cases
from poa.adapters.report_csv import history_to_csv, report_to_csv
from poa.adapters.report_json import difference_to_dict, evaluation_to_dict, recorded_to_dict
from poa.adapters.report_text import Block, layout, to_markdown, to_rich
from poa.adapters.safe_text import json_text
from poa.domain.fact_kinds import FACT_KINDS

from .common import (
    Refused,
    actor_option,
    cli,
    interrupts_deferred,
    known_at_option,
    plan_option,
    read_only_asked,
    refusing,
    store_option,
)

REPORT_FORMATS = ["table", "json", "csv", "md"]

raw_csv_option = click.option(
    "--raw-csv",
    "raw_csv",
    is_flag=True,
    help="With --format csv: write cells exactly as recorded, for machine consumers. By default a cell "
    "that starts with =, +, -, @, tab or CR (other than a plain number such as -12.50) gets a leading ' "
    "so that spreadsheets do not run it as a formula, and control characters (but tab and line breaks) "
    "are shown escaped.",
)


@cli.command()
@click.option("--as-of", "as_of", help="Effective date, YYYY-MM-DD (default: today, within the plan's year).")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), help="Output format (default: table, or the issued report's).")
@click.option("--issue", "issue", metavar="REFERENCE", help="Record this report as issued under REFERENCE, then print it.")
@click.option("--issued", "issued", metavar="REFERENCE", help="Reproduce the report issued as REFERENCE, exactly as it was printed.")
@raw_csv_option
@store_option
@plan_option
@actor_option
@refusing
def report(as_of, known_at, fmt, issue, issued, raw_csv, store, plan, actor):
    """The plan and its evaluation at --as-of, as known at --known-at.

    With --issue the report is recorded as issued (its reference, as-of date and
    format) and printed as known at that very moment; --issued reproduces it,
    byte for byte, whatever was recorded afterwards.
    """
    with interrupts_deferred() as defer:  # once recorded, an issued report says so before any interrupt
        shown = use_cases.report(
            store, plan, as_of=as_of, known_at=known_at, format=fmt, raw_csv=raw_csv, issue=issue, issued=issued,
            actor=actor, read_only=read_only_asked(), saving=defer,
        )
        if issue is not None:
            r = shown.issued
            click.echo(f"{shown.plan}: report {r.fact.reference!r} issued (seq {r.seq}, recorded at {r.recorded_at.isoformat()}).", err=True)
    # color=True: click would strip what looks like a colour code from a raw CSV written to a pipe
    click.echo(render_report(shown.evaluation, shown.format, raw_csv=raw_csv), nl=False, color=raw_csv or None)


def render_report(ev, fmt: str, *, raw_csv: bool = False) -> str:
    """The report text in one format: the same evaluation always gives the same bytes."""
    if fmt == "json":
        return json_text(evaluation_to_dict(ev)) + "\n"
    if fmt == "csv":
        return report_to_csv(ev, raw=raw_csv)
    if fmt == "md":
        return to_markdown(layout(ev))
    return to_rich(layout(ev))


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def reports(fmt, store, plan):
    """The reports issued with `poa report --issue`."""
    issued = use_cases.issued_reports(store, plan, read_only=read_only_asked())
    key = issued.plan
    rows = [
        {
            "reference": r.fact.reference,
            "as_of": r.fact.date.isoformat(),
            "format": r.fact.format,
            "issued_at": r.recorded_at.isoformat(),
            "actor": r.actor,
            "seq": r.seq,
        }
        for r in issued.records
    ]
    if fmt == "json":
        click.echo(json_text(rows))
    else:
        headers = ("Referencia", "Al", "Formato", "Emitido (UTC)", "Actor", "Seq")
        table = tuple(tuple(str(v) for v in row.values()) for row in rows)
        click.echo(to_rich([Block("table", title=f"Informes emitidos de {key}", headers=headers, rows=table)]), nl=False)


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
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@raw_csv_option
@store_option
@plan_option
@refusing
def history(code, descendants, kinds, actor, reference, since, until, date_from, date_to, late_days, fmt, raw_csv, store, plan):
    """The plan's events in recorded order, all or those matching every filter given."""
    if raw_csv and fmt != "csv":
        raise Refused(f"option --raw-csv: applies to --format csv only, not {fmt}")
    selected = use_cases.history(
        store, plan, code=code, descendants=descendants, kinds=kinds, actor=actor, reference=reference, since=since,
        until=until, date_from=date_from, date_to=date_to, late_days=late_days, read_only=read_only_asked(),
    )
    key = selected.plan
    rows = [recorded_to_dict(key, r) for r in selected.records]
    if fmt == "json":
        click.echo(json_text(rows))
    elif fmt == "csv":
        click.echo(history_to_csv(rows, raw=raw_csv), nl=False, color=raw_csv or None)
    else:
        table = tuple(
            (str(e["seq"]), e["recorded_at"][:19], e["kind"], e["date"], e["reference"] or "", e["actor"], _summary(e))
            for e in rows
        )
        headers = ("Seq", "Registrado (UTC)", "Tipo", "Fecha", "Referencia", "Actor", "Datos")
        click.echo(to_rich([Block("table", title=f"Historial de {key}", headers=headers, rows=table, right=frozenset({0}))]), nl=False)


def _summary(event: dict) -> str:
    data = event["data"]
    if event["kind"] == "approve":
        return f"{data['entity']} {data['year']}: " + ", ".join(
            f"{len(data[k])} {k}" for k in ("strategic_actions", "short_term_actions", "operations", "tasks")
        )
    if event["kind"] == "reformulate":
        return f"{data['reason']} ({len(data['changes'])} cambios)"
    return ", ".join(f"{k}={v}" for k, v in data.items())


@cli.command()
@click.option("--reference", help="Only the published report with this reference.")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def reconcile(reference, known_at, fmt, store, plan):
    """Compare every figure of the published reports with the ledger; exit 1 when any differs."""
    compared = use_cases.reconcile(store, plan, reference=reference, known_at=known_at, read_only=read_only_asked())
    key, differences = compared.plan, compared.differences
    rows = [difference_to_dict(d) for d in differences]
    if fmt == "json":
        click.echo(json_text(rows))
    else:
        headers = ("Informe", "Elemento", "Cifra", "Declarado", "Calculado", "Diferencia")
        table = tuple(
            (r["reference"], r["code"] or "POA", r["figure"], str(r["declared"]), str(r["computed"]), str(r["difference"]))
            for r in rows
        )
        title = f"Conciliación de {compared.reports} informe(s) publicado(s) de {key}: {len(rows)} diferencia(s)"
        click.echo(to_rich([Block("table", title=title, headers=headers, rows=table, right=frozenset({3, 4, 5}))]), nl=False)
    sys.exit(1 if differences else 0)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@refusing
def plans(fmt, store):
    """The plans in the store."""
    rows = [
        {
            "plan": key,
            "entity": r.fact.entity,
            "year": r.fact.year,
            "date": r.fact.date.isoformat(),
            "reference": r.fact.reference,
            "recorded_at": r.recorded_at.isoformat(),
        }
        for key, r in use_cases.plans(store, read_only=read_only_asked())
    ]
    if fmt == "json":
        click.echo(json_text(rows))
    else:
        headers = ("Plan", "Entidad", "Gestión", "Aprobado", "Referencia", "Registrado")
        table = tuple(tuple(str(v) for v in row.values()) for row in rows)
        click.echo(to_rich([Block("table", title="POA en el ledger", headers=headers, rows=table)]), nl=False)
