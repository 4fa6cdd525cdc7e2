"""Checking, moving and giving access to a ledger (docs/deployment.md): `poa verify`, `poa copy`,
`poa admin grant-auditor`, `poa admin grant-operator`."""

from __future__ import annotations

import click

from poa.adapters import use_cases
from poa.adapters.safe_text import terminal_safe

from .common import Failed, cli, refusing, store_option


@cli.command()
@store_option
@refusing
def verify(store):
    """Read the whole store back and say whether it is intact (exit 0) or not (exit 1).

    Its event rows against the record its commits kept (their number and last
    id), every event decoded, every plan loaded at the version its commits
    recorded. Opens the store read-only. Run it on both sides of a `poa copy`,
    after a restore, or before an audit.
    """
    checked = use_cases.verify(store)
    if not checked.intact:
        for problem in checked.problems:  # what the store holds may be anything: shown escaped
            click.echo(f"- {terminal_safe(problem)}", err=True)
        count = len(checked.problems)
        raise Failed(f"{checked.store}: not intact ({count} problem{'s' if count > 1 else ''}, listed above)")
    plans = ", ".join(f"{key} ({events})" for key, events in checked.plans) or "none"
    click.echo(f"{checked.store}: intact: {checked.events} events; plans: {plans}")


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
