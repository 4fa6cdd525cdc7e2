"""Budget transfers (`transfer` entries, `poa transfer`): the entry's refusals, the structure's two
budget lines at once, the rules on both sides, one budget modification in the figures, and the
property that a transfer never changes the plan's total current budget at any date.

The plan is `base_approval` (support/builders.py): op 1.1.1 TGN 100 / Otros 50, op 1.1.2 Otros 30,
op 1.2.1 TGN 200, op 2.1.1 TGN 80 (total 460). Every expected figure is worked out by hand.
"""

from __future__ import annotations

import io
import os
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from poa.adapters.report_csv import BUDGET_MODIFICATION_COLUMNS, budget_modifications_rows
from poa.adapters.report_json import budget_modification_to_dict, evaluation_to_dict, history_fields
from poa.adapters.report_text import layout, to_markdown
from poa.adapters.report_xlsx import to_xlsx
from poa.domain.catalogue import Action, Role, use_language
from poa.domain.fact_kinds import parse_entry
from poa.domain.facts import BudgetLine, Transfer
from poa.domain.rules import HistoryError, check_history
from poa.domain.values import EntryError
from poa.projections.comparison import compare
from poa.projections.evaluation import evaluate
from poa.projections.history import HistoryFilter, select
from poa.projections.issued import View
from poa.projections.provenance import explain
from poa.projections.tables import budget_line_rows
from support.builders import FAR, base_approval, budget, history_by_hand, plan_of
from support.strategies import DATES, KEY, order_free_facts, record_all

D = Decimal
T_KEY = "T-2021"
# POA_HYP_EXAMPLES=1000 runs a longer search locally, as in test_properties.py
PROPERTY = settings(max_examples=int(os.environ.get("POA_HYP_EXAMPLES", "50")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def transfer(from_code="1.1.1", to_code="1.2.1", amount="40", day="2021-03-01", *, source="TGN", to_source=None,
             reference="RA 5/2021", reason="traspaso") -> dict:
    to = {"code": to_code} if to_source is None else {"code": to_code, "source": to_source}
    return {"transfer": {"from": {"code": from_code, "source": source}, "to": to, "amount": amount, "date": day,
                         "reference": reference, "reason": reason}}


def ev(plan, as_of: str):
    return evaluate(T_KEY, plan.history, date.fromisoformat(as_of), FAR)


def budgets(evaluation) -> dict[str, dict[str, Decimal]]:
    return {f.code: f.budget for f in evaluation.operations}


# -- the entry -------------------------------------------------------------------------------


def test_the_entry_states_both_sides_and_to_source_defaults_to_from_source():
    fact = parse_entry(transfer(amount="1250.50"))
    assert fact == Transfer("1.1.1", "TGN", "1.2.1", "TGN", D("1250.50"), date(2021, 3, 1), "RA 5/2021", "traspaso")
    # its sides as budget lines: −amount from the giving operation, +amount to the receiving one
    assert fact.lines() == (BudgetLine("1.1.1", "TGN", D("-1250.50")), BudgetLine("1.2.1", "TGN", D("1250.50")))
    other = parse_entry(transfer(to_code="1.1.1", to_source="Otros"))  # the same operation, another source
    assert (other.to_code, other.to_source) == ("1.1.1", "Otros")


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (transfer(to_code="1.1.1"), "to"),  # the same operation, to.source defaulted to the same source
        (transfer(to_code="1.1.1", to_source="TGN"), "to.source"),  # the same, said explicitly
        (transfer(amount="0"), "amount"),
        (transfer(amount="-40"), "amount"),
        (transfer(amount="40.001"), "amount"),
        (transfer(day="2021-02-30"), "date"),
        ({"transfer": {**transfer()["transfer"], "from": {"code": "1.1.1"}}}, "from.source"),
        ({"transfer": {**transfer()["transfer"], "from": {"source": "TGN"}}}, "from.code"),
        ({"transfer": {**transfer()["transfer"], "from": {"code": "1.1.1", "source": "TGN", "x": 1}}}, "from.x"),
        ({"transfer": {**transfer()["transfer"], "to": "1.2.1"}}, "to"),
        ({"transfer": {**transfer()["transfer"], "to": {"code": "1.2.1", "source": ""}}}, "to.source"),
        ({"transfer": {k: v for k, v in transfer()["transfer"].items() if k != "reason"}}, "reason"),
        ({"transfer": {**transfer()["transfer"], "code": "1.1.1"}}, "code"),
    ],
)
def test_a_wrong_entry_is_refused_naming_its_field(entry, field):
    with pytest.raises(EntryError) as refused:
        parse_entry(entry)
    assert refused.value.field == field


def test_the_history_shows_the_entry_it_was_written_as():
    fact = parse_entry(transfer(amount="40"))
    assert history_fields(fact) == {
        "from": {"code": "1.1.1", "source": "TGN"}, "to": {"code": "1.2.1", "source": "TGN"},  # to.source as defaulted
        "amount": "40.00", "date": "2021-03-01", "reference": "RA 5/2021", "reason": "traspaso",
    }


# -- the structure and the figures ----------------------------------------------------------------


def test_a_transfer_moves_the_amount_between_both_operations_at_its_date():
    plan = plan_of(T_KEY, base_approval(), transfer())
    before, after = ev(plan, "2021-02-28"), ev(plan, "2021-03-01")
    assert budgets(before)["1.1.1"] == {"Otros": 50, "TGN": 100} and budgets(before)["1.2.1"] == {"TGN": 200}
    # on its date: 1.1.1 TGN 100 − 40 = 60; 1.2.1 TGN 200 + 40 = 240
    assert budgets(after)["1.1.1"] == {"Otros": 50, "TGN": 60} and budgets(after)["1.2.1"] == {"TGN": 240}
    # ACP 1.1: 60 + 50 + 30 = 140 (was 180); ACP 1.2: 240 (was 200); the plan: 460 both days
    assert after.element("1.1").budget_current == 140 and after.element("1.2").budget_current == 240
    assert before.summary.budget_current == after.summary.budget_current == 460
    # one budget modification, never a reformulation
    assert (before.summary.budget_modifications, after.summary.budget_modifications) == (0, 1)
    assert after.summary.reformulations == 0 and after.reformulations == ()
    assert [r.seq for r in after.budget_modifications] == [2]


def test_a_transfer_between_two_sources_of_one_operation():
    plan = plan_of(T_KEY, base_approval(), transfer("1.1.2", "1.1.2", "10", source="Otros", to_source="TGN"))
    # 1.1.2: Otros 30 − 10 = 20, TGN 0 + 10 = 10; its total stays 30
    assert budgets(ev(plan, "2021-12-31"))["1.1.2"] == {"Otros": 20, "TGN": 10}
    assert ev(plan, "2021-12-31").element("1.1.2").budget_current == 30


def test_the_budget_derivation_and_explain_show_the_transfer_on_both_operations():
    plan = plan_of(T_KEY, base_approval(), transfer())
    evaluation = ev(plan, "2021-12-31")
    d = evaluation.derivation("1.1.1", "budget", "TGN")
    # the approved amount (the approval's element), then the transfer's giving side
    assert [r.seq for r in d.records] == [1, 2] and d.records[0].item.budget["TGN"] == 100
    assert d.records[1].item == BudgetLine("1.1.1", "TGN", D(-40)) and d.value == 60
    giving = explain(T_KEY, plan.history, "1.1.1", date(2021, 12, 31), FAR).figure("budget", "TGN")
    receiving = explain(T_KEY, plan.history, "1.2.1", date(2021, 12, 31), FAR).figure("budget", "TGN")
    assert [(e.seq, e.action, e.value, e.role) for e in giving.events][-1] == (2, Action.TRANSFER, D(-40), Role.USED)
    assert [(e.seq, e.action, e.value, e.role) for e in receiving.events][-1] == (2, Action.TRANSFER, D(40), Role.USED)
    # the plan's count: the transfer once, its giving side, with the amount it moves
    count = explain(T_KEY, plan.history, None, date(2021, 12, 31), FAR).figure("budget_modifications")
    assert count.value == 1
    assert [(e.seq, e.action, e.code, e.source, e.value) for e in count.events] == [
        (2, Action.TRANSFER, "1.1.1", "TGN", D(40))
    ]


def test_a_later_budget_modification_and_a_transfer_count_two():
    plan = plan_of(T_KEY, base_approval(), transfer(), budget("2.1.1", "TGN", "-5", "2021-04-01"))
    evaluation = ev(plan, "2021-12-31")
    assert evaluation.summary.budget_modifications == 2  # 1 transfer + 1 budget modification
    assert evaluation.summary.budget_current == 455  # 460 − 5: the transfer moved, the modification removed


# -- the rules: both sides ----------------------------------------------------------------------------


def test_the_giving_side_may_not_go_negative():
    plan = plan_of(T_KEY, base_approval())
    with pytest.raises(EntryError) as refused:
        plan.record(parse_entry(transfer(amount="100.01")), "tester")  # 1.1.1 TGN: 100 − 100.01 = −0.01
    assert refused.value.field == "amount"
    assert "1.1.1" in refused.value.message and "-0.01" in refused.value.message
    plan.record(parse_entry(transfer(amount="100")), "tester")  # exactly to 0: allowed
    assert budgets(ev(plan, "2021-12-31"))["1.1.1"]["TGN"] == 0


def test_a_backdated_transfer_that_breaks_a_later_modification_is_refused_on_its_amount():
    plan = plan_of(T_KEY, base_approval(), budget("1.1.1", "TGN", "-60", "2021-06-01"))
    with pytest.raises(EntryError) as refused:  # on 2021-06-01: 100 − 50 − 60 = −10
        plan.record(parse_entry(transfer(amount="50", day="2021-03-01")), "tester")
    assert refused.value.field == "amount" and "seq 2" in refused.value.message
    plan.record(parse_entry(transfer(amount="40", day="2021-03-01")), "tester")  # 100 − 40 − 60 = 0


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (transfer(from_code="1.1"), "from.code"),  # a short-term action holds no budget
        (transfer(to_code="1"), "to.code"),  # nor a strategic action
        (transfer(to_code="9.9.9"), "to.code"),  # unknown
        (transfer(from_code="1.1.1.1"), "from.code"),  # a task
        (transfer(source="Otros2"), "amount"),  # 1.1.1 has no Otros2: 0 − 40 < 0
    ],
)
def test_both_sides_must_be_operations_with_the_budget(entry, field):
    plan = plan_of(T_KEY, base_approval())
    with pytest.raises(EntryError) as refused:
        plan.record(parse_entry(entry), "tester")
    assert refused.value.field == field


def test_check_history_names_the_transfer_that_breaks_the_rule():
    history = history_by_hand([
        ("2021-01-05T00:00:00", base_approval()),
        ("2021-01-06T00:00:00", transfer(amount="30")),
        ("2021-01-07T00:00:00", transfer(amount="80", day="2021-03-02")),  # 100 − 30 − 80 = −10
    ])
    with pytest.raises(HistoryError) as broken:
        check_history(history)
    assert broken.value.recorded.seq == 3 and broken.value.error.field == "amount"


# -- the other readings: lines, history search, diff, JSON/CSV/Markdown ------------------------------------


def test_the_budget_lines_are_the_two_sides():
    plan = plan_of(T_KEY, base_approval(), transfer())
    lines = [row for row in budget_line_rows(T_KEY, plan.history) if row["seq"] == 2]
    assert [(r["line"], r["code"], r["source"], r["amount"], r["by"], r["action"]) for r in lines] == [
        (1, "1.1.1", "TGN", D(-40), "transfer", "transfer"), (2, "1.2.1", "TGN", D(40), "transfer", "transfer"),
    ]


def test_the_history_finds_a_transfer_by_either_operation():
    plan = plan_of(T_KEY, base_approval(), transfer())
    for code in ("1.1.1", "1.2.1"):
        assert [r.seq for r in select(plan.history, HistoryFilter(codes=frozenset({code}))) if r.seq > 1] == [2]
    assert [r.seq for r in select(plan.history, HistoryFilter(codes=frozenset({"2.1.1"}))) if r.seq > 1] == []


def test_diff_traces_the_operations_budgets_and_the_count_to_the_transfer():
    history = history_by_hand([("2021-01-05T00:00:00", base_approval()), ("2021-01-06T00:00:00", transfer())])
    c = compare(T_KEY, history, View(date(2021, 2, 28), FAR), View(date(2021, 12, 31), FAR))
    summary = {(f.figure, f.source): (f.before, f.after, [r.seq for r in f.events]) for f in c.summary}
    assert summary[("budget_modifications", None)] == (0, 1, [2])
    assert ("budget_current", None) not in summary  # 460 in both views
    changed = {(e.code, f.figure, f.source): (f.before, f.after, [r.seq for r in f.events]) for e in c.elements for f in e.figures}
    assert changed[("1.1.1", "budget", "TGN")] == (100, 60, [2])
    assert changed[("1.2.1", "budget", "TGN")] == (200, 240, [2])
    assert [r.seq for r in c.events] == [2]


def test_the_report_lists_a_transfer_as_one_item_with_both_sides():
    plan = plan_of(T_KEY, base_approval(), transfer(amount="40.5"))
    evaluation = ev(plan, "2021-03-31")
    (item,) = evaluation_to_dict(evaluation)["budget_modifications"]
    assert {k: v for k, v in item.items() if k not in ("recorded_at", "actor")} == {
        "seq": 2, "date": "2021-03-01", "reference": "RA 5/2021", "reason": "traspaso",
        "code": "1.1.1", "source": "TGN", "amount": "40.50", "to_code": "1.2.1", "to_source": "TGN",
    }
    columns, rows = budget_modifications_rows(evaluation)
    assert columns == list(BUDGET_MODIFICATION_COLUMNS) and columns[-2:] == ["to_code", "to_source"]
    assert (rows[0]["code"], rows[0]["to_code"], rows[0]["amount"]) == ("1.1.1", "1.2.1", "40.50")
    with use_language("en"):  # 1.1.1 TGN 100 − 40.50 = 59.50: amounts with cents, so the amount shows them
        text = to_markdown(layout(evaluation))
    assert "2021-03-01 — transfer RA 5/2021: from 1.1.1 (TGN) → to 1.2.1 (TGN): 40.50 (traspaso)." in text
    assert "2021-03-01 — traspaso RA 5/2021: de 1.1.1 (TGN) → a 1.2.1 (TGN): 40.50 (traspaso)." in to_markdown(layout(evaluation))


def test_a_budget_modification_keeps_its_shape():
    plan = plan_of(T_KEY, base_approval(), budget("2.1.1", "TGN", "-5", "2021-04-01"))
    (item,) = evaluation_to_dict(ev(plan, "2021-12-31"))["budget_modifications"]
    assert set(item) == {"seq", "date", "reference", "reason", "code", "source", "amount", "recorded_at", "actor"}
    assert budget_modification_to_dict(plan.history[1])["amount"] == "-5.00"


# -- the property: the plan's total never moves ------------------------------------------------------------


@PROPERTY
@given(order_free_facts(), st.data())
def test_a_transfer_keeps_the_plans_total_budget_unchanged_at_every_date(case, data):
    approval, facts = case
    base = record_all(approval, facts)
    structure = base.structure_on(date(2021, 12, 31))
    lines = [(code, source) for code, node in structure.nodes.items() if node.kind == "operation" for source in node.budget]
    assume(lines)
    code, source = data.draw(st.sampled_from(sorted(lines)))
    day = data.draw(st.sampled_from(DATES))
    # the giving line's lowest balance from the transfer's date on (balances change only on DATES)
    room = min(base.structure_on(date.fromisoformat(d)).nodes[code].budget.get(source, D(0)) for d in DATES if d >= day)
    assume(room > 0)
    amount = D(data.draw(st.integers(1, int(room * 100)))).scaleb(-2)
    operations = sorted(c for c, n in structure.nodes.items() if n.kind == "operation")
    to_code = data.draw(st.sampled_from(operations))
    to_source = data.draw(st.sampled_from(["TGN", "Otros", "Otros2"]))
    assume((to_code, to_source) != (code, source))
    moved = record_all(approval, facts + [transfer(code, to_code, str(amount), day, source=source, to_source=to_source)])
    moment = date.fromisoformat(day)
    # every date a budget can change on (the facts' DATES), the day before each and the year's end
    every = {date.fromisoformat(d) for d in DATES} | {date.fromisoformat(d) - timedelta(days=1) for d in DATES[1:]}
    for as_of in sorted(every | {moment, date(2021, 12, 31)}):
        a = evaluate(KEY, base.history, as_of, FAR)
        b = evaluate(KEY, moved.history, as_of, FAR)
        assert b.summary.budget_current == a.summary.budget_current
        if as_of >= moment:  # the two sides moved by the amount, nothing else
            giving = b.element(code).budget.get(source, D(0)) - a.element(code).budget.get(source, D(0))
            receiving = b.element(to_code).budget.get(to_source, D(0)) - a.element(to_code).budget.get(to_source, D(0))
            assert (giving, receiving) == (-amount, amount)
            assert b.summary.budget_modifications == a.summary.budget_modifications + 1
        else:
            assert b.summary == a.summary


def test_the_workbook_lists_a_transfer_as_one_row_with_both_sides():
    plan = plan_of(T_KEY, base_approval(), budget("2.1.1", "TGN", "-5", "2021-02-01"), transfer())
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(ev(plan, "2021-03-31"))))
    sheet = book["Modificaciones presupuestarias"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=1)]
    assert rows[0][-2:] == ["Código destino", "Fuente destino"]
    # the budget modification: no receiving side; the transfer: 1.1.1 TGN → 1.2.1 TGN, 40 moved
    assert [(r[0], r[4], r[5], r[6], r[-2], r[-1]) for r in rows[1:]] == [
        (2, "2.1.1", "TGN", -5, None, None), (3, "1.1.1", "TGN", 40, "1.2.1", "TGN"),
    ]
