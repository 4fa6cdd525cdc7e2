"""How the values of the plan's events are stored: the JSON transcodings the ledger registers.

Their names are persisted with every event (``date_iso``, ``poa.<ClassName>``):
never rename one, and never rename a value class of `domain/facts.py`.
"""

from __future__ import annotations

from datetime import date

import attrs
from eventsourcing.persistence import JSONTranscoder, Transcoding

from poa.domain.fact_kinds import VALUE_TYPES
from poa.domain.facts import Recorded
from poa.domain.plan import BatchRecord


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class AttrsTranscoding(Transcoding):
    """Stores an attrs value object as the mapping of its fields (its name is persisted)."""

    def __init__(self, cls: type):
        self.type = cls
        self.name = f"poa.{cls.__name__}"

    def encode(self, obj) -> dict:
        return {f.name: getattr(obj, f.name) for f in attrs.fields(self.type)}

    def decode(self, data: dict):
        return self.type(**data)


def register_values(transcoder: JSONTranscoder) -> None:
    """Register dates, every value object stored in an event (`fact_kinds.VALUE_TYPES`), and what a
    plan's snapshot holds besides (its facts as recorded, its batches)."""
    transcoder.register(DateAsISO())
    for cls in (*VALUE_TYPES, Recorded, BatchRecord):
        transcoder.register(AttrsTranscoding(cls))
