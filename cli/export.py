"""`poa export`: the ledger's open-data tables as CSV, JSON or JSON Lines, or all of them as a
Frictionless Data Package (docs/open-data.md)."""

from __future__ import annotations

import click

from poa.adapters import open_tables
from poa.adapters.interface import translate as _

from .common import Refused, cli, known_at_option, raw_csv_option, read_only_asked, refusing, store_option, write


@cli.command()
@click.option("--what", type=click.Choice(open_tables.WHAT), help="The table to export (see docs/open-data.md).")
@click.option("--format", "fmt", type=click.Choice(open_tables.EXPORT_FORMATS), help="Output format of the table (with --what): csv (default), json or jsonl.")
@click.option("--as-of", "as_of", help="Effective date, YYYY-MM-DD: facts dated on or before it, the element versions "
              "in force on it, the evaluation at it only. Default: every fact and version, the evaluation at every "
              "quarter end and the latest cut-off date.")
@known_at_option
@click.option("--output", type=click.Path(), help="With --what: write to this file (atomically) instead of standard output.")
@click.option("--datapackage", metavar="DIR", help="Write every table as a Frictionless Data Package into this folder "
              "(datapackage.json and one CSV per table); a previous package there is replaced, another non-empty "
              "folder refused.")
@raw_csv_option
@store_option
@click.option("--plan", envvar="POA_PLAN", help="Only this plan (env POA_PLAN). Default: every plan of the store.")
@refusing
def export(what, fmt, as_of, known_at, output, datapackage, raw_csv, store, plan):
    """Export open data: one table (--what) as CSV, JSON or JSON Lines, or every table as a Frictionless
    Data Package (--datapackage) whose budget follows the Fiscal Data Package conventions.

    For BI tools, Datasette and data portals: the files and their schemas are documented in
    docs/open-data.md."""
    from poa.adapters import use_cases

    if datapackage is not None:
        for given, name in ((what, "--what"), (fmt, "--format"), (output, "--output")):
            if given is not None:
                raise Refused(
                    _("option {name}: does not apply to --datapackage (the package holds every table as CSV)").format(name=name)
                )
        packaged = use_cases.export_datapackage(
            store, datapackage, plan, as_of=as_of, known_at=known_at, raw_csv=raw_csv, read_only=read_only_asked()
        )
        rows = ", ".join(f"{name} {count}" for name, count in packaged.rows)
        click.echo(
            _("{directory}: data package written ({plans} plan(s); rows: {rows}).").format(
                directory=packaged.directory, plans=len(packaged.plans), rows=rows
            ),
            err=True,
        )
        return
    if what is None:
        raise Refused(_("option --what: name the table to export, or give --datapackage DIR"))
    exported = use_cases.export(
        store, plan, what=what, format=fmt or "csv", as_of=as_of, known_at=known_at, raw_csv=raw_csv, output=output,
        read_only=read_only_asked(),
    )
    if exported.output is None:
        write(exported.text.encode("utf-8"))  # UTF-8 whatever the locale, as the file --output writes; bytes: nothing stripped
    else:
        click.echo(
            _("{output}: {rows} {table} row(s) written.").format(output=exported.output, rows=exported.rows, table=what),
            err=True,
        )
