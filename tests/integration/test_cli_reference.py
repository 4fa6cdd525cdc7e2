"""docs/cli-reference.md is the real `--help` of every command (regenerate it when a command changes)."""

from pathlib import Path

from poa.cli.reference import reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli-reference.md"


def test_the_command_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "docs/cli-reference.md is stale: run `python -m poa.cli.reference > docs/cli-reference.md`"
    )


def test_the_reference_has_every_command_with_its_options():
    text = reference()
    for name in ("apply", "approve", "report", "history", "diff", "explain", "progress", "close", "reopen"):
        assert f"## poa {name}\n" in text
        assert f"Usage: poa {name} [OPTIONS]" in text
    assert "--known-at TEXT" in text and "-h, --help" in text
