"""The data package of `poa export --datapackage` validated with the `frictionless` library (a test-only
dependency, slow to import: this is its one module, with the packages made once per worker and kind
of store, SQLite and PostgreSQL): the package of examples/small-2021.yaml alone (--plan) and of a
store holding it and the Aduana's 2020 POA; keys hold, hashes match, and the budget resource's phases
agree with the evaluation, with the small example's amounts worked out by hand from examples/small-2021.yaml."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import frictionless
import pytest

from support.builders import ADUANA, ADUANA_LOAD, SMALL
from support.postgres import STORE_KINDS, empty_store
from support.runners import invoke, no_traceback

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL


def run(*args):
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    no_traceback(result)


@pytest.fixture(scope="session", params=STORE_KINDS)
def packages(request, tmp_path_factory) -> Iterator[dict[str, Path]]:
    """The packages of a store of each kind (a session's store cannot follow the test's store_kind):
    a SQLite file, or a PostgreSQL schema of its own, dropped afterwards."""
    folder = tmp_path_factory.mktemp("packages")
    with empty_store(request.param, folder, request) as db:
        run("apply", str(SMALL), "--store", db)
        run("apply", str(ADUANA), *ADUANA_LOAD, "--store", db)
        run("export", "--store", db, "--datapackage", str(folder / "small"), "--plan", "DEMO-2021")
        run("export", "--store", db, "--datapackage", str(folder / "all"))
        yield {"small": folder / "small", "all": folder / "all"}


def rows(package: Path, name: str) -> list[dict]:
    with open(package / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("which", ["small", "all"])
def test_the_package_validates(packages, which):
    report = frictionless.validate(packages[which] / "datapackage.json")
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "type", "note"])
    assert {task.name for task in report.tasks} == {
        "plans", "elements", "facts", "budget_lines", "budget", "evaluation", "plan_evaluation"}


def test_keys_are_declared_and_hashes_match_the_files(packages):
    descriptor = json.loads((packages["all"] / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package" and descriptor["poa_ledger"]["plans"] == ["DEMO-2021", "AN-2020"]
    assert descriptor["fiscalPeriod"] == {"start": "2020-01-01", "end": "2021-12-31"}
    for resource in descriptor["resources"]:
        data = (packages["all"] / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["schema"]["primaryKey"]
    budget = next(r for r in descriptor["resources"] if r["name"] == "budget")
    types = {f["name"]: f.get("columnType") for f in budget["schema"]["fields"]}
    assert (types["amount"], types["phase"], types["source"], types["year"], types["entity"]) == (
        "value", "phase:id", "fin-source:generic:code", "date:fiscal-year", "administrative-classification:generic:level1:label")
    assert (types["strategic_action"], types["short_term_action"], types["operation"]) == (
        "activity:generic:program:code", "activity:generic:subprogram:code", "activity:generic:project:code")


def test_a_broken_key_is_caught(packages, tmp_path):
    copy = tmp_path / "small"
    shutil.copytree(packages["small"], copy)
    (copy / "plans.csv").write_text((copy / "plans.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    report = frictionless.validate(copy / "datapackage.json")
    kinds = {error.type for task in report.tasks for error in task.errors}
    assert not report.valid and {"foreign-key", "hash-count"} <= kinds


def amounts(package, as_of, phase):
    return {(r["code"], r["source"]): Decimal(r["amount"])
            for r in rows(package, "budget") if r["as_of"] == as_of and r["phase"] == phase}


def test_the_small_example_budget_by_phase_worked_by_hand(packages):
    small = packages["small"]
    # approved (examples/small-2021.yaml): 1.1.1.1 TGN 100000 + Otros 20000; 1.1.1.2 Otros 30000;
    # 1.1.2.1 TGN 250000; 1.2.1.1 Otros 80000; 1.1.2.2 (added on 2021-07-15) approves nothing
    approved = {("1.1.1.1", "TGN"): 100000, ("1.1.1.1", "Otros"): 20000, ("1.1.1.2", "Otros"): 30000,
                ("1.1.2.1", "TGN"): 250000, ("1.2.1.1", "Otros"): 80000}
    assert amounts(small, "2021-06-30", "approved") == approved
    assert set(amounts(small, "2021-06-30", "modified").values()) == {0}  # every change comes after Q2
    assert amounts(small, "2021-09-30", "approved") == {**approved, ("1.1.2.2", "Otros"): 0}
    # the reformulation: 1.1.2.2 Otros +15000, 1.2.1.1 Otros -15000; the transfer RA 045/2021: 10000 Otros 1.1.1.2 -> 1.1.1.1
    assert {k: v for k, v in amounts(small, "2021-09-30", "modified").items() if v} == {
        ("1.1.2.2", "Otros"): 15000, ("1.2.1.1", "Otros"): -15000, ("1.1.1.2", "Otros"): -10000, ("1.1.1.1", "Otros"): 10000}
    # executed at Q2: 1.1.1.1 by source (TGN 40000, Otros 5000), 1.1.1.2 nothing, 1.1.2.1 90000 and
    # 1.2.1.1 25000 without source: 160000
    q2 = amounts(small, "2021-06-30", "executed")
    assert q2 == {("1.1.1.1", "Otros"): 5000, ("1.1.1.1", "TGN"): 40000, ("1.1.1.2", ""): 0,
                  ("1.1.2.1", ""): 90000, ("1.2.1.1", ""): 25000}
    # at Q3 the short-term action 1.1.1 reports 95000 itself: it replaces its operations' amounts
    q3 = amounts(small, "2021-09-30", "executed")
    assert q3 == {("1.1.1", ""): 95000, ("1.1.2.1", ""): 160000, ("1.1.2.2", ""): 0, ("1.2.1.1", ""): 41000}
    plan = {r["as_of"]: r for r in rows(small, "plan_evaluation")}
    assert (sum(q2.values()), sum(q3.values())) == (160000, 296000)
    assert (Decimal(plan["2021-06-30"]["budget_executed"]), Decimal(plan["2021-09-30"]["budget_executed"])) == (160000, 296000)
    q3_row = next(r for r in rows(small, "budget") if r["as_of"] == "2021-09-30" and r["code"] == "1.1.1")
    assert (q3_row["kind"], q3_row["operation"], q3_row["short_term_action_title"], q3_row["direction"], q3_row["currency"]) == (
        "short_term_action", "", "Simplificar trámites", "expenditure", "BOB")


def test_budget_phases_agree_with_the_evaluation_of_every_plan_and_date(packages):
    package = packages["all"]
    evaluation = {(r["plan"], r["as_of"], r["code"]): r for r in rows(package, "evaluation")}
    plans = {(r["plan"], r["as_of"]): r for r in rows(package, "plan_evaluation")}
    current: dict[tuple, Decimal] = {}
    executed: dict[tuple, Decimal] = {}
    executed_plan: dict[tuple, Decimal] = {}
    for r in rows(package, "budget"):
        where = (r["plan"], r["as_of"], r["code"])
        if r["phase"] == "executed":
            executed[where] = executed.get(where, Decimal(0)) + Decimal(r["amount"])
            executed_plan[where[:2]] = executed_plan.get(where[:2], Decimal(0)) + Decimal(r["amount"])
        else:
            current[where] = current.get(where, Decimal(0)) + Decimal(r["amount"])
    operations = {k for k, r in evaluation.items() if r["kind"] == "operation"}
    assert set(current) == operations  # every operation, cancelled ones too
    for where, amount in current.items():
        assert amount == Decimal(evaluation[where]["budget_current"]), where
    for where, amount in executed.items():
        assert amount == Decimal(evaluation[where]["budget_executed"]), where
    assert set(executed_plan) == set(plans)
    for where, amount in executed_plan.items():
        assert amount == Decimal(plans[where]["budget_executed"]), where
    aduana = plans[("AN-2020", "2020-12-31")]
    assert aduana["budget_executed"] == str(sum(v for k, v in executed.items() if k[:2] == ("AN-2020", "2020-12-31")))
