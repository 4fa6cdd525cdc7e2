"""How the values of the plan's events are stored: the JSON transcodings the ledger registers.

Their names are persisted with every event (``date_iso``, ``poa.<ClassName>``):
never rename one, and never rename a value class of `domain/facts.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

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


SCALARS = frozenset({Decimal, date, datetime, UUID})  # the types whose transcodings store a string


class AttrsTranscoding(Transcoding):
    """Stores an attrs value object as the mapping of its fields (its name is persisted).

    `types`: the transcoder's transcodings by type (`JSONTranscoder.types`). A field holding a
    `SCALARS` value is given to the encoder already as the transcoder writes it, ``{"_type_": name,
    "_data_": text}``, the same bytes without the encoder calling back for it."""

    def __init__(self, cls: type, types: Mapping[type, Transcoding] | None = None):
        self.type = cls
        self.name = f"poa.{cls.__name__}"
        self._names = tuple(f.name for f in attrs.fields(cls))
        self._types = {} if types is None else types

    def encode(self, obj) -> dict:
        data = {}
        for name in self._names:
            value = getattr(obj, name)
            if type(value) in SCALARS:
                transcoding = self._types.get(type(value))
                if transcoding is not None:
                    value = {"_type_": transcoding.name, "_data_": transcoding.encode(value)}
            data[name] = value
        return data

    def decode(self, data: dict):
        return self.type(**data)


def register_values(transcoder: JSONTranscoder) -> None:
    """Register dates, every value object stored in an event (`fact_kinds.VALUE_TYPES`), and what a
    plan's snapshot holds besides (its facts as recorded, its batches)."""
    transcoder.register(DateAsISO())
    for cls in (*VALUE_TYPES, Recorded, BatchRecord):
        transcoder.register(AttrsTranscoding(cls, transcoder.types))
