"""The spreadsheet forms: `poa template` writes the native template, `poa import` records a filled
workbook (or an entity's own forms, read through a mapping; docs/import.md)."""

from __future__ import annotations

from functools import partial

import click

from poa.adapters.interface import translate as _
from poa.adapters.safe_text import terminal_safe

from . import common
from .common import (
    Refused,
    cli,
    initial_load_options,
    output_file,
    output_option,
    read_only_asked,
    record,
    refusing,
    write_options,
    write,
)

XLSX = "xlsx"


@cli.command()
@output_option
@refusing
def template():
    """Write the empty spreadsheet template (xlsx) to fill in and load with `poa import`.

    Sheets for the plan's data, strategic actions, short-term actions, operations with
    their budget by funding source, tasks, and the quarterly follow-up (progress,
    execution, results, justifications), with validations and an instructions sheet in
    Spanish. Binary: give --output FILE or redirect the output.
    """
    from poa.adapters import importing

    if output_file() is None and common.stdout_is_terminal():  # (through the module: a test plays a terminal)
        raise Refused(_("the template is an xlsx workbook, a binary file: give --output FILE or redirect the output"))
    write(importing.template(), XLSX)


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--mapping",
    metavar="FILE",
    help="A mapping file (YAML) that says how to read the entity's own forms: sheets, header rows, which column "
    "is which field, how codes are built (docs/import.md). Default: the template of `poa template`.",
)
@click.option("--entity", help="The approval's entity, when the workbook or the mapping does not say it.")
@click.option("--year", help="The approval's year, when the workbook or the mapping does not say it.")
@click.option("--date", "date_", help="The approval's date, YYYY-MM-DD, when the workbook or the mapping does not say it.")
@click.option("--reference", help="The approval's reference, when the workbook or the mapping does not say it.")
@write_options
@initial_load_options
@refusing
def import_(files, mapping, entity, year, date_, reference, store, plan, actor, again, dry_run, initial_load,
            load_reference):
    """Record spreadsheet FILES (xlsx): the approval of a new plan (--plan KEY) and/or quarterly records.

    The workbook is read as the template of `poa template` is laid out, or as --mapping
    says (a mapping that reads two forms takes two FILES, in its order). Every value is
    checked before anything is stored: a wrong cell exits with status 2 naming its sheet,
    row and column, and nothing is stored. Where the forms disagree with each other (a
    declared budget that is not the sum of its lines), a warning says so on stderr.
    """
    from poa.adapters import importing

    def warn(text: str) -> None:
        click.echo(terminal_safe(_("warning: {text}").format(text=text)), err=True)

    record(partial(
        importing.import_workbook, store, files, plan=plan, mapping=mapping, entity=entity, year=year, date=date_,
        reference=reference, actor=actor, again=again, dry_run=dry_run, read_only=read_only_asked(), warn=warn,
        initial_load=initial_load, load_reference=load_reference,
    ))
