"""A transfer's amount corrected (`correct` naming one side of a `transfer`, domain/corrections.py):
the correction gives the signed amount of the side it names; both sides follow, from the
transfer's date, as known from the correction's recorded time — in the structure's fold, the
rules, the evaluation, explain, diff, the budget lines and the history. The command:
tests/integration/test_correct_cli.py.

The plan is `base_approval()` (tests/support/builders.py) with larger budgets (`OPERATIONS`):

    op 1.1.1 "A" (ACP 1.1): TGN 15000, Otros 500      op 1.1.2 (ACP 1.1): Otros 300
    op 1.2.1 "B" (ACP 1.2): TGN 2000, Otros 1000      op 2.1.1 (ACP 2.1): TGN 800

approved on 2021-01-04 (seq 1); the plan's current budget 15500 + 300 + 3000 + 800 = 19600. Seq 2
transfers 10000 from A/TGN to B/Otros on 2021-03-01: A TGN 15000 − 10000 = 5000, B Otros
1000 + 10000 = 11000. Seq 3 corrects the transfer's amount to 8000, naming either side (A's TGN
−8000, or B's Otros +8000): from 03-01 A TGN 15000 − 8000 = 7000 (2000 more), B Otros
1000 + 8000 = 9000 (2000 less); the plan stays 19600 at every date. Every expected figure is worked
out by hand in the comments.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from poa.domain.corrections import before
from poa.domain.values import EntryError
from poa.projections.comparison import compare
from poa.projections.evaluation import evaluate
from poa.projections.history import HistoryFilter, corrected_values, select
from poa.projections.issued import View
from poa.projections.provenance import explain
from poa.projections.tables import budget_line_rows
from support.builders import FAR, base_approval, budget, just_before, parse_entry, plan_of, refusal

D = Decimal
KEY = "TC-2021"
A, B = "1.1.1", "1.2.1"
TRANSFERRED = date(2021, 3, 1)
DAYS = (date(2021, 1, 4), date(2021, 2, 28), TRANSFERRED, date(2021, 6, 30), date(2021, 12, 31))
YEAR_END = date(2021, 12, 31)
OPERATIONS = [
    {"code": A, "parent": "1.1", "title": "Op A", "weight": 2, "budget": {"TGN": 15000, "Otros": 500}},
    {"code": "1.1.2", "parent": "1.1", "title": "Op 1.1.2", "weight": 1, "budget": {"Otros": 300}},
    {"code": B, "parent": "1.2", "title": "Op B", "budget": {"TGN": 2000, "Otros": 1000}},
    {"code": "2.1.1", "parent": "2.1", "title": "Op 2.1.1", "budget": {"TGN": 800}},
]
TRANSFER = {"transfer": {"from": {"code": A, "source": "TGN"}, "to": {"code": B, "source": "Otros"}, "amount": 10000,
                         "date": "2021-03-01", "reference": "RA 5/2021", "reason": "traspaso"}}
# the correction to 8000, naming the giving side (A's TGN line, −8000) or the receiving one (B's Otros line, +8000)
NAMING = {"from": (A, {"TGN": -8000}), "to": (B, {"Otros": 8000})}


def correct(code: str, reason: str = "monto mal transcrito", **fields) -> dict:
    return {"correct": {"code": code, "reason": reason, **fields}}


def corrected(side: str, **extra) -> dict:
    code, amounts = NAMING[side]
    return correct(code, budget=amounts, **extra)


def plan(*entries):
    return plan_of(KEY, base_approval(operations=OPERATIONS), TRANSFER, *entries)


def refused(*entries) -> EntryError:
    """The refusal of the last entry, after the transfer and the others; nothing more is recorded."""
    return refusal(plan(*entries[:-1]), entries[-1])


def ev(p, as_of=YEAR_END, known_at=FAR):
    return evaluate(KEY, p.history, as_of, known_at)


def tgn_of_a_and_otros_of_b(e) -> tuple[Decimal, Decimal]:
    return e.element(A).budget["TGN"], e.element(B).budget["Otros"]


# -- the figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", NAMING)
def test_both_sides_follow_from_the_transfers_date_and_the_plan_total_never_moves(side):
    p = plan(corrected(side))
    stored = p.history[-1].fact
    # resolved by the plan: the transfer (seq 2) last set the line named, and its date is the correction's
    assert (stored.corrects, stored.date) == (2, TRANSFERRED)
    then = just_before(p, 3)
    # before 03-01: the approval's amounts, whatever is known
    assert tgn_of_a_and_otros_of_b(ev(p, date(2021, 2, 28))) == (D(15000), D(1000))
    assert tgn_of_a_and_otros_of_b(ev(p, date(2021, 2, 28), then)) == (D(15000), D(1000))
    for as_of in (TRANSFERRED, YEAR_END):
        # A TGN 15000 − 8000 = 7000, B Otros 1000 + 8000 = 9000; known before the correction 5000 and 11000
        assert tgn_of_a_and_otros_of_b(ev(p, as_of)) == (D(7000), D(9000))
        assert tgn_of_a_and_otros_of_b(ev(p, as_of, then)) == (D(5000), D(11000))
        # ACP 1.1: 7000 + 500 + 300 = 7800 (5800 before); ACP 1.2: 2000 + 9000 = 11000 (13000 before)
        assert (ev(p, as_of).element("1.1").budget_current, ev(p, as_of).element("1.2").budget_current) == (D(7800), D(11000))
        assert ev(p, as_of, then).element("1.1").budget_current == D(5800)
    for as_of in DAYS:  # a transfer moves money; its correction too: 19600 at every date, as known at any time
        assert ev(p, as_of).summary.budget_current == ev(p, as_of, then).summary.budget_current == D(19600)
    # still one budget modification (the transfer, listed with its corrected amount), no reformulation
    e, known_then = ev(p), ev(p, YEAR_END, then)
    assert (e.summary.budget_modifications, e.summary.reformulations) == (1, 0)
    assert [(r.seq, r.fact.amount) for r in e.budget_modifications] == [(2, D(8000))]
    assert [(r.seq, r.fact.amount) for r in known_then.budget_modifications] == [(2, D(10000))]


def test_the_latest_correction_of_a_transfer_wins_for_both_sides_whichever_side_it_names():
    p = plan(corrected("from"), correct(B, budget={"Otros": 9000}), correct(A, budget={"TGN": -8500}, corrects=4))
    # the second names B's line, which the first set (mirrored): it stands for the transfer; so does the third's seq 4
    assert [r.fact.corrects for r in p.history[2:]] == [2, 2, 2]
    # what each replaced: the side it names as corrected so far, whichever side the earlier one named
    assert [before(p.history, r) for r in p.history[2:]] == [{"TGN": D(-10000)}, {"Otros": D(8000)}, {"TGN": D(-9000)}]
    # in force: 8500 — A TGN 15000 − 8500 = 6500, B Otros 1000 + 8500 = 9500; the plan 19600
    e = ev(p)
    assert tgn_of_a_and_otros_of_b(e) == (D(6500), D(9500))
    assert e.summary.budget_current == D(19600)
    # as known before the third: 9000 — A 6000, B 10000
    assert tgn_of_a_and_otros_of_b(ev(p, YEAR_END, just_before(p, 5))) == (D(6000), D(10000))


def test_a_transfer_between_two_sources_of_one_operation_is_corrected_by_one_of_them():
    p = plan_of(KEY, base_approval(operations=OPERATIONS), {"transfer": {
        **TRANSFER["transfer"], "to": {"code": A, "source": "Otros"}}}, correct(A, budget={"Otros": 8000}))
    # A: TGN 15000 − 8000 = 7000, Otros 500 + 8000 = 8500
    assert ev(p).element(A).budget == {"TGN": D(7000), "Otros": D(8500)}
    # both sources were last set by the transfer: naming both is refused, not taken as two corrections
    with pytest.raises(EntryError) as caught:
        p.record(parse_entry(correct(A, budget={"TGN": -7000, "Otros": 7000})), "tester")
    assert caught.value.field == "budget" and "one side" in caught.value.message


# -- what the correction may say ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "entries, field, said",
    [
        ([correct(A, budget={"TGN": 8000})], "budget.TGN", "must be negative"),  # the giving side
        ([correct(B, budget={"Otros": -8000})], "budget.Otros", "must be positive"),  # the receiving side
        ([correct(A, budget={"TGN": 0})], "budget.TGN", "must not be zero"),
        ([correct(A, budget={"TGN": -8000, "Otros": 100}, corrects=2)], "budget", "one side of it, with one source"),
        ([correct("2.1.1", budget={"TGN": -5}, corrects=2)], "corrects", "did not set the budget of 2.1.1"),
        ([correct(A, budget={"Otros": -5}, corrects=2)], "corrects", "did not set the budget of 1.1.1 from Otros"),
        ([correct(A, title="T", corrects=2)], "corrects", "did not set the title of 1.1.1"),
        ([correct(B, budget={"Otros": 10000})], "budget", "nothing to correct"),
        # B's Otros +16000: A's TGN 15000 − 16000 = −1000 on the transfer's date, the correction's own fault
        ([correct(B, budget={"Otros": 16000})], "budget.Otros", "current budget of 1.1.1 from TGN would be -1000 on 2021-03-01"),
        # A's TGN 15000 − 10000 − 4000 = 1000 on 05-01; with 12000 moved: 3000 on 03-01, then −1000 on 05-01
        # (corrects named: by default A's TGN line in force is the modification's, seq 3)
        ([budget(A, "TGN", -4000, "2021-05-01"), correct(A, budget={"TGN": -12000}, corrects=2)], "budget.TGN",
         "it would break the budget entry recorded as seq 3 (effective 2021-05-01): current budget of 1.1.1 from TGN would be -1000"),
    ],
)
def test_a_correction_of_a_transfer_that_does_not_fit_it_is_refused(entries, field, said):
    error = refused(*entries)
    assert error.field == field
    assert said in error.message, error.message
    # a balance broken on the transfer's date is the correction's own fault, not the transfer's
    assert ("would break" in error.message) == ("would break" in said), error.message


# -- explain, diff, the budget lines, the history ------------------------------------------------------


@pytest.mark.parametrize("side", NAMING)
def test_explain_shows_the_correction_as_the_line_in_force_of_both_operations(side):
    p = plan(corrected(side, reason="monto mal transcrito"))

    def events(code, source, known_at=FAR):
        figure = explain(KEY, p.history, code, YEAR_END, known_at).figure("budget", source)
        return figure.value, [(e.seq, e.action, e.code, e.value, e.role, e.reason) for e in figure.events]

    assert events(A, "TGN") == (D(7000), [
        (1, "approve", A, D(15000), "used", None), (2, "transfer", A, D(-10000), "corrected", None),
        (3, "correct", A, D(-8000), "used", "monto mal transcrito"),
    ])
    assert events(B, "Otros") == (D(9000), [
        (1, "approve", B, D(1000), "used", None), (2, "transfer", B, D(10000), "corrected", None),
        (3, "correct", B, D(8000), "used", "monto mal transcrito"),
    ])
    # as known before it: the transfer's line is in force, the correction not known
    assert events(B, "Otros", just_before(p, 3))[1][1:] == [
        (2, "transfer", B, D(10000), "used", None), (3, "correct", B, D(8000), "not_known", "monto mal transcrito"),
    ]


@pytest.mark.parametrize("side", NAMING)
def test_diff_across_the_correction_names_it_on_both_operations(side):
    p = plan(corrected(side))
    c = compare(KEY, p.history, View(YEAR_END, just_before(p, 3)), View(YEAR_END, FAR))
    found = {}
    for element in c.elements:
        for f in element.figures:
            found[(element.code, f.figure, f.source)] = (f.before, f.after, [(r.seq, r.corrects) for r in f.events])
    # A TGN 5000 → 7000, B Otros 11000 → 9000; ACP 1.1 5800 → 7800, ACP 1.2 13000 → 11000; each by seq 3 (corrects 2)
    assert found[(A, "budget", "TGN")] == (D(5000), D(7000), [(3, 2)])
    assert found[(A, "budget_current", None)] == (D(5500), D(7500), [(3, 2)])  # + Otros 500
    assert found[(B, "budget", "Otros")] == (D(11000), D(9000), [(3, 2)])
    assert found[(B, "budget_current", None)] == (D(13000), D(11000), [(3, 2)])  # + TGN 2000
    assert found[("1.1", "budget_current", None)] == (D(5800), D(7800), [(3, 2)])
    assert found[("1.2", "budget_current", None)] == (D(13000), D(11000), [(3, 2)])
    # for each operation, the part of the correction that bears: its own side (the other side's mirrored)
    assert [[i.code for i in r.items] for e in c.elements if e.code in (A, B) for f in e.figures for r in f.events] == [
        [A], [A], [B], [B]
    ]
    # SA 1 holds both: its TGN 5000 + 2000 = 7000 → 7000 + 2000 = 9000, its Otros 500 + 300 + 11000 = 11800 → 9800; its
    # total 18800 both times. The plan: TGN 7000 + 800 = 7800 → 9800, Otros 11800 → 9800, its total 19600 both times;
    # the budget modifications counted, 1 both times, and the other operations are not listed
    assert found[("1", "budget", "TGN")] == (D(7000), D(9000), [(3, 2)])
    assert found[("1", "budget", "Otros")] == (D(11800), D(9800), [(3, 2)])
    assert {code for code, _, _ in found} == {A, B, "1.1", "1.2", "1"}
    assert ("1", "budget_current", None) not in found
    plan_figures = [(f.figure, f.source, f.before, f.after, [(r.seq, r.corrects) for r in f.events]) for f in c.summary]
    assert plan_figures == [
        ("budget", "Otros", D(11800), D(9800), [(3, 2)]), ("budget", "TGN", D(7800), D(9800), [(3, 2)]),
    ]
    assert [(r.seq, r.corrects) for r in c.events] == [(3, 2)]


@pytest.mark.parametrize(
    "side, lines",
    [
        # −8000 − (−10000) = +2000 on A's TGN; B's Otros follows: −2000
        ("from", [(1, A, "TGN", D(2000)), (2, B, "Otros", D(-2000))]),
        # 8000 − 10000 = −2000 on B's Otros; A's TGN follows: +2000
        ("to", [(1, B, "Otros", D(-2000)), (2, A, "TGN", D(2000))]),
    ],
)
def test_the_budget_lines_have_both_sides_of_the_correction_and_still_add_up(side, lines):
    p = plan(corrected(side))
    rows = budget_line_rows(KEY, p.history)
    assert [(r["line"], r["code"], r["source"], r["amount"]) for r in rows if r["seq"] == 3] == lines
    assert {(r["phase"], r["by"], r["action"]) for r in rows if r["seq"] == 3} == {("modified", "correct", "correct")}
    # every operation and source: its lines add up to its current budget (A TGN 15000 − 10000 + 2000 = 7000, ...)
    e = ev(p)
    for f in e.operations:
        for source, amount in f.budget.items():
            assert sum(r["amount"] for r in rows if (r["code"], r["source"]) == (f.code, source)) == amount, (f.code, source)


def test_the_history_shows_what_the_correction_replaced_and_finds_it_by_either_operation():
    p = plan(corrected("from"), correct(B, budget={"Otros": 9000}))
    assert corrected_values(p.history, p.history[2:]) == {3: {"TGN": D(-10000)}, 4: {"Otros": D(8000)}}
    for code in (A, B):  # a correction of a transfer is about both operations, as the transfer is
        assert [r.seq for r in select(p.history, HistoryFilter(codes=frozenset({code}))) if r.seq > 1] == [2, 3, 4], code
    assert [r.seq for r in select(p.history, HistoryFilter(codes=frozenset({"2.1.1"}))) if r.seq > 1] == []
