"""Commands that read the ledger: `report`, `history`, `reconcile`, `plans`."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from poa.adapters.report_csv import history_to_csv, report_to_csv
from poa.adapters.report_json import difference_to_dict, evaluation_to_dict, recorded_to_dict
from poa.adapters.report_text import Block, layout, to_markdown, to_rich
from poa.adapters.store import open_ledger
from poa.projections.evaluation import NotInForce, default_as_of, evaluate
from poa.projections.reconciliation import publications
from poa.projections.reconciliation import reconcile as reconcile_report

from .common import (
    Refused,
    cli,
    known_at_option,
    parse_known_at,
    parse_option_date,
    plan_history,
    plan_option,
    refusing,
    store_option,
)



@cli.command()
@click.option("--as-of", "as_of", help="Effective date, YYYY-MM-DD (default: today, within the plan's year).")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "md"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def report(as_of, known_at, fmt, store, plan):
    """The plan and its evaluation at --as-of, as known at --known-at."""
    ledger = open_ledger(store, create=False)
    key, history = plan_history(ledger, plan)
    year = history[0].fact.year
    day = parse_option_date(as_of, "--as-of") if as_of else default_as_of(year, date.today())
    moment = parse_known_at(known_at)
    try:
        ev = evaluate(key, history, day, moment)
    except NotInForce:
        approval = history[0]
        raise Refused(
            f"plan {key} is not in force at --as-of {day} as known at {moment.isoformat()}: "
            f"approved on {approval.fact.date}, recorded at {approval.recorded_at.isoformat()}"
        ) from None
    if fmt == "json":
        click.echo(json.dumps(evaluation_to_dict(ev), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(report_to_csv(ev), nl=False)
    elif fmt == "md":
        click.echo(to_markdown(layout(ev)), nl=False)
    else:
        click.echo(to_rich(layout(ev)), nl=False)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def history(fmt, store, plan):
    """Every event of the plan, in recorded order."""
    ledger = open_ledger(store, create=False)
    key, history = plan_history(ledger, plan)
    events = [recorded_to_dict(key, r) for r in history]
    if fmt == "json":
        click.echo(json.dumps(events, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(history_to_csv(events), nl=False)
    else:
        rows = tuple(
            (str(e["seq"]), e["recorded_at"][:19], e["kind"], e["date"], e["reference"] or "", e["actor"], _summary(e))
            for e in events
        )
        headers = ("Seq", "Registrado (UTC)", "Tipo", "Fecha", "Referencia", "Actor", "Datos")
        click.echo(to_rich([Block("table", title=f"Historial de {key}", headers=headers, rows=rows, right=frozenset({0}))]), nl=False)


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
    ledger = open_ledger(store, create=False)
    key, history = plan_history(ledger, plan)
    moment = parse_known_at(known_at)
    reports = [r for r in publications(history, moment) if reference is None or r.fact.reference == reference]
    if not reports:
        which = f"with reference {reference!r} " if reference else ""
        raise Refused(f"plan {key} has no published report {which}known at {moment.isoformat()}")
    differences = [d for r in reports for d in reconcile_report(key, history, r, moment)]
    rows = [difference_to_dict(d) for d in differences]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
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
    ledger = open_ledger(store, create=False)
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
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        headers = ("Plan", "Entidad", "Gestión", "Aprobado", "Referencia", "Registrado")
        table = tuple(tuple(str(v) for v in row.values()) for row in rows)
        click.echo(to_rich([Block("table", title="POA en el ledger", headers=headers, rows=table)]), nl=False)
