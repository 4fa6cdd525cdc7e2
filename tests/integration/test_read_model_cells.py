"""The read model's cells built the quick way (adapters/read_model.py) equal the generic ones:

- `data_text` (a fact's `data` cell, built without the generic walk for progress and execution
  records, results and justifications) is `recorded_to_dict` as `cells` stores it, for every kind;
- `values` (column by column) gives the tuples of `cells`, for rows with decimals, integers and
  None in number columns, dates, times, objects, and rows without some columns.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import attrs

from poa.adapters import read_model as rm
from poa.adapters.open_tables import json_value
from poa.adapters.report_json import recorded_to_dict

from support.builders import base_approval, budget, execution, plan_of, progress, reformulate


def generic_data(plan: str, r) -> str:
    return json.dumps(json_value(recorded_to_dict(plan, r)), ensure_ascii=False)


def test_the_data_of_every_kind_of_fact_is_the_history_json():
    plan = plan_of(
        "DEMO-2021", base_approval(),
        progress("1.1.1.1", "12.5", "2021-03-31"),
        progress("1.1.1.1", "15", "2021-03-31", note="Ñandú \"citado\" \\ con salto\nde línea"),
        execution("1.1.1", "40.1", "2021-03-31"),
        execution("1.1.1", "10", "2021-04-30", source="TGN"),
        {"result": {"code": "1.1", "date": "2021-04-30", "text": "Resultado"}},
        {"result": {"date": "2021-04-30", "text": "Del plan"}},
        {"justify": {"code": "1.2", "date": "2021-06-30", "text": "Demora"}},
        budget("1.1.2", "Otros", "-5.5", "2021-05-02"),
        reformulate("2021-05-10", {"update": {"code": "1.2", "weight": "35"}}),
    )
    history = list(plan.history)
    history.append(attrs.evolve(history[1], seq=len(history) + 1, initial_load="Informe IV", batch="b" * 64))
    history.append(attrs.evolve(history[1], seq=len(history) + 1,
                                recorded_at=datetime(2021, 4, 1, 10, 0, 0, 250000, tzinfo=timezone.utc)))
    kinds = {type(r.fact).__name__ for r in history}
    assert {"Approval", "Progress", "Execution", "Result", "Justification", "BudgetModification", "Reformulation"} <= kinds
    for r in history:
        assert rm.data_text("DEMO-2021", r) == generic_data("DEMO-2021", r)
    assert json.loads(rm.data_text("DEMO-2021", history[2]))["data"] == {
        "code": "1.1.1.1", "percent": "15.00", "note": "Ñandú \"citado\" \\ con salto\nde línea",
    }
    assert json.loads(rm.data_text("DEMO-2021", history[3]))["data"] == {"code": "1.1.1", "amount": "40.10"}


def test_values_are_the_cells_column_by_column():
    base = {
        "plan": "P", "seq": 1, "recorded_at": datetime(2021, 1, 4, 12, 0, tzinfo=timezone.utc), "actor": "a",
        "batch": None, "initial_load": None, "kind": "progress", "code": "1", "date": date(2021, 3, 31),
        "reference": None, "entity": None, "year": None, "percent": Decimal("12.5"), "amount": None, "source": None,
        "note": None, "text": None, "reason": None, "issued": None, "format": None, "items": None, "days_late": 3,
        "corrects_seq": None, "data": {"b": 1, "a": [Decimal("1.005"), date(2021, 1, 2)]},
    }
    rows = [
        base,
        {**base, "seq": 2, "percent": 7, "amount": Decimal("-0"), "issued": date(2021, 4, 1), "data": "texto"},
        {**base, "seq": 3, "percent": None, "amount": "3.1", "recorded_at": "2021-01-04T12:00:00Z", "data": None},
        {k: v for k, v in base.items() if k not in ("note", "data", "items")} | {"seq": 4},
    ]
    expected = [tuple(row.values()) for row in rm.cells("facts", rows)]
    assert rm.values("facts", rows) == expected
    assert expected[0][12] == "12.50" and expected[1][12] == "7.00" and expected[1][13] == "-0.00"  # as cells: an exact -0
    assert expected[0][2] == "2021-01-04T12:00:00Z" and expected[0][8] == "2021-03-31"
    assert expected[0][23] == '{"b": 1, "a": ["1.01", "2021-01-02"]}' and expected[3][23] is None
    assert rm.values("facts", rows[:1] * 3) == expected[:1] * 3
    assert rm.values("facts", []) == []
