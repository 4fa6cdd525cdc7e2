"""Commands that read the ledger: `report`, `history`, `reconcile`, `plans`."""

from __future__ import annotations

import sys

import click

from poa.adapters.report_csv import history_to_csv, report_to_csv
from poa.adapters.report_json import difference_to_dict, evaluation_to_dict, recorded_to_dict
from poa.adapters.report_text import Block, layout, to_markdown, to_rich
from poa.adapters.safe_text import json_text
from poa.domain.commands import Command, CommandError
from poa.domain.fact_kinds import FACT_KINDS
from poa.domain.facts import ReportIssued
from poa.projections.evaluation import NotInForce, evaluate
from poa.projections.history import HistoryFilter, known_codes, select, with_descendants
from poa.projections.issued import UnknownReport, View, issued, issued_reports, issued_view
from poa.projections.reconciliation import publications
from poa.projections.reconciliation import reconcile as reconcile_report

from .common import (
    Refused,
    actor_name,
    actor_option,
    cli,
    describe,
    interrupts_deferred,
    known_at_option,
    not_in_force,
    parse_known_at,
    parse_option_date,
    open_store,
    plan_history,
    plan_option,
    refusing,
    store_option,
    view_of,
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
@click.option("--issue", "issue_ref", metavar="REFERENCE", help="Record this report as issued under REFERENCE, then print it.")
@click.option("--issued", "issued_ref", metavar="REFERENCE", help="Reproduce the report issued as REFERENCE, exactly as it was printed.")
@raw_csv_option
@store_option
@plan_option
@actor_option
@refusing
def report(as_of, known_at, fmt, issue_ref, issued_ref, raw_csv, store, plan, actor):
    """The plan and its evaluation at --as-of, as known at --known-at.

    With --issue the report is recorded as issued (its reference, as-of date and
    format) and printed as known at that very moment; --issued reproduces it,
    byte for byte, whatever was recorded afterwards.
    """
    if raw_csv and issue_ref is not None:
        raise Refused("option --raw-csv: a report is issued as the neutralised CSV, which --issued reproduces; "
                      "give --raw-csv to --issued to read it raw")
    format_given = fmt is not None
    ledger = open_store(store)
    key, history, now = plan_history(ledger, plan)
    if issued_ref is not None:
        if as_of or known_at or issue_ref:
            raise Refused("option --issued: reproduces the issued report's own view; drop --as-of, --known-at and --issue")
        try:
            printed = issued(history, issued_ref)
        except UnknownReport as error:
            raise Refused(f"option --issued: {error}") from None
        view = issued_view(printed)
        fmt = fmt or printed.fact.format
    elif issue_ref is not None:
        if known_at:
            raise Refused("option --known-at: an issued report is printed as known at the moment it is issued")
        fmt = fmt or "table"
        history = issue_report(ledger, key, ReportIssued(issue_ref, view_of(history, as_of, None, now).as_of, fmt), actor)
        view = issued_view(issued(history, issue_ref))
    else:
        view = view_of(history, as_of, known_at, now)
    fmt = fmt or "table"
    if raw_csv and fmt != "csv":
        whose = f" (the format report {issued_ref!r} was issued in)" if issued_ref is not None and not format_given else ""
        raise Refused(f"option --raw-csv: applies to --format csv only, not {fmt}{whose}")
    # color=True: click would strip what looks like a colour code from a raw CSV written to a pipe
    click.echo(render_report(evaluation_at(key, history, view), fmt, raw_csv=raw_csv), nl=False, color=raw_csv or None)


def issue_report(ledger, key: str, fact: ReportIssued, actor: str | None):
    """Record that a report is issued; the history read back includes it, with its recorded time."""
    command = Command(key, fact, actor_name(actor), "command line", 0, plan_given=True)
    with interrupts_deferred() as defer:  # once recorded, the command says so before any interrupt
        try:
            ledger.record([command], saving=defer)
        except CommandError as refused:
            raise Refused(describe("command line", None, "issue", refused.error, lambda f: "option --issue" if f == "reference" else None)) from None
        history = ledger.history(key)
        r = issued(history, fact.reference)
        click.echo(f"{key}: report {fact.reference!r} issued (seq {r.seq}, recorded at {r.recorded_at.isoformat()}).", err=True)
    return history


def evaluation_at(key: str, history, view: View):
    try:
        return evaluate(key, history, view.as_of, view.known_at)
    except NotInForce:
        raise not_in_force(key, history, view) from None


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
    ledger = open_store(store)
    key, history, _ = plan_history(ledger, plan)
    rows = [
        {
            "reference": r.fact.reference,
            "as_of": r.fact.date.isoformat(),
            "format": r.fact.format,
            "issued_at": r.recorded_at.isoformat(),
            "actor": r.actor,
            "seq": r.seq,
        }
        for r in issued_reports(history)
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
    ledger = open_store(store)
    key, events, _ = plan_history(ledger, plan)
    codes = None
    if code is not None:
        if code not in known_codes(events):
            raise Refused(f"option --code: unknown code {code} in plan {key}")
        codes = frozenset(with_descendants(events, code) if descendants else {code})
    elif descendants:
        raise Refused("option --descendants: needs --code")
    criteria = HistoryFilter(
        codes=codes,
        kinds=frozenset(kinds),
        actor=actor,
        reference=reference,
        since=parse_known_at(since, option="--since", start_of_day=True) if since else None,
        until=parse_known_at(until, option="--until") if until else None,
        date_from=parse_option_date(date_from, "--from") if date_from else None,
        date_to=parse_option_date(date_to, "--to") if date_to else None,
        late_days=late_days,
    )
    rows = [recorded_to_dict(key, r) for r in select(events, criteria)]
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
    ledger = open_store(store)
    key, history, now = plan_history(ledger, plan)
    moment = parse_known_at(known_at, default=now)
    reports = [r for r in publications(history, moment) if reference is None or r.fact.reference == reference]
    if not reports:
        which = f"with reference {reference!r} " if reference else ""
        raise Refused(f"plan {key} has no published report {which}known at {moment.isoformat()}")
    differences = [d for r in reports for d in reconcile_report(key, history, r, moment)]
    rows = [difference_to_dict(d) for d in differences]
    if fmt == "json":
        click.echo(json_text(rows))
    else:
        headers = ("Informe", "Elemento", "Cifra", "Declarado", "Calculado", "Diferencia")
        table = tuple(
            (r["reference"], r["code"] or "POA", r["figure"], str(r["declared"]), str(r["computed"]), str(r["difference"]))
            for r in rows
        )
        title = f"Conciliación de {len(reports)} informe(s) publicado(s) de {key}: {len(rows)} diferencia(s)"
        click.echo(to_rich([Block("table", title=title, headers=headers, rows=table, right=frozenset({3, 4, 5}))]), nl=False)
    sys.exit(1 if differences else 0)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@refusing
def plans(fmt, store):
    """The plans in the store."""
    ledger = open_store(store)
    rows = [
        {
            "plan": key,
            "entity": r.fact.entity,
            "year": r.fact.year,
            "date": r.fact.date.isoformat(),
            "reference": r.fact.reference,
            "recorded_at": r.recorded_at.isoformat(),
        }
        for key, r in ledger.plans()
    ]
    if fmt == "json":
        click.echo(json_text(rows))
    else:
        headers = ("Plan", "Entidad", "Gestión", "Aprobado", "Referencia", "Registrado")
        table = tuple(tuple(str(v) for v in row.values()) for row in rows)
        click.echo(to_rich([Block("table", title="POA en el ledger", headers=headers, rows=table)]), nl=False)
