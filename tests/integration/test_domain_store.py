"""The domain's promises about recorded time, through the real store and the CLI (in-process):
recorded_at keeps increasing after a plan is reloaded from the store (one stamp per
transaction, the facts read back exactly), and `--known-at DATE` means the end of that day.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from poa.domain.facts import Approval, Progress
from support.builders import UTC, base_approval, open_store, parse_entry, progress, record

pytestmark = pytest.mark.both_stores  # the store tests run on SQLite and on PostgreSQL

KEY = "T-2021"


def test_recorded_at_keeps_increasing_after_reloading_from_the_store(ledger, store_name):
    record(ledger, KEY, base_approval(), progress("1.2", 1, "2021-06-30"))
    again = open_store(store_name, create=True)
    record(again, KEY, progress("1.2", 2, "2021-06-30"), progress("1.2", 3, "2021-06-30"))
    again.close()
    reloaded = open_store(store_name, create=False)
    history = reloaded.history(KEY)
    reloaded.close()
    assert [r.seq for r in history] == [1, 2, 3, 4]
    # one stamp per transaction (its commit time), later for the later transaction
    assert history[0].recorded_at == history[1].recorded_at < history[2].recorded_at == history[3].recorded_at
    assert isinstance(history[0].fact, Approval) and isinstance(history[3].fact, Progress)
    # the store gives back exactly the facts recorded, with exact decimals and dates
    assert history[3].fact == parse_entry(progress("1.2", 3, "2021-06-30"))


def test_cli_known_at_bare_date_is_end_of_that_day(poa, tmp_path):
    """`poa report --known-at DATE`: everything recorded that day (UTC) is known, the day before nothing."""
    batch = {"plan": KEY, "entries": [base_approval(), progress("1.2", 20, "2021-03-31")]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(batch))
    assert poa("apply", str(path)).returncode == 0
    history = poa.json("history")["events"]
    recorded_day = datetime.fromisoformat(history[-1]["recorded_at"]).astimezone(UTC).date()
    same_day = poa.json("report", "--as-of", "2021-12-31", "--known-at", recorded_day.isoformat())
    assert same_day["short_term_actions"][1]["progress_pct"] == "20.00"
    first_day = datetime.fromisoformat(history[0]["recorded_at"]).astimezone(UTC).date()
    before = poa("report", "--as-of", "2021-12-31", "--known-at", (first_day - timedelta(days=1)).isoformat())
    assert before.returncode == 2
    assert "not in force" in before.stderr and "Traceback" not in before.stderr
