"""Moving a ledger and giving access to it (docs/deployment.md): `poa copy`, `poa admin grant-auditor`,
`poa admin grant-operator`."""

from __future__ import annotations

import click

from poa.adapters import use_cases

from .common import cli, refusing, store_option


@cli.command("copy")
@click.option("--from", "source", required=True, help="The store to copy: a SQLite file or a postgresql:// URL.")
@click.option("--to", "target", required=True, help="The empty store to copy it into (created if need be).")
@refusing
def copy(source, target):
    """Copy every event of a store into another, empty one (SQLite to PostgreSQL and back).

    The same events in the same order, byte for byte: recorded times, actors,
    references and batch hashes are kept. The copy is one transaction, read back
    and compared with the source before the command ends; a target that already
    holds events is refused, with nothing written to it. The source is only read.
    """
    copied = use_cases.copy_store(source, target)
    click.echo(f"copied {copied.events} events of {copied.plans} plan(s) from {copied.source} to {copied.target}", err=True)


@cli.group()
def admin():
    """Give PostgreSQL roles access to a store (run as the role that created it)."""


def _grant(access: str):
    @admin.command(f"grant-{access}")
    @click.argument("role")
    @store_option
    @refusing
    def command(role, store):
        for statement in use_cases.grant_access(store, role, access):
            click.echo(statement + ";")
        click.echo(f"role {role} now has {access} access to {use_cases.shown_name(store)}", err=True)

    return command


grant_auditor = _grant("auditor")
grant_auditor.help = """Give ROLE read-only access to the store: every query works, every write is refused.

Prints the SQL it ran. The role must exist (CREATE ROLE ... LOGIN); any write
access it had to the store's tables is revoked."""
grant_operator = _grant("operator")
grant_operator.help = """Give ROLE an operator's access to the store: read, and record facts.

Prints the SQL it ran. The role must exist (CREATE ROLE ... LOGIN). Recorded
events stay append-only: the store refuses any change to them, whoever asks."""
