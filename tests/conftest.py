"""Shared fixtures and the layers of the suite.

Layers (tests/<layer>/, marked automatically by folder):
- unit: the domain and the projections on plain histories; no process, no file;
- integration: the SQLite store, its recorder, concurrent writers, the library's contract
  suite, and the CLI in-process (click's CliRunner) against real stores;
- e2e: the real `poa` console script in subprocesses (README, signals, permissions,
  concurrent processes, one refusal).

`pytest -m "not e2e"` is the quick loop.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support.builders import SMALL, open_store
from support.runners import PoaInProcess, PoaProcess, invoke, no_traceback

# Names the flat layout's test files imported from conftest, kept so that a test written
# against it still runs after a merge; new tests import them from tests/support.
from support.builders import EXAMPLES, ROOT, record  # noqa: E402,F401
from support.runners import poa_command  # noqa: E402,F401

PoaRunner = PoaProcess  # the old subprocess runner's name

LAYERS = ("unit", "integration", "e2e")
HERE = Path(__file__).resolve().parent


def layer_of(item) -> str | None:
    """unit, integration or e2e: the folder under tests/ that holds the test (None elsewhere)."""
    try:
        layer = Path(item.path).resolve().relative_to(HERE).parts[0]
    except ValueError:
        return None
    return layer if layer in LAYERS else None


def pytest_collection_modifyitems(config, items):
    layers = {item.nodeid: layer_of(item) for item in items}
    for item in items:
        if layers[item.nodeid] is not None:
            item.add_marker(getattr(pytest.mark, layers[item.nodeid]))
    items[:] = spread_e2e(items, layers)


def spread_e2e(items: list, layers: dict) -> list:
    """The same items with the e2e ones spread evenly over the run, each placed before the module
    that starts nearest its share; the other modules keep their order (so a module-scoped
    fixture is made once).

    Why: the e2e tests are few and long (real processes, several seconds each) and are
    collected first. pytest-xdist gives each worker a run of consecutive tests to start with
    (and, with `--dist worksteal`, set in pyproject.toml, lets an idle worker take the back
    half of a busy one's queue), so collected together they would all land on one worker,
    which then runs them one after the other while the other worker runs out of work."""
    e2e = [item for item in items if layers[item.nodeid] == "e2e"]
    rest = [item for item in items if layers[item.nodeid] != "e2e"]
    if not e2e or not rest:
        return items
    starts = [0] + [i for i in range(1, len(rest)) if rest[i].module is not rest[i - 1].module]
    slots: dict[int, list] = {}
    for n, item in enumerate(e2e):
        share = n * len(rest) // len(e2e)
        slots.setdefault(min(starts, key=lambda i: abs(i - share)), []).append(item)
    ordered = []
    for i, item in enumerate(rest):
        ordered += slots.pop(i, [])
        ordered.append(item)
    return ordered


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "poa.db"


@pytest.fixture
def poa(tmp_path: Path, store_path: Path) -> PoaInProcess:
    """`poa ...` in-process against the test's store (POA_STORE), in the test's folder."""
    return PoaInProcess(store_path, tmp_path)


@pytest.fixture
def poa_process(tmp_path: Path, store_path: Path) -> PoaProcess:
    """`poa ...` as a real process (the console script): for tests/e2e."""
    return PoaProcess(store_path, tmp_path)


@pytest.fixture
def ledger(store_path: Path):
    return open_store(str(store_path), create=True)


@pytest.fixture(scope="session")
def example_store(tmp_path_factory) -> Path:
    """A store holding examples/small-2021.yaml (plan DEMO-2021, 23 events), made once per
    worker; never written to: tests take a copy (`store`, `demo`)."""
    db = tmp_path_factory.mktemp("example") / "poa.db"
    result = invoke("apply", str(SMALL), "--store", str(db))
    assert result.exit_code == 0, result.output
    no_traceback(result)
    return db


@pytest.fixture
def store(example_store: Path, store_path: Path) -> Path:
    """A fresh copy of the example's store, at the test's store path."""
    shutil.copyfile(example_store, store_path)
    return store_path


@pytest.fixture
def demo(poa: PoaInProcess, store: Path) -> PoaInProcess:
    """`poa` against a fresh copy of the store holding examples/small-2021.yaml."""
    return poa
