"""What `poa` imports at start-up (docs/design.md, "Start-up: what the entry point imports").

Each run is a fresh interpreter that runs the command as the console script does, then
writes the names of the modules it imported: `poa --help` imports no store, no library
and no renderer (it lists the commands from cli/index.py), and `poa plans` reads the store's
catalogue of plans with sqlite3 alone (no library, no domain, no attrs), or, without one, opens the
store without the renderers it does not use. A behaviour test: what is imported, never
how long it takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.runners import process_env

HEAVY = ("rich", "openpyxl", "matplotlib", "jinja2", "weasyprint", "eventsourcing", "sqlite_utils")
RENDERING = ("rich", "openpyxl", "matplotlib", "jinja2", "weasyprint", "sqlite_utils")

CONSOLE_SCRIPT = "from poa.cli.entry import main"  # what the installed `poa` runs
# the group with every command module imported (`cli.commands` imports them all, as the tests do)
EVERY_COMMAND = "from poa.cli.main import cli\nassert cli.commands\nmain = lambda: cli(prog_name='poa')"

RUN = """
import json, sys
sys.argv = ["poa", *{args!r}]
{importing}
try:
    main()
except SystemExit:
    pass
with open({out!r}, "w") as out:
    json.dump(sorted(sys.modules), out)
"""


def imported(tmp_path: Path, importing: str, *args: str, env: dict | None = None) -> set[str]:
    """The modules a fresh interpreter holds after running `poa ARGS` the way `importing` says."""
    out = tmp_path / "modules.json"
    code = RUN.format(args=list(args), importing=importing, out=str(out))
    done = subprocess.run([sys.executable, "-c", code], env=process_env(env=env), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return set(json.loads(out.read_text()))


def of_packages(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_poa_help_imports_no_store_no_library_and_no_renderer(tmp_path, lang):
    modules = imported(tmp_path, CONSOLE_SCRIPT, "--help", env={"POA_LANG": lang})
    assert of_packages(modules, HEAVY) == []
    commands = sorted(m for m in modules if m.startswith("poa.cli.") and m not in {
        "poa.cli.entry", "poa.cli.main", "poa.cli.common", "poa.cli.index"})
    assert commands == [], "`poa --help` lists the commands from cli/index.py without importing their modules"
    assert "poa.adapters.use_cases" not in modules and "poa.adapters.formats" not in modules


def test_every_command_module_imports_no_store_no_library_and_no_renderer(tmp_path):
    """No command module imports the heavy libraries at module level."""
    modules = imported(tmp_path, EVERY_COMMAND, "--help")
    assert "poa.cli.writing" in modules and "poa.cli.importing" in modules
    assert of_packages(modules, HEAVY) == []
    assert "poa.adapters.use_cases" not in modules


def test_a_command_help_imports_its_own_module_only(tmp_path):
    modules = imported(tmp_path, CONSOLE_SCRIPT, "report", "--help")
    assert "poa.cli.reading" in modules and "poa.cli.writing" not in modules
    assert of_packages(modules, HEAVY) == []


LIBRARY_AND_DOMAIN = ("eventsourcing", "attrs", "attr")
DOMAIN_LOADED = ("poa.domain.facts", "poa.domain.plan", "poa.domain.catalogue", "poa.adapters.use_cases", "poa.adapters.formats")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_poa_plans_reads_the_catalogue_without_the_library_the_domain_or_the_renderers(tmp_path, store, fmt):
    """A store with its catalogue of plans (adapters/plan_catalogue.py): sqlite3 and the plans' own renderers."""
    modules = imported(tmp_path, CONSOLE_SCRIPT, "plans", "--store", str(store), "--format", fmt)
    assert "sqlite3" in modules and "poa.adapters.plan_catalogue" in modules  # it did read the store
    assert of_packages(modules, LIBRARY_AND_DOMAIN) == [] and of_packages(modules, RENDERING) == []
    assert [m for m in DOMAIN_LOADED if m in modules] == []
    assert not [m for m in modules if m.startswith("poa.adapters.report_")]


def test_poa_plans_without_a_catalogue_opens_the_store_without_the_renderers(tmp_path, store):
    """A store made before the catalogue: the approvals are read through the library, as before."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(store)) as connection, connection:
        connection.execute("DROP TABLE poa_plans")
    modules = imported(tmp_path, CONSOLE_SCRIPT, "plans", "--store", str(store))
    assert "eventsourcing" in modules and "sqlite3" in modules  # it did open the store
    assert of_packages(modules, RENDERING) == []
    assert not [m for m in modules if m.startswith("poa.adapters.report_") and m not in {
        "poa.adapters.report_csv", "poa.adapters.report_json", "poa.adapters.report_tables", "poa.adapters.report_text"}]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_console_script_help_is_the_help_of_every_command_imported(lang):
    """The Commands section drawn from cli/index.py is, byte for byte, the one drawn from the commands."""
    def run(importing: str) -> str:
        code = f"{importing}\nimport sys\nsys.argv = ['poa', '--help']\nmain()"
        done = subprocess.run([sys.executable, "-c", code], env=process_env(env={"POA_LANG": lang}),
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert run(CONSOLE_SCRIPT) == run(EVERY_COMMAND)
