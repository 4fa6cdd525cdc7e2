"""Checking, proving, moving and giving access to a ledger (docs/deployment.md, docs/integrity.md): `poa verify`,
`poa digest`, `poa prove`, `poa copy`,
`poa admin grant-auditor`, `poa admin grant-operator`."""

from __future__ import annotations

import click

from poa.adapters import formats
from poa.adapters.interface import N_, ngettext
from poa.adapters.interface import translate as _
from poa.adapters.safe_text import json_text, terminal_safe

from .common import Failed, Refused, cli, format_option, output, output_option, plan_option, refusing, store_option, write


@cli.command()
@click.option(
    "--digest",
    metavar="DIGEST",
    help="Also check that the ledger extends this tree head, kept elsewhere: SIZE:ROOT, or the JSON "
    "`poa digest --format json` printed (or a file holding it).",
)
@click.option(
    "--package",
    metavar="DIR|FILE.zip",
    help="Check an evidence package (`poa evidence`) instead of a store: offline, no store is opened.",
)
@store_option
@refusing
def verify(digest, package, store):
    """Read the whole store back and say whether it is intact (exit 0) or not (exit 1).

    Its event rows against the record its commits kept (their number and last
    id), every event decoded, every plan loaded at the version its commits
    recorded, and every event hashed again against the store's Merkle log: each
    changed, deleted, inserted or moved event is named by its plan, seq and log
    index. With --digest, also whether the ledger still extends a tree head taken
    earlier with `poa digest` (a truncation or a rewrite since shows). Opens the
    store read-only. Run it on both sides of a `poa copy`, after a restore, or
    before an audit.
    """
    from poa.adapters import proofs, use_cases

    if package is not None:
        if digest is not None:
            raise Refused(_("option --digest: checks a store; a package's tree head is compared with a digest by hand"))
        _verify_package(package)
        return
    checked = use_cases.verify(store, digest=digest)
    if not checked.intact:
        for problem in checked.problems:  # what the store holds may be anything: shown escaped
            click.echo(f"- {terminal_safe(problem)}", err=True)
        raise Failed(_not_intact(checked.store, len(checked.problems)))
    plans = ", ".join(f"{key} ({events})" for key, events in checked.plans) or _("none")
    intact = ngettext("{store}: intact: {count} event; plans: {plans}", "{store}: intact: {count} events; plans: {plans}",
                      checked.events)
    click.echo(intact.format(store=checked.store, count=checked.events, plans=plans))
    if checked.head is not None:
        click.echo(_("tree head: {head}").format(head=proofs.short_digest(checked.head)))
    if checked.digest is not None:
        click.echo(_("extends the digest {digest}").format(digest=proofs.short_digest(checked.digest)))


def _not_intact(what: str, count: int) -> str:
    return ngettext("{what}: not intact ({count} problem, listed above)", "{what}: not intact ({count} problems, listed above)",
                    count).format(what=what, count=count)


def _verify_package(package: str) -> None:
    from poa.adapters import use_cases

    checked = use_cases.verify_package(package)
    if not checked.intact:
        for problem in checked.problems:
            click.echo(f"- {terminal_safe(problem)}", err=True)
        raise Failed(_not_intact(package, len(checked.problems)))
    m = checked.manifest
    head = m["tree_head"]
    click.echo(
        _(
            "{package}: intact: plan {plan} as of {as_of} as known at {known_at}; every event in the tree head "
            "{head}; the report follows from the events"
        ).format(package=package, plan=m["plan"], as_of=m["as_of"], known_at=m["known_at"], head=f"{head['size']}:{head['root']}")
    )


@cli.command()
@format_option(formats.TREE_HEAD, default="text")
@output_option
@store_option
@refusing
def digest(fmt, store):
    """The tree head of the store's Merkle log, to keep outside the system.

    Its size (events), root hash and the recorded time of its last event (text:
    SIZE:ROOT TIME), after verifying the whole store (exit 1 if it is not intact). Kept elsewhere (a file sent to the auditor, a printed minute), it is
    what later shows a rewrite of the whole store: `poa verify --digest` checks
    that the ledger still extends it (docs/integrity.md).
    """
    from poa.adapters import use_cases

    output(formats.TREE_HEAD, fmt, use_cases.tree_head(store))


@cli.command()
@click.option("--event", "seq", type=click.IntRange(min=1), help="Prove that the plan's event SEQ is in the log.")
@click.option("--from", "from_size", type=click.IntRange(min=1), help="Prove that today's log extends its first SIZE events (at least 1).")
@click.option("--size", "size", type=click.IntRange(min=0), help="The tree head to prove against: the log's first SIZE events (default: all).")
@output_option
@store_option
@plan_option
@refusing
def prove(seq, from_size, size, store, plan):
    """A proof from the store's Merkle log, as JSON, checkable without the program (docs/integrity.md).

    --event SEQ: the inclusion proof of the plan's event SEQ (its canonical form,
    leaf hash, log index, the tree head and the audit path). --from SIZE: the
    consistency proof that the tree of today (or of --size events) extends the
    tree of its first SIZE events. Every proof is checked before it is printed.
    """
    from poa.adapters import proofs, use_cases

    if (seq is None) == (from_size is None):
        raise Refused(_("give one of --event SEQ or --from SIZE"))
    if seq is not None:
        document = proofs.inclusion_to_dict(use_cases.prove_event(store, plan, seq, size=size))
    else:
        document = proofs.consistency_to_dict(use_cases.prove_extension(store, from_size, size=size))
    write((json_text(document) + "\n").encode(formats.ENCODING))  # UTF-8 whatever the locale, as every output


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
    from poa.adapters import use_cases

    copied = use_cases.copy_store(source, target)
    click.echo(
        _("copied {events} events of {plans} plan(s) from {source} to {target}").format(
            events=copied.events, plans=copied.plans, source=copied.source, target=copied.target
        ),
        err=True,
    )


@cli.group()
def admin():
    """Give PostgreSQL roles access to a store (run as the role that created it)."""


GRANTED = {
    "auditor": N_("role {role} now has auditor access to {store}"),
    "operator": N_("role {role} now has operator access to {store}"),
}


def _grant(access: str):
    @admin.command(f"grant-{access}")
    @click.argument("role")
    @store_option
    @refusing
    def command(role, store):
        from poa.adapters import use_cases

        for statement in use_cases.grant_access(store, role, access):
            click.echo(statement + ";")
        click.echo(_(GRANTED[access]).format(role=role, store=use_cases.shown_name(store)), err=True)

    return command


grant_auditor = _grant("auditor")
grant_auditor.help = """Give ROLE read-only access to the store: every query works, every write is refused.

Prints the SQL it ran. The role must exist (CREATE ROLE ... LOGIN); any write
access it had to the store's tables is revoked."""
grant_operator = _grant("operator")
grant_operator.help = """Give ROLE an operator's access to the store: read, and record facts.

Prints the SQL it ran. The role must exist (CREATE ROLE ... LOGIN). Recorded
events stay append-only: the store refuses any change to them, whoever asks."""
