"""Rendering a report is linear in the plan's size (issue point 5), checked without timing anything.

A report of N elements must look at each element a bounded number of times. The
evaluation's element lists are replaced by tuples that count every item any iteration
over them yields (`elements()` and other concatenations of them included), and the Blocks'
rows by tuples that count the rows the renderers read. Quadratic work (for each element,
a scan of every operation or every element, as Cuadro 2's operation counts once did)
shows as a count per element that grows with the plan; linear work as one that does not.
The plans are built in memory (the `Plan` aggregate): no store, no process.

`benchmarks/bench_ledger.py` times the same renderings; this test only counts.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import attrs
import pytest

from poa.adapters.report_csv import report_to_csv
from poa.adapters.report_json import evaluation_to_dict
from poa.adapters.report_text import layout, to_markdown, to_rich
from poa.domain.fact_kinds import parse_entry
from poa.domain.plan import Plan
from poa.projections.evaluation import Evaluation, evaluate

KEY = "L-2021"
FAR = datetime(2100, 1, 1, tzinfo=timezone.utc)
SIZES = (40, 160)  # operations; the larger plan is four times the smaller
PER_ELEMENT = 12  # iterations per element allowed (today: at most 7 for the Markdown form, which lays out the report)


class Counted(tuple):
    """A tuple that adds to `tally` every item an iteration over it yields; a concatenation
    starting with it (`Evaluation.elements()`) counts into the same tally."""

    def __new__(cls, items, tally: list[int]):
        counted = super().__new__(cls, items)
        counted.tally = tally
        return counted

    def __iter__(self):
        for item in tuple.__iter__(self):
            self.tally[0] += 1
            yield item

    def __add__(self, other):
        return Counted(tuple.__add__(self, other), self.tally)


def approval(operations: int) -> dict:
    """3 strategic actions, one short-term action per 5 operations, a task under every other operation."""
    acps = max(1, operations // 5)
    return {
        "approve": {
            "entity": "Entidad",
            "year": 2021,
            "date": "2021-01-04",
            "reference": "RA 1",
            "strategic_actions": [{"code": f"{a}", "title": f"AEI {a}", "sector_code": f"{a}"} for a in range(1, 4)],
            "short_term_actions": [
                {"code": f"{c % 3 + 1}.{c}", "parent": f"{c % 3 + 1}", "title": f"ACP {c}", "weight": "1"}
                for c in range(acps)
            ],
            "operations": [
                {"code": f"{o % acps % 3 + 1}.{o % acps}.{o}", "parent": f"{o % acps % 3 + 1}.{o % acps}",
                 "title": f"Op {o}", "budget": {"TGN": "100", "Otros": "50.50"}}
                for o in range(operations)
            ],
            "tasks": [
                {"code": f"{o % acps % 3 + 1}.{o % acps}.{o}.1", "parent": f"{o % acps % 3 + 1}.{o % acps}.{o}",
                 "title": f"Tarea {o}"}
                for o in range(0, operations, 2)
            ],
        }
    }


def counted_evaluation(operations: int) -> tuple[Evaluation, list[int]]:
    plan = Plan.approve(KEY, parse_entry(approval(operations)), "tester")
    ev = evaluate(KEY, plan.history, date(2021, 12, 31), FAR)
    tally = [0]
    lists = {name: Counted(getattr(ev, name), tally) for name in ("strategic_actions", "short_term_actions", "operations", "tasks")}
    return attrs.evolve(ev, **lists), tally


FORMS = {
    "table": lambda ev: to_rich(layout(ev)),
    "md": lambda ev: to_markdown(layout(ev)),
    "csv": report_to_csv,
    "json": evaluation_to_dict,
}


@pytest.mark.parametrize("form", FORMS)
def test_each_element_is_looked_at_a_bounded_number_of_times(form):
    per_element = []
    for operations in SIZES:
        ev, tally = counted_evaluation(operations)
        elements = len(ev.elements())
        tally[0] = 0
        FORMS[form](ev)
        per_element.append(tally[0] / elements)
    small, large = per_element
    assert large <= PER_ELEMENT, f"{form}: {large:.1f} iterations per element for {SIZES[1]} operations"
    # linear work gives the same count per element at both sizes; quadratic work, about 4 times as many
    assert large <= small * 1.25, f"{form}: {small:.1f} then {large:.1f} iterations per element as the plan grows 4 times"


@pytest.mark.parametrize("render", [to_markdown, to_rich])
def test_the_renderers_read_each_row_once(render):
    ev, _ = counted_evaluation(SIZES[1])
    tally = [0]
    blocks = [attrs.evolve(b, rows=Counted(b.rows, tally)) if b.kind == "table" else b for b in layout(ev)]
    rows = sum(len(b.rows) for b in blocks)
    assert rows > SIZES[1]  # Cuadro 2 has a row per operation
    render(blocks)
    assert tally[0] == rows
