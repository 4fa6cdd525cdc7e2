"""`poa explain CODE`: where each figure of one element comes from (rules and events)."""

from __future__ import annotations

import click

from poa.adapters import use_cases
from poa.adapters.report_provenance import layout, provenance_to_dict
from poa.adapters.report_text import to_rich
from poa.adapters.safe_text import json_text

from .common import cli, known_at_option, plan_option, read_only_asked, refusing, store_option


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
    provenance = use_cases.explain(store, plan, code, as_of=as_of, known_at=known_at, read_only=read_only_asked())
    if fmt == "json":
        click.echo(json_text(provenance_to_dict(provenance)))
    else:
        click.echo(to_rich(layout(provenance)), nl=False)
