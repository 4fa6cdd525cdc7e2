"""`--dry-run` on `apply` and every command that records one entry: checked against the store,
shown (what would be recorded, the report's figures that would change), nothing written.

The plan is `builders.base_approval`: ACP 1.1 (weight 50), ACP 1.2 (weight 30, its one operation
1.2.1), ACP 2.1 (weight 20); progress of operation 1.2.1 is 40 % at 2021-06-30.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from support.builders import base_approval, progress


@pytest.fixture
def planned(poa, tmp_path: Path):
    batch = tmp_path / "plan.json"
    batch.write_text(json.dumps({"plan": "T-2021", "entries": [base_approval(), progress("1.2.1", 40, "2021-06-30")]}))
    assert poa("apply", str(batch)).returncode == 0
    return poa


def _state(poa) -> tuple:
    """What a dry run must leave as it was: the store's bytes (SQLite) and the plan's history."""
    store = Path(str(poa.store))
    stored = hashlib.sha256(store.read_bytes()).hexdigest() if store.exists() else None
    history = poa("history", "--format", "json")
    return stored, history.stdout


def _row(text: str, *cells: str) -> str:
    """The one line of a table holding every one of `cells`."""
    found = [line for line in text.splitlines() if all(f" {cell} " in line for cell in cells)]
    assert len(found) == 1, (cells, text)
    return found[0]


def test_a_dry_run_shows_the_record_and_the_figures_it_would_change_and_writes_nothing(planned, tmp_path):
    before = _state(planned)
    batch = tmp_path / "q2.yaml"
    batch.write_text("plan: T-2021\nentries:\n  - progress: {code: 1.2.1, percent: 70, date: 2021-06-30}\n")
    result = planned("apply", "--dry-run", str(batch))
    assert result.returncode == 0, result.stderr
    assert _state(planned) == before
    out = result.stdout
    assert "no se registró nada" in out
    assert _row(out, "3", "avance", "2021-06-30", "código=1.2.1, porcentaje=70")  # seq 3 (approval 1, progress 2)
    # ACP 1.2 holds only operation 1.2.1: its progress is the operation's, 40 → 70
    assert _row(out, "1.2", "ACP", "40.00", "70.00", "+30.00")
    # the plan: Σ weight × progress / Σ weights = (50×0 + 30×40 + 20×0) / 100 = 12.00 → (30×70) / 100 = 21.00
    assert _row(out, "Avance físico institucional (%)", "12.00", "21.00", "+9.00")
    # strategic action 1: ACPs 1.1 (w 50, 0 %) and 1.2 (w 30): 30×40 / 80 = 15.00 → 30×70 / 80 = 26.25
    assert _row(out, "1", "AEI", "15.00", "26.25", "+11.25")
    assert "dry run, nothing recorded: 1 entry checked (the plan would be at seq 3" in result.stderr


ONE_ENTRY_COMMANDS = [
    ("progress", "--code", "1.1.2", "--percent", "10", "--date", "2021-03-31"),
    ("execution", "--code", "1.1.2", "--amount", "5", "--date", "2021-03-31"),
    ("budget", "--code", "1.1.2", "--source", "Otros", "--amount", "-5", "--date", "2021-03-31", "--reference", "RA 2",
     "--reason", "ajuste"),
    ("result", "--code", "1.1", "--date", "2021-03-31", "--text", "Avance."),
    ("justify", "--date", "2021-03-31", "--text", "Retraso."),
    ("reformulate", "--date", "2021-04-01", "--reference", "RD 1", "--reason", "motivo", "--cancel", "2.1"),
    ("publish", "--reference", "Informe T1", "--issued", "2021-04-10", "--date", "2021-03-31", "--declared",
     "{physical_progress_pct: 5}"),
    ("close", "--date", "2022-01-15", "--reference", "RA cierre"),
]


@pytest.mark.parametrize("args", ONE_ENTRY_COMMANDS, ids=lambda args: args[0])
def test_every_one_entry_command_has_a_dry_run_that_writes_nothing(planned, args):
    before = _state(planned)
    result = planned(*args, "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "dry run, nothing recorded: 1 entry checked" in result.stderr
    assert "no se registró nada" in result.stdout
    assert _state(planned) == before


def test_a_refused_dry_run_exits_2_naming_the_field_and_writes_nothing(planned):
    before = _state(planned)
    result = planned("progress", "--code", "9.9", "--percent", "10", "--date", "2021-03-31", "--dry-run")
    assert result.returncode == 2
    assert "option --code: unknown code 9.9" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert _state(planned) == before


def test_a_dry_run_refuses_a_batch_already_recorded_as_a_write_would(planned, tmp_path):
    batch = tmp_path / "q1.yaml"
    batch.write_text("plan: T-2021\nentries:\n  - execution: {code: 1.2.1, amount: 50, date: 2021-03-31}\n")
    assert planned("apply", str(batch)).returncode == 0
    before = _state(planned)
    repeated = planned("apply", "--dry-run", str(batch))
    assert repeated.returncode == 2 and "already recorded" in repeated.stderr
    assert planned("apply", "--dry-run", "--again", str(batch)).returncode == 0
    assert _state(planned) == before


def test_a_dry_run_of_a_new_plan_creates_no_store_and_shows_its_report(tmp_path):
    from support.runners import PoaInProcess

    store = tmp_path / "nuevo.db"
    poa = PoaInProcess(store, tmp_path)
    batch = tmp_path / "plan.json"
    batch.write_text(json.dumps({"plan": "T-2021", "entries": [base_approval()]}))
    result = poa("apply", "--dry-run", str(batch))
    assert result.returncode == 0, result.stderr
    assert not store.exists()
    assert "Informe del plan nuevo al 2021-12-31" in result.stdout
    # the would-be report's Cuadro 2 totals: TGN 100 + 200 + 80 = 380, Otros 50 + 30 = 80, in all 460
    assert _row(result.stdout, "Totales", "380", "80", "460")
    assert "the plan would be at seq 1" in result.stderr


@pytest.mark.parametrize("command", ["report", "explain", "evidence"])
def test_an_as_of_outside_the_plans_year_is_refused_by_reading_commands(planned, command, tmp_path):
    extra = ("--output", str(tmp_path / "e.zip")) if command == "evidence" else ()
    result = planned(command, "--as-of", "2022-03-31", *extra)
    assert result.returncode == 2
    assert "option --as-of: 2022-03-31 is outside the plan's year 2021" in result.stderr
    assert planned("report", "--as-of", "2021-12-31").returncode == 0


def test_export_refuses_an_as_of_outside_the_plans_year(planned):
    result = planned("export", "--what", "elements", "--as-of", "2020-12-31")
    assert result.returncode == 2 and "2020-12-31 is outside the plan's year 2021" in result.stderr
