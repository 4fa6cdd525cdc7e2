"""A command's bulk work runs with Python's cyclic garbage collector paused (adapters/collector.py),
and leaves it as the caller had it, whether the work ends or fails."""

from __future__ import annotations

import gc

import pytest

from poa.adapters import use_cases
from poa.adapters.collector import collector_paused
from poa.adapters.batch_files import Batch
from poa.adapters.use_cases import Refusal, apply_batches


@pytest.fixture
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_within_and_resumed_after(collector_enabled):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_resumed_after_a_failure(collector_enabled):
    with pytest.raises(ZeroDivisionError), collector_paused():
        1 / 0
    assert gc.isenabled()


def test_left_paused_when_the_caller_had_paused_it(collector_enabled):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_a_batch_is_parsed_with_the_collector_paused(collector_enabled, monkeypatch, tmp_path):
    seen = []

    def parse_entry(entry):
        seen.append(gc.isenabled())
        raise use_cases.EntryError("code", "refused here: the batch goes no further")

    monkeypatch.setattr(use_cases, "parse_entry", parse_entry)
    with pytest.raises(Refusal):
        apply_batches(str(tmp_path / "poa.db"), [Batch("b.yaml", None, [{"progress": {}}])])
    assert seen == [False]
    assert gc.isenabled()
    assert not (tmp_path / "poa.db").exists()  # refused before any store is opened
