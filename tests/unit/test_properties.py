"""Properties of the ledger (hypothesis).

(a) Recording the same facts in another order gives the same figures once all are known.
(b) A batch that fails stores nothing (real SQLite store, and a fresh process view of it).
(c) Evaluating with known_at before a fact's recorded time is evaluating the history without it.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from poa.adapters.store import Command, CommandError, open_ledger
from poa.domain.entries import parse_entry
from poa.domain.facts import Recorded
from poa.domain.plan import Plan
from poa.projections.evaluation import Note, NotInForce, evaluate

UTC = timezone.utc
FAR = datetime(2100, 1, 1, tzinfo=UTC)
KEY = "P-2021"
YEAR = 2021
APPROVED_ON = "2021-01-04"
DATES = ["2021-01-04", "2021-02-15", "2021-03-31", "2021-05-20", "2021-06-30",
         "2021-08-10", "2021-09-30", "2021-11-30", "2021-12-31"]
AS_OF = ["2021-01-04", "2021-03-30", "2021-03-31", "2021-05-20", "2021-06-30", "2021-07-01",
         "2021-09-30", "2021-12-31"]
SOURCES = ["TGN", "Otros"]

# POA_HYP_EXAMPLES=1000 runs a longer search locally (the default keeps the file at a few seconds)
PROPERTY = settings(max_examples=int(os.environ.get("POA_HYP_EXAMPLES", "50")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def cents(n: int) -> str:
    """An exact amount with two places, written as text (as a batch file would)."""
    return str(Decimal(n).scaleb(-2))


# -- strategies -------------------------------------------------------------------------------


@st.composite
def structures(draw):
    """An approve entry for a small valid plan, and the codes of its elements by kind."""
    sas = [{"code": str(i), "title": f"AEI {i}"} for i in range(1, draw(st.integers(1, 2)) + 1)]
    acps, ops, tasks = [], [], []
    for a in range(1, draw(st.integers(1, 4)) + 1):
        parent = draw(st.sampled_from(sas))["code"]
        acp = {"code": f"{parent}.{a}", "parent": parent, "title": f"ACP {a}",
               "weight": cents(draw(st.sampled_from([0, 100, 1000, 2500, 3333, 4000])))}
        if draw(st.booleans()):
            q = sorted(draw(st.lists(st.integers(0, 100), min_size=3, max_size=3)))
            acp["schedule"] = [*q, 100]
        acps.append(acp)
        for o in range(1, draw(st.integers(0, 2)) + 1):
            op = {"code": f"{acp['code']}.{o}", "parent": acp["code"], "title": f"Op {o}"}
            weight = draw(st.one_of(st.none(), st.integers(0, 3)))
            if weight is not None:
                op["weight"] = weight
            op["budget"] = {s: cents(draw(st.integers(0, 1_000_000)))
                            for s in draw(st.lists(st.sampled_from(SOURCES), unique=True))}
            ops.append(op)
            for t in range(1, draw(st.integers(0, 2)) + 1):
                task = {"code": f"{op['code']}.{t}", "parent": op["code"], "title": f"Tarea {t}"}
                weight = draw(st.one_of(st.none(), st.integers(0, 2)))
                if weight is not None:
                    task["weight"] = weight
                tasks.append(task)
    approval = {"approve": {"entity": "Entidad", "year": YEAR, "date": APPROVED_ON, "reference": "RA 1/2021",
                            "strategic_actions": sas, "short_term_actions": acps, "operations": ops, "tasks": tasks}}
    return approval, {"sa": sas, "acp": acps, "op": ops, "task": tasks}


def _parents(elements: dict) -> dict[str, str | None]:
    return {e["code"]: e.get("parent") for kind in elements.values() for e in kind}


def _ancestors_or_self(code: str, parents: dict) -> list[str]:
    found = []
    while code is not None:
        found.append(code)
        code = parents[code]
    return found


@st.composite
def order_free_facts(draw):
    """A plan and facts valid in ANY recording order, with distinct keys so that order is irrelevant.

    - progress: distinct (code, date); never on a strategic action, never on or after a cancellation;
    - execution: distinct (code, date, source) on operations and short-term actions;
    - budget changes: any positive ones, and negative ones whose total per (operation, source)
      is at most the approved amount, so no subset (no recording order) can go negative;
    - reformulations: distinct dates; weight / schedule updates, budget lines, at most a few
      cancellations of non-nested elements, with no update of a cancelled element on/after its date;
    - results and justifications.
    """
    approval, el = draw(structures())
    parents = _parents(el)
    acp_codes = [e["code"] for e in el["acp"]]
    op_codes = [e["code"] for e in el["op"]]
    task_codes = [e["code"] for e in el["task"]]
    progress_codes = acp_codes + op_codes + task_codes
    approved = {(o["code"], s): Decimal(a) for o in el["op"] for s, a in o["budget"].items()}
    negative_room = dict(approved)

    def budget_amount(code):
        """A signed amount that keeps every (operation, source) ≥ 0 whatever the order."""
        source = draw(st.sampled_from(SOURCES + ["Otros2"]))
        room = negative_room.get((code, source), Decimal(0))
        if room > 0 and draw(st.booleans()):
            amount = -Decimal(cents(draw(st.integers(1, int(room * 100)))))
            negative_room[(code, source)] = room + amount
        else:
            amount = Decimal(cents(draw(st.integers(1, 500_000))))
        return source, str(amount)

    # reformulations: distinct dates
    reformulations = []
    cancelled: dict[str, date] = {}
    ref_dates = draw(st.lists(st.sampled_from(DATES), unique=True, max_size=3))
    for n, day in enumerate(ref_dates, 1):
        changes = []
        for _ in range(draw(st.integers(1, 3))):
            what = draw(st.sampled_from(["weight", "schedule", "budget", "cancel"]))
            if what == "weight" and progress_codes:
                changes.append({"update": {"code": draw(st.sampled_from(progress_codes)),
                                           "weight": draw(st.integers(0, 50))}})
            elif what == "schedule" and acp_codes:
                q = sorted(draw(st.lists(st.integers(0, 100), min_size=3, max_size=3)))
                changes.append({"update": {"code": draw(st.sampled_from(acp_codes)), "schedule": [*q, 100]}})
            elif what == "budget" and op_codes:
                code = draw(st.sampled_from(op_codes))
                source, amount = budget_amount(code)
                changes.append({"budget": {"code": code, "source": source, "amount": amount}})
            elif what == "cancel" and progress_codes:
                code = draw(st.sampled_from(progress_codes))
                nested = any(c in _ancestors_or_self(code, parents) or code in _ancestors_or_self(c, parents)
                             for c in cancelled)
                if not nested:
                    cancelled[code] = date.fromisoformat(day)
                    changes.append({"cancel": {"code": code}})
        if changes:
            reformulations.append((day, changes, n))

    def cancelled_on(code: str) -> date | None:
        days = [cancelled[c] for c in _ancestors_or_self(code, parents) if c in cancelled]
        return min(days) if days else None

    def still_active(code: str, day: str) -> bool:
        gone = cancelled_on(code)
        return gone is None or date.fromisoformat(day) < gone

    facts = []
    for day, changes, n in reformulations:
        # an update of an element cancelled at or before the reformulation's date would be refused
        kept = [c for c in changes if "update" not in c or still_active(c["update"]["code"], day)]
        # the cancellation of an element goes after any update of it within the same reformulation
        kept.sort(key=lambda c: "cancel" in c)
        if kept:
            facts.append({"reformulate": {"date": day, "reference": f"RD {n}/2021", "reason": "reformulación",
                                          "changes": kept}})

    if progress_codes:
        keys = draw(st.lists(st.tuples(st.sampled_from(progress_codes), st.sampled_from(DATES)),
                             unique=True, max_size=10))
        for code, day in keys:
            if still_active(code, day):
                body = {"code": code, "percent": cents(draw(st.integers(0, 10_000))), "date": day}
                facts.append({"progress": body})
    if op_codes or acp_codes:
        keys = draw(st.lists(st.tuples(st.sampled_from(op_codes + acp_codes), st.sampled_from(DATES),
                                       st.sampled_from([None, *SOURCES])), unique=True, max_size=8))
        for code, day, source in keys:
            body = {"code": code, "amount": cents(draw(st.integers(0, 2_000_000))), "date": day}
            if source:
                body["source"] = source
            facts.append({"execution": body})
    for _ in range(draw(st.integers(0, 4)) if op_codes else 0):
        code = draw(st.sampled_from(op_codes))
        source, amount = budget_amount(code)
        facts.append({"budget": {"code": code, "source": source, "amount": amount,
                                 "date": draw(st.sampled_from(DATES)), "reference": "RA 2/2021", "reason": "traspaso"}})
    all_codes = [e["code"] for kind in el.values() for e in kind]
    for kind in ("result", "justify")[: draw(st.integers(0, 2))]:
        body = {"date": draw(st.sampled_from(DATES)), "text": f"texto {kind}"}
        code = draw(st.one_of(st.none(), st.sampled_from(all_codes)))  # none: a note on the plan as a whole
        if code is not None:
            body["code"] = code
        facts.append({kind: body})
    return approval, facts


def record_all(approval: dict, entries: list[dict]) -> Plan:
    plan = Plan.approve(KEY, parse_entry(approval), "tester")
    for entry in entries:
        plan.record(parse_entry(entry), "tester")
    return plan


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


# -- (b) a batch that fails stores nothing -------------------------------------------------------

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


@settings(max_examples=int(os.environ.get("POA_HYP_EXAMPLES", "30")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=valid_records(4), batch=valid_records(6), invalid=st.sampled_from(sorted(INVALID)), where=st.data())
def test_a_batch_that_fails_stores_nothing(prefix, batch, invalid, where):
    position = where.draw(st.integers(0, len(batch)), label="position of the invalid entry")
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "poa.db")
        ledger = open_ledger(path, create=True)
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
        fresh = open_ledger(path, create=False)
        assert fresh.history(KEY) == before
        assert len(fresh.recorder.select_notifications(1, 10_000)) == stored_before
        assert [k for k, _ in fresh.plans()] == [KEY]

        # the valid part alone is accepted, numbered right after what was stored: no seq was used up
        if good:
            fresh.record(good)
            after = open_ledger(path, create=False).history(KEY)
            assert [r.seq for r in after] == list(range(1, len(before) + len(good) + 1))
            assert after[: len(before)] == before
            assert [r.fact for r in after[len(before):]] == [c.fact for c in good]
        fresh.close()
        ledger.close()


def test_a_failing_batch_that_approves_a_new_plan_creates_nothing(store_path):
    ledger = open_ledger(str(store_path), create=True)
    entries = [FIXED_APPROVAL, {"progress": {"code": "1.1", "percent": 10, "date": "2021-06-30"}}, INVALID["negative budget"]]
    with pytest.raises(CommandError):
        ledger.record([Command(KEY, parse_entry(e), "tester", "b", i) for i, e in enumerate(entries, 1)])
    fresh = open_ledger(str(store_path), create=False)
    assert fresh.plans() == []
    assert len(fresh.recorder.select_notifications(1, 100)) == 0
