"""The initial load (`poa apply --initial-load`, issue 13): facts transcribed from earlier records.

A fact of an initial load carries the load's reference (`Recorded.initial_load`). It is never a
late record; the report says once per load that the plan's history up to the latest effective
date of its visible facts was loaded from documents; history shows the reference; the Merkle
leaf covers it, and leaves the canonical form of every other event as it was.

The history below (plan DEMO-2021, base_approval), with its recorded times chosen by hand:

    seq 1  approval          dated 2021-01-04  recorded 2021-06-15  load "Informe I trimestre 2021"
    seq 2  progress 1.1 20   dated 2021-03-31  recorded 2021-06-15  load "Informe I trimestre 2021"
    seq 3  execution 1.1.1 50 dated 2021-03-31 recorded 2021-06-15  load "Informe I trimestre 2021"
    seq 4  progress 1.2 45   dated 2021-06-30  recorded 2021-07-05
    seq 5  progress 1.2 40   dated 2021-06-30  recorded 2021-09-10  (a correction)
    seq 6  result 2.1        dated 2021-09-30  recorded 2021-10-02  load "Migración SIGEP"

Days from date to recording: seq 1: (31 − 4) + 28 + 31 + 30 + 31 + 15 = 162; seqs 2, 3: 30 (April) + 31 (May) + 15 = 76; seq 4: 5; seq 5: 31 (July)
+ 31 (August) + 10 = 72; seq 6: 2. More than 30 days: seqs 1, 2, 3 and 5; of them only seq 5 is
not part of an initial load.
"""

from __future__ import annotations

import hashlib
import html
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import attrs
import openpyxl
import pytest

from poa.adapters import use_cases
from poa.adapters.batch_files import Batch
from poa.adapters.evidence import recorded_from_canonical
from poa.adapters.merkle_log import canonical_bytes, canonical_event, event_leaf
from poa.adapters.report_html import to_html
from poa.adapters.report_json import evaluation_to_dict, history_to_dict
from poa.adapters.report_tables import history_table
from poa.adapters.report_text import layout, to_markdown, to_rich
from poa.adapters.report_xlsx import to_xlsx
from poa.adapters.use_cases import Refusal
from poa.domain.batches import batch_id
from poa.domain.catalogue import WarningKind, use_language
from poa.domain.facts import Progress, Recorded
from poa.domain.plan import plan_id
from poa.projections.evaluation import InitialLoad, evaluate
from poa.projections.history import HistoryFilter, select
from poa.projections.warnings import days_late
from support.builders import FAR, base_approval, execution, history_by_hand, memory_ledger, parse_entry, progress

PLAN = "DEMO-2021"
FIRST, SECOND = "Informe I trimestre 2021", "Migración SIGEP"
LOADS = {1: FIRST, 2: FIRST, 3: FIRST, 6: SECOND}  # seq -> the load it came in


def history(loads: dict[int, str] = LOADS) -> list[Recorded]:
    recorded = history_by_hand([
        ("2021-06-15T10:00:00", base_approval()),
        ("2021-06-15T10:00:00", progress("1.1", 20, "2021-03-31")),
        ("2021-06-15T10:00:00", execution("1.1.1", 50, "2021-03-31")),
        ("2021-07-05T09:00:00", progress("1.2", 45, "2021-06-30")),
        ("2021-09-10T09:00:00", progress("1.2", 40, "2021-06-30")),
        ("2021-10-02T09:00:00", {"result": {"code": "2.1", "date": "2021-09-30", "text": "Sistema migrado."}}),
    ])
    return [attrs.evolve(r, initial_load=loads.get(r.seq)) for r in recorded]


def late_seqs(ev) -> list[int]:
    return [w.seq for w in ev.warnings if w.kind == WarningKind.LATE_RECORD]


# -- not late ------------------------------------------------------------------------------------


def test_a_fact_of_an_initial_load_has_no_days_late():
    days = {r.seq: days_late(r) for r in history()}
    assert days == {1: None, 2: None, 3: None, 4: 5, 5: 72, 6: None}
    days = {r.seq: days_late(r) for r in history(loads={})}
    assert days == {1: 162, 2: 76, 3: 76, 4: 5, 5: 72, 6: 2}


def test_the_late_record_warning_skips_the_facts_of_an_initial_load():
    assert late_seqs(evaluate(PLAN, history(), date(2021, 12, 31), FAR)) == [5]
    # the same facts recorded as they happened: every one more than 30 days late is a warning
    assert late_seqs(evaluate(PLAN, history(loads={}), date(2021, 12, 31), FAR)) == [1, 2, 3, 5]


def test_history_late_filter_leaves_out_initial_loads():
    assert [r.seq for r in select(history(), HistoryFilter(late_days=30))] == [5]


# -- the evaluation's initial loads --------------------------------------------------------------


def test_the_evaluation_lists_each_load_once_up_to_its_latest_visible_date():
    ev = evaluate(PLAN, history(), date(2021, 12, 31), FAR)
    at_1015 = datetime(2021, 6, 15, 10, tzinfo=timezone.utc)
    at_1002 = datetime(2021, 10, 2, 9, tzinfo=timezone.utc)
    assert ev.initial_loads == (
        InitialLoad(FIRST, date(2021, 3, 31), at_1015, "tester", 3),  # seqs 1-3: latest date 2021-03-31
        InitialLoad(SECOND, date(2021, 9, 30), at_1002, "tester", 1),  # seq 6
    )
    # as of 2021-02-28 only the approval (2021-01-04) of the first load is visible
    early = evaluate(PLAN, history(), date(2021, 2, 28), FAR)
    assert early.initial_loads == (InitialLoad(FIRST, date(2021, 1, 4), at_1015, "tester", 1),)
    # known before the second load was recorded: only the first
    before = evaluate(PLAN, history(), date(2021, 12, 31), datetime(2021, 10, 1, tzinfo=timezone.utc))
    assert [load.reference for load in before.initial_loads] == [FIRST]
    assert evaluate(PLAN, history(loads={}), date(2021, 12, 31), FAR).initial_loads == ()


# -- the report says it once, in every format and both languages ---------------------------------

SENTENCES = {
    "es": (
        "La historia del plan hasta el 31 de marzo de 2021 se cargó de documentos (carga inicial Informe I trimestre "
        "2021, registrada el 15 de junio de 2021 por tester).",
        "La historia del plan hasta el 30 de septiembre de 2021 se cargó de documentos (carga inicial Migración SIGEP, "
        "registrada el 2 de octubre de 2021 por tester).",
    ),
    "en": (
        "The plan's history up to March 31, 2021 was loaded from documents (initial load Informe I trimestre 2021, "
        "recorded on June 15, 2021 by tester).",
        "The plan's history up to September 30, 2021 was loaded from documents (initial load Migración SIGEP, "
        "recorded on October 2, 2021 by tester).",
    ),
}


def one_line(text: str) -> str:
    """A text drawn in a terminal table or paragraph, its wrapping undone."""
    return " ".join(text.split())


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_report_says_once_per_load_that_the_history_was_loaded_from_documents(lang):
    ev = evaluate(PLAN, history(), date(2021, 12, 31), FAR)
    with use_language(lang):
        blocks = layout(ev)
        md, table, document = to_markdown(blocks), one_line(to_rich(blocks)), one_line(html.unescape(to_html(ev)))
        workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(ev)))
    first, second = SENTENCES[lang]
    for text in (md, table, document):
        assert text.count(first) == 1 and text.count(second) == 1
    assert md.index(first) < md.index("## I.")  # with the introduction, before section I
    sheet = workbook.worksheets[0]  # "Informe": the view's rows, then one row per load
    label = {"es": "Carga inicial", "en": "Initial load"}[lang]
    assert [(row[0], row[1]) for row in sheet.iter_rows(values_only=True) if row[0] == label] == [
        (label, first), (label, second),
    ]
    # without initial loads none of it is said
    plain = evaluate(PLAN, history(loads={}), date(2021, 12, 31), FAR)
    with use_language(lang):
        assert label.lower() not in to_markdown(layout(plain)).lower()


def test_the_json_report_lists_the_loads():
    ev = evaluate(PLAN, history(), date(2021, 12, 31), FAR)
    assert evaluation_to_dict(ev)["initial_loads"] == [
        {"reference": FIRST, "up_to": "2021-03-31", "recorded_at": "2021-06-15T10:00:00Z", "actor": "tester", "facts": 3},
        {"reference": SECOND, "up_to": "2021-09-30", "recorded_at": "2021-10-02T09:00:00Z", "actor": "tester", "facts": 1},
    ]
    assert evaluation_to_dict(evaluate(PLAN, history(loads={}), date(2021, 12, 31), FAR))["initial_loads"] == []


# -- history ---------------------------------------------------------------------------------------


def test_history_shows_the_load_of_each_fact():
    events = history_to_dict(PLAN, history())["events"]
    assert [e["initial_load"] for e in events] == [FIRST, FIRST, FIRST, None, None, SECOND]
    table = one_line(history_table(PLAN, history()))
    assert table.count("carga inicial=Informe I trimestre 2021;") == 3 and table.count("carga inicial=Migración SIGEP;") == 1


# -- the Merkle leaf covers it; every other leaf is unchanged ----------------------------------------

EVENT = Recorded(
    7, datetime(2021, 7, 1, 12, 30, tzinfo=timezone.utc), "Ana Pérez",
    Progress(code="1.1.2", percent=Decimal("45.5"), date=date(2021, 6, 30), note="Portal en pruebas"), "b" * 64,
    "Informe 2020",
)
EXPECTED = (  # tests/unit/test_canonical_form.py's event, with the key "initial_load" in its sorted place
    '{"actor":"Ana Pérez","aggregate":"%s","batch":"%s","data":{"code":"1.1.2","note":"Portal en pruebas",'
    '"percent":"45.5"},"date":"2021-06-30","initial_load":"Informe 2020","kind":"progress","plan":"DEMO-2021",'
    '"recorded_at":"2021-07-01T12:30:00Z","reference":null,"seq":7}'
) % (plan_id("DEMO-2021"), "b" * 64)


def test_the_canonical_form_of_a_fact_of_an_initial_load_holds_its_reference():
    event = canonical_event(PLAN, plan_id(PLAN), EVENT)
    assert canonical_bytes(event) == EXPECTED.encode("utf-8")
    assert event_leaf(PLAN, plan_id(PLAN), EVENT) == hashlib.sha256(b"\x00" + EXPECTED.encode("utf-8")).digest()
    # another reference, or none, is another leaf
    for other in ("Informe 2019", None):
        assert event_leaf(PLAN, plan_id(PLAN), attrs.evolve(EVENT, initial_load=other)) != event_leaf(PLAN, plan_id(PLAN), EVENT)
    # without one, the key is absent (the canonical form every event had before)
    assert "initial_load" not in canonical_event(PLAN, plan_id(PLAN), attrs.evolve(EVENT, initial_load=None))


def test_an_evidence_package_reads_the_reference_back():
    for r in history():
        assert recorded_from_canonical(canonical_event(PLAN, plan_id(PLAN), r)) == r


# -- the use-case: the reference given, or the batch id's short form ---------------------------------

ENTRIES = [base_approval(), progress("1.1", 20, "2021-03-31")]


def loaded(**options) -> list[Recorded]:
    ledger = memory_ledger()
    use_cases.apply_batches(ledger, [Batch("lote.yaml", PLAN, ENTRIES)], actor="tester", initial_load=True, **options)
    return ledger.history(PLAN)


def test_apply_marks_every_fact_with_the_reference_given():
    assert [r.initial_load for r in loaded(load_reference="  Informe I trimestre 2021 ")] == [FIRST, FIRST]


def test_apply_without_a_reference_uses_the_first_12_hex_digits_of_the_batch_id():
    expected = batch_id(PLAN, [parse_entry(e) for e in ENTRIES])[:12]
    found = loaded()
    assert [r.initial_load for r in found] == [expected, expected] and found[0].batch.startswith(expected)


def test_apply_without_the_flag_marks_nothing_and_refuses_a_reference_alone():
    ledger = memory_ledger()
    use_cases.apply_batches(ledger, [Batch("lote.yaml", PLAN, ENTRIES)], actor="tester")
    assert [r.initial_load for r in ledger.history(PLAN)] == [None, None]
    with pytest.raises(Refusal) as refused:
        use_cases.apply_batches(memory_ledger(), [Batch("lote.yaml", PLAN, ENTRIES)], load_reference="Informe")
    assert (refused.value.param, refused.value.message) == ("load_reference", "needs --initial-load")
    with pytest.raises(Refusal) as refused:
        use_cases.apply_batches(memory_ledger(), [Batch("lote.yaml", PLAN, ENTRIES)], initial_load=True, load_reference="  ")
    assert refused.value.param == "load_reference" and "non-empty text" in refused.value.message
