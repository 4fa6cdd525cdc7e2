"""The pure parts of the CSV contract (adapters/report_csv.py): source columns, their order, code
order; decimals; the one timestamp format (expected values by hand)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from poa.adapters.report_csv import code_key, ordered_sources, source_column, source_columns
from poa.adapters.report_json import decimal_text, timestamp, two_places


def test_source_columns_have_no_spaces_and_never_collide():
    assert source_column("TGN") == "budget_TGN"
    assert source_column("Otros recursos") == "budget_Otros_recursos"
    assert source_column(" Crédito  externo (BID) ") == "budget_Credito_externo_BID"
    assert source_column("***") == "budget_source"
    assert ordered_sources(["otros", "Otros", "TGN", "Banco"]) == ["TGN", "Banco", "Otros", "otros"]
    assert ordered_sources(["Otros"]) == ["Otros"]  # no TGN: the others only
    assert source_columns(["Otros-recursos", "Otros recursos", "TGN", "Otros_recursos_2"]) == {
        "TGN": "budget_TGN",
        "Otros recursos": "budget_Otros_recursos",  # " " < "-" < "_": the first of the three keeps the name
        "Otros-recursos": "budget_Otros_recursos_2",
        "Otros_recursos_2": "budget_Otros_recursos_2_2",  # its own name was taken by the suffix
    }


def test_code_order_is_natural_segment_by_segment():
    codes = ["1.10", "1.2", "10", "2", "1.2.1", "1", "1.1a", "1.1"]
    assert sorted(codes, key=code_key) == ["1", "1.1", "1.1a", "1.2", "1.2.1", "1.10", "2", "10"]


def test_decimals_and_timestamps():
    assert (two_places(Decimal("7000")), two_places(Decimal("0")), two_places(Decimal("-12.5"))) == ("7000.00", "0.00", "-12.50")
    assert (decimal_text(Decimal("82.405")), decimal_text(Decimal("82.4")), decimal_text(Decimal("5E+2"))) == (
        "82.405", "82.40", "500.00",
    )
    whole = datetime(2021, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    exact = whole.replace(microsecond=120)
    assert (timestamp(whole), timestamp(exact)) == ("2021-01-02T03:04:05Z", "2021-01-02T03:04:05.000120Z")
    # read back as the same instant, microseconds included (--known-at: tests/integration/test_contract.py)
    assert datetime.fromisoformat(timestamp(whole)) == whole and datetime.fromisoformat(timestamp(exact)) == exact
