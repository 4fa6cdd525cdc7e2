"""`poa diff`: what differs between two views of a plan, and the events responsible."""

from __future__ import annotations

from datetime import datetime

import click

from poa.adapters.report_diff import comparison_to_dict, layout
from poa.adapters.report_text import to_rich
from poa.adapters.safe_text import json_text
from poa.domain.facts import Recorded
from poa.projections.comparison import ViewNotInForce, compare
from poa.projections.issued import UnknownReport, View, issued, issued_view

from .common import (
    Refused,
    cli,
    not_in_force,
    parse_known_at,
    parse_option_date,
    open_store,
    plan_history,
    plan_option,
    refusing,
    store_option,
)

VIEW_HELP = (
    "AS_OF (a date, as known now), AS_OF@KNOWN_AT (KNOWN_AT a timestamp, or a date meaning the end of "
    "that day UTC) or issued:REFERENCE (the view an issued report was printed from)."
)
ISSUED = "issued:"
SYNTAX = "a VIEW is AS_OF, AS_OF@KNOWN_AT or issued:REFERENCE"


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
    ledger = open_store(store)
    key, history, now = plan_history(ledger, plan)
    before = parse_view(from_view, "--from", history, now)
    after = parse_view(to_view, "--to", history, now)
    try:
        comparison = compare(key, history, before, after)
    except ViewNotInForce as error:
        option = "--from" if error.side == "before" else "--to"
        raise Refused(f"option {option}: {not_in_force(key, history, error.view).message}") from None
    if fmt == "json":
        click.echo(json_text(comparison_to_dict(comparison)))
    else:
        click.echo(to_rich(layout(comparison)), nl=False)


def parse_view(text: str, option: str, history: list[Recorded], now: datetime) -> View:
    """``AS_OF``, ``AS_OF@KNOWN_AT`` or ``issued:REFERENCE``; a refusal names the option."""
    value = text.strip()
    if value.startswith(ISSUED):
        try:
            return issued_view(issued(history, value[len(ISSUED):].strip()))
        except UnknownReport as error:
            raise Refused(f"option {option}: {error}") from None
    day_text, at, moment_text = value.partition("@")
    if not day_text.strip():
        raise Refused(f"option {option}: no AS_OF in {text!r} ({SYNTAX})")
    try:
        day = parse_option_date(day_text, option)
    except Refused as error:
        raise Refused(f"option {option}: AS_OF {error.message.split(': ', 1)[-1]} ({SYNTAX})") from None
    if not at:
        return View(day, now)
    if not moment_text.strip():
        raise Refused(f"option {option}: KNOWN_AT is missing after '@' in {text!r}")
    try:
        moment = parse_known_at(moment_text)
    except Refused as error:  # the same syntax as --known-at, reported against this option
        raise Refused(f"option {option}: KNOWN_AT {error.message.split(': ', 1)[-1]}") from None
    return View(day, moment)
