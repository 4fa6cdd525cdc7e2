"""The catalogue of plans (adapters/plan_rows.py) and `poa plans` read from it (adapters/plan_catalogue.py),
on SQLite and PostgreSQL (issue 14, R6):

- each recorder writes a plan's row in its approval's transaction, and a store made before the
  catalogue (or whose rows are gone) gets it back on its next write;
- meanwhile `poa plans` reads the approvals, with the same output;
- the catalogue's `poa plans` and the approvals' give the same bytes, table and JSON;
- `poa verify` names a catalogue row that does not match its approval.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest

from poa.adapters.outputs import timestamp
from poa.adapters.plan_catalogue import catalogued
from poa.adapters.stores import open_store
from poa.domain.commands import CommandError
from poa.domain.plan import plan_id
from support.builders import base_approval, commands, progress, record

pytestmark = pytest.mark.both_stores

KEY = "DEMO-2021"
# three plans: the third's entity holds wide characters, which the table leaves to rich (adapters/text_table.py)
PLANS = [
    (KEY, {}),
    ("OTRO-2022", {"entity": "Otra Entidad", "year": 2022, "date": "2022-01-03", "reference": "Resolución Nº 5/2022"}),
    ("ANCHO-2023", {"entity": "Entidad 東京", "year": 2023, "date": "2023-02-01", "reference": "RA 7"}),
]


def approved(store_name: str) -> None:
    ledger = open_store(store_name, create=True)
    for key, overrides in PLANS:
        record(ledger, key, base_approval(**overrides))
    ledger.close()


def change(store_name: str, request, *statements: str) -> None:
    """Run statements on the store's tables behind the ledger's back (`{plans}`: the catalogue's table;
    on PostgreSQL with the append-only trigger disabled)."""
    if store_name.startswith("postgresql://"):
        from psycopg.sql import SQL, Identifier

        from poa.adapters.postgres_store import parse_url

        table = Identifier(parse_url(store_name).schema, "poa_plans")
        postgres = request.getfixturevalue("postgres")
        postgres.execute(SQL("ALTER TABLE {0} DISABLE TRIGGER USER").format(table))
        for statement in statements:
            postgres.execute(SQL(statement.replace("{plans}", "{0}").replace("DROP TABLE", "DELETE FROM")).format(table))
    else:
        with closing(sqlite3.connect(store_name)) as connection, connection:
            for statement in statements:
                connection.execute(statement.format(plans="poa_plans"))


def catalogue(store_name: str) -> list[tuple]:
    ledger = open_store(store_name, create=False)
    try:
        return ledger.store.plan_catalogue()
    finally:
        ledger.close()


def test_a_plans_row_is_written_with_its_approval_in_one_transaction(store_name):
    ledger = open_store(store_name, create=True)
    refused = commands(KEY, base_approval(), progress("9.9", 10, "2021-03-31"))  # an unknown element: nothing stored
    with pytest.raises(CommandError):
        ledger.record(refused)
    assert ledger.store.plan_catalogue() == []
    record(ledger, KEY, base_approval(), progress("1.1.1.1", 10, "2021-03-31"))
    recorded_at = ledger.history(KEY)[0].recorded_at  # the approval's commit stamp
    assert ledger.store.plan_catalogue() == [
        (plan_id(KEY), (KEY, "Entidad de Prueba", 2021, "2021-01-04", "RA 001/2021", timestamp(recorded_at)))
    ]
    record(ledger, KEY, progress("1.1.1.1", 20, "2021-06-30"))  # a plan's other facts add no row
    assert len(ledger.store.plan_catalogue()) == 1
    ledger.close()


def test_plans_lists_the_catalogue_as_the_approvals_give_it_byte_for_byte(store_name, poa, request):
    approved(store_name)
    from_catalogue = {fmt: poa("plans", "--format", fmt) for fmt in ("table", "json")}
    assert all(ran.returncode == 0 for ran in from_catalogue.values())
    if not store_name.startswith("postgresql://"):
        assert [p.plan for p in catalogued(store_name)] == [key for key, _ in PLANS]  # the fast path answers
    shown = json.loads(from_catalogue["json"].stdout)["plans"]
    assert [(p["plan"], p["entity"], p["year"], p["date"], p["reference"]) for p in shown] == [
        ("DEMO-2021", "Entidad de Prueba", 2021, "2021-01-04", "RA 001/2021"),
        ("OTRO-2022", "Otra Entidad", 2022, "2022-01-03", "Resolución Nº 5/2022"),
        ("ANCHO-2023", "Entidad 東京", 2023, "2023-02-01", "RA 7"),
    ]
    table = from_catalogue["table"].stdout
    assert table.startswith("\nPOA registrados") and "│ OTRO-2022  │ Otra Entidad" in table and "Entidad 東京" in table
    change(store_name, request, "DROP TABLE {plans}")  # no catalogue: the approvals are read, and checked
    if not store_name.startswith("postgresql://"):
        assert catalogued(store_name) is None
    for fmt, ran in from_catalogue.items():
        assert poa("plans", "--format", fmt).stdout == ran.stdout, fmt
    assert poa("plans", "--format", "json", env={"POA_LANG": "en"}).stdout == from_catalogue["json"].stdout


def test_a_store_without_its_catalogue_gets_it_back_on_its_next_write(store_name, poa, request):
    approved(store_name)
    before = catalogue(store_name)
    listed = poa("plans").stdout
    change(store_name, request, "DROP TABLE {plans}")
    assert catalogue(store_name) == []
    assert poa("plans").stdout == listed  # read from the approvals meanwhile
    ledger = open_store(store_name, create=True)
    record(ledger, KEY, progress("1.1.1.1", 10, "2021-03-31"))
    ledger.close()
    assert catalogue(store_name) == before  # every plan's row, numbered as its approval
    if not store_name.startswith("postgresql://"):
        assert catalogued(store_name) is not None
    assert poa("plans").stdout == listed
    assert open_store(store_name, create=False).verify().problems == []


def test_verify_names_a_catalogue_row_that_does_not_match_its_approval(store_name, poa, request):
    approved(store_name)
    assert open_store(store_name, create=False).verify().problems == []
    change(store_name, request, "UPDATE {plans} SET entity = 'Entidad Falsa' WHERE plan = 'OTRO-2022'")
    if not store_name.startswith("postgresql://"):  # what a read from the catalogue checks: not its values
        assert "Entidad Falsa" in poa("plans").stdout
    problems = open_store(store_name, create=False).verify().problems
    assert problems == [
        "plan OTRO-2022's row in the catalogue of plans does not match its approval: `poa plans` lists it; "
        "`poa copy` into a new store writes the catalogue again"
    ]
    verified = poa("verify")
    assert verified.returncode == 1 and "OTRO-2022's row in the catalogue of plans" in verified.stdout + verified.stderr


def test_verify_names_a_plan_missing_from_the_catalogue_and_plans_reads_the_approvals(store_name, poa, request):
    approved(store_name)
    listed = poa("plans").stdout
    change(store_name, request, "DELETE FROM {plans} WHERE plan = 'ANCHO-2023'")
    if not store_name.startswith("postgresql://"):
        assert catalogued(store_name) is None  # it no longer covers every plan
    assert poa("plans").stdout == listed
    assert open_store(store_name, create=False).verify().problems == [
        "plan ANCHO-2023 has no row in the catalogue of plans: `poa plans` reads the approvals instead"
    ]
