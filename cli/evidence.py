"""`poa evidence`: the auditor's evidence package of a report (docs/integrity.md)."""

from __future__ import annotations

import click

from poa.adapters.interface import translate as _

from .common import as_of_option, cli, known_at_option, plan_option, read_only_asked, refusing, store_option


@cli.command()
@as_of_option
@known_at_option
@click.option(
    "--output", "output", required=True, metavar="DIR|FILE.zip",
    help="Where to write the package: a new .zip file, or a new or empty folder (never written over).",
)
@click.option(
    "--issued", "issued", metavar="REFERENCE",
    help="The package of the report issued as REFERENCE: its own view, the bytes it was issued with, and the "
    "issue event that seals them.",
)
@store_option
@plan_option
@refusing
def evidence(as_of, known_at, output, issued, store, plan):
    """Write the evidence package of the plan's report at --as-of, as known at --known-at.

    The report in every format, the events it rests on (each in the canonical form
    its Merkle leaf hashes, with its inclusion proof in the store's tree head), the
    explanation of every figure, the tree head and a manifest of SHA-256 hashes,
    with check_evidence.py: a third party checks it offline with Python alone, or
    with `poa verify --package`. With --issued, the report files are the bytes the
    report was issued with, and the checker matches them against the SHA-256 sealed in
    its issue event. Written whole or not at all.
    """
    from poa.adapters import proofs, use_cases

    made = use_cases.evidence(
        store, plan, output, as_of=as_of, known_at=known_at, issued=issued, read_only=read_only_asked()
    )
    click.echo(
        _(
            "{plan}: evidence package {output} written: report as of {as_of} as known at {known_at}, {events} events, "
            "tree head {head}"
        ).format(
            plan=made.plan, output=made.output, as_of=made.as_of, known_at=made.known_at.isoformat(), events=made.events,
            head=proofs.short_digest(made.head),
        ),
        err=True,
    )
