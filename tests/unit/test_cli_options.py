"""Every option of every `poa` command says what it is for, and every reading command's
--format is the one option the CLI defines for it (cli/common.py, `format_option`)."""

from __future__ import annotations

import click
import pytest

from poa.adapters import exports, formats
from poa.cli.main import cli

READING = {
    "report": formats.REPORT,
    "reports": formats.ISSUED_REPORTS,
    "history": formats.HISTORY,
    "reconcile": formats.RECONCILIATION,
    "plans": formats.PLANS,
    "diff": formats.COMPARISON,
    "explain": formats.PROVENANCE,
    "export": exports.FORMATS,  # open-data tables, rendered by adapters/exports.py (docs/open-data.md)
    "digest": formats.TREE_HEAD,  # the Merkle log's tree head (docs/integrity.md)
}


def options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option)]


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_of_every_command_has_a_help_text(name):
    missing = [o.opts[0] for o in options(cli.commands[name]) if not (o.help or "").strip()]
    assert not missing, f"poa {name}: options without a help text: {missing}"


def test_every_option_of_the_group_has_a_help_text():
    assert [o.opts[0] for o in options(cli) if not (o.help or "").strip()] == []


@pytest.mark.parametrize("name", sorted(READING))
def test_every_reading_command_offers_its_formats_through_the_one_format_option(name):
    (option,) = [o for o in options(cli.commands[name]) if "--format" in o.opts]
    assert option.name == "fmt" and option.opts == ["--format"]
    assert list(option.type.choices) == list(READING[name])
    assert option.help.startswith("Output format")


def test_every_command_with_a_format_option_is_a_reading_command():
    assert {name for name, c in cli.commands.items() if any("--format" in o.opts for o in options(c))} == set(READING)
