"""Moving a ledger between stores (`poa copy`) and giving PostgreSQL roles access (`poa admin`), issue 10.

- A copy SQLite → PostgreSQL → SQLite gives the same events byte for byte (order, recorded
  times, actors, references, batch hashes), so `history --format json`, the reports in every
  format, a report issued before the copy and `poa verify` come out identical from all three stores.
- A copy refuses a target that holds events and writes nothing to it.
- An auditor's role reads everything and is refused every write, clearly; an operator's role
  records, attributed to the actor given, and cannot change a recorded event even with SQL.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from poa.adapters.postgres_store import parse_url
from support.builders import ADUANA, ADUANA_LOAD, SMALL, open_store, raw_events
from support.runners import invoke, no_traceback




def poa(*args, store, **kwargs):
    result = invoke(*args, env={"POA_STORE": store}, **kwargs)
    no_traceback(result)
    return result


def outputs(store: str, plan: str, as_of: str) -> dict[str, str]:
    """What an auditor compares: the history and the report in every format, and an issued report."""
    shown = {"history": poa("history", "--plan", plan, "--format", "json", store=store)}
    for fmt in ("json", "csv", "table", "md"):
        shown[f"report {fmt}"] = poa("report", "--plan", plan, "--as-of", as_of, "--known-at", "2100-01-01",
                                     "--format", fmt, store=store)
    for result in shown.values():
        assert result.exit_code == 0, result.output
    return {name: result.stdout for name, result in shown.items()}


def test_a_copy_sqlite_to_postgresql_to_sqlite_gives_identical_history_and_reports(tmp_path, postgres_store):
    first, back = str(tmp_path / "first.db"), str(tmp_path / "back.db")
    assert poa("apply", str(ADUANA), *ADUANA_LOAD, store=first).exit_code == 0
    assert poa("apply", str(SMALL), store=first).exit_code == 0
    issued = poa("report", "--plan", "DEMO-2021", "--as-of", "2021-09-30", "--issue", "INF-Q3", "--format", "json",
                 store=first)
    assert issued.exit_code == 0, issued.output

    there = invoke("copy", "--from", first, "--to", postgres_store)
    assert there.exit_code == 0, there.output
    assert "copied 96 events of 2 plan(s)" in there.stderr  # 72 (Aduana) + 23 (small) + 1 issued report
    home = invoke("copy", "--from", postgres_store, "--to", back)
    assert home.exit_code == 0, home.output

    assert raw_events(first) == raw_events(postgres_store) == raw_events(back)  # same events, same order, same bytes
    verified = [invoke("verify", "--store", store) for store in (first, postgres_store, back)]
    assert [v.exit_code for v in verified] == [0, 0, 0], [v.output for v in verified]
    said = {v.stdout.split(": ", 1)[1] for v in verified}  # one text: the same counts and the same Merkle tree head
    assert len(said) == 1 and said.pop().startswith("intact: 96 events; plans: AN-2020 (72), DEMO-2021 (24)\ntree head: 96:")
    for plan, as_of in (("AN-2020", "2020-12-31"), ("DEMO-2021", "2021-12-31")):
        assert outputs(first, plan, as_of) == outputs(postgres_store, plan, as_of) == outputs(back, plan, as_of)
    for store in (postgres_store, back):
        again = poa("report", "--plan", "DEMO-2021", "--issued", "INF-Q3", store=store)
        assert again.exit_code == 0 and again.stdout == issued.stdout


def test_a_store_written_after_a_copy_stamps_later_than_every_copied_event(tmp_path, postgres_store):
    first = str(tmp_path / "first.db")
    assert poa("apply", str(SMALL), store=first).exit_code == 0
    assert invoke("copy", "--from", first, "--to", postgres_store).exit_code == 0
    assert poa("progress", "--plan", "DEMO-2021", "--code", "1.1.1", "--percent", "90", "--date", "2021-12-31",
               store=postgres_store).exit_code == 0
    ledger = open_store(postgres_store, create=False)
    history = ledger.history("DEMO-2021")
    ledger.close()
    assert history[-1].recorded_at > max(r.recorded_at for r in history[:-1])


@pytest.mark.parametrize("direction", ["into-postgresql", "into-sqlite"])
def test_a_copy_into_a_store_that_holds_events_is_refused_and_writes_nothing(tmp_path, postgres_store, direction):
    sqlite = str(tmp_path / "poa.db")
    assert poa("apply", str(SMALL), store=sqlite).exit_code == 0
    assert poa("apply", str(ADUANA), store=postgres_store).exit_code == 0
    source, target = (sqlite, postgres_store) if direction == "into-postgresql" else (postgres_store, sqlite)
    before = raw_events(target)
    refused = invoke("copy", "--from", source, "--to", target)
    no_traceback(refused)
    assert refused.exit_code == 2
    assert "option --to" in refused.stderr and "already holds" in refused.stderr and "empty store" in refused.stderr
    assert raw_events(target) == before


def test_copy_refusals_name_the_option(tmp_path, postgres_store):
    missing = invoke("copy", "--from", str(tmp_path / "none.db"), "--to", postgres_store)
    assert missing.exit_code == 2 and "no such store" in missing.stderr
    same = invoke("copy", "--from", postgres_store, "--to", postgres_store)
    assert same.exit_code == 2 and "option --to" in same.stderr and "same store" in same.stderr
    empty = str(tmp_path / "empty.db")
    open_store(empty, create=True).close()
    nothing = invoke("copy", "--from", empty, "--to", postgres_store)
    assert nothing.exit_code == 2 and "option --from" in nothing.stderr and "no events" in nothing.stderr
    for result in (missing, same, nothing):
        no_traceback(result)


# -- roles ---------------------------------------------------------------------------------------------


@pytest.fixture
def role(postgres):
    """A login role of the test's own, dropped afterwards (roles belong to the whole server)."""
    name = f"poa_role_{uuid.uuid4().hex[:10]}"
    postgres.execute(SQL("CREATE ROLE {0} LOGIN").format(Identifier(name)))
    yield name
    postgres.execute(SQL("DROP OWNED BY {0}").format(Identifier(name)))
    postgres.execute(SQL("DROP ROLE {0}").format(Identifier(name)))


def as_role(url: str, role: str) -> str:
    target = parse_url(url)
    return url.replace(f"//{target.user}@", f"//{role}@", 1)


def test_an_auditor_role_reads_everything_and_every_write_is_refused(postgres, postgres_store, role, tmp_path):
    assert poa("apply", str(SMALL), store=postgres_store).exit_code == 0
    granted = invoke("admin", "grant-auditor", role, "--store", postgres_store)
    assert granted.exit_code == 0, granted.output
    assert "GRANT SELECT ON ALL TABLES" in granted.stdout and "auditor access" in granted.stderr
    auditor = as_role(postgres_store, role)

    assert poa("report", "--as-of", "2021-12-31", "--format", "json", store=auditor).exit_code == 0
    assert poa("history", store=auditor).exit_code == 0
    assert poa("explain", "1.1", "--as-of", "2021-12-31", store=auditor).exit_code == 0
    assert poa("project", "--db", str(tmp_path / "read.db"), store=auditor).exit_code == 0
    taken = invoke("copy", "--from", auditor, "--to", str(tmp_path / "archive.db"))  # an auditor takes a copy
    assert taken.exit_code == 0, taken.output
    assert raw_events(str(tmp_path / "archive.db")) == raw_events(postgres_store)
    writes = [
        ("progress", "--code", "1.1.1", "--percent", "90", "--date", "2021-12-31"),
        ("apply", str(SMALL), "--again"),
        ("report", "--as-of", "2021-12-31", "--issue", "INF-AUD"),
        ("close", "--date", "2021-12-31", "--reference", "CIERRE"),
    ]
    before = raw_events(postgres_store)
    for args in writes:
        refused = poa(*args, store=auditor)
        assert refused.exit_code == 1, (args, refused.output)
        assert f"role {role!r} may only read this store" in refused.stderr and "nothing was recorded" in refused.stderr
    copy = invoke("copy", "--from", postgres_store, "--to", as_role(postgres.new_schema(), role))
    assert copy.exit_code != 0 and "Traceback" not in copy.output
    assert raw_events(postgres_store) == before
    # and the database itself refuses the role any write, whatever program it uses
    schema = parse_url(postgres_store).schema
    with psycopg.connect(dbname=postgres.dbname, host="127.0.0.1", user=role, autocommit=True) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(SQL("DELETE FROM {0}.planledger_events").format(Identifier(schema)))


def test_an_operator_role_records_as_the_actor_given_and_cannot_change_a_recorded_event(postgres, postgres_store, role):
    assert poa("apply", str(SMALL), store=postgres_store).exit_code == 0
    assert invoke("admin", "grant-operator", role, "--store", postgres_store).exit_code == 0
    operator = as_role(postgres_store, role)
    recorded = invoke("progress", "--code", "1.1.1", "--percent", "90", "--date", "2021-12-31",
                      env={"POA_STORE": operator, "POA_ACTOR": "Unidad de Planificación"})
    assert recorded.exit_code == 0, recorded.output
    ledger = open_store(postgres_store, create=False)
    last = ledger.history("DEMO-2021")[-1]
    ledger.close()
    assert last.actor == "Unidad de Planificación" and last.seq == 24
    schema = parse_url(postgres_store).schema
    with psycopg.connect(dbname=postgres.dbname, host="127.0.0.1", user=role, autocommit=True) as connection:
        for statement in ("UPDATE {0}.planledger_events SET state = state", "DELETE FROM {0}.planledger_events",
                          "TRUNCATE {0}.planledger_events"):
            with pytest.raises(psycopg.Error, match="append-only|permission denied"):
                connection.execute(SQL(statement).format(Identifier(schema)))
    assert len(raw_events(postgres_store)) == 24


def test_grants_are_refused_clearly_for_a_sqlite_store_or_an_unknown_role(tmp_path, postgres_store):
    sqlite = str(tmp_path / "poa.db")
    assert poa("apply", str(SMALL), store=sqlite).exit_code == 0
    for args in (("grant-auditor", "nobody", "--store", sqlite), ("grant-auditor", "poa_no_such_role", "--store", postgres_store)):
        result = invoke("admin", *args)
        no_traceback(result)
        assert result.exit_code == 2, result.output
    assert "roles are PostgreSQL's" in invoke("admin", "grant-auditor", "nobody", "--store", sqlite).stderr
    unknown = invoke("admin", "grant-auditor", "poa_no_such_role", "--store", postgres_store)
    assert "does not exist" in unknown.stderr or "no POA ledger" in unknown.stderr
