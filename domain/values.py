"""Parsing and checking of the plain values an entry carries: decimals, dates, codes, text.

Every function takes the raw value (from YAML, JSON or a command-line option)
and the name of the field it came from, and raises `EntryError` naming that
field when the value is not acceptable. The bounds below keep every figure the
folds compute exact under `FIGURES` (docs/design.md, "Entries").
"""

from __future__ import annotations

import re
import reprlib
from contextvars import ContextVar
from datetime import date
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    getcontext,
    localcontext,
)
from functools import wraps

from .messages import translate as _

TWO_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)

# The one Decimal context of every fold: 28 digits (Python's default), so that sums of
# amounts within the bounds below are exact; anything else traps instead of rounding silently.
FIGURES = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])

AMOUNT_LIMIT = Decimal(10) ** 15  # every amount is strictly below, in absolute value
WEIGHT_MAX = Decimal(1_000_000)
COUNT_MAX = 10**9  # declared counts
TEXT_MAX = 10_000  # characters of a text (title, reason, note, reference, source, ...)
CODE_MAX = 64  # characters of a code

_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_NUMBER = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")
_YEAR = re.compile(r"^[0-9]{4}$")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a str, a code point UTF-8 cannot encode


_ENTERED: ContextVar[Context | None] = ContextVar("figures_context", default=None)  # the context the outermost entered


def figures_context(function):
    """`function` run under `FIGURES`, whatever the caller's Decimal context. Called from within
    another function so decorated (a batch's loop over its entries), it runs in the context that one
    entered, which nothing changes in between (none of this code sets a Decimal context)."""

    @wraps(function)
    def in_figures_context(*args, **kwargs):
        if getcontext() is _ENTERED.get():
            return function(*args, **kwargs)
        with localcontext(FIGURES) as context:
            token = _ENTERED.set(context)
            try:
                return function(*args, **kwargs)
            finally:
                _ENTERED.reset(token)

    return in_figures_context


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
        return f"{field_said(self.field)}: {self.message}" if self.field else self.message


def field_said(field: str) -> str:
    """A field's path as messages name it: ``field 'changes[1].add.weight'`` (the path itself untranslated)."""
    return _("field '{field}'").format(field=field)


def parse_decimal(
    value: object,
    field: str,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    below: Decimal | None = None,
    places: int = 2,
) -> Decimal:
    """An exact decimal with at most `places` decimals, within the bounds given
    (`below`: strictly below it in absolute value)."""
    if isinstance(value, bool) or value is None:
        raise EntryError(field, _("must be a number, got {value}").format(value=preview(value)))
    if isinstance(value, int):
        number, decimals = Decimal(value), 0
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise EntryError(field, _("must be a finite number, got {value}").format(value=preview(value)))
        number, decimals = value, max(0, -value.as_tuple().exponent)
    elif isinstance(value, str):
        text = _with_decimal_point(value.strip(), field)
        if not _NUMBER.match(text):
            raise EntryError(field, _("must be a number, got {value}").format(value=preview(value)))
        number, decimals = Decimal(text), len(text.partition(".")[2])
    else:
        # floats are refused on purpose: money and percentages are exact decimals
        raise EntryError(field, _("must be a number written exactly, got {value}").format(value=preview(value)))
    if below is not None and abs(number) >= below:
        raise EntryError(
            field, _("must be below {limit} in absolute value, got {value}").format(limit=f"{below:,}", value=preview(value))
        )
    if decimals > places:
        raise EntryError(field, _("must have at most {places} decimals, got {value}").format(places=places, value=preview(value)))
    if minimum is not None and number < minimum:
        raise EntryError(field, _("must be at least {minimum}, got {value}").format(minimum=minimum, value=preview(value)))
    if maximum is not None and number > maximum:
        raise EntryError(
            field, _("must be at most {maximum}, got {value}").format(maximum=f"{maximum:,}", value=preview(value))
        )
    return number


_DECIMAL_COMMA = re.compile(r"-?[0-9]+,[0-9]+")  # 45,5
_GROUPED_COMMA = re.compile(r"-?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+")  # 1.234,56: points group, the comma is decimal


def _with_decimal_point(text: str, field: str) -> str:
    """A number written with a decimal comma, as Bolivian documents write it, rewritten with a
    point, where that is unambiguous: ``45,5``, ``1.234,56``. One comma followed by exactly three
    digits and nothing else (``1,500``) may be a thousands separator: refused as ambiguous."""
    if "," not in text:
        return text
    if _GROUPED_COMMA.fullmatch(text):
        return text.replace(".", "").replace(",", ".")
    if _DECIMAL_COMMA.fullmatch(text):
        if len(text.partition(",")[2]) == 3:
            raise EntryError(
                field,
                _("is ambiguous: {value} may be a decimal comma or a thousands separator; write {point} or {whole}").format(
                    value=preview(text), point=text.replace(",", "."), whole=text.replace(",", "")
                ),
            )
        return text.replace(",", ".")
    return text


def parse_amount(value: object, field: str, *, signed: bool = False) -> Decimal:
    """An amount of money: below 10^15 in absolute value, ≥ 0 unless `signed`."""
    return parse_decimal(value, field, minimum=None if signed else Decimal(0), below=AMOUNT_LIMIT)


def parse_weight(value: object, field: str) -> Decimal:
    """A weight: 0 to 1,000,000."""
    return parse_decimal(value, field, minimum=Decimal(0), maximum=WEIGHT_MAX)


def parse_percent(value: object, field: str) -> Decimal:
    """A percentage: 0 to 100."""
    return parse_decimal(value, field, minimum=Decimal(0), maximum=HUNDRED)


def parse_date(value: object, field: str) -> date:
    """A calendar date written YYYY-MM-DD (or a date a YAML loader produced)."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        raise EntryError(field, _("must be a date written YYYY-MM-DD, got {value}").format(value=preview(value)))
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise EntryError(field, _("is not a real date: {value}").format(value=value.strip())) from None


def parse_code(value: object, field: str) -> str:
    """An element code such as ``6.1.1.3``: always a text, at most 64 characters."""
    if not isinstance(value, str) or not _CODE.match(value.strip()):
        raise EntryError(field, _("must be a code such as 6.1.1, got {value}").format(value=preview(value)))
    code = value.strip()
    if len(code) > CODE_MAX:
        raise EntryError(field, _("must have at most {count} characters, got {value}").format(count=CODE_MAX, value=preview(code)))
    return code


def parse_text(value: object, field: str, *, optional: bool = False) -> str | None:
    """A non-empty piece of text of at most 10,000 characters (or None when optional and absent)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise EntryError(field, _("must be a non-empty text, got {value}").format(value=preview(value)))
    text = value.strip()
    if len(text) > TEXT_MAX:
        raise EntryError(field, _("must have at most {count} characters, got {value}").format(count=f"{TEXT_MAX:,}", value=preview(text)))
    bad = LONE_SURROGATE.search(text)
    if bad:
        raise EntryError(
            field,
            _("holds a lone surrogate ({character} at character {position}), which UTF-8 cannot encode").format(
                character=repr(bad.group()), position=bad.start() + 1
            ),
        )
    return text


def parse_year(value: object, field: str) -> int:
    """A fiscal year (gestión)."""
    if isinstance(value, str) and _YEAR.match(value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2200:
        raise EntryError(field, _("must be a year such as 2020, got {value}").format(value=preview(value)))
    return value


def check_fields(data: object, field: str | None, required: set[str], optional: set[str]) -> dict:
    """The mapping itself, after checking it has every required key and no unknown one."""
    if not isinstance(data, dict):
        raise EntryError(field, _("must be a mapping of fields, got {value}").format(value=preview(data)))
    for key in data:
        if key not in required and key not in optional:
            allowed = sorted(required | optional)
            raise EntryError(subfield(field, key), _("unknown field (expected one of: {fields})").format(fields=", ".join(allowed)))
    if any(data.get(key) is None for key in required):
        missing = next(key for key in sorted(required) if data.get(key) is None)  # the first in name order
        raise EntryError(subfield(field, missing), _("is required"))
    return data


def subfield(field: str | None, key: object) -> str:
    """The path of `key` within `field` (``budget.TGN``), a long or odd key shown shortened."""
    name = key if isinstance(key, str) and len(key) <= CODE_MAX else _PREVIEW.repr(key)
    return f"{field}.{name}" if field else name


def quantize(value: Decimal) -> Decimal:
    """Rounded half-up to two decimals, as every figure is shown."""
    return value.quantize(TWO_PLACES, rounding=ROUND_HALF_UP, context=FIGURES)


def grouped(value: Decimal) -> str:
    """Shown with thousands separators and two decimals: ``578,301,240.00``."""
    return f"{quantize(value):,}"


class _Preview(reprlib.Repr):
    """`reprlib` with small limits, never building the repr of a huge int or Decimal."""

    def __init__(self):
        super().__init__()
        self.maxlevel, self.maxstring, self.maxother = 2, 40, 40
        self.maxdict = self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = 4

    def repr_int(self, value: int, level: int) -> str:
        if value.bit_length() > 128:
            return _("<an integer of about {count} digits>").format(count=value.bit_length() * 30103 // 100000 + 1)
        return repr(value)

    def repr_Decimal(self, value: Decimal, level: int) -> str:
        return format(value, ".30g")  # at most 30 significant digits, whatever the coefficient's size


_PREVIEW = _Preview()


def preview(value: object) -> str:
    """A value as a message shows it: short whatever its size (``'mucho'``, ``True (bool)``)."""
    if value is None:
        return _("nothing")
    shown = _PREVIEW.repr(value)
    if isinstance(value, str):
        if len(value) <= _PREVIEW.maxstring:
            return shown
        return _("{value} ({count} characters)").format(value=shown, count=f"{len(value):,}")
    return f"{shown} ({type(value).__name__})"

