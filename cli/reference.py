"""docs/cli-reference.md, generated from the real `--help` texts of every command.

Regenerate it after changing a command or an option:

    python -m poa.cli.reference > docs/cli-reference.md

A test fails while the file differs from what this prints.
"""

from __future__ import annotations

import sys

import click

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


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(reference())
