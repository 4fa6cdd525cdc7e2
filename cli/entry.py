"""The `poa` console script: the CLI with a last guard around it, start-up included.

`PoaGroup` (cli/common.py) turns an unexpected error inside a command into one
message; this guard covers what happens outside it — an interrupt while the
program is still importing, a closed output pipe — so that no traceback is ever
shown unless `--debug` or `POA_DEBUG=1` asks for it. Its own words are said in the
interface's language, chosen from the arguments and the environment before the commands
are imported (`PoaGroup.main` chooses it the same way for the run itself; the commands'
help texts stay English msgids, translated when printed).

Encodings: what a command prints as its output is bytes, UTF-8 whatever the locale
(adapters/formats.py, `rendered`; cli/common.py, `write`); a text said to a person
(a message, a refusal, the help) is written in the locale's encoding, and a character
that encoding lacks is shown escaped (``\\u2265``) instead of failing: `safe_streams`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def safe_streams() -> None:
    """Make standard output and error escape (``\\u2265``, ``\\xf1``) a character their encoding
    cannot write instead of raising: under PYTHONIOENCODING=cp1252 or an ASCII locale a message
    holding ≥, Σ or an emoji degrades, and the command ends with the status it would have had."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):  # no stream, or not a text file that can be reconfigured
            pass


@contextmanager
def interrupts_noted() -> Iterator[list[int]]:
    """Ctrl-C noted, not raised, within (the program's imports), then the handler as it was: raised
    while an import runs one of its own callbacks (a module lock's weakref callback), the interrupt
    would be printed by CPython as an "Exception ignored" traceback and lost. The caller raises it
    once the imports are done."""
    import signal  # noqa: PLC0415 - here, within the guard: an interrupt while it loads is the guard's

    noted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: noted.append(signum))
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def main() -> None:
    safe_streams()
    debug = "--debug" in sys.argv[1:] or os.environ.get("POA_DEBUG") == "1"
    _ = str  # English until the catalogue is at hand
    try:
        with interrupts_noted() as noted:
            from poa.adapters.interface import chosen, translation

            _ = translation(chosen(sys.argv[1:])).gettext
            from poa.cli.main import cli
        if noted:
            raise KeyboardInterrupt
        cli(prog_name="poa")
    except KeyboardInterrupt:
        sys.stderr.write(_("poa: interrupted") + "\n")
        sys.exit(130)
    except BrokenPipeError:  # `poa report | head`: the reader left; nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as error:  # noqa: BLE001 - the last guard
        if debug:
            raise
        message = _("poa: unexpected error ({error}); rerun with `poa --debug ...` for the traceback")
        sys.stderr.write(message.format(error=type(error).__name__) + "\n")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
