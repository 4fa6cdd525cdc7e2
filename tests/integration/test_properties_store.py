"""Property (b) of the ledger (hypothesis): a batch that fails stores nothing, on a real
store (a SQLite file, a PostgreSQL schema), and on a fresh view of it (a new `Ledger` on
the same store).

(The eventsourcing library's in-memory store cannot stand in for the real one here: the
ledger reads its own tables, such as each plan's committed version, on every load.)
"""

from __future__ import annotations

import os
import tempfile
from contextlib import closing
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.builders import Command, CommandError, open_store, parse_entry
from support.postgres import empty_store
from support.strategies import APPROVED_ON, DATES, KEY, YEAR, cents

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

FIXED_APPROVAL = {"approve": {
    "entity": "Entidad", "year": YEAR, "date": APPROVED_ON, "reference": "RA 1/2021",
    "strategic_actions": [{"code": "1", "title": "AEI 1"}, {"code": "2", "title": "AEI 2"}],
    "short_term_actions": [
        {"code": "1.1", "parent": "1", "title": "ACP 1.1", "weight": 60},
        {"code": "2.1", "parent": "2", "title": "ACP 2.1", "weight": 40},
    ],
    "operations": [
        {"code": "1.1.1", "parent": "1.1", "title": "Op", "budget": {"TGN": 100}},
        {"code": "1.1.2", "parent": "1.1", "title": "Op", "budget": {"TGN": 200, "Otros": 50}},
        {"code": "2.1.1", "parent": "2.1", "title": "Op", "budget": {"Otros": 70}},
    ],
    "tasks": [{"code": "1.1.1.1", "parent": "1.1.1", "title": "Tarea"}],
}}
# always in the prefix: progress of 1.1.1.1 on 30 Jun, and 2.1.1 cancelled from 1 Aug
PREFIX_FIXED = [
    {"progress": {"code": "1.1.1.1", "percent": 40, "date": "2021-06-30"}},
    {"reformulate": {"date": "2021-08-01", "reference": "RD 1/2021", "reason": "cierre",
                     "changes": [{"cancel": {"code": "2.1.1"}}]}},
]
# each is refused wherever it stands among valid entries (None: the entry is for another plan)
INVALID = {
    "unknown code": {"progress": {"code": "9.9.9", "percent": 10, "date": "2021-06-30"}},
    "progress on a strategic action": {"progress": {"code": "1", "percent": 10, "date": "2021-06-30"}},
    "date outside the year": {"progress": {"code": "1.1", "percent": 10, "date": "2022-01-01"}},
    "date before the approval": {"progress": {"code": "1.1", "percent": 10, "date": "2021-01-02"}},
    "execution on a task": {"execution": {"code": "1.1.1.1", "amount": 5, "date": "2021-06-30"}},
    "execution on unknown code": {"execution": {"code": "7", "amount": 5, "date": "2021-06-30"}},
    "negative budget": {"budget": {"code": "1.1.1", "source": "TGN", "amount": "-100.01", "date": "2021-03-01",
                                   "reference": "RA 3/2021", "reason": "recorte"}},
    "negative budget line": {"reformulate": {"date": "2021-12-31", "reference": "RD 9/2021", "reason": "x",
                                             "changes": [{"budget": {"code": "1.1.1", "source": "TGN", "amount": "-100.01"}}]}},
    "second approval": FIXED_APPROVAL,
    "backdated cancellation breaking recorded progress": {
        "reformulate": {"date": "2021-05-01", "reference": "RD 8/2021", "reason": "x", "changes": [{"cancel": {"code": "1.1.1"}}]}},
    "progress on a cancelled element": {"progress": {"code": "2.1.1", "percent": 10, "date": "2021-08-15"}},
    "weight of a strategic action": {
        "reformulate": {"date": "2021-05-01", "reference": "RD 7/2021", "reason": "x", "changes": [{"update": {"code": "1", "weight": 5}}]}},
    "duplicate code": {
        "reformulate": {"date": "2021-05-01", "reference": "RD 6/2021", "reason": "x",
                        "changes": [{"add": {"kind": "operation", "code": "1.1.2", "parent": "1.1", "title": "otra"}}]}},
    "publication of an operation as a short-term action": {
        "publish": {"reference": "Informe T2", "issued": "2021-07-10", "date": "2021-06-30",
                    "declared": {"physical_progress_pct": "41.5"}, "short_term_actions": {"1.1.1": {"progress_pct": 10}}}},
    "plan not in the store": None,
}


@st.composite
def valid_records(draw, max_size):
    """Entries valid at any position after the fixed prefix: they never spend budget (no negatives)."""
    entry = st.one_of(
        st.builds(lambda c, p, d: {"progress": {"code": c, "percent": cents(p), "date": d}},
                  st.sampled_from(["1.1", "2.1", "1.1.1", "1.1.2", "1.1.1.1"]), st.integers(0, 10_000), st.sampled_from(DATES)),
        st.builds(lambda c, a, d, s: {"execution": {"code": c, "amount": cents(a), "date": d, **({"source": s} if s else {})}},
                  st.sampled_from(["1.1", "2.1", "1.1.1", "1.1.2", "2.1.1"]), st.integers(0, 100_000), st.sampled_from(DATES),
                  st.sampled_from([None, "TGN", "Otros"])),
        st.builds(lambda c, a, d: {"budget": {"code": c, "source": "Otros", "amount": cents(a), "date": d,
                                              "reference": "RA 5/2021", "reason": "incremento"}},
                  st.sampled_from(["1.1.1", "1.1.2", "2.1.1"]), st.integers(1, 100_000), st.sampled_from(DATES)),
        st.builds(lambda c, d: {"result": {**({"code": c} if c else {}), "date": d, "text": "resultado"}},
                  st.sampled_from([None, "1", "1.1", "2.1.1"]), st.sampled_from(DATES)),
        st.builds(lambda d, p: {"publish": {"reference": "Informe", "issued": "2021-12-31", "date": d,
                                            "declared": {"physical_progress_pct": cents(p)},
                                            "short_term_actions": {"1.1": {"progress_pct": cents(p)}}}},
                  st.sampled_from(DATES), st.integers(0, 10_000)),
    )
    return draw(st.lists(entry, max_size=max_size))


# store_kind (a text) and request (asked only for the session's server) hold no state an example could change
@settings(max_examples=int(os.environ.get("POA_HYP_EXAMPLES", "30")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(prefix=valid_records(4), batch=valid_records(6), invalid=st.sampled_from(sorted(INVALID)), where=st.data())
def test_a_batch_that_fails_stores_nothing(store_kind, request, prefix, batch, invalid, where):
    position = where.draw(st.integers(0, len(batch)), label="position of the invalid entry")
    with tempfile.TemporaryDirectory() as folder, empty_store(store_kind, Path(folder), request) as path, \
            closing(open_store(path, create=True)) as ledger:
        commands = [Command(KEY, parse_entry(e), "tester", "prefix", i)
                    for i, e in enumerate([FIXED_APPROVAL, *PREFIX_FIXED, *prefix], 1)]
        ledger.record(commands)
        before = ledger.history(KEY)
        stored_before = len(ledger.recorder.select_notifications(1, 10_000))
        assert stored_before == len(before) == len(commands)

        bad = (Command("OTHER-2021", parse_entry(INVALID["unknown code"]), "tester", "batch", 0)
               if INVALID[invalid] is None else Command(KEY, parse_entry(INVALID[invalid]), "tester", "batch", 0))
        good = [Command(KEY, parse_entry(e), "tester", "batch", 0) for e in batch]
        entries = [*good[:position], bad, *good[position:]]
        entries = [attrs.evolve(c, entry=i) for i, c in enumerate(entries, 1)]

        with pytest.raises(CommandError) as refused:
            ledger.record(entries)
        assert refused.value.command.entry == position + 1, (invalid, str(refused.value))

        assert ledger.history(KEY) == before
        assert len(ledger.recorder.select_notifications(1, 10_000)) == stored_before
        with closing(open_store(path, create=False)) as fresh:
            assert fresh.history(KEY) == before
            assert len(fresh.recorder.select_notifications(1, 10_000)) == stored_before
            assert [k for k, _ in fresh.plans()] == [KEY]

            # the valid part alone is accepted, numbered right after what was stored: no seq was used up
            if good:
                fresh.record(good)
                with closing(open_store(path, create=False)) as reread:
                    after = reread.history(KEY)
                assert [r.seq for r in after] == list(range(1, len(before) + len(good) + 1))
                assert after[: len(before)] == before
                assert [r.fact for r in after[len(before):]] == [c.fact for c in good]


def test_a_failing_batch_that_approves_a_new_plan_creates_nothing(store_name):
    entries = [FIXED_APPROVAL, {"progress": {"code": "1.1", "percent": 10, "date": "2021-06-30"}}, INVALID["negative budget"]]
    with closing(open_store(store_name, create=True)) as ledger, pytest.raises(CommandError):
        ledger.record([Command(KEY, parse_entry(e), "tester", "b", i) for i, e in enumerate(entries, 1)])
    with closing(open_store(store_name, create=False)) as fresh:
        assert fresh.plans() == []
        assert len(fresh.recorder.select_notifications(1, 100)) == 0
