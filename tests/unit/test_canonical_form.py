"""An event's canonical form, which its Merkle leaf hashes (adapters/merkle_log.py), is frozen: the
same event always gives these bytes, written out here by hand. Changing the form would change every
leaf hash of every store (docs/integrity.md, "Tamper evidence")."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from decimal import Decimal

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from poa.adapters.batch_files import parse_text
from poa.adapters.merkle_log import canonical_bytes, canonical_event, event_leaf
from poa.domain.fact_kinds import parse_entry
from poa.domain.facts import Progress, Recorded
from poa.domain.plan import plan_id
from support.hostile_text import hostile_facts

EVENT = Recorded(
    7, datetime(2021, 7, 1, 12, 30, tzinfo=timezone.utc), "Ana Pérez",
    Progress(code="1.1.2", percent=Decimal("45.5"), date=date(2021, 6, 30), note="Portal en pruebas"), "b" * 64,
)
EXPECTED = (
    '{"actor":"Ana Pérez","aggregate":"%s","batch":"%s","data":{"code":"1.1.2","note":"Portal en pruebas",'
    '"percent":"45.5"},"date":"2021-06-30","kind":"progress","plan":"DEMO-2021","recorded_at":"2021-07-01T12:30:00Z",'
    '"reference":null,"seq":7}'
) % (plan_id("DEMO-2021"), "b" * 64)


def test_the_canonical_bytes_of_an_event_are_these():
    assert canonical_bytes(canonical_event("DEMO-2021", plan_id("DEMO-2021"), EVENT)) == EXPECTED.encode("utf-8")


def test_its_leaf_is_sha256_of_0x00_and_those_bytes():
    expected = hashlib.sha256(b"\x00" + EXPECTED.encode("utf-8")).digest()
    assert event_leaf("DEMO-2021", plan_id("DEMO-2021"), EVENT) == expected


def test_every_figure_is_as_recorded_so_45_5_and_45_50_are_other_leaves():
    other = Recorded(EVENT.seq, EVENT.recorded_at, EVENT.actor, Progress("1.1.2", Decimal("45.50"), date(2021, 6, 30), "Portal en pruebas"), EVENT.batch)
    assert event_leaf("DEMO-2021", plan_id("DEMO-2021"), other) != event_leaf("DEMO-2021", plan_id("DEMO-2021"), EVENT)


# -- the leaf is written key by key (merkle_log._canonical_text): the same bytes as the generic form --

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FACTS = [fact for _actor, fact in hostile_facts()] + [
    parse_entry(entry)
    for path in sorted(EXAMPLES.glob("*.yaml"))
    for entry in parse_text(path.read_text(encoding="utf-8"), path.name)["entries"]
]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)  # lone surrogates are refused on input
NOTES = st.builds(
    Progress, code=st.sampled_from(["1", "1.1.2", "20.10.10.5"]), percent=st.decimals(0, 100, places=2),
    date=st.dates(date(2021, 1, 1), date(2021, 12, 31)), note=st.one_of(st.none(), TEXT),
)


@settings(max_examples=400, deadline=None)
@given(
    fact=st.one_of(st.sampled_from(FACTS), NOTES),
    plan=st.sampled_from(["DEMO-2021", "W1-2025", "Año-2024"]),
    seq=st.integers(1, 10**9),
    moment=st.datetimes(timezones=st.just(timezone.utc)),
    actor=TEXT, batch=st.one_of(st.none(), TEXT), load=st.one_of(st.none(), TEXT),
)
def test_every_leaf_hashes_the_generic_canonical_form(fact, plan, seq, moment, actor, batch, load):
    """Any fact, with any actor, batch and initial load (a reference comes with the fact's own fields)."""
    recorded = Recorded(seq, moment, actor, fact, batch, load)
    generic = json.dumps(canonical_event(plan, plan_id(plan), recorded), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert canonical_bytes(canonical_event(plan, plan_id(plan), recorded)) == generic.encode("utf-8")
    assert event_leaf(plan, plan_id(plan), recorded) == hashlib.sha256(b"\x00" + generic.encode("utf-8")).digest()
