"""`poa diff`: what differs between two views of a plan, and the events responsible."""

from __future__ import annotations

import click

from poa.adapters import use_cases
from poa.adapters.report_diff import comparison_to_dict, layout
from poa.adapters.report_text import to_rich
from poa.adapters.safe_text import json_text

from .common import cli, plan_option, read_only_asked, refusing, store_option

VIEW_HELP = (
    "AS_OF (a date, as known now), AS_OF@KNOWN_AT (KNOWN_AT a timestamp, or a date meaning the end of "
    "that day UTC) or issued:REFERENCE (the view an issued report was printed from)."
)


@cli.command()
@click.option("--from", "from_view", required=True, metavar="VIEW", help=f"The earlier view: {VIEW_HELP}")
@click.option("--to", "to_view", required=True, metavar="VIEW", help=f"The later view: {VIEW_HELP}")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@store_option
@plan_option
@refusing
def diff(from_view, to_view, fmt, store, plan):
    """Elements, budgets, progress and execution that differ between --from and --to, with the events responsible.

    Exit status 0 whether or not there are differences.
    """
    comparison = use_cases.diff(store, plan, from_view, to_view, read_only=read_only_asked())
    if fmt == "json":
        click.echo(json_text(comparison_to_dict(comparison)))
    else:
        click.echo(to_rich(layout(comparison)), nl=False)
