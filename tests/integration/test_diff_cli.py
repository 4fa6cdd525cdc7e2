"""`poa diff` (in-process, against a real store holding the diff scenario of
tests/support/diff_scenario.py): its JSON, its table and its refusals; and the scenario
recorded through the CLI alone, its report issued by `poa report --issue` (the last test). The comparison
itself, with every figure worked out by hand, is in tests/unit/test_diff.py, on the same
scenario recorded in memory; the first test here checks that the store reads back
exactly those facts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.diff_scenario import KINDS, LATE, PLAN, Q3, Q4, REPORT, history_in_memory, history_in_store
from support.postgres import STORE_KINDS, empty_store
from support.runners import PoaInProcess

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL


@pytest.fixture(scope="module", params=STORE_KINDS)
def scenario_store(request, tmp_path_factory) -> Iterator[str]:
    """The module's store for the scenario, one of each kind: a SQLite file,
    or a PostgreSQL store of its own (a fresh schema, dropped afterwards)."""
    with empty_store(request.param, tmp_path_factory.mktemp("diff"), request) as store:
        yield store


@pytest.fixture(scope="module")
def scenario(scenario_store):
    store = scenario_store
    history = history_in_store(store)
    assert [r.kind for r in history] == KINDS
    return store, history


def test_the_store_reads_back_the_facts_the_unit_tests_fold(scenario):
    _, stored = scenario
    in_memory = history_in_memory()
    assert [(r.seq, r.actor, r.fact) for r in stored] == [(r.seq, r.actor, r.fact) for r in in_memory]
    # one recorded time per transaction: Q3, the issued report, Q4, LATE
    assert len({r.recorded_at for r in stored}) == 4
    assert [r.recorded_at for r in stored] == sorted(r.recorded_at for r in stored)


@pytest.fixture
def poa_t(scenario, tmp_path) -> PoaInProcess:
    store, _ = scenario
    return PoaInProcess(store, tmp_path)


def test_cli_json_issued_report_against_known_now(poa_t):
    result = poa_t.json("diff", "--from", f"issued:{REPORT}", "--to", "2021-09-30")
    assert set(result) == {"schema_version", "plan", "entity", "year", "from", "to", "summary", "elements", "events"}
    assert result["schema_version"] == "2.0" and result["from"]["known_at"].endswith("Z")
    assert (result["plan"], result["year"]) == (PLAN, 2021)
    assert result["from"]["as_of"] == "2021-09-30"
    assert (result["from"]["issued"]["reference"], result["from"]["issued"]["seq"]) == (REPORT, 10)
    assert result["from"]["known_at"] == result["from"]["issued"]["recorded_at"]
    assert result["to"]["issued"] is None
    assert [(e["seq"], e["side"], e["because"], e["corrects"]) for e in result["events"]] == [
        (22, "added", "recorded", 4), (23, "added", "recorded", None),
    ]
    op = next(e for e in result["elements"] if e["code"] == "1.2.1")
    assert (op["kind"], op["parent"], op["title"], op["change"]) == ("operation", "1.2", "Op 1.2.1", "changed")
    [difference] = op["differences"]
    assert {k: v for k, v in difference.items() if k != "events"} == {
        "figure": "progress_pct", "source": None, "from": "60.00", "to": "70.00", "delta": "10.00",
        "as_of_effect": False,
    }
    [event] = difference["events"]
    assert set(event) == {"seq", "kind", "recorded_at", "actor", "reference", "date", "side", "because", "corrects", "values"}
    assert (event["seq"], event["kind"], event["date"], event["reference"], event["actor"]) == (
        22, "progress", "2021-09-30", None, "tester"
    )
    assert event["values"] == {"code": "1.2.1", "percent": "70.00"}
    summary = {d["figure"]: (d["from"], d["to"], d["delta"]) for d in result["summary"]}
    assert summary["budget_executed"] == ("1400.00", "1700.00", "300.00")
    assert summary["budget_execution_pct"] == ("27.45", "33.33", "5.88")  # as shown: 33.33 − 27.45


def test_cli_json_reformulation_values_are_the_changes_involved(poa_t):
    result = poa_t.json("diff", "--from", "2021-09-30", "--to", "2021-12-31@2100-01-01")
    acp = next(e for e in result["elements"] if e["code"] == "1.1")
    weight = next(d for d in acp["differences"] if d["figure"] == "weight")
    [event] = weight["events"]
    assert (event["seq"], event["kind"], event["reference"], event["date"]) == (11, "reformulate", "RD 020/2021", "2021-10-15")
    assert event["values"] == {
        "reason": "Nueva operación y reponderación", "changes": [{"update": {"code": "1.1", "weight": "70.00"}}],
    }
    top = next(e for e in result["events"] if e["seq"] == 11)
    assert [list(change) for change in top["values"]["changes"]] == [["add"], ["update"], ["update"]]
    assert top["values"]["changes"][0]["add"]["budget"] == {"Otros": "300.00"}


def test_cli_table_smoke(poa_t):
    result = poa_t("diff", "--from", "2021-09-30", "--to", "2021-12-31")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    for expected in ("Diferencias entre dos vistas", "Cifras del POA", "1.1.3", "añadido", "cancelado",
                     "Presupuesto vigente Otros", "+11", "(trimestre)", "RD 025/2021"):
        assert expected in text, expected
    same = poa_t("diff", "--from", "2021-09-30", "--to", "2021-09-30")
    assert same.returncode == 0 and "Sin diferencias" in same.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("--from", "2021-09-31", "--to", "2021-12-31"), "option --from: AS_OF is not a real date"),
        (("--from", "2021-09-30", "--to", "2021-12-31@soon"), "option --to: KNOWN_AT must be a timestamp"),
        (("--from", "issued:NOPE", "--to", "2021-12-31"), "option --from: no report issued as 'NOPE' (issued: 'INF-T3-2021')"),
        (("--from", "2021-09-30", "--to", "2021-01-02"), "option --to: plan T-2021 is not in force at 2021-01-02"),
        (("--from", "2021-09-30", "--to", "2020-06-30"), "option --to: AS_OF 2020-06-30 is outside the plan's year 2021"),
        (("--from", "2022-01-01@2021-12-31", "--to", "2021-06-30"), "option --from: AS_OF 2022-01-01 is outside the plan's year 2021"),
    ],
)
def test_cli_bad_views_exit_2_naming_the_option(poa_t, args, message):
    result = poa_t("diff", *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_cli_end_to_end_with_a_report_issued_by_poa_report(poa, tmp_path):
    """The same scenario through the CLI only, on a store of its own: `poa apply`, `poa report
    --issue`, `poa diff --from issued:REF` and `poa report --issued`. (In-process: the real
    console script runs `poa diff --from issued:...` in tests/e2e/test_readme.py, the auditor's
    guide.)"""
    for name, entries in (("q3", Q3), ("q4", Q4), ("late", LATE)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"plan": PLAN, "entries": entries}))
    assert poa("apply", str(tmp_path / "q3.json")).returncode == 0
    printed = poa.json("report", "--as-of", "2021-09-30", "--issue", REPORT)
    for name in ("q4", "late"):
        assert poa("apply", str(tmp_path / f"{name}.json")).returncode == 0

    result = poa.json("diff", "--from", f"issued:{REPORT}", "--to", "2021-09-30")
    assert [(e["seq"], e["because"]) for e in result["events"]] == [(22, "recorded"), (23, "recorded")]
    summary = {d["figure"]: (d["from"], d["to"]) for d in result["summary"]}
    assert summary == {
        "budget_executed": ("1400.00", "1700.00"),
        "budget_execution_pct": ("27.45", "33.33"),
        "physical_progress_pct": ("40.00", "42.00"),
        "deviation_pts": ("33.00", "31.00"),
        # as in tests/unit/test_diff.py: efficacy 40/73 → 42/73, weighted with execution 27.45 → 33.33
        "physical_efficacy_pct": ("54.79", "57.53"),
        "efficiency_pct": ("41.12", "45.43"),
        "relative_efficiency": ("2.00", "1.73"),
    }
    for figure, (before, _) in summary.items():  # "from" is what the issued report printed
        assert printed["summary"][figure] == before, figure
    reprinted = poa.json("report", "--issued", REPORT)
    assert reprinted["summary"] == printed["summary"]
