"""Sealed issued reports (issue 11, point 3; docs/design.md, "Issued reports") on the in-memory store.

`poa report --issue` renders the report in every format of `formats.REPORT` as known at the
settled "now", then records a `ReportIssued` holding the program's version, that moment and,
per format, the SHA-256 of the bytes and the bytes (zlib, base64). Expected values are computed
here with hashlib, zlib and base64 over what the renderers give, never read from the seal.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from datetime import date, datetime, timezone
from importlib import metadata

import attrs
import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder

from poa.domain.settings import Signatures
from poa.domain.catalogue import use_language
from poa.projections.trend import with_trend
from poa.adapters import formats
from poa.adapters import use_cases as uc
from poa.adapters.report_json import fact_fields, history_fields, issued_report_to_dict, recorded_to_dict
from poa.adapters.store_errors import StoreDamaged
from poa.adapters.transcodings import AttrsTranscoding, register_values
from poa.adapters.use_cases import Refusal
from poa.domain.facts import Recorded, ReportIssued, ReportSeal
from poa.projections.evaluation import evaluate
from poa.projections.issued import issued_view

from support.builders import Command, base_approval, memory_ledger, progress, record

PLAN = "T-2021"
Q2 = "2021-06-30"
MOMENT = datetime(2021, 7, 10, 12, 0, 0, 123456, tzinfo=timezone.utc)


@pytest.fixture
def ledger():
    ledger = memory_ledger()
    record(ledger, PLAN, base_approval())
    record(ledger, PLAN, progress("1.1.2", 60, "2021-03-31"), progress("1.2.1", 50, "2021-06-30"))
    return ledger


def by_hand(fmt: str, content: bytes) -> ReportSeal:
    return ReportSeal(fmt, hashlib.sha256(content).hexdigest(), base64.b64encode(zlib.compress(content)).decode())


def sealed_record(seq: int = 9, **fields) -> Recorded:
    """An issued report recorded by hand: sealed in md and json with the bytes given."""
    seals = fields.pop("seals", (by_hand("md", b"# Informe\n"), by_hand("json", b'{"a": 1}\n')))
    fact = ReportIssued("Q2", date(2021, 6, 30), "md", "9.9.9", MOMENT, seals, **fields)
    return Recorded(seq, datetime(2021, 7, 10, 12, 0, 1, tzinfo=timezone.utc), "tester", fact)


# -- the seal itself ------------------------------------------------------------------------------


def test_a_seal_holds_the_sha256_and_the_compressed_bytes_as_text():
    content = "Informe Q2 — avance físico 56,33 %\n".encode()
    s = uc.seal("md", content)
    assert s.format == "md" and s.sha256 == hashlib.sha256(content).hexdigest()
    assert isinstance(s.zlib_base64, str) and zlib.decompress(base64.b64decode(s.zlib_base64)) == content
    assert uc.unseal(s) == content


@pytest.mark.parametrize(
    "broken",
    [
        lambda s: attrs.evolve(s, sha256="0" * 64),  # the hash rewritten
        lambda s: attrs.evolve(s, zlib_base64=by_hand("md", b"otro texto\n").zlib_base64),  # the bytes rewritten
        lambda s: attrs.evolve(s, zlib_base64="no es base64!"),
        lambda s: attrs.evolve(s, zlib_base64=base64.b64encode(b"not zlib").decode()),
    ],
)
def test_a_seal_that_does_not_hold_its_bytes_is_broken(broken):
    s = broken(uc.seal("md", b"# Informe\n"))
    with pytest.raises(uc.SealBroken, match="sealed md bytes"):
        uc.unseal(s)
    printed = sealed_record(seals=(s,))
    with pytest.raises(StoreDamaged) as damaged:
        uc.sealed_bytes(printed, "md")
    assert "'Q2'" in str(damaged.value) and "md" in str(damaged.value) and "damaged" in str(damaged.value)


def test_a_seal_that_decompresses_beyond_a_report_s_size_or_is_cut_short_is_broken(monkeypatch):
    """A tampered seal may hold a compression bomb: it is never inflated past the limit."""
    monkeypatch.setattr(uc, "SEALED_MAX_BYTES", 1000)
    bomb = base64.b64encode(zlib.compress(b"0" * 5000)).decode()
    with pytest.raises(uc.SealBroken, match="at most 1000 bytes"):
        uc.unseal(ReportSeal("md", hashlib.sha256(b"0" * 5000).hexdigest(), bomb))
    cut = base64.b64encode(zlib.compress(b"# Informe\n")[:-4]).decode()
    with pytest.raises(uc.SealBroken):
        uc.unseal(ReportSeal("md", hashlib.sha256(b"# Informe\n").hexdigest(), cut))
    assert uc.unseal(uc.seal("md", b"0" * 1000)) == b"0" * 1000  # up to the limit


def test_the_seal_fields_are_stored_as_plain_json_and_read_back():
    transcoder = JSONTranscoder()
    transcoder.register(DatetimeAsISO())
    register_values(transcoder)
    fact = sealed_record().fact
    stored = transcoder.encode({"fact": fact})
    assert b"zlib_base64" in stored and b"poa.ReportSeal" in stored
    assert transcoder.decode(stored)["fact"] == fact


def test_a_fact_stored_before_the_seal_reads_back_unsealed():
    """An event stored by an earlier version holds reference, date and format only."""
    old = AttrsTranscoding(ReportIssued).decode({"reference": "Q2", "date": date(2021, 6, 30), "format": "json"})
    assert (old.program_version, old.known_at, old.seals, old.sealed) == (None, None, None, False)
    assert old.seal("json") is None
    recorded = Recorded(9, MOMENT, "tester", old)
    assert issued_view(recorded).known_at == MOMENT  # its recorded time, as before
    assert fact_fields(old) == {"reference": "Q2", "date": "2021-06-30", "format": "json"}  # as before
    listed = issued_report_to_dict(recorded)
    assert (listed["sealed"], listed["program_version"], listed["sha256"]) == (False, None, None)
    assert listed["known_at"] == listed["recorded_at"] == "2021-07-10T12:00:00.123456Z"


def test_the_view_of_a_sealed_report_is_its_own_known_at():
    printed = sealed_record()
    assert issued_view(printed).known_at == MOMENT < printed.recorded_at


def test_the_history_shows_the_hashes_and_never_the_bytes():
    printed = sealed_record()
    full = fact_fields(printed.fact)
    assert full["seals"]["md"]["zlib_base64"] == printed.fact.seal("md").zlib_base64  # the fact as it is
    shown = history_fields(printed.fact)
    assert shown["seals"] == {
        "md": {"sha256": hashlib.sha256(b"# Informe\n").hexdigest()},
        "json": {"sha256": hashlib.sha256(b'{"a": 1}\n').hexdigest()},
    }
    assert (shown["program_version"], shown["known_at"]) == ("9.9.9", "2021-07-10T12:00:00.123456Z")
    event = recorded_to_dict(PLAN, printed)
    assert "zlib_base64" not in repr(event) and event["data"]["seals"] == shown["seals"]
    listed = issued_report_to_dict(printed)
    assert listed["sha256"] == hashlib.sha256(b"# Informe\n").hexdigest() and listed["sealed"] is True


# -- issuing and reproducing on the real ledger (in memory) ---------------------------------------


def test_issuing_seals_every_format_as_known_before_the_fact_is_recorded(ledger):
    issued = uc.issue_report(ledger, PLAN, "INF-Q2", as_of=Q2, format="md")
    r = ledger.history(PLAN)[-1]
    fact = r.fact
    assert r == issued.issued and fact.program_version == metadata.version("poa-ledger")
    assert fact.known_at < r.recorded_at and issued.evaluation.known_at == fact.known_at
    assert [s.format for s in fact.seals] == list(formats.SEALED) == [f for f in formats.REPORT if f != "pdf"]
    # each format: what the renderer gives for the view (evaluated here, apart, with its trend), hashed here
    history = ledger.history(PLAN)
    expected = with_trend(evaluate(PLAN, history, date(2021, 6, 30), fact.known_at), history)
    for fmt in formats.SEALED:
        content = formats.rendered(formats.REPORT, fmt, expected)
        assert fact.seal(fmt).sha256 == hashlib.sha256(content).hexdigest(), fmt
        assert zlib.decompress(base64.b64decode(fact.seal(fmt).zlib_base64)) == content, fmt
    assert issued.content == formats.REPORT["md"](expected, False).encode("utf-8")


def test_the_issued_report_does_not_count_its_own_issue_fact(ledger):
    """Rendered before it was recorded: as known at its recorded time (the old view) the report
    differs only by its known_at, the issue fact itself counting for nothing in a report."""
    uc.issue_report(ledger, PLAN, "INF-Q2", as_of=Q2, format="json")
    r = ledger.history(PLAN)[-1]
    at_issue = evaluate(PLAN, ledger.history(PLAN), date(2021, 6, 30), r.recorded_at)
    assert attrs.evolve(at_issue, known_at=r.fact.known_at) == uc.reproduce_report(ledger, PLAN, "INF-Q2").evaluation


def test_reproducing_gives_the_sealed_bytes_even_when_a_renderer_changed(ledger, monkeypatch):
    issued = uc.issue_report(ledger, PLAN, "INF-Q2", as_of=Q2, format="json")
    record(ledger, PLAN, progress("2.1.1", 90, "2021-03-31"))  # recorded later, dated within the view
    original = formats.REPORT["json"]
    monkeypatch.setitem(formats.REPORT, "json", lambda ev, raw: original(ev, raw) + '{"nuevo": true}\n')
    again = uc.reproduce_report(ledger, PLAN, "INF-Q2")
    assert again.content == issued.content and again.notes == ()
    checked = uc.rerender_report(ledger, PLAN, "INF-Q2")
    assert not checked.identical
    assert [(c.format, c.identical) for c in checked.checks] == [
        (fmt, fmt != "json") for fmt in ("table", "json", "csv", "md", "html", "xlsx")
    ]
    text = formats.rerendering_text(checked)
    assert "json: DIFFERS" in text and '+{"nuevo": true}' in text and "verdict: DIFFERS" in text
    monkeypatch.undo()
    assert uc.rerender_report(ledger, PLAN, "INF-Q2").identical


def test_a_report_issued_before_the_seal_is_rendered_again_and_cannot_be_rerendered(ledger):
    ledger.record([Command(PLAN, ReportIssued("VIEJO", date(2021, 6, 30), "json"), "tester", "test", 0)])
    old = uc.reproduce_report(ledger, PLAN, "VIEJO")
    assert "was not sealed" in old.notes[0]
    r = ledger.history(PLAN)[-1]
    assert old.evaluation == evaluate(PLAN, ledger.history(PLAN), date(2021, 6, 30), r.recorded_at)
    # rendered again in its own format, in Spanish (issued before languages were recorded) whatever the current one
    with use_language("en"):
        again = uc.reproduce_report(ledger, PLAN, "VIEJO", format="md")
    assert again.content == formats.rendered(formats.REPORT, "md", old.evaluation) and "Cuadro N° 1" in again.content.decode()
    assert old.content == formats.rendered(formats.REPORT, "json", old.evaluation)
    with pytest.raises(Refusal) as refused:
        uc.rerender_report(ledger, PLAN, "VIEJO")
    assert refused.value.param == "rerender" and "not sealed" in refused.value.message


def test_a_report_is_issued_with_its_signatures_and_its_language_and_keeps_them(ledger):
    names = Signatures(prepared_by="Lic. Ana Quispe", approved_by="Ing. Luis Mamani")
    with use_language("en"):
        issued = uc.issue_report(ledger, PLAN, "INF-Q2-EN", as_of=Q2, format="html", signatures=names)
    fact = ledger.history(PLAN)[-1].fact
    assert (fact.language, fact.decimal_mark, fact.signatures) == ("en", "point", names)
    html = issued.content.decode()
    assert "Lic. Ana Quispe" in html and "Ing. Luis Mamani" in html and "Prepared by" in html
    # reproduced, and rendered again, in English with its names, whatever the current language
    assert uc.reproduce_report(ledger, PLAN, "INF-Q2-EN").content == issued.content
    assert uc.rerender_report(ledger, PLAN, "INF-Q2-EN").identical
    with pytest.raises(Refusal) as refused:
        uc.report(ledger, PLAN, issued="INF-Q2-EN", signatures=Signatures(reviewed_by="Otro"))
    assert refused.value.param == "reviewed_by"  # the option given: --reviewed-by
    # the history shows the names given, and only them
    assert history_fields(fact)["signatures"] == {"prepared_by": "Lic. Ana Quispe", "approved_by": "Ing. Luis Mamani"}
