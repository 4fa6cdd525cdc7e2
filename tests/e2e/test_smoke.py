"""The README's main job works through the installed console script: the example batch
applies and reports."""

import subprocess
import sys

from support.builders import SMALL


def test_example_batch_applies_and_reports(poa_process):
    applied = poa_process("apply", str(SMALL))
    assert applied.returncode == 0, applied.stderr
    report = poa_process.json("report", "--as-of", "2021-09-30")
    assert report["plan"] == "DEMO-2021"
    assert report["summary"]["short_term_actions"] == 3


def test_a_sqlite_command_does_not_import_the_postgresql_driver():
    """psycopg is imported only for a postgresql:// store (adapters/stores.py): its import would
    cost every command a tenth of a second."""
    code = (
        "import sys; from poa.cli.main import cli; from poa.adapters import use_cases; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_pool') "
        "or m in ('poa.adapters.postgres_store', 'eventsourcing.postgres')))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "[]"
