"""docs/cli-reference.md, generated from the real `--help` texts of every command.

Regenerate it after changing a command or an option:

    python -m poa.cli.reference > docs/cli-reference.md

A test fails while the file differs from what this prints. The same walk over the
commands gives the interface catalogue's template (docs/languages.md):

    python -m poa.cli.reference --pot > poa.pot
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import click

from poa.adapters import interface

from .common import help_msgid
from .main import cli

WIDTH = 100  # columns the help texts are wrapped to, whatever the terminal


def help_text(command: click.Command, name: str, parent: click.Context | None = None) -> str:
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    return command.get_help(click.Context(command, info_name=name, parent=parent, **settings))


def reference() -> str:
    """The Markdown reference: the group's help, then every command's, in alphabetical order."""
    root = click.Context(cli, info_name="poa", **cli.context_settings, terminal_width=WIDTH, max_content_width=WIDTH)
    lines = [
        "# Command reference",
        "",
        "Generated from the `--help` text of every command by `python -m poa.cli.reference > docs/cli-reference.md`;",
        "do not edit by hand (a test fails when this file is stale).",
        "",
        "## poa",
        "",
        "```text",
        help_text(cli, "poa"),
        "```",
    ]
    for name in sorted(cli.commands):
        lines += ["", f"## poa {name}", "", "```text", help_text(cli.commands[name], name, root), "```"]
    return "\n".join(lines) + "\n"


def help_texts(command: click.Command = cli, path: str = "poa", parent: click.Context | None = None) -> Iterator[tuple[str, str]]:
    """Every help text `poa` prints, as its msgid, with the command showing it: the command's own
    (docstring or ``help=``), then its options' (click's --help and --version among them).

    Each context has the settings `poa` gives it (-h and --help), as click caches a command's
    help option the first time it is asked for."""
    context = click.Context(command, info_name=path.rsplit(" ", 1)[-1], parent=parent, **command.context_settings)
    if command.help:
        yield help_msgid(command.help), path
    if command.short_help:
        yield command.short_help, path
    for param in command.get_params(context):
        if getattr(param, "help", None):
            yield param.help, path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from help_texts(sub, f"{path} {name}", context)


def messages() -> Iterator[tuple[str | tuple[str, str], str]]:
    """Every text of the interface's catalogue: marked in cli/, adapters/, domain/ and projections/, shown as
    help, and click's own, each with where it comes from."""
    yield from interface.marked_in_code()
    first = {}
    for text, command in help_texts():
        first.setdefault(text, command)
    for text, command in first.items():
        yield text, f"{command} --help"
    yield from interface.click_messages()


def pot() -> bytes:
    """The catalogue template (POT) of `messages()`, for `pybabel update` (docs/languages.md)."""
    from io import BytesIO

    from babel.messages.pofile import write_po

    out = BytesIO()
    write_po(out, interface.template(messages()), width=100, omit_header=False, include_lineno=False)
    return out.getvalue()


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--pot"]:
        sys.stdout.buffer.write(pot())
    else:
        sys.stdout.write(reference())
