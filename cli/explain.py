"""`poa explain CODE`: where each figure of one element comes from (rules and events)."""

from __future__ import annotations

import click

from poa.adapters.report_provenance import layout, provenance_to_dict
from poa.adapters.report_text import to_rich
from poa.adapters.safe_text import json_text
from poa.projections.evaluation import NotInForce
from poa.projections.provenance import UnknownElement
from poa.projections.provenance import explain as explain_figures

from .common import (
    Refused,
    cli,
    known_at_option,
    not_in_force,
    open_store,
    plan_history,
    plan_option,
    refusing,
    store_option,
    view_of,
)


@cli.command()
@click.argument("code")
@click.option("--as-of", "as_of", help="Effective date, YYYY-MM-DD (default: today, within the plan's year).")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def explain(code, as_of, known_at, fmt, store, plan):
    """Where each figure of element CODE comes from at --as-of, as known at --known-at: rules and events."""
    ledger = open_store(store)
    key, history, now = plan_history(ledger, plan)
    view = view_of(history, as_of, known_at, now)
    try:
        provenance = explain_figures(key, history, code, view.as_of, view.known_at)
    except NotInForce:
        raise not_in_force(key, history, view) from None
    except UnknownElement as error:
        raise Refused(f"argument CODE: {error}") from None
    if fmt == "json":
        click.echo(json_text(provenance_to_dict(provenance)))
    else:
        click.echo(to_rich(layout(provenance)), nl=False)
