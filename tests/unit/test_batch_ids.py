"""A batch's id is the SHA-256 of its plan and facts as canonical JSON (domain/batches.py): every
field of every fact by name, numbers by value, dates as ISO text, and a field added later left out
when it is None (so a batch keeps the id it had before the field). The id is stored with each event
and compared on every write (a batch applied twice is refused): it must never change for the same
facts. Here it is computed again by the definition, straight from `attrs.fields`."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
from hypothesis import given, settings

from poa.adapters.batch_files import parse_text
from poa.domain.batches import batch_id
from poa.domain.fact_kinds import parse_entry
from poa.domain.facts import ADDED_LATER
from support.strategies import order_free_facts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def by_definition(value):
    if attrs.has(type(value)):
        return {
            f.name: by_definition(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if not (f.metadata.get(ADDED_LATER) and getattr(value, f.name) is None)
        }
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): by_definition(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [by_definition(v) for v in value]
    return value


def id_by_definition(plan: str, facts) -> str:
    data = {"plan": plan, "facts": [[fact.kind, by_definition(fact)] for fact in facts]}
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")).hexdigest()


def test_the_examples_batches_have_their_ids_by_definition():
    for path in sorted(EXAMPLES.glob("*.yaml")):
        facts = [parse_entry(e) for e in parse_text(path.read_text(encoding="utf-8"), path.name)["entries"]]
        assert batch_id("X-2021", facts) == id_by_definition("X-2021", facts), path.name


@settings(max_examples=150, deadline=None)
@given(order_free_facts())
def test_any_batch_has_its_id_by_definition(plan):
    approval, entries = plan
    facts = [parse_entry(e) for e in [approval, *entries]]
    assert batch_id("P-2021", facts) == id_by_definition("P-2021", facts)
