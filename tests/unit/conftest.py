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


@pytest.fixture(scope="session", autouse=True)
def fonts_listed():
    """matplotlib lists the machine's fonts (running fc-list) the first time it is loaded where it
    has no font cache yet (a fresh CI machine): done once, before any test of the layer refuses
    processes; the charts themselves (adapters/charts.py) start none."""
    import matplotlib.font_manager  # noqa: F401


@pytest.fixture(autouse=True)
def no_process_no_store(monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", _refused("start a process"))
    monkeypatch.setattr(sqlite3, "connect", _refused("open a SQLite database"))
