"""`poa diff`: what differs between two views of a plan, and the events responsible."""

from __future__ import annotations

import click

from poa.adapters import formats

from .common import cli, format_option, output, output_option, plan_option, read_only_asked, refusing, store_option

VIEW_HELP = (
    "AS_OF (a date, as known now), AS_OF@KNOWN_AT (KNOWN_AT a timestamp, a date meaning the end of "
    "that day UTC, or issued:REFERENCE: as known when that report was printed) or issued:REFERENCE (the "
    "view an issued report was printed from)."
)


@cli.command()
@click.option("--from", "from_view", required=True, metavar="VIEW", help=f"The earlier view: {VIEW_HELP}")
@click.option("--to", "to_view", required=True, metavar="VIEW", help=f"The later view: {VIEW_HELP}")
@format_option(formats.COMPARISON)
@output_option
@store_option
@plan_option
@refusing
def diff(from_view, to_view, fmt, store, plan):
    """Elements, budgets, progress and execution that differ between --from and --to, with the events responsible.

    Exit status 0 whether or not there are differences.
    """
    from poa.adapters import use_cases

    output(formats.COMPARISON, fmt, use_cases.diff(store, plan, from_view, to_view, read_only=read_only_asked()))
