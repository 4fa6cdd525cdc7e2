"""Decimal commas in inputs, as Bolivian documents write numbers (issue 12): accepted where unambiguous."""

from decimal import Decimal

import pytest

from poa.domain.values import EntryError, parse_amount, parse_decimal, parse_percent


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("45,5", Decimal("45.5")),
        ("45,50", Decimal("45.50")),
        ("0,25", Decimal("0.25")),
        ("1.234,56", Decimal("1234.56")),  # points group thousands, the comma is the decimal mark
        ("578.301.240,00", Decimal("578301240.00")),
        (" 12,5 ", Decimal("12.5")),
    ],
)
def test_a_decimal_comma_is_read_as_the_decimal_mark(typed, value):
    assert parse_amount(typed, "amount") == value


def test_a_signed_amount_and_a_percent_with_a_comma():
    assert parse_amount("-12,50", "amount", signed=True) == Decimal("-12.50")
    assert parse_percent("99,99", "percent") == Decimal("99.99")


@pytest.mark.parametrize("typed", ["1,500", "12,345", "-1,000"])
def test_one_comma_before_three_digits_is_ambiguous_and_refused(typed):
    with pytest.raises(EntryError) as refused:
        parse_amount(typed, "amount", signed=True)
    assert refused.value.field == "amount" and "ambiguous" in refused.value.message
    assert typed.replace(",", ".") in refused.value.message and typed.replace(",", "") in refused.value.message


@pytest.mark.parametrize("typed", ["1,2,3", "1,234.56", ",5", "5,", "1.23,4.5"])
def test_other_commas_are_not_numbers(typed):
    with pytest.raises(EntryError, match="must be a number"):
        parse_amount(typed, "amount")


def test_the_places_still_count_after_the_comma():
    with pytest.raises(EntryError, match="at most 2 decimals"):
        parse_amount("1,2345", "amount")
    assert parse_decimal("0,123456", "declared", places=6) == Decimal("0.123456")
