"""The `poa` console script: the CLI with a last guard around it, start-up included.

`PoaGroup` (cli/common.py) turns an unexpected error inside a command into one
message; this guard covers what happens outside it — an interrupt while the
program is still importing, a closed output pipe — so that no traceback is ever
shown unless `--debug` or `POA_DEBUG=1` asks for it.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    debug = "--debug" in sys.argv[1:] or os.environ.get("POA_DEBUG") == "1"
    try:
        from poa.cli.main import cli

        cli(prog_name="poa")
    except KeyboardInterrupt:
        sys.stderr.write("poa: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:  # `poa report | head`: the reader left; nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as error:  # noqa: BLE001 - the last guard
        if debug:
            raise
        sys.stderr.write(f"poa: unexpected error ({type(error).__name__}); rerun with `poa --debug ...` for the traceback\n")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
