"""Programs some tests need from the machine (Debian's packages, which `.ci/run` installs when
missing): found, or the test is skipped saying so — failed instead under ``CI=true``, where
every test must run."""

from __future__ import annotations

import os
import shutil

import pytest


def unavailable(message: str, what: str) -> None:
    """Skip the test with `message`, or fail it under CI=true (`what` must run there)."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, so {what} must run, but {message}", pytrace=False)
    pytest.skip(message)


def program(names: tuple[str, ...], message: str, what: str) -> str:
    """The path of the first of `names` found on PATH or in /usr/bin, else `unavailable`."""
    for name in names:
        found = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
        if found:
            return found
    unavailable(message, what)
    raise AssertionError("unreachable")  # pytest.skip and pytest.fail raise
