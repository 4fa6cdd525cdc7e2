"""The unit layer starts no process and opens no store: both are refused here, so a unit test
that reaches for one fails at once (and belongs in tests/integration or tests/e2e)."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest


def _refused(what: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"a unit test may not {what}: move it to tests/integration or tests/e2e")

    return refuse


@pytest.fixture(autouse=True)
def no_process_no_store(monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", _refused("start a process"))
    monkeypatch.setattr(sqlite3, "connect", _refused("open a SQLite database"))
