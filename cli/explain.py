"""`poa explain [CODE]`: where each figure of one element, or of the plan, comes from (rules and events)."""

from __future__ import annotations

import click

from poa.adapters import formats

from .common import (
    as_of_option,
    cli,
    format_option,
    known_at_option,
    output,
    output_option,
    plan_option,
    read_only_asked,
    refusing,
    store_option,
)


@cli.command()
@click.argument("code", required=False)
@as_of_option
@known_at_option
@format_option(formats.PROVENANCE)
@output_option
@store_option
@plan_option
@refusing
def explain(code, as_of, known_at, fmt, store, plan):
    """Where each figure of element CODE comes from at --as-of, as known at --known-at: rules and events.

    CODE is an element's code (a strategic action, a short-term action, an operation, a task); the
    plan's key (such as AN-2020), or no CODE at all, explains the plan's own figures: the counts,
    the weights total, the budget by source, current, executed and % execution, the institutional
    physical progress, programmed and deviation, and the numbers of reformulations and budget
    modifications.
    """
    from poa.adapters import use_cases

    provenance = use_cases.explain(store, plan, code, as_of=as_of, known_at=known_at, read_only=read_only_asked())
    output(formats.PROVENANCE, fmt, provenance)
