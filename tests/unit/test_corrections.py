"""Corrections of data entry (`correct`) and replaced texts (`replaces`), domain/corrections.py: the
entry parser, what the plan resolves and refuses, the structure's fold, the evaluation, explain and
diff, on plans recorded in memory through the real rules. The commands: tests/integration/test_correct_cli.py.

The plan is `base_approval()` (tests/support/builders.py):

    SA 1 ─ ACP 1.1 (w 50, schedule 10/40/70/100) ─ op 1.1.1 (w 2, TGN 100, Otros 50) ─ tasks 1.1.1.1, 1.1.1.2
         │                                      └ op 1.1.2 (w 1, Otros 30)
         └ ACP 1.2 (w 30, schedule 25/50/75/100) ─ op 1.2.1 (TGN 200)
    SA 2 ─ ACP 2.1 (w 20, schedule 25/50/75/100) ─ op 2.1.1 (TGN 80)

approved on 2021-01-04 (seq 1); current budget 100 + 50 + 30 + 200 + 80 = 460.
Every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

import attrs
import pytest

from poa.adapters.report_json import fact_fields
from poa.domain.batches import batch_id
from poa.domain.entries import parse_correction
from poa.domain.facts import LATEST, Correction, Result
from poa.domain.values import EntryError
from poa.projections.comparison import compare
from poa.projections.evaluation import evaluate
from poa.projections.issued import View
from poa.projections.provenance import explain
from poa.projections.tables import budget_line_rows, fact_rows
from support.builders import FAR, base_approval, budget, just_before, parse_entry, plan_of, progress, reformulate, refusal

D = Decimal
KEY = "C-2021"
Q1, Q2, YEAR_END = date(2021, 3, 31), date(2021, 6, 30), date(2021, 12, 31)


def correct(code: str, reason: str = "error de transcripción", **fields) -> dict:
    return {"correct": {"code": code, "reason": reason, **fields}}


def result(code, day, text, **extra) -> dict:
    return {"result": {"code": code, "date": day, "text": text, **extra}} if code else {
        "result": {"date": day, "text": text, **extra}
    }


def justify(code, day, text, **extra) -> dict:
    body = {"date": day, "text": text, **extra}
    if code is not None:
        body["code"] = code
    return {"justify": body}


def plan(*entries):
    return plan_of(KEY, base_approval(), *entries)


def refused(*entries) -> EntryError:
    """The refusal of the last entry, after the others were recorded; nothing more is recorded."""
    return refusal(plan(*entries[:-1]), entries[-1])


def ev(p, as_of=YEAR_END, known_at=FAR):
    return evaluate(KEY, p.history, as_of, known_at)


# -- the entry ----------------------------------------------------------------------------------


def test_the_entry_gives_one_field_and_optionally_what_it_corrects():
    fact = parse_correction({"code": "1.1.1", "budget": {"TGN": "90", "Otros": "-5"}, "reason": "r", "corrects": "3"})
    assert (fact.code, fact.budget, fact.corrects, fact.date, fact.field) == ("1.1.1", {"TGN": D(90), "Otros": D(-5)}, 3, None, "budget")
    assert parse_correction({"code": "1.1", "weight": "45,5", "reason": "r"}).weight == D("45.5")
    for data, field in (
        ({"code": "1.1", "reason": "r"}, None),  # no field corrected
        ({"code": "1.1", "reason": "r", "title": "T", "weight": 3}, "weight"),  # two fields
        ({"code": "1.1", "reason": "r", "title": "T", "corrects": "0"}, "corrects"),
        ({"code": "1.1", "reason": "r", "title": "T", "corrects": "2.5"}, "corrects"),
        ({"code": "1.1", "reason": "r", "budget": {}}, "budget"),
        ({"code": "1.1", "reason": "r", "budget": {"TGN": "1.234"}}, "budget.TGN"),
        ({"code": "1.1", "title": "T"}, "reason"),
    ):
        with pytest.raises(EntryError) as caught:
            parse_correction(data)
        assert caught.value.field == field, data


def test_a_text_may_name_the_text_it_replaces_or_the_latest():
    assert parse_entry(result("1.1", "2021-03-31", "t", replaces="4")).replaces == 4
    assert parse_entry(justify(None, "2021-03-31", "t", replaces="latest")).replaces == LATEST
    with pytest.raises(EntryError) as caught:
        parse_entry(result("1.1", "2021-03-31", "t", replaces="última"))
    assert caught.value.field == "replaces"


def test_a_text_without_replaces_keeps_its_canonical_form_and_batch_id():
    fact = Result("1.1", date(2021, 3, 31), "t")
    assert fact_fields(fact) == {"code": "1.1", "date": "2021-03-31", "text": "t"}
    # the id a result had before `replaces` existed: SHA-256 of its canonical JSON, written out by hand
    canonical = json.dumps(
        {"plan": KEY, "facts": [["result", {"code": "1.1", "date": "2021-03-31", "text": "t"}]]},
        sort_keys=True, separators=(",", ":"), ensure_ascii=True,
    )
    assert batch_id(KEY, [fact]) == hashlib.sha256(canonical.encode("ascii")).hexdigest()
    assert batch_id(KEY, [attrs.evolve(fact, replaces=2)]) != batch_id(KEY, [fact])


# -- a title typo in the approval ------------------------------------------------------------------


def test_a_title_corrected_counts_from_the_approval_as_known_from_the_correction():
    p = plan(progress("1.1", 40, "2021-03-31"), correct("1.1", title="ACP uno punto uno"))
    stored = p.history[-1]
    # resolved by the plan: the approval (seq 1) last set the title, and its date is the correction's
    assert (stored.seq, stored.fact.corrects, stored.fact.date) == (3, 1, date(2021, 1, 4))
    for as_of in (date(2021, 1, 4), Q1, YEAR_END):
        assert ev(p, as_of).element("1.1").title == "ACP uno punto uno"
    assert ev(p, YEAR_END, just_before(p, 3)).element("1.1").title == "ACP 1.1"  # known before it: the typo
    s = ev(p).summary
    assert (s.reformulations, s.budget_modifications) == (0, 0)  # not a reformulation, nor a budget modification
    assert ev(p).reformulations == ()


def test_the_latest_correction_of_the_same_field_wins_and_a_correction_of_a_correction_corrects_the_fact():
    p = plan(correct("1.1", title="Primero"), correct("1.1", title="Segundo"), correct("1.1", title="Tercero", corrects=3))
    # default: the title in force was set by correction seq 2, which stands for the approval
    assert [r.fact.corrects for r in p.history[1:]] == [1, 1, 1]
    assert ev(p).element("1.1").title == "Tercero"
    assert ev(p, YEAR_END, just_before(p, 4)).element("1.1").title == "Segundo"


# -- budget ------------------------------------------------------------------------------------------


def test_a_budget_correction_of_an_approved_operation_changes_the_current_budget_from_the_approval():
    p = plan(budget("1.1.1", "TGN", -20, "2021-03-01"), correct("1.1.1", budget={"TGN": 90}, corrects=1))
    assert p.history[-1].fact.date == date(2021, 1, 4)
    # on the approval date: 1.1.1 = TGN 90 + Otros 50 = 140; the plan 460 − 100 + 90 = 450
    early = ev(p, date(2021, 1, 4))
    assert early.element("1.1.1").budget == {"Otros": D(50), "TGN": D(90)}
    assert early.summary.budget_current == D(450)
    # after the modification of 03-01: TGN 90 − 20 = 70, the op 120, ACP 1.1 120 + 30 = 150, the plan 450 − 20 = 430
    late = ev(p, Q1)
    assert late.element("1.1.1").budget_current == D(120)
    assert late.element("1.1").budget_current == D(150)
    assert late.summary.budget_current == D(430)
    assert (late.summary.reformulations, late.summary.budget_modifications) == (0, 1)  # the one `budget` entry
    # known before the correction: 100 − 20 + 50 = 130
    assert ev(p, Q1, just_before(p, 3)).element("1.1.1").budget_current == D(130)


def test_a_correction_that_makes_a_balance_negative_at_any_date_is_refused():
    error = refused(budget("1.1.1", "TGN", -20, "2021-03-01"), correct("1.1.1", budget={"TGN": 10}, corrects=1))
    # 10 approved − 20 on 03-01 = −10
    assert error.field == "budget.TGN"
    assert "-10" in error.message and "seq 2" in error.message


def test_a_correction_that_makes_its_own_line_negative_is_refused_as_its_own_fault():
    error = refused(budget("1.1.1", "TGN", -20, "2021-03-01"), correct("1.1.1", budget={"TGN": -120}))
    # 100 approved − 120 on 03-01 = −20: the correction's own amount, not the modification's
    assert error.field == "budget.TGN"
    assert error.message.startswith("current budget of 1.1.1 from TGN would be -20 on 2021-03-01")


def test_a_budget_modification_or_a_reformulation_line_is_corrected_as_its_signed_amount():
    p = plan(
        budget("1.1.1", "TGN", -20, "2021-03-01"),
        reformulate("2021-05-02", {"budget": {"code": "1.2.1", "source": "TGN", "amount": -50}},
                    {"add": {"kind": "operation", "code": "1.2.2", "parent": "1.2", "title": "Op 1.2.2", "budget": {"Otros": 40}}}),
        correct("1.1.1", budget={"TGN": -2}),  # default: the modification (seq 2) last set 1.1.1's TGN
        correct("1.2.1", budget={"TGN": -5}),  # default: the reformulation's line (seq 3)
        correct("1.2.2", budget={"Otros": 4}),  # the added operation's approved amount (seq 3)
    )
    assert [(r.fact.corrects, r.fact.date) for r in p.history[3:]] == [
        (2, date(2021, 3, 1)), (3, date(2021, 5, 2)), (3, date(2021, 5, 2)),
    ]
    e = ev(p)
    # 1.1.1: 100 − 2 + 50 = 148; 1.2.1: 200 − 5 = 195; 1.2.2: Otros 4; plan 148 + 30 + 195 + 4 + 80 = 457
    assert (e.element("1.1.1").budget_current, e.element("1.2.1").budget_current, e.element("1.2.2").budget_current) == (
        D(148), D(195), D(4)
    )
    assert e.summary.budget_current == D(457)
    # the report lists the modification and the reformulation's line with their corrected amounts; still one of each
    assert [r.fact.amount for r in e.budget_modifications] == [D(-2)]
    [reformulation] = e.reformulations
    assert reformulation.fact.changes[0].amount == D(-5)
    assert (e.summary.reformulations, e.summary.budget_modifications) == (1, 1)
    # a source the approval gave no amount: the approval is corrected (1.1.2 had Otros only)
    p2 = plan(correct("1.1.2", budget={"TGN": 7}))
    assert (p2.history[-1].fact.corrects, ev(p2).element("1.1.2").budget) == (1, {"Otros": D(30), "TGN": D(7)})


def test_the_budget_lines_still_add_up_to_the_current_budget():
    p = plan(budget("1.1.1", "TGN", -20, "2021-03-01"), correct("1.1.1", budget={"TGN": 90}, corrects=1),
             correct("1.1.1", budget={"TGN": -5}, corrects=2))
    lines = budget_line_rows(KEY, p.history)
    corrections = [(r["seq"], r["amount"], r["phase"], r["action"]) for r in lines if r["by"] == "correct"]
    # 90 − 100 = −10 in the approved phase; −5 − (−20) = +15 in the modified phase
    assert corrections == [(3, D(-10), "approved", "correct"), (4, D(15), "modified", "correct")]
    tgn = sum(r["amount"] for r in lines if (r["code"], r["source"]) == ("1.1.1", "TGN"))
    assert tgn == ev(p).element("1.1.1").budget["TGN"] == D(85)  # 90 − 5
    rows = {r["seq"]: r for r in fact_rows(KEY, p.history)}
    assert (rows[3]["corrects_seq"], rows[4]["corrects_seq"], rows[3]["days_late"]) == (1, 2, None)


# -- the weight ----------------------------------------------------------------------------------------


def test_a_weight_correction_changes_the_weighted_figures_from_the_date_of_the_fact_corrected():
    p = plan(
        progress("1.1", 40, "2021-03-31"), progress("1.2", 10, "2021-03-31"),
        reformulate("2021-06-01", {"update": {"code": "1.2", "weight": 40}}),
        correct("1.1", weight=60),  # the approval's 50
        correct("1.2", weight=35),  # the update's 40
    )
    assert [(r.fact.corrects, r.fact.date) for r in p.history[4:]] == [(1, date(2021, 1, 4)), (4, date(2021, 6, 1))]
    q1 = ev(p, Q1)
    # at Q1 the weights are 60 (corrected), 30 (approved), 20: Σ 110;
    # progress (60·40 + 30·10 + 20·0) / 110 = 2700 / 110 = 24.5454…
    assert q1.summary.weights_total == D(110)
    assert q1.summary.physical_progress_pct.quantize(D("0.0001")) == D("24.5455")
    # from 06-01 1.2 weighs 35, not 40: Σ 60 + 35 + 20 = 115
    assert ev(p, Q2).summary.weights_total == D(115)
    assert ev(p, Q2).element("1").weight == D(95)  # 60 + 35
    # as known before the corrections: 50 + 30 + 20 = 100 at Q1
    assert ev(p, Q1, just_before(p, 5)).summary.weights_total == D(100)
    assert ev(p).summary.reformulations == 1  # the update's reformulation only


# -- what a correction may refer to -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entries, field, said",
    [
        ([correct("1.1", title="T", corrects=9)], "corrects", "no fact of this plan has seq 9"),
        ([progress("1.1", 5, "2021-03-31"), correct("1.1", title="T", corrects=2)], "corrects", "progress"),
        ([reformulate("2021-05-02", {"update": {"code": "1.1", "weight": 45}}), correct("1.1", title="T", corrects=2)],
         "corrects", "did not set the title of 1.1"),
        ([budget("1.1.1", "TGN", -20, "2021-03-01"), correct("1.1.1", budget={"Otros": 10}, corrects=2)],
         "corrects", "did not set the budget of 1.1.1 from Otros"),
        ([correct("1.2.1", title="T", corrects=1), correct("1.1", budget={"TGN": 1}, corrects=1)],
         "corrects", "did not set the budget of 1.1"),
        ([correct("1.1.1", budget={"TGN": -1})], "budget.TGN", "at least 0"),
        ([budget("1.1.1", "TGN", -20, "2021-03-01"), correct("1.1.1", budget={"TGN": 0})], "budget.TGN", "zero"),
        ([correct("1", weight=5)], "weight", "strategic action"),
        ([correct("9.9", title="T")], "code", "unknown code 9.9"),
        ([correct("1.1", title="ACP 1.1")], "title", "nothing to correct"),
        ([correct("1.1", title="T", date="2021-03-31")], "date", "the date of the fact it corrects, 2021-01-04"),
        ([budget("1.1.1", "TGN", -20, "2021-03-01"), correct("1.1.1", budget={"TGN": 5, "Otros": 5})],
         "corrects", "different facts (seq 1, 2)"),
        ([{"close": {"date": "2022-01-31", "reference": "RA 1/2022"}}, correct("1.1", title="T")], None, "closed"),
    ],
)
def test_a_correction_that_fits_no_fact_is_refused(entries, field, said):
    error = refused(*entries)
    assert error.field == field
    assert said in error.message


# -- explain and diff ----------------------------------------------------------------------------------------


def test_explain_shows_the_correction_as_the_fact_behind_the_value_and_what_it_corrected():
    p = plan(correct("1.1", title="ACP uno", reason="letra de más"), correct("1.1.1", budget={"TGN": 90}))
    why = explain(KEY, p.history, "1.1", YEAR_END, FAR)
    title = why.figure("title")
    assert title.value == "ACP uno"
    assert [(e.seq, e.action, e.value, e.role, e.reason) for e in title.events] == [
        (1, "approve", "ACP 1.1", "corrected", None), (2, "correct", "ACP uno", "used", "letra de más"),
    ]
    tgn = explain(KEY, p.history, "1.1.1", YEAR_END, FAR).figure("budget", "TGN")
    assert [(e.seq, e.kind, e.value, e.role) for e in tgn.events] == [(1, "approve", D(100), "corrected"), (3, "correct", D(90), "used")]
    # as known before the corrections, they are not known and the approval is used
    then = explain(KEY, p.history, "1.1", YEAR_END, just_before(p, 2)).figure("title")
    assert [(e.seq, e.role) for e in then.events] == [(1, "used"), (2, "not_known")]


def test_diff_names_the_correction_as_responsible_and_the_fact_it_corrects():
    p = plan(reformulate("2021-05-02", {"update": {"code": "1.2", "weight": 40}}), correct("1.2", weight=35))
    c = compare(KEY, p.history, View(YEAR_END, just_before(p, 3)), View(YEAR_END, FAR))
    [acp] = [e for e in c.elements if e.code == "1.2"]
    [weight] = [f for f in acp.figures if f.figure == "weight"]
    assert (weight.before, weight.after) == (D(40), D(35))
    assert [(r.seq, r.corrects) for r in weight.events] == [(3, 2)]
    totals = {f.figure: f for f in c.summary}
    assert (totals["weights_total"].before, totals["weights_total"].after) == (D(110), D(105))  # 50 + 40 + 20; 50 + 35 + 20
    assert "reformulations" not in totals  # 1 in both views


# -- replaced texts -----------------------------------------------------------------------------------------


def test_a_replaced_text_is_left_out_of_the_report_and_its_replacement_takes_its_place():
    p = plan(
        result("1.1", "2021-03-31", "Primero, con error"),  # seq 2
        result("1.1", "2021-03-31", "Segundo"),  # seq 3
        result("1.1", "2021-03-31", "Primero, corregido", replaces=2),  # seq 4
        justify(None, "2021-03-31", "Institucional"),  # seq 5
        justify(None, "2021-03-31", "Institucional, corregida", replaces="latest"),  # seq 6: replaces 5
    )
    assert (p.history[3].fact.replaces, p.history[5].fact.replaces) == (2, 5)
    e = ev(p, Q1)
    assert [n.text for n in e.element("1.1").results] == ["Primero, corregido", "Segundo"]
    assert [n.text for n in e.justifications] == ["Institucional, corregida"]
    # known before the replacement: the first text, in its place
    assert [n.text for n in ev(p, Q1, just_before(p, 4)).element("1.1").results] == ["Primero, con error", "Segundo"]
    # diff names the text each replacement replaces
    c = compare(KEY, p.history, View(Q1, just_before(p, 4)), View(Q1, FAR))
    assert [(r.seq, r.corrects) for r in c.events] == [(4, 2), (5, None), (6, 5)]
    # the history keeps every text; the read model's corrects_seq names the text replaced
    rows = {r["seq"]: r["corrects_seq"] for r in fact_rows(KEY, p.history)}
    assert (rows[2], rows[4], rows[6]) == (None, 2, 5)
    # a replacement of a replacement
    p.record(parse_entry(result("1.1", "2021-03-31", "Primero, otra vez", replaces=4)), "tester")
    assert [n.text for n in ev(p, Q1).element("1.1").results] == ["Primero, otra vez", "Segundo"]


@pytest.mark.parametrize(
    "entry, said",
    [
        (result("1.2", "2021-03-31", "t", replaces=2), "is the result of 1.1, not of 1.2"),
        (result(None, "2021-03-31", "t", replaces=2), "is the result of 1.1, not of the plan"),
        (result("1.1", "2021-06-30", "t", replaces=2), "is dated 2021-03-31, not 2021-06-30"),
        (justify("1.1", "2021-03-31", "t", replaces=2), "is an entry of kind result, not justify"),
        (justify("1.1", "2021-03-31", "t", replaces=1), "is an entry of kind approve"),
        (result("1.1", "2021-03-31", "t", replaces=3), "seq 3 was already replaced by seq 4"),
        (result("1.1", "2021-03-31", "t", replaces=99), "no fact of this plan has seq 99"),
        (result("1.2", "2021-03-31", "t", replaces="latest"), "there is no result of 1.2 dated 2021-03-31"),
    ],
)
def test_a_replacement_of_another_kind_element_or_date_or_of_a_replaced_text_is_refused(entry, said):
    error = refused(
        result("1.1", "2021-03-31", "uno"), result("1.1", "2021-03-31", "dos"),
        result("1.1", "2021-03-31", "dos bis", replaces=3), entry,
    )
    assert error.field == "replaces"
    assert said in error.message


def test_a_stored_correction_always_says_what_it_corrects_and_from_when():
    p = plan(correct("2.1.1", title="Op dos"))
    fact = p.history[-1].fact
    assert isinstance(fact, Correction) and (fact.corrects, fact.date) == (1, date(2021, 1, 4))
    assert fact_fields(fact) == {"code": "2.1.1", "reason": "error de transcripción", "title": "Op dos", "corrects": 1,
                                 "date": "2021-01-04"}
