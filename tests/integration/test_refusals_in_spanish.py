"""The refusals of the layers below the CLI in the interface's language (docs/languages.md): a
batch file that cannot be read, an entry's field, a rule of the plan, a use-case, a store. In
Spanish with --lang es (or POA_LANG, or a Spanish locale), the file, entry, field, option and
code they name kept as written; in English exactly as before. In-process (click's CliRunner):
both languages in one process."""

from __future__ import annotations

import re

import pytest
from attrs import frozen

from support.builders import SMALL, batch_text

NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}
ENGLISH_WORDS = ["entry ", "field '", "must ", "got ", "unknown ", "no such", " is not ", "the ", "cannot", "record something",
                 "already", "store", "option ", "duplicate", "issued as", "(issued", "none)", "damaged"]
SPANISH_WORDS = ["asiento", "campo", "debe", "valor recibido", "desconocido", "almacén", "opción", "informe", "emitido",
                 "ningún", "registre", "dañado", "repetida", "línea", "columna"]
STAMP = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.]+\+00:00 by tester|\d{4}-\d\d-\d\dT[0-9:.]+\+00:00, por tester")


@frozen
class Case:
    """A refusal: the files the test writes, the arguments, the exit status, what it says in
    Spanish and in English (whole), and the identifiers it names, kept in both."""

    args: tuple[str, ...]
    status: int
    spanish: str
    english: str
    named: tuple[str, ...]
    files: dict = {}
    store: str | None = None  # POA_STORE, when not the example's store
    foreign: tuple[str, ...] = ()  # words the message quotes from a library (SQLite's), English in both


def progress(code: str, percent: str, extra: str = "") -> str:
    return f"{{progress: {{code: {code}, percent: {percent}{extra}, date: 2021-09-30}}}}"


CASES = {
    "yaml-duplicate-key": Case(
        ("apply", "lote.yaml"), 2,
        "Error: lote.yaml: línea 3, columna 43: clave repetida 'percent': cada clave puede aparecer una sola vez\n",
        "Error: lote.yaml: line 3, column 43: duplicate key 'percent': each key may appear once\n",
        ("lote.yaml", "'percent'"),
        files={"lote.yaml": batch_text(progress("1.1.2", "10, percent: 20"))},
    ),
    "json-entry-field": Case(
        ("apply", "lote.json"), 2,
        "Error: lote.json: asiento 1 (progress): campo 'percent': NaN no es un número que un lote pueda contener\n",
        "Error: lote.json: entry 1 (progress): field 'percent': NaN is not a number a batch may hold\n",
        ("lote.json", "(progress)", "'percent'", "NaN"),
        files={"lote.json": '{"plan": "DEMO-2021", "entries": [{"progress": {"code": "1.1.2", "percent": NaN, "date": "2021-09-30"}}]}'},
    ),
    "entry-field-percent": Case(
        ("apply", "lote.yaml"), 2,
        "Error: lote.yaml: asiento 1 (progress): campo 'percent': debe ser como máximo 100; valor recibido: '120'\n",
        "Error: lote.yaml: entry 1 (progress): field 'percent': must be at most 100, got '120'\n",
        ("lote.yaml", "(progress)", "'percent'", "'120'"),
        files={"lote.yaml": batch_text(progress("1.1.2", "120"))},
    ),
    "option-percent": Case(
        ("progress", "--code", "1.1.2", "--percent", "120", "--date", "2021-09-30"), 2,
        "Error: opción --percent: debe ser como máximo 100; valor recibido: '120'\n",
        "Error: option --percent: must be at most 100, got '120'\n",
        ("--percent", "'120'"),
    ),
    "command-unknown-code": Case(
        ("apply", "lote.yaml"), 2,
        "Error: lote.yaml: asiento 2 (progress): campo 'code': código desconocido 9.9.9 en la estructura del plan\n",
        "Error: lote.yaml: entry 2 (progress): field 'code': unknown code 9.9.9 in plan structure\n",
        ("lote.yaml", "(progress)", "'code'", "9.9.9"),
        files={"lote.yaml": batch_text(progress("1.1.2", "50"), progress("9.9.9", "20"))},
    ),
    "rule-strategic-action": Case(
        ("progress", "--code", "1.1", "--percent", "5", "--date", "2021-09-30"), 2,
        "Error: opción --code: 1.1 es una Acción Estratégica Institucional: su avance se deriva del de sus Acciones de "
        "Corto Plazo\n",
        "Error: option --code: 1.1 is a strategic action: its progress is derived from its short-term actions\n",
        ("--code", "1.1"),
    ),
    "plan-already-approved": Case(
        ("apply", "lote.yaml"), 2,
        "Error: lote.yaml: asiento 1 (approve): el plan DEMO-2021 ya está aprobado (RA 001/2021, seq 1); los cambios se "
        "hacen mediante reformulate\n",
        "Error: lote.yaml: entry 1 (approve): plan DEMO-2021 is already approved (RA 001/2021, seq 1); changes go through "
        "reformulate\n",
        ("lote.yaml", "(approve)", "DEMO-2021", "RA 001/2021", "reformulate"),
        files={"lote.yaml": SMALL.read_text(encoding="utf-8")},
    ),
    "use-case-unknown-plan": Case(
        ("report", "--plan", "NOPE-1"), 2,
        "Error: opción --plan: plan desconocido 'NOPE-1': no está en este almacén\n",
        "Error: option --plan: unknown plan 'NOPE-1': it is not in this store\n",
        ("--plan", "'NOPE-1'"),
    ),
    "use-case-unknown-issued-report": Case(
        ("report", "--issued", "INF 9/2021"), 2,
        "Error: opción --issued: no hay ningún informe emitido como 'INF 9/2021' (emitidos: ninguno)\n",
        "Error: option --issued: no report issued as 'INF 9/2021' (issued: none)\n",
        ("--issued", "'INF 9/2021'"),
    ),
    "store-does-not-exist": Case(
        ("plans",), 2,
        "Error: falta.db: el almacén no existe (registre algo primero con `poa apply`)\n",
        "Error: falta.db: no such store (record something first with `poa apply`)\n",
        ("falta.db", "`poa apply`"),
        store="falta.db",
    ),
    "store-damaged": Case(
        ("plans",), 1,
        "Error: dañado.db: el almacén está dañado (file is not a database); SQLite no puede verificarlo (file is not a "
        "database)\n",
        "Error: dañado.db: the store is damaged (file is not a database); SQLite cannot check it (file is not a database)\n",
        ("dañado.db",),
        files={"dañado.db": b"SQLite format 3\x00" + b"not a database, whatever its header says " * 4},
        store="dañado.db",
        foreign=("file is not a database",),
    ),
}


def run(demo, case: Case, tmp_path, *lang: str, env: dict | None = None):
    for name, content in case.files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    settings = {**NO_LOCALE, **({"POA_STORE": case.store} if case.store else {}), **(env or {})}  # in tmp_path
    return demo(*lang, *case.args, env=settings)


def english_in(text: str, case: Case) -> list[str]:
    for quoted in (*case.foreign, *case.named):
        text = text.replace(quoted, "")
    return [word for word in ENGLISH_WORDS if word in text]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_refusals_from_below_the_cli_in_spanish(case, demo, tmp_path):
    result = run(demo, case, tmp_path, "--lang", "es")
    assert result.returncode == case.status, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr == case.spanish
    assert [word for word in case.named if word not in result.stderr] == []  # identifiers kept as written
    assert english_in(result.stderr, case) == [], result.stderr
    assert any(word in result.stderr for word in SPANISH_WORDS), result.stderr


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_same_refusals_in_english_unchanged(case, demo, tmp_path):
    for lang in (("--lang", "en"), ()):  # asked, and the default with no locale
        result = run(demo, case, tmp_path, *lang)
        assert result.returncode == case.status, result.stderr
        assert result.stderr == case.english
        assert [word for word in SPANISH_WORDS if word in result.stderr.replace("dañado.db", "")] == [], result.stderr


@pytest.mark.parametrize("how", ["POA_LANG", "LANG", "LC_MESSAGES"])
def test_the_language_of_the_refusals_comes_from_the_environment_too(how, demo, tmp_path):
    case = CASES["entry-field-percent"]
    env = {"POA_LANG": "es"} if how == "POA_LANG" else {how: "es_BO.UTF-8"}
    assert run(demo, case, tmp_path, env=env).stderr == case.spanish
    assert run(demo, case, tmp_path, env={**env, "POA_LANG": "en"}).stderr == case.english


def test_a_batch_recorded_twice_is_refused_in_each_language(demo, tmp_path):
    """The domain's `BatchRepeated`, its count of times in the plural of each language."""
    (tmp_path / "lote.yaml").write_text(batch_text(progress("1.1.2", "60")), encoding="utf-8")
    assert demo("apply", "lote.yaml", env=NO_LOCALE).returncode == 0
    spanish = demo("--lang", "es", "apply", "lote.yaml", env=NO_LOCALE)
    assert spanish.returncode == 2
    assert STAMP.sub("STAMP", spanish.stderr) == (
        "Error: lote.yaml: este mismo lote ya se registró en el plan DEMO-2021 el STAMP (seq 24); no se registró nada. "
        "Para registrarlo otra vez, use --again\n"
    )
    assert demo("apply", "lote.yaml", "--again", env=NO_LOCALE).returncode == 0
    twice = demo("--lang", "es", "apply", "lote.yaml", env=NO_LOCALE)
    assert twice.returncode == 2 and " 2 veces, la última el " in twice.stderr and "(seq 25)" in twice.stderr
    english = demo("apply", "lote.yaml", env=NO_LOCALE)
    assert STAMP.sub("STAMP", english.stderr) == (
        "Error: lote.yaml: this same batch was already recorded in plan DEMO-2021 2 times, last at STAMP (seq 25); "
        "nothing was recorded. To record it once more, use --again\n"
    )


def test_an_element_of_the_wrong_kind_is_named_in_the_language_of_the_refusal(demo, tmp_path):
    """`a_kind` (an operation, a task...) said in the refusal's language, the code as written."""
    args = ("execution", "--code", "1.1.1.1.1", "--amount", "10", "--date", "2021-09-30")
    spanish = demo("--lang", "es", *args, env=NO_LOCALE)
    assert spanish.returncode == 2 and spanish.stderr == (
        "Error: opción --code: 1.1.1.1.1 es una tarea: la ejecución presupuestaria se registra para operaciones y "
        "Acciones de Corto Plazo\n"
    )
    english = demo(*args, env=NO_LOCALE)
    assert english.stderr == (
        "Error: option --code: 1.1.1.1.1 is a task: execution is recorded for operations and short-term actions\n"
    )
