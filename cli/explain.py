"""`poa explain CODE`: where each figure of one element comes from (rules and events)."""

from __future__ import annotations

import click

from poa.adapters import formats, use_cases

from .common import as_of_option, cli, format_option, known_at_option, output, plan_option, read_only_asked, refusing, store_option


@cli.command()
@click.argument("code")
@as_of_option
@known_at_option
@format_option(formats.PROVENANCE)
@store_option
@plan_option
@refusing
def explain(code, as_of, known_at, fmt, store, plan):
    """Where each figure of element CODE comes from at --as-of, as known at --known-at: rules and events."""
    provenance = use_cases.explain(store, plan, code, as_of=as_of, known_at=known_at, read_only=read_only_asked())
    output(formats.PROVENANCE, fmt, provenance)
