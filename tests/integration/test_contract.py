"""The machine-readable contract (CHANGELOG.md, docs/design.md "JSON and CSV"): every JSON output of
every command validates against its JSON Schema (adapters/schemas), on both examples and on a
scenario with a correction, an issued report, a closing and a reopening, a publication with a
figure of three places, a reconciliation, a diff and an explanation; the report's CSV tables
carry the view on every row, in code order, with hand-computed cells.
"""

from __future__ import annotations

import copy
import csv
import functools
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from support.builders import ADUANA, ADUANA_LOAD, SMALL
from support.postgres import STORE_KINDS, empty_store
from support.runners import PoaInProcess, invoke

from poa.adapters.exports import WHAT
from poa.adapters.report_json import SCHEMA_VERSION, SCHEMAS, schema_path
from poa.domain.catalogue import ElementKind, FactKindName, Rule, Status, WarningKind

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

DECIMAL = r"^-?[0-9]+\.[0-9]{2}$"
TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?Z$"


def schema(name: str) -> dict:
    return json.loads(schema_path(name).read_text(encoding="utf-8"))


@functools.cache  # the schemas do not change during the run: each validator is made once
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def validate(name: str, document) -> None:
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{name}: {said(e)}" for e in errors[:10])
    assert next(iter(document)) == "schema_version" and document["schema_version"] == SCHEMA_VERSION


def said(error) -> str:
    """Where and why a document fails; for a oneOf (proof, evidence), why the branch it is nearest
    to refused it: the one whose errors lie deepest in the document, then the one with fewest."""
    if error.context:
        branches: dict = {}
        for reason in error.context:
            branches.setdefault(reason.relative_schema_path[0], []).append(reason)
        nearest = min(branches.values(), key=lambda reasons: (-max(len(r.absolute_path) for r in reasons), len(reasons)))
        error = max(nearest, key=lambda r: len(r.absolute_path))
    return f"{list(error.absolute_path)}: {error.message}"


def test_the_schemas_are_valid_draft_2020_12_with_an_id_and_the_version():
    assert len(SCHEMAS) == 11
    for name in SCHEMAS:
        s = schema(name)
        Draft202012Validator.check_schema(s)
        assert s["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert s["$id"] == f"urn:poa-ledger:schema:{SCHEMA_VERSION}:{name}"
        assert s["version"] == SCHEMA_VERSION and s["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
        assert s["$defs"]["decimal"]["pattern"] == DECIMAL and s["$defs"]["timestamp"]["pattern"] == TIMESTAMP


def test_the_schemas_enums_are_the_catalogues():
    report, history, explain = schema("report"), schema("history"), schema("explain")
    assert set(report["$defs"]) >= {k.value for k in ElementKind}
    status = report["$defs"]["operation"]["properties"]["status"]["enum"]
    assert status == [s.value for s in Status]
    warning = report["properties"]["warnings"]["items"]["properties"]["kind"]["enum"]
    assert warning == [k.value for k in WarningKind]
    assert history["$defs"]["event"]["properties"]["kind"]["enum"] == [k.value for k in FactKindName]
    assert explain["$defs"]["explanation"]["properties"]["rule"]["enum"] == [r.value for r in Rule]
    for canonical in (schema("proof"), schema("evidence")):  # the event as its leaf hashes it
        assert canonical["$defs"]["canonical_event"]["properties"]["kind"]["enum"] == [k.value for k in FactKindName]


def test_the_schemas_are_package_data():
    """A regular (non-editable) install carries them, the documents' template, the interface's
    catalogues and the spreadsheet template's mapping: pyproject.toml's package-data."""
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"poa.adapters" = ["schemas/*.schema.json", "templates/*", "locale/*/LC_MESSAGES/*", "mappings/*.yaml"]' in text
    assert {p.name for p in schema_path("report").parent.iterdir()} >= {f"{n}.schema.json" for n in SCHEMAS}


@pytest.fixture(scope="module", params=STORE_KINDS)
def scenario_store(request, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The scenario's store (made once per module and kind, as store_kind's tests run on both) and
    its folder: a SQLite file there, or a PostgreSQL schema of its own, dropped afterwards."""
    folder = tmp_path_factory.mktemp("contract")
    with empty_store(request.param, folder, request) as store:
        yield store, folder


@pytest.fixture(scope="module")
def scenario(scenario_store) -> PoaInProcess:
    """examples/small-2021.yaml, then: a correction of 1.1.2 (45 → 40 at 06-30), report Q3 issued, a
    late execution, the year closed and reopened, and a publication declaring 56.333 %."""
    poa = PoaInProcess(*scenario_store)
    assert poa("apply", str(SMALL)).returncode == 0
    assert poa("progress", "--code", "1.1.2", "--percent", "40", "--date", "2021-06-30", "--note", "corrección").returncode == 0
    assert poa("report", "--as-of", "2021-09-30", "--issue", "Q3", "--format", "json").returncode == 0
    assert poa("execution", "--code", "1.1.2.2", "--amount", "7000", "--date", "2021-09-15").returncode == 0
    assert poa("close", "--date", "2022-01-31", "--reference", "RA 010/2022").returncode == 0
    assert poa("reopen", "--date", "2022-02-01", "--reference", "RA 011/2022", "--reason", "Corrección").returncode == 0
    published = poa(
        "publish", "--reference", "Informe Q3", "--issued", "2021-10-10", "--date", "2021-09-30",
        "--declared", "{operations: 5, budget_current: 480000, physical_progress_pct: 56.333}",
        "--short-term-actions", '{"1.1.1": {weight: 40, progress_pct: 73.33}}',
    )
    assert published.returncode == 0, published.stderr
    return poa


def test_every_json_output_of_the_scenario_validates(scenario):
    poa = scenario
    for as_of in ("2021-03-31", "2021-09-30", "2021-12-31"):
        validate("report", poa.json("report", "--as-of", as_of))
    validate("report", poa.json("report", "--issued", "Q3"))
    history = poa.json("history")
    validate("history", history)
    assert {e["kind"] for e in history["events"]} == {
        "approve", "reformulate", "budget", "progress", "execution", "result", "justify", "issue", "close", "reopen",
        "publish",
    }
    validate("history", poa.json("history", "--kind", "publish"))
    validate("reports", poa.json("reports"))
    validate("plans", poa.json("plans"))
    for code in ("1.1", "1.1.2", "1.1.1.1", "1.1.1.1.2"):
        validate("explain", poa.json("explain", code, "--as-of", "2021-09-30"))
    validate("diff", poa.json("diff", "--from", "issued:Q3", "--to", "2021-09-30"))
    validate("diff", poa.json("diff", "--from", "2021-06-30", "--to", "2021-12-31"))
    reconciled = poa("reconcile", "--format", "json")
    assert reconciled.returncode == 1  # 56.333 declared, 56.33 computed (and 1.1.1 at 73.33: none)
    compared = json.loads(reconciled.stdout)
    validate("reconcile", compared)
    # computed at 09-30 with the correction (1.1.2 at 40): (40·73.333… + 35·40 + 25·45)/100 = 54.583… → 54.58;
    # the declared figure keeps its three places, and so does the difference
    assert compared["differences"] == [{
        "reference": "Informe Q3", "code": None, "figure": "physical_progress_pct",
        "declared": "56.333", "computed": "54.58", "difference": "-1.753",
    }]
    (publish,) = poa.json("history", "--kind", "publish")["events"]
    assert publish["data"]["declared"] == {"operations": 5, "budget_current": "480000.00", "physical_progress_pct": "56.333"}
    assert publish["data"]["short_term_actions"] == {"1.1.1": {"weight": "40.00", "progress_pct": "73.33"}}


@pytest.fixture
def other_store(store_kind: str, tmp_path: Path, request) -> Iterator[str]:
    """A second empty store of the test's kind: a SQLite file beside the test's, or a PostgreSQL schema."""
    if store_kind == "sqlite":
        yield str(tmp_path / "other.db")
        return
    postgres = request.getfixturevalue("postgres")
    url = postgres.new_schema()
    yield url
    postgres.drop_schema(url)


def test_every_json_output_of_the_examples_validates(store_name, other_store, tmp_path):
    for example, store in ((SMALL, store_name), (ADUANA, other_store)):
        poa = PoaInProcess(store, tmp_path)
        assert poa("apply", str(example), *(ADUANA_LOAD if example == ADUANA else ())).returncode == 0
        report = poa.json("report")
        validate("report", report)
        validate("history", poa.json("history"))
        validate("plans", poa.json("plans"))
        validate("reports", poa.json("reports"))
        if example == ADUANA:  # the small example publishes nothing
            compared = poa("reconcile", "--format", "json")
            assert compared.returncode == 1
            validate("reconcile", json.loads(compared.stdout))
        code = report["short_term_actions"][0]["code"]
        validate("explain", poa.json("explain", code))
        validate("diff", poa.json("diff", "--from", f"{report['year']}-06-30", "--to", f"{report['year']}-12-31"))


def test_every_export_of_the_examples_validates(poa):
    """`poa export --format json` of every table against export.schema.json, each JSON Lines row
    against its table's $defs entry, for both examples in one store, at no limit and at a view."""
    export = schema("export")
    assert poa("apply", str(SMALL)).returncode == 0 and poa("apply", str(ADUANA), *ADUANA_LOAD).returncode == 0
    assert export["properties"]["table"]["enum"] == list(WHAT)
    for what in WHAT:
        for view in ((), ("--as-of", "2021-06-30")):
            document = poa.json("export", "--what", what, *view)
            validate("export", document)
            assert document["table"] == what and document["rows"], (what, view)
        rows = Draft202012Validator({"$defs": export["$defs"], "$ref": f"#/$defs/{what}"})
        ran = poa("export", "--what", what, "--format", "jsonl")
        assert ran.returncode == 0, ran.stderr
        lines = [json.loads(line) for line in ran.stdout.splitlines()]
        assert {line["plan"] for line in lines} == {"DEMO-2021", "AN-2020"}
        for line in lines:
            errors = list(rows.iter_errors(line))
            assert not errors, (what, [e.message for e in errors[:3]])
    # a row of another table, or a number written as a float, is not an export's row
    wrong = {**poa.json("export", "--what", "plans"), "table": "facts"}
    assert not validator("export").is_valid(wrong)
    plans = poa.json("export", "--what", "plan_evaluation")
    plans["rows"][0]["budget_current"] = 480000.0
    assert not validator("export").is_valid(plans)


def refused(name: str, document) -> None:
    assert not validator(name).is_valid(document), f"{name}: should not validate"


def refused_when_broken(name: str, document: dict) -> None:
    """Without any one of its keys (each is required), or with a tree head's root or a hash of the
    Merkle log that is not 64 lower-case hex digits, a document does not validate."""
    for key in document:
        refused(name, {k: v for k, v in document.items() if k != key})
    for head in ("tree_head", "old_tree_head", "new_tree_head"):
        for root in ("ab" * 31, "AB" * 32, "g" + "0" * 63, "0" * 65, None):
            if head in document:
                refused(name, {**document, head: {**document[head], "root": root}})

    def proved(document: dict) -> dict | None:  # an inclusion proof, or the first event of events.json
        return document if "event" in document else (document.get("events") or [None])[0]

    if proved(document) is not None:
        for key in proved(document)["event"]:
            broken = copy.deepcopy(document)
            del proved(broken)["event"][key]
            refused(name, broken)
        broken = copy.deepcopy(document)
        proved(broken)["leaf_hash"] = proved(broken)["leaf_hash"][:-1]
        refused(name, broken)


def test_every_tamper_evidence_output_of_the_small_example_validates(demo, tmp_path):
    """`poa digest`, `poa prove` (inclusion and consistency) and every JSON file of an evidence
    package, at a view and of an issued report, against their schemas (digest, proof, evidence;
    the package's report.json against report and each explanation against explain); with one key
    removed, or a root that is not 64 hex digits, none validates."""
    digest = demo.json("digest")
    validate("digest", digest)
    assert digest["digest"] == f"{digest['tree_head']['size']}:{digest['tree_head']['root']}"
    refused_when_broken("digest", digest)
    for args in (("--event", "3"), ("--from", "5")):
        ran = demo("prove", *args)
        assert ran.returncode == 0, ran.stderr
        proof = json.loads(ran.stdout)
        validate("proof", proof)
        refused_when_broken("proof", proof)
        refused("proof", {**proof, "proof": "consistency" if proof["proof"] == "inclusion" else "inclusion"})
    packages = {"at": ("--as-of", "2021-09-30"), "issued": ("--issued", "R1")}
    for folder, args in packages.items():
        if folder == "issued":
            assert demo("report", "--as-of", "2021-09-30", "--issue", "R1").returncode == 0
        made = demo("evidence", *args, "--output", str(tmp_path / folder))
        assert made.returncode == 0, made.stderr
        files = sorted((tmp_path / folder).glob("*.json"))
        documents = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in files}
        assert set(documents) == {"manifest.json", "events.json", "tree_head.json", "explain.json", "report.json"}
        validate("report", documents.pop("report.json"))
        for explanation in documents["explain.json"]["explanations"]:
            validate("explain", explanation)
        for document in documents.values():
            validate("evidence", document)
            refused_when_broken("evidence", document)
        # the 23 events of the example; the issued report's package adds its issue event (seq 24), which seals it
        assert documents["manifest.json"]["issued"] == {"at": None, "issued": "R1"}[folder]
        last = documents["events.json"]["events"][-1]["event"]
        assert (last["seq"], last["kind"]) == {"at": (23, "justify"), "issued": (24, "issue")}[folder]


def test_one_timestamp_format_and_one_key_for_recorded_times(scenario):
    report = scenario.json("report", "--as-of", "2021-12-31")
    (listed,) = scenario.json("reports")["reports"]
    assert set(listed) == {  # no issued_at
        "reference", "as_of", "format", "recorded_at", "actor", "seq", "known_at", "sealed", "program_version", "sha256",
    }
    times = [report["known_at"], listed["recorded_at"], listed["known_at"]] + [c["recorded_at"] for c in report["closings"]]
    times += [r["recorded_at"] for r in report["reformulations"] + report["budget_modifications"]]
    # known_at, the issue and its known_at, the closing and the reopening, RD 01-010-21, the two of RA 045/2021
    assert len(times) == 8 and all(t.endswith("Z") and "+" not in t for t in times)


def test_a_known_at_copied_from_any_output_reproduces_the_same_view(scenario):
    """A time written with Z, with or without microseconds, is read back as the same instant."""
    report = scenario.json("report", "--as-of", "2021-09-30")
    again = scenario("report", "--as-of", "2021-09-30", "--known-at", report["known_at"], "--format", "json")
    assert json.loads(again.stdout) == report
    (listed,) = scenario.json("reports")["reports"]
    issued = scenario("report", "--issued", "Q3").stdout
    assert scenario("report", "--as-of", "2021-09-30", "--known-at", listed["known_at"], "--format", "json").stdout == issued
    events = scenario.json("history")["events"]
    correction = next(e for e in events if e["kind"] == "progress" and e["data"].get("note") == "corrección")
    at_correction = scenario.json("report", "--as-of", "2021-09-30", "--known-at", correction["recorded_at"])
    assert at_correction["known_at"] == correction["recorded_at"]
    assert datetime.fromisoformat(at_correction["known_at"]) == datetime.fromisoformat(correction["recorded_at"])
    # as known at the correction: 1.1.2 at 40.00; its execution of 09-15 not yet known (160000 + 0)
    acp = next(a for a in at_correction["short_term_actions"] if a["code"] == "1.1.2")
    assert (acp["progress_pct"], acp["budget_executed"]) == ("40.00", "160000.00")


def rows(poa: PoaInProcess, *args: str) -> list[dict]:
    result = poa("report", "--as-of", "2021-09-30", "--format", "csv", *args)
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_the_csv_tables_of_the_report(demo):
    known_at = demo.json("report", "--as-of", "2021-09-30")["known_at"]
    view = {"plan": "DEMO-2021", "as_of": "2021-09-30"}
    results = rows(demo, "--table", "results")
    assert [{k: r[k] for k in ("plan", "as_of", "level", "code", "date", "text")} for r in results] == [
        {**view, "level": "short_term_action", "code": "1.1.2", "date": "2021-09-30",
         "text": "Portal de trámites en producción para 12 trámites."},
    ]
    assert all(r["known_at"].endswith("Z") and r["known_at"] >= known_at[:19] for r in results)
    (justification,) = rows(demo, "--table", "justifications")
    assert (justification["level"], justification["code"]) == ("short_term_action", "1.2.1")
    # RD 01-010-21 (seq 11): add 1.1.2.2, weights of 1.1.2 and 1.2.1, 15000 Otros out of 1.2.1.1
    reformulation = rows(demo, "--table", "reformulations")
    assert [(r["seq"], r["change"], r["action"], r["code"]) for r in reformulation] == [
        ("11", "1", "add", "1.1.2.2"), ("11", "2", "update", "1.1.2"), ("11", "3", "update", "1.2.1"),
        ("11", "4", "budget", "1.2.1.1"),
    ]
    assert json.loads(reformulation[1]["fields"]) == {"code": "1.1.2", "weight": "35.00"}
    assert json.loads(reformulation[3]["fields"]) == {"code": "1.2.1.1", "source": "Otros", "amount": "-15000.00"}
    # RA 045/2021: 10000 Otros from 1.1.1.2 to 1.1.1.1
    modifications = rows(demo, "--table", "budget_modifications")
    assert list(modifications[0]) == [
        "plan", "as_of", "known_at", "seq", "date", "reference", "reason", "code", "source", "amount", "recorded_at", "actor",
        "to_code", "to_source",  # a transfer's receiving side: empty for these `budget` rows
    ]
    assert all(m["to_code"] == m["to_source"] == "" for m in modifications)
    assert [(m["seq"], m["code"], m["source"], m["amount"]) for m in modifications] == [
        ("12", "1.1.1.2", "Otros", "-10000.00"), ("13", "1.1.1.1", "Otros", "10000.00"),
    ]
    assert all(m["reference"] == "RA 045/2021" and m["recorded_at"].endswith("Z") for m in modifications)


def test_table_is_refused_outside_csv_and_when_issuing(demo):
    other = demo("report", "--format", "json", "--table", "results")
    assert other.returncode == 2 and "option --table: applies to --format csv only, not json" in other.stderr
    issuing = demo("report", "--format", "csv", "--table", "results", "--issue", "R")
    assert issuing.returncode == 2 and "option --table: a report is issued as its elements table" in issuing.stderr
    assert demo.json("reports")["reports"] == []  # nothing issued
    assert demo("report", "--as-of", "2021-09-30", "--format", "csv", "--issue", "R").returncode == 0
    assert [r["code"] for r in rows(demo, "--table", "results")] == ["1.1.2"]
    reread = demo("report", "--issued", "R", "--table", "results")  # the issued report's own format: csv
    assert reread.returncode == 0 and reread.stdout.startswith("plan,as_of,known_at,level,code,date,text\n")


def test_csv_source_columns_for_names_with_spaces_and_collisions(poa, tmp_path):
    batch = tmp_path / "b.yaml"
    batch.write_text(
        "plan: S-2021\nentries:\n  - approve:\n      entity: E\n      year: 2021\n      date: 2021-01-04\n"
        "      reference: R\n      strategic_actions: [{code: '1', title: A}]\n"
        "      short_term_actions: [{code: '1.1', parent: '1', title: B, weight: 100}]\n"
        "      operations:\n"
        "        - {code: '1.1.10', parent: '1.1', title: O10, budget: {'Otros recursos': 10, TGN: 5}}\n"
        "        - {code: '1.1.2', parent: '1.1', title: O2, budget: {'Otros-recursos': 7, 'Donación': 1}}\n",
        encoding="utf-8",
    )
    assert poa("apply", str(batch)).returncode == 0, "bad batch"
    out = poa("report", "--as-of", "2021-03-31", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out.stdout)))
    # TGN first, then by name ignoring case: Donación, Otros recursos, Otros-recursos (space < hyphen)
    assert list(table[0])[-4:] == ["budget_TGN", "budget_Donacion", "budget_Otros_recursos", "budget_Otros_recursos_2"]
    assert [r["code"] for r in table] == ["S-2021", "1", "1.1", "1.1.2", "1.1.10"]  # 1.1.2 before 1.1.10
    o2 = table[3]
    assert (o2["budget_TGN"], o2["budget_Donacion"], o2["budget_Otros_recursos"], o2["budget_Otros_recursos_2"]) == (
        "0.00", "1.00", "0.00", "7.00",
    )
    assert (table[0]["budget_TGN"], table[0]["budget_Otros_recursos"], table[0]["budget_current"]) == ("5.00", "10.00", "23.00")


def test_the_csv_of_an_empty_store_is_refused_not_a_traceback(store_name):
    result = invoke("report", "--format", "csv", "--store", store_name)
    assert result.exit_code == 2
