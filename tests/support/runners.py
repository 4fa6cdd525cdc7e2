"""The ways the tests run `poa`.

- `invoke(...)`: in-process through click's `CliRunner`, giving click's `Result`.
- `PoaInProcess`: in-process too, shaped like a finished process (`returncode`, `stdout`,
  `stderr` as text), against one store file and one working folder: the `poa` fixture.
- `PoaProcess`: the real console script in a subprocess: the `poa_process` fixture
  (tests/e2e only).

Both runners see the same environment: every ``POA_*`` setting of the test process
removed, ``POA_ACTOR=tester`` and ``POA_STORE=`` the test's store. In-process the
settings go through CliRunner's `env=`, so `os.environ` is restored afterwards.

In-process, an exception that escapes the command (which a real process would show as
a traceback) is written to `stderr` as the traceback Python would print, so every
"no traceback" assertion keeps its meaning; `exception` holds it too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

from attrs import frozen
from click.testing import CliRunner

from poa.cli.main import cli

PROG = "poa"
PREFIXES = ("POA_", "PLANLEDGER_")


def clean_env(env: dict | None = None, *, actor: str = "tester") -> dict[str, str | None]:
    """The changes to the environment for one run: every POA_ setting unset, POA_ACTOR set."""
    changes: dict[str, str | None] = {k: None for k in os.environ if k.startswith(PREFIXES)}
    changes["POA_ACTOR"] = actor
    changes.update(env or {})
    return changes


@contextmanager
def working_folder(cwd: Path | None):
    if cwd is None:
        yield
        return
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(previous)


def _runner() -> CliRunner:
    try:  # click 8.1 mixes stderr into stdout unless told; 8.2+ always keeps it apart
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None, cwd: Path | None = None,
           actor: str = "tester"):
    """`poa ARGS` in-process (click's `Result`): POA_ settings cleared, then `env` applied."""
    with working_folder(cwd):
        return _runner().invoke(cli, list(args), input=input, env=clean_env(env, actor=actor), prog_name=PROG)


def no_traceback(result) -> None:
    """Assert an in-process run ended as a real process would without a traceback: by
    SystemExit (click's exit, a refusal) or normally, and printed no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output


@frozen
class Ran:
    """A finished `poa` run, as `subprocess.run` reports one."""

    args: tuple
    returncode: int
    stdout: str
    stderr: str
    exception: BaseException | None = None  # in-process only: what escaped the command, if anything


class PoaInProcess:
    """Runs `poa ...` in-process against one store file, in one working folder."""

    def __init__(self, store: Path, cwd: Path):
        self.store = store
        self.cwd = cwd

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict | None = None, store: bool = True) -> Ran:
        settings = {"POA_STORE": str(self.store)} if store else {}
        result = invoke(*args, input=input, env={**settings, **(env or {})}, cwd=self.cwd)
        stderr, exception = result.stderr, result.exception
        if exception is not None and not isinstance(exception, SystemExit):
            stderr += "".join(traceback.format_exception(*result.exc_info))  # what Python would print
        elif isinstance(exception, SystemExit):
            exception = None
        return Ran(args, result.exit_code, result.stdout, stderr, exception)

    def json(self, *args: str, **kwargs):
        result = self(*args, "--format", "json", **kwargs)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


def poa_command() -> list[str]:
    """The installed console script next to this interpreter (or the module, as a fallback)."""
    script = Path(sys.executable).with_name(PROG)
    return [str(script)] if script.exists() else [sys.executable, "-m", "poa.cli.main"]


def process_env(store: Path | None = None, env: dict | None = None, actor: str = "tester") -> dict[str, str]:
    """The whole environment of a `poa` process: this one's, less POA_ settings, plus these."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(PREFIXES)}
    full["POA_ACTOR"] = actor
    if store is not None:
        full["POA_STORE"] = str(store)
    full.update(env or {})
    return full


class PoaProcess:
    """Runs `poa ...` in a subprocess (the real console script) against one store file."""

    def __init__(self, store: Path, cwd: Path):
        self.store = store
        self.cwd = cwd

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None, store: bool = True):
        return subprocess.run(
            [*poa_command(), *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=process_env(self.store if store else None, env),
            timeout=120,
        )

    def json(self, *args: str, **kwargs):
        result = self(*args, "--format", "json", **kwargs)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)
