"""`poa`: record the facts of a POA and print its evaluation at any date, as known at any moment.

Thin click commands: they parse options, call one use-case of the application
layer (adapters/use_cases.py) and print what it returns. Every refusal exits with
status 2 and one message naming the file, entry and field, or the option.

The commands are in reading.py, plans.py, writing.py, diff.py, explain.py, export.py, project.py,
admin.py, evidence.py and importing.py (`template`, `import`; docs/import.md): each
module registers its commands on `cli` when imported, and `cli` imports the module of
the command that runs, only that one (cli/index.py lists them; `cli.commands` imports
them all). docs/design.md, "Start-up: what the entry point imports".
"""

from __future__ import annotations

import sys

from .common import cli

__all__ = ["cli"]


def main():  # pragma: no cover - `python -m poa.cli.main`
    cli(prog_name="poa")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
