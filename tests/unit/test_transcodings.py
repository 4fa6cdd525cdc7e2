"""The stored form of the plan's events (adapters/transcodings.py): a value object is stored as the
mapping of its fields, each value as the library's JSON transcoder writes it. `AttrsTranscoding`
hands the encoder a field's date, decimal, moment or UUID already written (``{"_type_", "_data_"}``),
to save the encoder a call back for each: the bytes must be exactly those the plain mapping gives,
since every stored event and snapshot was written so (and a commit's stamp is put into them in
place, adapters/commit_stamps.py)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path
from uuid import UUID

import attrs
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Transcoding, UUIDAsHex

from poa.adapters.batch_files import parse_text
from poa.adapters.transcodings import DateAsISO, register_values
from poa.domain.fact_kinds import VALUE_TYPES, parse_entry
from poa.domain.facts import Recorded, ReportIssued, ReportSeal
from poa.domain.plan import BatchRecord
from support.hostile_text import hostile_facts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MOMENT = datetime(2021, 7, 10, 12, 0, 1, 123456, tzinfo=timezone.utc)


class FieldsMapping(Transcoding):
    """The definition: a value object as the mapping of its fields, left to the encoder."""

    def __init__(self, cls: type):
        self.type, self.name = cls, f"poa.{cls.__name__}"

    def encode(self, obj) -> dict:
        return {f.name: getattr(obj, f.name) for f in attrs.fields(self.type)}

    def decode(self, data: dict):
        return self.type(**data)


def library_transcoder() -> JSONTranscoder:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):  # what the library's application registers
        transcoder.register(transcoding)
    return transcoder


def stored(fact) -> dict:
    """An event's state as the library's mapper encodes it, and a snapshot's recorded fact and batch."""
    recorded = Recorded(7, MOMENT, "tester", fact, "9f" * 32, "RA 1")
    return {
        "timestamp": MOMENT, "actor": "tester", "fact": fact, "batch": "9f" * 32, "initial_load": None,
        "facts": [recorded], "batches": {"9f" * 32: BatchRecord(recorded, 9, 2)}, "aggregate": UUID(int=7),
    }


def every_fact() -> list:
    facts = [fact for _actor, fact in hostile_facts()]
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        data = parse_text(path.read_text(encoding="utf-8"), path.name)
        if isinstance(data, dict) and "entries" in data:
            facts += [parse_entry(entry) for entry in data["entries"]]
    seal = ReportSeal("md", "ab" * 32, "eJwDAAAAAAE=")
    facts.append(ReportIssued("Q2", date(2021, 6, 30), "md", "9.9.9", MOMENT, (seal,)))
    return facts


def test_every_fact_is_stored_as_the_mapping_of_its_fields_byte_for_byte():
    ours = library_transcoder()
    register_values(ours)
    reference = library_transcoder()
    reference.register(DateAsISO())
    for cls in (*VALUE_TYPES, Recorded, BatchRecord):
        reference.register(FieldsMapping(cls))
    facts = every_fact()
    assert {type(f).__name__ for f in facts} >= {"Approval", "Progress", "Execution", "Reformulation", "ReportIssued"}
    for fact in facts:
        state = stored(fact)
        assert ours.encode(state) == reference.encode(state), fact
        assert ours.decode(ours.encode(state)) == state


def test_a_value_with_no_transcoding_is_still_refused_by_the_encoder():
    """Registered on a transcoder without the library's decimal transcoding, a decimal field is left
    to the encoder, which refuses it as it always did."""
    bare = JSONTranscoder()
    register_values(bare)
    fact = parse_entry({"progress": {"code": "1.1", "percent": "10", "date": "2021-03-31"}})
    try:
        bare.encode({"fact": fact})
    except Exception as error:  # noqa: BLE001 - the library's own error
        assert "Decimal" in str(error)
    else:
        raise AssertionError("a decimal with no transcoding was encoded")
