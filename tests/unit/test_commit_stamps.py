"""A transaction's stamp is written into its events' stored state in place (adapters/commit_stamps.py
`stamped`), byte for byte what decoding, restamping and encoding each event again gives (`restamped`).

Pure: the in-memory store's mapper, no file.
"""

from __future__ import annotations

from datetime import datetime, timezone

from eventsourcing.persistence import StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from poa.adapters.commit_stamps import STAMPED_HEAD, restamped, stamped
from support.builders import memory_ledger, parse_entry, plan_of

APPROVAL = {"approve": {"entity": "E", "year": 2021, "date": "2021-01-04", "reference": "RA 1/2021",
                        "strategic_actions": [{"code": "1", "title": "A"}],
                        "short_term_actions": [{"code": "1.1", "parent": "1", "title": "B", "weight": "100"}],
                        "operations": [{"code": "1.1.1", "parent": "1.1", "title": "C", "budget": {"TGN": "10.50"}}],
                        "tasks": []}}
TEXTS = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)
MAPPER = memory_ledger().mapper


@settings(max_examples=100, deadline=None)
@given(text=TEXTS, actor=TEXTS, micro=st.integers(0, 999_999))
def test_the_stamp_put_in_place_is_the_event_encoded_again(text, actor, micro):
    plan = plan_of("P-2021", APPROVAL, actor=actor)
    plan.record(parse_entry({"result": {"date": "2021-03-31", "code": "1.1", "text": text}}), actor)
    plan.record(parse_entry({"progress": {"code": "1.1.1", "percent": "33.5", "date": "2021-03-31", "note": text}}), actor)
    events = [MAPPER.to_stored_event(e) for e in plan.pending_events]
    stamp = datetime(2026, 11, 26, 10, 0, 0, micro, tzinfo=timezone.utc)
    assert all(e.state.startswith(STAMPED_HEAD) for e in events)  # the in-place path is the one taken
    assert [e.state for e in stamped(events, stamp)] == [restamped(e, stamp).state for e in events]
    assert [MAPPER.to_domain_event(e).timestamp for e in stamped(events, stamp)] == [stamp] * len(events)


def test_a_state_that_is_not_an_event_of_this_application_is_stored_as_it_is():
    other = StoredEvent("5b5e0f4c-7d38-4a57-9d1e-2f0d5e7f8a11", 1, "x:Y", b"not json")
    assert stamped([other], datetime(2026, 1, 1, tzinfo=timezone.utc)) == [other]
