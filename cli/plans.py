"""`poa plans`: the plans in the store, read from its catalogue of plans when it can
(adapters/plan_catalogue.py), so that listing them imports neither the store's library nor the domain."""

from __future__ import annotations

from poa.adapters.plan_listing import PLANS

from .common import cli, format_option, no_verify_asked, output, output_option, read_only_asked, refusing, store_option


@cli.command()
@format_option(PLANS)
@output_option
@store_option
@refusing
def plans(fmt, store):
    """The plans in the store."""
    from poa.adapters.plan_catalogue import plans as listed

    output(PLANS, fmt, listed(store, read_only=read_only_asked(), verified=not no_verify_asked()))
