"""An event's canonical form, which its Merkle leaf hashes (adapters/merkle_log.py), is frozen: the
same event always gives these bytes, written out here by hand. Changing the form would change every
leaf hash of every store (docs/integrity.md, "Tamper evidence")."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from decimal import Decimal

from poa.adapters.merkle_log import canonical_bytes, canonical_event, event_leaf
from poa.domain.facts import Progress, Recorded
from poa.domain.plan import plan_id

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
