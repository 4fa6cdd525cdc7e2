"""Batch identity: the content hash that lets the ledger refuse the same batch applied twice.

A batch id is the SHA-256 of the plan key and the batch's facts in a canonical
form (the entries as parsed, in order; numbers by value, so ``10`` and ``10.00``
are the same entry). It does not depend on the file's name, layout or comments,
nor on who applies it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from .facts import ADDED_LATER, Fact


def batch_id(plan: str, facts: Sequence[Fact]) -> str:
    """The id of the batch of `facts` recorded in `plan` (64 hex digits)."""
    canonical = json.dumps(
        {"plan": plan, "facts": [[fact.kind, _plain(fact)] for fact in facts]},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


SHORT_ID = 12  # hex digits of a batch id's short form


def short_batch_id(batch: str) -> str:
    """A batch id's short form: its first `SHORT_ID` hex digits (the default reference of an initial
    load, docs/design.md); `poa history --format json` gives the whole id, which starts with it."""
    return batch[:SHORT_ID]


def batch_ids(entries: Iterable[tuple[str, Fact]]) -> dict[str, str]:
    """Each plan's batch id among (plan, fact) entries, in the order the plans first come."""
    facts: dict[str, list[Fact]] = {}
    for plan, fact in entries:
        facts.setdefault(plan, []).append(fact)
    return {plan: batch_id(plan, found) for plan, found in facts.items()}


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, bool], ...] | None:
    """A value object class's fields: each name, and whether it was added later (`ADDED_LATER`);
    None for any other class."""
    if not attrs.has(cls):
        return None
    return tuple((f.name, bool(f.metadata.get(ADDED_LATER))) for f in attrs.fields(cls))


def _plain(value: object) -> object:
    """Value objects as JSON-ready plain values, numbers by value."""
    kind = type(value)
    if kind is str or kind is int or value is None:  # most fields: as they are
        return value
    fields = _fields(kind)
    if fields is not None:
        plain = {}
        for name, added_later in fields:
            field = getattr(value, name)
            if field is None:
                if not added_later:  # one added later and None is left out: the id it had before the field
                    plain[name] = None
            elif type(field) is str:
                plain[name] = field
            else:
                plain[name] = _plain(field)
        return plain
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
