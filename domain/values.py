"""Parsing and checking of the plain values an entry carries: decimals, dates, codes, text.

Every function takes the raw value (from YAML, JSON or a command-line option)
and the name of the field it came from, and raises `EntryError` naming that
field when the value is not acceptable.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")


class EntryError(ValueError):
    """A value or rule violation, located by the field path it concerns."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message

    def within(self, prefix: str) -> "EntryError":
        """The same error, its field path prefixed (``changes[1].add`` + ``.weight``)."""
        field = prefix if not self.field else f"{prefix}.{self.field}"
        return EntryError(field, self.message)

    def __str__(self) -> str:
        return f"field '{self.field}': {self.message}" if self.field else self.message


def parse_decimal(
    value: object,
    field: str,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    places: int = 2,
) -> Decimal:
    """An exact decimal with at most `places` decimals, within the bounds given."""
    if isinstance(value, bool) or value is None:
        raise EntryError(field, f"must be a number, got {_show(value)}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER.match(text):
            raise EntryError(field, f"must be a number, got {_show(value)}")
        number = Decimal(text)
    else:
        # floats are refused on purpose: money and percentages are exact decimals
        raise EntryError(field, f"must be a number written exactly, got {_show(value)}")
    if not number.is_finite():
        raise EntryError(field, f"must be a finite number, got {_show(value)}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise EntryError(field, f"must have at most {places} decimals, got {number}")
    if minimum is not None and number < minimum:
        raise EntryError(field, f"must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise EntryError(field, f"must be at most {maximum}, got {number}")
    return number


def parse_date(value: object, field: str) -> date:
    """A calendar date written YYYY-MM-DD (or a date a YAML loader produced)."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise EntryError(field, f"must be a date written YYYY-MM-DD, got {_show(value)}")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise EntryError(field, f"is not a real date: {value.strip()}") from None


def parse_code(value: object, field: str) -> str:
    """An element code such as ``6.1.1.3`` (numbers a YAML loader produced are accepted)."""
    if isinstance(value, bool):
        raise EntryError(field, f"must be a code such as 6.1.1, got {_show(value)}")
    if isinstance(value, (int, Decimal)):
        value = str(value)
    if not isinstance(value, str) or not _CODE.match(value.strip()):
        raise EntryError(field, f"must be a code such as 6.1.1, got {_show(value)}")
    return value.strip()


def parse_text(value: object, field: str, *, optional: bool = False) -> str | None:
    """A non-empty piece of text (or None when optional and absent)."""
    if value is None and optional:
        return None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise EntryError(field, f"must be a non-empty text, got {_show(value)}")
    return value.strip()


def parse_year(value: object, field: str) -> int:
    """A fiscal year (gestión)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise EntryError(field, f"must be a year such as 2020, got {_show(value)}")
    return value


def check_fields(data: object, field: str | None, required: set[str], optional: set[str]) -> dict:
    """The mapping itself, after checking it has every required key and no unknown one."""
    if not isinstance(data, dict):
        raise EntryError(field, f"must be a mapping of fields, got {_show(data)}")
    allowed = required | optional
    for key in data:
        if key not in allowed:
            where = f"{field}.{key}" if field else str(key)
            raise EntryError(where, f"unknown field (expected one of: {', '.join(sorted(allowed))})")
    for key in sorted(required):
        if key not in data or data[key] is None:
            where = f"{field}.{key}" if field else key
            raise EntryError(where, "is required")
    return data


def quantize(value: Decimal) -> Decimal:
    """Rounded half-up to two decimals, as every figure is shown."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def grouped(value: Decimal) -> str:
    """Shown with thousands separators and two decimals: ``578,301,240.00``."""
    return f"{quantize(value):,}"


def _show(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value)
    return f"{value!r} ({type(value).__name__})"
