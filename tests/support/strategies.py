"""Hypothesis strategies shared by the property tests: small valid plans, and facts that
are valid in ANY recording order (tests/unit/test_properties.py, tests/unit/test_diff.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from support.builders import FAR, plan_of

__all__ = ["FAR", "KEY", "YEAR", "APPROVED_ON", "DATES", "AS_OF", "SOURCES", "cents", "structures", "order_free_facts", "record_all"]

KEY = "P-2021"
YEAR = 2021
APPROVED_ON = "2021-01-04"
DATES = ["2021-01-04", "2021-02-15", "2021-03-31", "2021-05-20", "2021-06-30",
         "2021-08-10", "2021-09-30", "2021-11-30", "2021-12-31"]
AS_OF = ["2021-01-04", "2021-03-30", "2021-03-31", "2021-05-20", "2021-06-30", "2021-07-01",
         "2021-09-30", "2021-12-31"]
SOURCES = ["TGN", "Otros"]


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


def record_all(approval: dict, entries: list[dict]):
    """The plan KEY with every entry recorded in memory, in the order given."""
    return plan_of(KEY, approval, *entries)
