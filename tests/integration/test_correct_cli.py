"""`poa correct` and `poa result|justify --replaces/--replace` (in-process, against a real store holding
examples/small-2021.yaml): a correction changes the figures from the corrected fact's own date, does
not count as a reformulation, and shows in history, explain and diff; a replaced text is not
printed, its replacement is; refusals exit 2 with nothing stored. The rules themselves, on plans in
memory: tests/unit/test_corrections.py.

examples/small-2021.yaml (tests/integration/test_audit.py lists its 23 events): seq 1 approves
1.1.1.1 "Rediseñar procedimientos" (TGN 100000, Otros 20000) and 1.1.2.1 "Desarrollar el portal de
trámites" (TGN 250000); seq 11 is the one reformulation (07-15); seq 12–13 the budget modifications
of 08-02 (1.1.1.2 Otros −10000, 1.1.1.1 Otros +10000); seq 22 the result of 1.1.2 at 09-30, seq 23
the justification of 1.2.1 at 09-30. Current budget at the year's end: 480000.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from decimal import Decimal

from jsonschema import Draft202012Validator

from poa.adapters.report_json import schema_path
from support.builders import count_events
from support.read_model import snapshot

TITLE = "Desarrollar el portal de trámites en línea"


def valid(name: str, document: dict) -> None:
    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(document))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def section(report: str, title: str) -> str:
    return report.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def ok(ran):
    assert ran.returncode == 0, ran.stderr
    return ran


def test_a_title_typo_corrected_is_shown_from_the_approval_and_counts_as_no_reformulation(demo):
    before_md = ok(demo("report", "--as-of", "2021-12-31", "--format", "md")).stdout
    known = demo.json("history")["events"][-1]["recorded_at"]  # before the correction
    said = ok(demo("correct", "--code", "1.1.2.1", "--title", TITLE, "--reason", "Título incompleto"))
    assert "DEMO-2021: 1 entry recorded (now seq 24)" in said.stderr
    # every as_of, from the approval on, shows the corrected title; as known before it, the typo
    for as_of in ("2021-01-04", "2021-06-30", "2021-12-31"):
        report = demo.json("report", "--as-of", as_of)
        assert next(o for o in report["operations"] if o["code"] == "1.1.2.1")["title"] == TITLE, as_of
    then = demo.json("report", "--as-of", "2021-12-31", "--known-at", known)
    assert next(o for o in then["operations"] if o["code"] == "1.1.2.1")["title"] == "Desarrollar el portal de trámites"
    # Cuadro 1 still counts the one reformulation, and the conclusions are the same words
    after_md = ok(demo("report", "--as-of", "2021-12-31", "--format", "md")).stdout
    assert "| N° de Reformulaciones | 1 |" in section(after_md, "I. Estructura del POA")
    assert section(after_md, "VI. Conclusiones") == section(before_md, "VI. Conclusiones")
    assert section(after_md, "IV. Reformulaciones y desviaciones") == section(before_md, "IV. Reformulaciones y desviaciones")
    assert demo.json("report", "--as-of", "2021-12-31")["summary"]["reformulations"] == 1
    # history: the kind, the seq corrected, the old and the new title, the reason
    history = demo.json("history", "--kind", "correct")
    valid("history", history)
    [event] = history["events"]
    assert (event["seq"], event["kind"], event["date"], event["reference"]) == (24, "correct", "2021-01-04", None)
    assert event["data"] == {"code": "1.1.2.1", "reason": "Título incompleto", "title": TITLE, "corrects": 1}
    table = ok(demo("history", "--kind", "correct")).stdout
    assert "corrección" in table
    flat = " ".join(table.replace("│", " ").split())  # the data column wraps; its one row read in order
    assert (
        "1.1.2.1, título: Desarrollar el portal de trámites → Desarrollar el portal de trámites en línea "
        "(corrige seq 1; motivo: Título incompleto)"
    ) in flat
    # explain: the correction is the fact behind the title, with its reason; the approval is corrected
    explained = demo.json("explain", "1.1.2.1", "--as-of", "2021-12-31")
    valid("explain", explained)
    title = explained["figures"]["title"]
    assert title["value"] == TITLE
    assert [(e["seq"], e["action"], e["role"], e.get("reason")) for e in title["events"]] == [
        (1, "approve", "corrected", None), (24, "correct", "used", "Título incompleto"),
    ]
    assert "(corrección: Título incompleto)" in " ".join(ok(demo("explain", "1.1.2.1")).stdout.split())
    # diff between a view before and after the correction names it as responsible
    compared = demo.json("diff", "--from", f"2021-12-31@{known}", "--to", "2021-12-31")
    valid("diff", compared)
    [element] = [e for e in compared["elements"] if e["code"] == "1.1.2.1"]
    [difference] = element["differences"]
    assert (difference["figure"], difference["to"]) == ("title", TITLE)
    assert [(e["seq"], e["kind"], e["corrects"]) for e in difference["events"]] == [(24, "correct", 1)]
    assert compared["summary"] == []


def test_a_budget_correction_changes_the_current_budget_from_the_approval_and_a_negative_one_is_refused(demo):
    ok(demo("correct", "--code", "1.1.1.1", "--budget", "TGN=90000", "--reason", "Monto mal transcrito"))  # seq 24
    # from the approval date on: 1.1.1.1 TGN 90000 + Otros 20000 = 110000; the plan 480000 − 10000 = 470000 at 12-31
    early = demo.json("report", "--as-of", "2021-01-04")
    assert next(o for o in early["operations"] if o["code"] == "1.1.1.1")["budget_current"] == "110000.00"
    late = demo.json("report", "--as-of", "2021-12-31")
    # 1.1.1.1 at 12-31: TGN 90000 + Otros 20000 + 10000 (08-02) = 120000
    assert next(o for o in late["operations"] if o["code"] == "1.1.1.1")["budget_current"] == "120000.00"
    assert late["summary"]["budget_current"] == "470000.00"
    assert (late["summary"]["reformulations"], late["summary"]["budget_modifications"]) == (1, 2)
    assert "| Presupuesto Vigente (en Bs) | 470,000 |" in ok(demo("report", "--as-of", "2021-12-31", "--format", "md")).stdout
    # Otros of 1.1.1.2: 30000 approved, −10000 on 08-02; an approved 5000 would be −5000 on 08-02
    stored = count_events(demo.store)
    refused = demo("correct", "--code", "1.1.1.2", "--budget", "Otros=5000", "--corrects", "1", "--reason", "x")
    assert refused.returncode == 2
    assert "option --budget.Otros" in refused.stderr and "-5000" in refused.stderr
    assert count_events(demo.store) == stored


def test_corrections_are_refused_with_the_option_named_and_nothing_stored(demo):
    stored = count_events(demo.store)
    for args, said in (
        (("--code", "1.1.2", "--title", "T", "--corrects", "5"), "option --corrects: seq 5 is an entry of kind progress"),
        (("--code", "1.1.2", "--title", "T", "--corrects", "12"), "option --corrects: seq 12 (budget, 2021-08-02) did not set the title"),
        (("--code", "1.1.2"), "must give one of title, weight or budget"),
        (("--code", "1.1.2", "--budget", "TGN"), "option --budget: expected SOURCE=AMOUNT"),
        (("--code", "1.1", "--weight", "3"), "option --weight: 1.1 is a strategic action"),
    ):
        ran = demo("correct", *args, "--reason", "r")
        assert ran.returncode == 2, args
        assert said in ran.stderr, (args, ran.stderr)
    assert count_events(demo.store) == stored
    checked = ok(demo("correct", "--code", "1.1.2", "--weight", "36", "--reason", "r", "--dry-run"))
    assert "nothing recorded" in checked.stderr
    assert count_events(demo.store) == stored


def test_a_replaced_text_is_not_printed_its_replacement_is_and_history_keeps_both(demo):
    ok(demo("result", "--code", "1.1.2", "--date", "2021-09-30", "--text", "Portal en producción para 14 trámites.",
            "--replace"))  # seq 24 replaces seq 22, the latest result of 1.1.2 at 09-30
    ok(demo("justify", "--code", "1.2.1", "--date", "2021-09-30", "--text", "Retraso en la contratación.",
            "--replaces", "23"))  # seq 25
    report = ok(demo("report", "--as-of", "2021-09-30", "--format", "md")).stdout
    assert "Portal en producción para 14 trámites." in report
    assert "Portal de trámites en producción para 12 trámites." not in report
    assert "Retraso en la contratación." in report and "servicio de digitalización" not in report
    data = demo.json("report", "--as-of", "2021-09-30")
    acp = next(a for a in data["short_term_actions"] if a["code"] == "1.1.2")
    assert acp["results"] == [{"date": "2021-09-30", "text": "Portal en producción para 14 trámites."}]
    history = demo.json("history", "--kind", "result", "--kind", "justify")
    valid("history", history)
    assert [(e["seq"], e["data"].get("replaces")) for e in history["events"]] == [(22, None), (23, None), (24, 22), (25, 23)]
    # refused: across elements, dates, kinds, and a text already replaced; nothing stored
    stored = count_events(demo.store)
    for args, said in (
        (("result", "--code", "1.1.1", "--date", "2021-09-30", "--replaces", "24"), "is the result of 1.1.2, not of 1.1.1"),
        (("result", "--code", "1.1.2", "--date", "2021-06-30", "--replaces", "24"), "is dated 2021-09-30, not 2021-06-30"),
        (("justify", "--code", "1.1.2", "--date", "2021-09-30", "--replaces", "24"), "is an entry of kind result"),
        (("result", "--code", "1.1.2", "--date", "2021-09-30", "--replaces", "22"), "seq 22 was already replaced by seq 24"),
        (("result", "--date", "2021-09-30", "--replace"), "there is no result of the plan dated 2021-09-30"),
        (("result", "--code", "1.1.2", "--date", "2021-09-30", "--replace", "--replaces", "24"), "not both"),
    ):
        ran = demo(*args, "--text", "t")
        assert ran.returncode == 2, args
        assert said in ran.stderr, (args, ran.stderr)
    assert count_events(demo.store) == stored


def test_a_correction_in_a_batch_file(demo):
    batch = demo.cwd / "corrections.yaml"
    batch.write_text(
        "plan: DEMO-2021\nentries:\n"
        "  - correct: {code: 1.1.2, weight: 36, reason: Ponderación mal transcrita}\n"
        "  - justify: {code: 1.2.1, date: 2021-09-30, text: Otra, replaces: latest}\n",
        encoding="utf-8",
    )
    ok(demo("apply", str(batch)))
    events = demo.json("history")["events"][-2:]
    # the weight in force of 1.1.2 was set by the reformulation (seq 11, 07-15): the correction counts from then
    assert [(e["kind"], e["date"], e["data"].get("corrects"), e["data"].get("replaces")) for e in events] == [
        ("correct", "2021-07-15", 11, None), ("justify", "2021-09-30", None, 23),
    ]
    weights = {a["code"]: a["weight"] for a in demo.json("report", "--as-of", "2021-06-30")["short_term_actions"]}
    assert weights["1.1.2"] == "30.00"  # before 07-15 the approval's 30 holds
    weights = {a["code"]: a["weight"] for a in demo.json("report", "--as-of", "2021-12-31")["short_term_actions"]}
    assert weights["1.1.2"] == "36.00"


def test_an_evidence_package_with_corrections_and_replaced_texts_verifies(demo):
    ok(demo("correct", "--code", "1.1.2.1", "--title", TITLE, "--reason", "Título incompleto"))
    ok(demo("correct", "--code", "1.1.1.1", "--budget", "TGN=90000", "--reason", "Monto mal transcrito"))
    ok(demo("result", "--code", "1.1.2", "--date", "2021-09-30", "--text", "Otro texto.", "--replace"))
    package = demo.cwd / "evidence"
    ok(demo("evidence", "--as-of", "2021-12-31", "--output", str(package)))
    # the package's events are read again as entries (a correction with its date and corrects) and
    # give the same report
    verified = ok(demo("verify", "--package", str(package), store=False))
    assert "the report follows from the events" in verified.stdout


TRANSFER = (
    "transfer", "--from", "1.1.2.1", "--to", "1.1.2.2", "--source", "TGN", "--amount", "5000",
    "--date", "2021-11-02", "--reference", "RA 077/2021", "--reason", "Traspaso a firma digital",
)


def test_a_transfers_amount_corrected_by_one_side_moves_both_and_shows_everywhere(demo):
    """The transfer (seq 24) moves TGN 5000 from 1.1.2.1 (TGN 250000) to 1.1.2.2 (Otros 15000) on
    11-02; seq 25 corrects it to 3000, naming the giving side (−3000): from 11-02 1.1.2.1 TGN
    250000 − 3000 = 247000 (2000 more), 1.1.2.2 TGN 3000 (2000 less); the plan 480000 throughout."""
    ok(demo(*TRANSFER))
    known = demo.json("history")["events"][-1]["recorded_at"]  # before the correction
    said = ok(demo("correct", "--code", "1.1.2.1", "--budget", "TGN=-3000", "--reason", "Monto mal transcrito"))
    assert "DEMO-2021: 1 entry recorded (now seq 25)" in said.stderr

    def budgets(as_of, *known_at):
        report = demo.json("report", "--as-of", as_of, *(("--known-at", known_at[0]) if known_at else ()))
        ops = {o["code"]: o["budget"] for o in report["operations"]}
        return ops["1.1.2.1"], ops["1.1.2.2"], report["summary"]["budget_current"], report["summary"]["budget_modifications"]

    assert budgets("2021-11-01") == ({"TGN": "250000.00"}, {"Otros": "15000.00"}, "480000.00", 2)
    assert budgets("2021-12-31") == ({"TGN": "247000.00"}, {"Otros": "15000.00", "TGN": "3000.00"}, "480000.00", 3)
    assert budgets("2021-12-31", known) == ({"TGN": "245000.00"}, {"Otros": "15000.00", "TGN": "5000.00"}, "480000.00", 3)
    # the report lists one transfer (of the 2 + 1 = 3 budget modifications counted), with its corrected amount;
    # Cuadro 1 is as it was: the same current budget, the one reformulation
    md = ok(demo("report", "--as-of", "2021-12-31", "--format", "md")).stdout
    assert "- 2021-11-02 — traspaso RA 077/2021: de 1.1.2.1 (TGN) → a 1.1.2.2 (TGN): 3,000 (Traspaso a firma digital)." in md
    assert md.count("traspaso RA 077/2021") == 1
    cuadro = section(md, "I. Estructura del POA")
    assert "| Presupuesto Vigente (en Bs) | 480,000 |" in cuadro and "| N° de Reformulaciones | 1 |" in cuadro
    # history: the side it names, what it replaced and the seq it corrects; found by either operation
    history = demo.json("history", "--code", "1.1.2.2")
    valid("history", history)
    assert [(e["seq"], e["kind"], e["date"]) for e in history["events"] if e["seq"] > 23] == [
        (24, "transfer", "2021-11-02"), (25, "correct", "2021-11-02"),
    ]
    flat = " ".join(ok(demo("history", "--kind", "correct", env={"COLUMNS": "250"})).stdout.replace("│", " ").split())
    assert "1.1.2.1, presupuesto: TGN -5000 → -3000 (corrige seq 24; motivo: Monto mal transcrito)" in flat
    # explain: on both operations the correction is the line in force, the transfer's line corrected
    for code, lines in (
        ("1.1.2.1", [(1, "approve", "250000.00", "used"), (24, "transfer", "-5000.00", "corrected"),
                     (25, "correct", "-3000.00", "used")]),
        ("1.1.2.2", [(24, "transfer", "5000.00", "corrected"), (25, "correct", "3000.00", "used")]),
    ):
        explained = demo.json("explain", code, "--as-of", "2021-12-31")
        valid("explain", explained)
        assert [(e["seq"], e["action"], e["value"], e["role"]) for e in explained["figures"]["budget"]["TGN"]["events"]] == lines
    # diff across the correction: it is responsible on both operations, correcting the transfer
    compared = demo.json("diff", "--from", f"2021-12-31@{known}", "--to", "2021-12-31")
    valid("diff", compared)
    changed = {e["code"]: e["differences"] for e in compared["elements"] if e["code"] in ("1.1.2.1", "1.1.2.2")}
    assert set(changed) == {"1.1.2.1", "1.1.2.2"}
    for code, differences in changed.items():
        [tgn] = [d for d in differences if d["figure"] == "budget" and d["source"] == "TGN"]
        assert [(e["seq"], e["kind"], e["corrects"]) for e in tgn["events"]] == [(25, "correct", 24)], code
    assert (changed["1.1.2.1"][0]["from"], changed["1.1.2.1"][0]["to"]) == ("245000.00", "247000.00")
    # the exported budget lines: two `correct` lines, +2000 and −2000, and every operation's lines add up
    lines = demo.json("export", "--what", "budget_lines")
    valid("export", lines)
    assert [(r["line"], r["code"], r["source"], r["amount"]) for r in lines["rows"] if r["seq"] == 25] == [
        (1, "1.1.2.1", "TGN", "2000.00"), (2, "1.1.2.2", "TGN", "-2000.00"),
    ]
    report = demo.json("report", "--as-of", "2021-12-31")
    for op in report["operations"]:
        for source, amount in op["budget"].items():
            total = sum(Decimal(r["amount"]) for r in lines["rows"] if (r["code"], r["source"]) == (op["code"], source))
            assert total == Decimal(amount), (op["code"], source)


def test_a_transfers_correction_that_does_not_fit_is_refused_and_nothing_stored(demo):
    ok(demo(*TRANSFER))  # seq 24: TGN 5000 from 1.1.2.1 (TGN 250000) to 1.1.2.2
    stored = count_events(demo.store)
    for args, said in (
        (("--code", "1.1.2.1", "--budget", "TGN=3000"), "option --budget.TGN: must be negative"),
        (("--code", "1.1.2.2", "--budget", "TGN=-3000"), "option --budget.TGN: must be positive"),
        (("--code", "1.1.2.2", "--budget", "TGN=0"), "option --budget.TGN: must not be zero"),
        (("--code", "1.1.2.2", "--budget", "TGN=3000", "--budget", "Otros=1", "--corrects", "24"),
         "option --budget: seq 24 is a transfer"),
        # 1.1.2.1 would give 250001 of its TGN 250000 on 11-02: 250000 − 250001 = −1
        (("--code", "1.1.2.2", "--budget", "TGN=250001"), "current budget of 1.1.2.1 from TGN would be -1 on 2021-11-02"),
    ):
        ran = demo("correct", *args, "--reason", "r")
        assert ran.returncode == 2, args
        assert said in " ".join(ran.stderr.split()), (args, ran.stderr)
        assert "would break" not in ran.stderr  # the correction's own fault, not the transfer's
    assert count_events(demo.store) == stored


def test_the_read_model_brought_up_to_date_after_corrections_has_their_lines_as_a_rebuilt_one(demo, tmp_path):
    """`poa project` run between the facts and their corrections: a correction's `budget_lines` rows are
    worked out against the fact it corrects, which is in an earlier page."""
    db, rebuilt = tmp_path / "read.db", tmp_path / "rebuilt.db"
    ok(demo(*TRANSFER))  # seq 24: TGN 5000 from 1.1.2.1 to 1.1.2.2
    ok(demo("project", "--db", str(db)))
    ok(demo("correct", "--code", "1.1.2.2", "--budget", "TGN=3000", "--reason", "r"))  # seq 25: the transfer, to 3000
    ok(demo("correct", "--code", "1.1.1.1", "--budget", "TGN=90000", "--reason", "r"))  # seq 26: the approval's 100000
    ok(demo("project", "--db", str(db)))
    ok(demo("project", "--db", str(rebuilt), "--rebuild"))
    query = "SELECT seq, line, code, source, amount, phase FROM budget_lines WHERE seq > 24 ORDER BY seq, line"
    with closing(sqlite3.connect(db)) as connection:
        incremental = connection.execute(query).fetchall()
    # 3000 − 5000 = −2000 on 1.1.2.2's TGN, +2000 on 1.1.2.1's; 90000 − 100000 = −10000 in the approved phase
    assert incremental == [
        (25, 1, "1.1.2.2", "TGN", "-2000.00", "modified"), (25, 2, "1.1.2.1", "TGN", "2000.00", "modified"),
        (26, 1, "1.1.1.1", "TGN", "-10000.00", "approved"),
    ]
    assert snapshot(db)["budget_lines"] == snapshot(rebuilt)["budget_lines"]
