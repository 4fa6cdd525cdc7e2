"""`poa`: record the facts of a POA and print its evaluation at any date, as known at any moment.

Thin click commands: they parse options, call one use-case of the application
layer (adapters/use_cases.py) and print what it returns. Every refusal exits with
status 2 and one message naming the file, entry and field, or the option.
"""

from __future__ import annotations

import sys

from . import reading, writing  # noqa: F401 - they register their commands on `cli`
from . import diff  # noqa: F401
from . import explain  # noqa: F401
from . import export  # noqa: F401
from . import project  # noqa: F401
from . import admin  # noqa: F401
from . import evidence  # noqa: F401
from . import importing  # noqa: F401 - `template`, `import` (docs/import.md)
from .common import cli

__all__ = ["cli"]


def main():  # pragma: no cover - `python -m poa.cli.main`
    cli(prog_name="poa")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
