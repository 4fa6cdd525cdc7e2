"""What `poa verify`, `digest`, `explain` and `report --issued --rerender` say to people, in the
interface's language (docs/languages.md): the problems of the Merkle log, the digests, the verdict of
a re-rendering, the explanation of an unknown code. In Spanish with --lang es, the identifiers they
name (plans, seqs, codes, formats, hashes, commands) kept as written; in English exactly as before.
In-process (click's CliRunner), on a SQLite copy of the example's store, tampered with SQL past the
ledger as tests/integration/test_merkle_log.py does."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing

import pytest

from poa.adapters import formats

NO_LOCALE = {"LC_ALL": None, "LC_MESSAGES": None, "LANG": None}
ENGLISH_WORDS = ["log index", "changed", "no longer", "not in", "the ", " is ", "was ", "identical", "IDENTICAL", "DIFFERS",
                 "verdict", "sealed", "rendered", "issued", "today", "unknown", "intact", "events", "tree head", "digest",
                 "problems", "listed", "holds", "moved", "deleted", "gone", "aggregate", "fewer", "added", "effective",
                 "recorded", "option", "argument ", "none"]
SPANISH_WORDS = ["bitácora", "índice", "modificado", "íntegro", "eventos", "cabeza del árbol", "resumen", "veredicto",
                 "idéntico", "DIFIERE", "sellado", "emitido", "hoy", "desconocido", "según lo conocido", "registrado",
                 "problema", "almacén", "opción", "argumento", "contiene", "agregado", "eliminado", "incorporado"]
HASH = re.compile(r"\b[0-9a-f]{64}\b")
TIME = re.compile(r"\d{4}-\d\d-\d\dT[0-9:.]+(?:\+00:00|Z)")
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
REF = "Informe III-2021"
KEPT = ("`poa digest`", "`poa report --issued`", "`poa verify`", "`poa --no-verify ...`", "poa-ledger", "SIZE:ROOT [TIME]",
        "--digest", "CODE", "sha256", "table", "json", "csv", "md", "html", "xlsx", REF, "DEMO-2021", "RD 01-010-21")


def plain(text: str, store) -> str:
    """The text with what is not in any language taken out: the store's path (which holds the test's
    name), hashes, times, identifiers."""
    text = UUID.sub("", TIME.sub("", HASH.sub("", text.replace(str(store), ""))))
    for kept in KEPT:
        text = text.replace(kept, "")
    return text


def english_in(text: str, store) -> list[str]:
    return [word for word in ENGLISH_WORDS if word in plain(text, store)]


def spanish_in(text: str, store) -> list[str]:
    return [word for word in SPANISH_WORDS if word in plain(text, store)]


def both(demo, *args: str):
    """The run in Spanish and the same run in English (asked, and by default with no locale: the same)."""
    spanish = demo("--lang", "es", *args, env=NO_LOCALE)
    english = demo("--lang", "en", *args, env=NO_LOCALE)
    default = demo(*args, env=NO_LOCALE)
    same = [(r.returncode, TIME.sub("TIME", r.stdout), TIME.sub("TIME", r.stderr)) for r in (default, english)]
    assert same[0] == same[1]  # "now" (the view's known at) aside
    for result in (spanish, english):
        assert result.exception is None and "Traceback" not in result.stderr, result.stderr
    return spanish, english


def said(result) -> str:
    return result.stdout + result.stderr


# -- tampering past the ledger (SQLite) -----------------------------------------------------------------


def sql(store, statement: str, *parameters):
    with closing(sqlite3.connect(store)) as connection:
        rows = connection.execute(statement, parameters).fetchall()
        connection.commit()
    return rows


def state_of(store, seq: int) -> dict:
    (row,) = sql(store, "SELECT state FROM stored_events WHERE rowid = ?", seq)
    return json.loads(bytes(row[0]))


def set_state(store, seq: int, state: dict) -> None:
    sql(store, "UPDATE stored_events SET state = ? WHERE rowid = ?", json.dumps(state, separators=(",", ":")).encode(), seq)


def change_a_value(store) -> None:
    state = state_of(store, 2)  # seq 2: progress 100 on 1.1.1.1.1
    state["fact"]["_data_"]["percent"]["_data_"] = "10"
    set_state(store, 2, state)


def swap_two_rows(store) -> None:
    second, third = state_of(store, 2), state_of(store, 3)
    set_state(store, 2, third)
    set_state(store, 3, second)


def delete_the_last_row_and_its_traces(store) -> None:
    sql(store, "DELETE FROM stored_events WHERE rowid = 23")
    sql(store, "UPDATE poa_write_lock SET events = events - 1, last_id = last_id - 1")
    sql(store, "UPDATE poa_versions SET version = version - 1")


TAMPERING = {  # what is done; what `poa verify` says of it in Spanish, then in English (whole lines, the store as {store})
    "a value inside an event": (
        change_a_value,
        "- plan DEMO-2021 seq 2 (índice 1 de la bitácora): modificado desde que se registró (su hash ya no es el de su hoja)\n"
        "Error: {store}: no íntegro (1 problema, detallado arriba)\n",
        "- plan DEMO-2021 seq 2 (log index 1): changed since it was recorded (it no longer hashes to its leaf)\n"
        "Error: {store}: not intact (1 problem, listed above)\n",
    ),
    "two swapped rows": (
        swap_two_rows,
        "- plan DEMO-2021 seq 2 (índice 1 de la bitácora): contiene el evento registrado en el índice 2 (filas movidas o "
        "intercambiadas)\n",
        "- plan DEMO-2021 seq 2 (log index 1): holds the event recorded at log index 2 (rows moved or swapped)\n",
    ),
    "a deleted row": (
        delete_the_last_row_and_its_traces,
        "- índice 22 de la bitácora (seq 23 del agregado UUID): su evento ya no está (eliminado)\n",
        "- log index 22 (seq 23 of aggregate UUID): its event is gone (deleted)\n",
    ),
}


# -- poa verify ---------------------------------------------------------------------------------------


def test_verify_says_an_intact_store_is_intact_in_each_language(demo):
    spanish, english = both(demo, "verify")
    assert spanish.returncode == english.returncode == 0
    head = re.search(r"23:[0-9a-f]{64}", english.stdout).group(0)
    assert spanish.stdout == f"{demo.store}: íntegro: 23 eventos; planes: DEMO-2021 (23)\ncabeza del árbol: {head}\n"
    assert english.stdout == f"{demo.store}: intact: 23 events; plans: DEMO-2021 (23)\ntree head: {head}\n"
    assert spanish.stderr == english.stderr == ""
    assert english_in(said(spanish), demo.store) == [] and spanish_in(said(english), demo.store) == []


@pytest.mark.parametrize("case", TAMPERING.values(), ids=TAMPERING.keys())
def test_verify_names_each_problem_of_a_tampered_store_in_each_language(demo, case):
    tamper, in_spanish, in_english = case
    tamper(demo.store)
    spanish, english = both(demo, "verify")
    assert spanish.returncode == english.returncode == 1 and spanish.stdout == english.stdout == ""
    assert in_spanish.format(store=demo.store) in UUID.sub("UUID", spanish.stderr), spanish.stderr
    assert in_english.format(store=demo.store) in UUID.sub("UUID", english.stderr), english.stderr
    assert english_in(spanish.stderr, demo.store) == [], spanish.stderr
    assert spanish_in(english.stderr, demo.store) == [], english.stderr
    assert len(spanish.stderr.splitlines()) == len(english.stderr.splitlines())  # every problem of the one, in the other


def test_a_read_of_a_tampered_store_is_refused_with_the_logs_words_in_each_language(demo):
    change_a_value(demo.store)
    spanish, english = both(demo, "report", "--as-of", "2021-09-30")
    assert spanish.returncode == english.returncode == 1
    assert spanish.stderr == (
        "Error: el almacén está dañado o fue alterado a espaldas del registro: su bitácora Merkle dice que el plan "
        "DEMO-2021 seq 2 (índice 1 de la bitácora) ya no coincide con su hash de hoja: el evento se modificó después de "
        "registrarse. `poa verify` enumera todos los problemas; `poa --no-verify ...` lee el almacén de todos modos, para "
        "el trabajo forense\n"
    )
    assert english.stderr == (
        "Error: the store is damaged or was altered behind the ledger's back: its Merkle log says plan DEMO-2021 seq 2 "
        "(log index 1) no longer matches its leaf hash: the event was changed after it was recorded. `poa verify` lists "
        "every problem; `poa --no-verify ...` reads the store anyway, for forensic work\n"
    )


# -- poa digest, poa verify --digest ---------------------------------------------------------------------


def test_digest_prints_no_words_and_refuses_a_tampered_store_in_each_language(demo):
    spanish, english = both(demo, "digest")
    assert spanish.returncode == english.returncode == 0
    assert re.fullmatch(r"23:[0-9a-f]{64} \S+\n", spanish.stdout) and spanish.stdout.split()[0] == english.stdout.split()[0]
    change_a_value(demo.store)
    spanish, english = both(demo, "digest")
    assert spanish.returncode == english.returncode == 1
    assert spanish.stderr == (
        f"Error: {demo.store}: no está íntegro, no se da ningún resumen (plan DEMO-2021 seq 2 (índice 1 de la bitácora): "
        "modificado desde que se registró (su hash ya no es el de su hoja); `poa verify` enumera todos los problemas)\n"
    )
    assert english.stderr == (
        f"Error: {demo.store}: not intact, no digest given (plan DEMO-2021 seq 2 (log index 1): changed since it was "
        "recorded (it no longer hashes to its leaf); `poa verify` lists every problem)\n"
    )


ZEROS = "0" * 64


@pytest.mark.parametrize(
    ("digest", "spanish", "english"),
    [
        (f"23:{ZEROS}", f"los primeros 23 eventos del registro ya no producen la raíz {ZEROS} del resumen: se modificaron "
         "desde que se tomó el resumen",
         f"the ledger's first 23 events no longer hash to the digest's root {ZEROS}: they were changed since the digest "
         "was taken"),
        (f"30:{ZEROS}", "el registro tiene 23 eventos, menos que los 30 del resumen: se eliminaron eventos",
         "the ledger holds 23 events, fewer than the 30 of the digest: events were removed"),
    ],
)
def test_verify_says_why_the_ledger_does_not_extend_a_digest_in_each_language(demo, digest, spanish, english):
    es, en = both(demo, "verify", "--digest", digest)
    assert es.returncode == en.returncode == 1
    assert es.stderr == (
        f"- el registro no extiende el resumen {digest}: {spanish}\nError: {demo.store}: no íntegro (1 problema, detallado "
        "arriba)\n"
    )
    assert en.stderr == f"- the ledger does not extend the digest {digest}: {english}\nError: {demo.store}: not intact (1 problem, listed above)\n"


def test_a_digest_that_cannot_be_read_is_refused_in_each_language(demo):
    spanish, english = both(demo, "verify", "--digest", f"23:{ZEROS} ayer")
    assert spanish.returncode == english.returncode == 2
    assert spanish.stderr == (
        "Error: opción --digest: 'ayer': no es el momento de una cabeza del árbol (un resumen es lo que imprime `poa "
        "digest` (SIZE:ROOT [TIME], o su JSON), o un archivo que lo contenga)\n"
    )
    assert english.stderr == (
        "Error: option --digest: 'ayer': not the time of a tree head (a digest is what `poa digest` prints (SIZE:ROOT "
        "[TIME], or its JSON), or a file holding it)\n"
    )


# -- poa explain ----------------------------------------------------------------------------------------


def test_explain_refuses_an_unknown_code_in_each_language(demo):
    spanish, english = both(demo, "explain", "9.9")
    assert spanish.returncode == english.returncode == 2 and spanish.stdout == english.stdout == ""
    assert spanish.stderr == "Error: argumento CODE: código desconocido 9.9 en el plan DEMO-2021\n"
    assert english.stderr == "Error: argument CODE: unknown code 9.9 in plan DEMO-2021\n"


def test_explain_says_when_an_element_came_in_each_language(demo):
    """1.1.2.2 is added by the reformulation of 15 July: not in the plan as of 30 June."""
    spanish, english = both(demo, "explain", "1.1.2.2", "--as-of", "2021-06-30")
    assert spanish.returncode == english.returncode == 2
    assert re.fullmatch(
        r"Error: argumento CODE: 1\.1\.2\.2 no está en el plan DEMO-2021 al 2021-06-30 según lo conocido a \S+: "
        r"incorporado por RD 01-010-21 \(seq 11\), con fecha efectiva 2021-07-15, registrado el \S+\n", spanish.stderr
    ), spanish.stderr
    assert re.fullmatch(
        r"Error: argument CODE: 1\.1\.2\.2 is not in plan DEMO-2021 as of 2021-06-30 as known at \S+: "
        r"added by RD 01-010-21 \(seq 11\), effective 2021-07-15, recorded at \S+\n", english.stderr
    ), english.stderr
    assert english_in(spanish.stderr, demo.store) == []


# -- poa report --issued REF --rerender -------------------------------------------------------------------


def issue(demo) -> None:
    issued = demo("report", "--as-of", "2021-09-30", "--issue", REF, "--format", "md", env=NO_LOCALE)
    assert issued.returncode == 0, issued.stderr


def test_the_verdict_of_a_rerendering_in_each_language(demo):
    issue(demo)
    spanish, english = both(demo, "report", "--issued", REF, "--rerender")
    assert spanish.returncode == english.returncode == 0, spanish.stderr
    es, en = spanish.stdout.splitlines(), english.stdout.splitlines()
    assert re.fullmatch(
        rf"informe '{REF}' del plan DEMO-2021 \(al 2021-09-30, según lo conocido a \S+\), sellado por poa-ledger \S+; "
        r"generado de nuevo por poa-ledger \S+ a partir de la misma vista:", es[0]
    ), es[0]
    assert re.fullmatch(
        rf"report '{REF}' of plan DEMO-2021 \(as of 2021-09-30, known at \S+\), sealed by poa-ledger \S+; "
        r"rendered again by poa-ledger \S+ from the same view:", en[0]
    ), en[0]
    assert [line.split(" (")[0] for line in es[1:-1]] == [f"  {fmt}: idéntico" for fmt in formats.SEALED]
    assert [line.split(" (")[0] for line in en[1:-1]] == [f"  {fmt}: identical" for fmt in formats.SEALED]
    assert es[-1] == "veredicto: IDÉNTICO: el programa de hoy genera table, json, csv, md, html, xlsx byte por byte tal como se emitió."
    assert en[-1] == "verdict: IDENTICAL: today's program renders table, json, csv, md, html, xlsx byte for byte as issued."
    assert english_in(spanish.stdout, demo.store) == [], spanish.stdout


def test_the_verdict_of_a_rerendering_that_differs_in_each_language(demo, monkeypatch):
    issue(demo)
    markdown = formats.REPORT["md"]
    monkeypatch.setitem(formats.REPORT, "md", lambda ev, raw: markdown(ev, raw) + "\nLínea agregada por un programa nuevo.\n")
    spanish, english = both(demo, "report", "--issued", REF, "--rerender")
    assert spanish.returncode == english.returncode == 1
    assert re.search(r"^  md: DIFIERE \(sha256 sellado [0-9a-f]{64}, hoy [0-9a-f]{64}\)$", spanish.stdout, re.M)
    assert re.search(r"^  md: DIFFERS \(sealed sha256 [0-9a-f]{64}, today [0-9a-f]{64}\)$", english.stdout, re.M)
    assert (
        "veredicto: DIFIERE: 1 de los 6 formatos sellados verificados (md) no es lo que se emitió; `poa report --issued` "
        "sigue imprimiendo los bytes emitidos.\n" in spanish.stdout
    )
    assert (
        "verdict: DIFFERS: 1 of the 6 sealed formats checked (md) are not what was issued; `poa report --issued` still "
        "prints the issued bytes.\n" in english.stdout
    )
    assert f"--- {REF} (md, emitido)\n+++ {REF} (md, hoy)\n" in spanish.stdout
    assert f"--- {REF} (md, issued)\n+++ {REF} (md, today)\n" in english.stdout
    assert "+Línea agregada por un programa nuevo." in spanish.stdout
    diff = spanish.stdout.split(f"+++ {REF} (md, hoy)\n")[0]  # the report's own lines after it are the report's
    assert english_in(diff, demo.store) == [], diff
