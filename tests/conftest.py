"""Shared fixtures and the layers of the suite.

Layers (tests/<layer>/, marked automatically by folder):
- unit: the domain and the projections on plain histories; no process, no file;
- integration: the SQLite and PostgreSQL stores, their recorders, concurrent writers, the
  library's contract suite, and the CLI in-process (click's CliRunner) against real stores
  (a module marked ``both_stores`` runs its store tests on each kind; tests/support/postgres.py);
- e2e: the real `poa` console script in subprocesses (README, signals, permissions,
  concurrent processes, one refusal).

`pytest -m "not e2e"` is the quick loop.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path


def cache_bytecode(folder: Path) -> None:
    """Compiled bytecode kept in `folder` (.pytest_cache/pycache, never beside the sources), for this
    process and every one it starts (pytest-xdist's workers, the `poa` processes of tests/e2e), even
    where PYTHONDONTWRITEBYTECODE is set: without it each worker compiles the program and rewrites
    every test module again, and each of the suite's few hundred `poa` processes compiles the
    program's modules before it runs (about a third of what a short command costs). Set before
    tests/support (and so the program) is imported; what a test asserts is unchanged."""
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)
    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(folder)


try:
    cache_bytecode(Path(__file__).resolve().parents[1] / ".pytest_cache" / "pycache")
except OSError:  # a read-only checkout: compiled as before
    pass

import pytest  # noqa: E402

from support.builders import SMALL, open_store
from support.postgres import STORE_KINDS, PostgresDatabase, unavailable
from support.runners import PoaInProcess, PoaProcess, invoke, no_traceback

# Names the flat layout's test files imported from conftest, kept so that a test written
# against it still runs after a merge; new tests import them from tests/support.
from support.builders import EXAMPLES, ROOT, record  # noqa: E402,F401
from support.runners import poa_command  # noqa: E402,F401

PoaRunner = PoaProcess  # the old subprocess runner's name

# The suite speaks the interface's default language whatever the machine's locale (a Bolivian
# developer's LANG=es_BO would turn every English message a test asserts into Spanish): the
# locale is C.UTF-8 for the tests and the `poa` processes they start; a test of the languages
# sets its own (tests/integration/test_cli_language.py).
for _name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

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


def pytest_generate_tests(metafunc):
    """A test of a module marked ``both_stores`` that uses the test's store (`store_name`, and
    the `poa`, `ledger`, `store` and `demo` fixtures built on it) runs once on each kind of store,
    unless it is marked ``sqlite_only`` (it is about SQLite files: its store stays a file)."""
    marked = metafunc.definition.get_closest_marker
    if "store_kind" in metafunc.fixturenames and marked("both_stores") and not marked("sqlite_only"):
        metafunc.parametrize("store_kind", STORE_KINDS, indirect=True)


@pytest.fixture
def store_kind(request) -> str:
    """The kind of the test's store: ``sqlite`` unless the test runs on both (``both_stores``)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres(worker_id) -> Iterator[PostgresDatabase]:
    """The PostgreSQL database of this run (this worker's), dropped at its end if made here; a
    test that needs it is skipped (failed under CI=true) when there is no server."""
    database = PostgresDatabase(worker_id)
    if database.error:
        unavailable(database.error)
    yield database
    database.close()


@pytest.fixture
def postgres_store(postgres: PostgresDatabase) -> Iterator[str]:
    """The URL of an empty PostgreSQL store of the test's own (a fresh schema), dropped afterwards."""
    url = postgres.new_schema()
    yield url
    postgres.drop_schema(url)


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "poa.db"


@pytest.fixture
def store_name(store_kind: str, store_path: Path, request) -> str:
    """The test's store by name: the SQLite file `store_path`, or a PostgreSQL store of its own."""
    return str(store_path) if store_kind == "sqlite" else request.getfixturevalue("postgres_store")


@pytest.fixture
def poa(tmp_path: Path, store_path: Path, store_name: str) -> PoaInProcess:
    """`poa ...` in-process against the test's store (POA_STORE), in the test's folder; its
    `store` is the file's Path on SQLite, the URL on PostgreSQL."""
    return PoaInProcess(store_path if store_name == str(store_path) else store_name, tmp_path)


@pytest.fixture
def poa_process(tmp_path: Path, store_path: Path) -> PoaProcess:
    """`poa ...` as a real process (the console script): for tests/e2e."""
    return PoaProcess(store_path, tmp_path)


@pytest.fixture
def ledger(store_name: str):
    opened = open_store(store_name, create=True)
    yield opened
    opened.close()


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
def store(example_store: Path, store_path: Path, store_name: str) -> Path | str:
    """A fresh copy of the example's store: the file at the test's store path, or the test's
    PostgreSQL store (copied with `poa copy`)."""
    if store_name == str(store_path):
        shutil.copyfile(example_store, store_path)
        return store_path
    result = invoke("copy", "--from", str(example_store), "--to", store_name)
    assert result.exit_code == 0, result.output
    return store_name


@pytest.fixture
def demo(poa: PoaInProcess, store: Path | str) -> PoaInProcess:
    """`poa` against a fresh copy of the store holding examples/small-2021.yaml."""
    return poa
