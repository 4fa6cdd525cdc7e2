"""Properties of the evaluation fold (hypothesis), on plans recorded in memory.

(a) Recording the same facts in another order gives the same figures once all are known.
(c) Evaluating with known_at before a fact's recorded time is evaluating the history without it.

(b), a batch that fails stores nothing, needs the real store: tests/integration/test_properties_store.py.
The strategies are in tests/support/strategies.py.
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from poa.domain.facts import Recorded
from poa.projections.evaluation import Note, NotInForce, evaluate
from support.strategies import AS_OF, FAR, KEY, YEAR, order_free_facts, record_all

# POA_HYP_EXAMPLES=1000 runs a longer search locally (the default keeps the file at a few seconds)
PROPERTY = settings(max_examples=int(os.environ.get("POA_HYP_EXAMPLES", "50")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _normal(value, order_free: bool):
    """Notes and recorded facts carry sequence numbers: with `order_free`, keep only what they say."""
    if order_free and isinstance(value, tuple) and value:
        if all(isinstance(v, Note) for v in value):
            return sorted((n.date, n.text) for n in value)
        if all(isinstance(v, Recorded) for v in value):
            return sorted(repr(r.fact) for r in value)
    return value


def figures(ev, *, order_free: bool):
    """What a reader of the evaluation sees, every field but known_at; with `order_free`, without what
    depends on the recording order (sequence numbers and recorded times, late-record warnings)."""
    seen = {}
    for f in attrs.fields(type(ev)):
        value = getattr(ev, f.name)
        if f.name == "known_at":
            continue
        if f.name in ("strategic_actions", "short_term_actions", "operations", "tasks"):
            value = [{k: _normal(v, order_free) for k, v in attrs.asdict(e, recurse=False).items()} for e in value]
        elif f.name == "warnings":
            value = [(w.kind, w.code, w.message) + (() if order_free else (w.seq,))
                     for w in value if not (order_free and w.kind == "late_record")]
            value = sorted(value, key=repr) if order_free else value
        else:
            value = _normal(value, order_free)
        seen[f.name] = value
    return seen


# -- (a) order of recording does not matter once all is known ----------------------------------


@PROPERTY
@given(data=order_free_facts(), rnd=st.randoms(use_true_random=False))
def test_same_facts_in_another_order_give_the_same_figures(data, rnd):
    approval, facts = data
    shuffled = list(facts)
    rnd.shuffle(shuffled)
    first = record_all(approval, facts)
    second = record_all(approval, shuffled)  # every fact is valid in any order: none may be refused
    assert len(first.history) == len(second.history) == len(facts) + 1
    for day in AS_OF:
        as_of = date.fromisoformat(day)
        a = evaluate(KEY, first.history, as_of, FAR)
        b = evaluate(KEY, second.history, as_of, FAR)
        assert figures(a, order_free=True) == figures(b, order_free=True), day


# -- (c) known_at before a fact's recorded time == the history without it -----------------------


@PROPERTY
@given(data=order_free_facts(), choice=st.data())
def test_known_at_before_a_fact_is_the_history_without_it(data, choice):
    approval, facts = data
    assume(facts)
    history = record_all(approval, facts).history
    k = choice.draw(st.integers(1, len(history) - 1), label="fact")  # index of a fact after the approval
    # any moment in [recorded_at of fact k−1, recorded_at of fact k): fact k and later are not yet known
    gap = (history[k].recorded_at - history[k - 1].recorded_at) // timedelta(microseconds=1)
    assert gap >= 1  # recorded times strictly increase
    # (drawn as a fraction of the gap: the gap itself comes from the clock, not from hypothesis)
    fraction = choice.draw(st.integers(0, 999_999), label="fraction of the gap, in millionths")
    known_at = history[k - 1].recorded_at + timedelta(microseconds=gap * fraction // 1_000_000)
    assert history[k - 1].recorded_at <= known_at < history[k].recorded_at
    for day in choice.draw(st.lists(st.sampled_from(AS_OF), min_size=1, max_size=3, unique=True), label="as_of"):
        as_of = date.fromisoformat(day)
        seen = evaluate(KEY, history, as_of, known_at)
        without = evaluate(KEY, history[:k], as_of, FAR)
        assert figures(seen, order_free=False) == figures(without, order_free=False)
        # and once fact k is known (exactly at its recorded time) it counts
        with_it = evaluate(KEY, history, as_of, history[k].recorded_at)
        assert figures(with_it, order_free=False) == figures(evaluate(KEY, history[: k + 1], as_of, FAR), order_free=False)
    # the last fact: without it is simply the history minus that fact
    last = history[-1]
    before_last = evaluate(KEY, history, date(YEAR, 12, 31), last.recorded_at - timedelta(microseconds=1))
    assert figures(before_last, order_free=False) == figures(evaluate(KEY, history[:-1], date(YEAR, 12, 31), FAR), order_free=False)


@settings(max_examples=20, deadline=None)
@given(data=order_free_facts())
def test_nothing_is_in_force_before_the_approval_is_known(data):
    approval, facts = data
    history = record_all(approval, facts).history
    with pytest.raises(NotInForce):
        evaluate(KEY, history, date(YEAR, 12, 31), history[0].recorded_at - timedelta(microseconds=1))
