"""Shared fixtures: a real SQLite store in a temporary folder and the real `poa` CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from poa.adapters.ledger import Ledger
from poa.adapters.stores import open_store
from poa.adapters.use_cases import record_batch
from poa.domain.commands import Command
from poa.domain.fact_kinds import parse_entry

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def poa_command() -> list[str]:
    """The installed console script next to this interpreter (or the module, as a fallback)."""
    script = Path(sys.executable).with_name("poa")
    return [str(script)] if script.exists() else [sys.executable, "-m", "poa.cli.main"]


class PoaRunner:
    """Runs `poa ...` in a subprocess against one store file."""

    def __init__(self, store: Path, cwd: Path):
        self.store = store
        self.cwd = cwd

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None, store: bool = True):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith(("POA_", "PLANLEDGER_"))}
        full_env["POA_ACTOR"] = "tester"
        if store:
            full_env["POA_STORE"] = str(self.store)
        full_env.update(env or {})
        return subprocess.run(
            [*poa_command(), *args],
            input=input,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=full_env,
            timeout=120,
        )

    def json(self, *args: str, **kwargs):
        result = self(*args, "--format", "json", **kwargs)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "poa.db"


@pytest.fixture
def poa(tmp_path: Path, store_path: Path) -> PoaRunner:
    return PoaRunner(store_path, tmp_path)


@pytest.fixture
def ledger(store_path: Path) -> Ledger:
    return open_store(str(store_path), create=True)


def record(ledger: Ledger, plan: str, *entries: dict, actor: str = "tester") -> None:
    """Record entries (written as in a batch file) in one atomic batch through the real store."""
    commands = [Command(plan, parse_entry(e), actor, "test", i) for i, e in enumerate(entries, 1)]
    record_batch(ledger, commands)
