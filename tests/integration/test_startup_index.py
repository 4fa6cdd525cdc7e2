"""What lets `poa` start without importing what a command does not use (docs/design.md,
"Start-up: what the entry point imports"): cli/index.py lists every command as the commands
themselves would, and the terminal tables know the width of Latin text without asking rich."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len

from poa.adapters import text_table
from poa.cli import index
from poa.cli.main import cli
from poa.cli.reference import index as index_text

INDEX = Path(index.__file__)


def test_the_index_of_the_commands_is_up_to_date():
    assert INDEX.read_text(encoding="utf-8") == index_text(), (
        "cli/index.py is stale: run `python -m poa.cli.reference --index > cli/index.py`"
    )


def test_every_listed_command_is_registered_by_its_module():
    assert sorted(index.COMMANDS) == sorted(cli.commands)
    for name, (module, fields) in index.COMMANDS.items():
        assert cli.commands[name].callback.__module__ == module
        assert cli.commands[name].help == fields["help"]


def test_every_latin_character_taken_as_one_cell_is_one_cell_for_rich():
    first, last = (ord(c) for c in text_table.LATIN_ONE_CELL)
    for code in range(first, last + 1):
        character = chr(code)
        assert cell_len(character) == 1 and not character.isspace(), hex(code)
        assert character not in "\u200d\ufe0f"
