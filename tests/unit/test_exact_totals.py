"""All arithmetic is exact (issue 7, finding 2): totals at the bounds of amounts and weights,
folded from a history built in memory, whatever the caller's decimal context.

(The refusal of amounts beyond the bounds, through the CLI, is in
tests/integration/test_hostile_input.py.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Context, Decimal, localcontext

from poa.domain.rules import check_history
from poa.projections.evaluation import evaluate
from support.builders import FAR, UTC, history_by_hand

TOP = 99_999_999_999_999_999  # 999,999,999,999,999.99 in cents: the largest amount allowed


def cents(n: int) -> str:
    return f"{'-' if n < 0 else ''}{abs(n) // 100}.{abs(n) % 100:02d}"


def test_finding_2_totals_at_the_bounds_are_exact_whatever_the_callers_context():
    """3,000 operations with 3 sources at the largest amount, a modification on each line,
    executions at the largest amount: every total, computed by hand in integer cents."""
    operations, sources = 3000, ("TGN", "Otros", "Donación")
    approval = {"approve": {
        "entity": "Entidad", "year": 2021, "date": "2021-01-04", "reference": "RA 1",
        "strategic_actions": [{"code": "1", "title": "AE"}],
        "short_term_actions": [{"code": "1.1", "parent": "1", "title": "ACP", "weight": "1000000"}],
        "operations": [
            {"code": f"1.1.{i}", "parent": "1.1", "title": f"Op {i}", "weight": "1000000", "budget": {s: cents(TOP) for s in sources}}
            for i in range(1, operations + 1)
        ],
    }}
    # line (i, s) gets -(i*j) cents, with j its source's number: never below zero
    entries = [approval] + [
        {"budget": {"code": f"1.1.{i}", "source": s, "amount": cents(-i * j), "date": "2021-03-01", "reference": "R", "reason": "r"}}
        for i in range(1, operations + 1) for j, s in enumerate(sources, 1)
    ] + [
        {"execution": {"code": f"1.1.{i}", "source": s, "amount": cents(TOP - i), "date": "2021-06-30"}}
        for i in range(1, operations + 1) for s in sources
    ]
    start = datetime(2021, 7, 1, tzinfo=UTC)
    history = history_by_hand((start + timedelta(seconds=n), e) for n, e in enumerate(entries, 1))
    check_history(history)

    n = operations
    line_sum = n * (n + 1) // 2  # sum of i over the operations
    current = 3 * n * TOP - line_sum * (1 + 2 + 3)
    executed = 3 * n * TOP - 3 * line_sum
    with localcontext(Context(prec=6)):  # a caller's context must not change any figure
        ev = evaluate("BIG-2021", history, date(2021, 12, 31), FAR)
    assert ev.summary.budget_current == Decimal(current) / 100
    assert ev.summary.budget_executed == Decimal(executed) / 100
    assert ev.short_term_actions[0].budget_current == Decimal(current) / 100
    last = ev.element(f"1.1.{n}")
    assert last.budget == {s: Decimal(TOP - n * j) / 100 for j, s in enumerate(sources, 1)}
    assert last.budget_executed == Decimal(3 * (TOP - n)) / 100
    assert ev.summary.weights_total == Decimal(1_000_000)
