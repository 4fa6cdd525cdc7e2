"""Dates, moments and numbers as people read them, in the current language and number style.

The language is the catalogue's (`poa.domain.catalogue.use_language`): dates in prose
are Babel's ("30 de junio de 2024", "June 30, 2024"). Numbers follow the number style
(`use_decimal_mark`), independent of the language: ``point`` (the default, what the
seed report prints: ``578,301,240.00``) or ``comma`` (``578.301.240,00``). Rounding is
the ledger's own (`poa.domain.values.quantize`), exact on `Decimal`; only the marks change.
Moments shown to people have no microseconds; machine formats (JSON, CSV) keep them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from poa.domain.languages import language
from poa.domain.scoped import ScopedChoice

DECIMAL_MARKS = ("point", "comma")
DEFAULT_DECIMAL_MARK = "point"
_decimal_mark = ScopedChoice("decimal mark", DECIMAL_MARKS, DEFAULT_DECIMAL_MARK)
_SWAP = str.maketrans({",": ".", ".": ","})
LOCALES = {"es": "es_BO", "en": "en_US"}  # Babel's locale of each language, for dates in prose


decimal_mark = _decimal_mark.get
use_decimal_mark = _decimal_mark.use  # every number with that decimal mark (None: the current one) inside a block


def number(value: Decimal, places: int = 2, *, group: bool = True) -> str:
    """A number with `places` decimals (0: an integer), thousands grouped unless `group` is False."""
    from poa.domain.values import quantize  # noqa: PLC0415 - not at start-up (docs/design.md)

    q = quantize(value) if places == 2 else value.quantize(Decimal(1).scaleb(-places)) if places else value.to_integral_value()
    text = f"{q:,}" if group else f"{q}"
    if places == 0 and "." in text:
        text = text.split(".")[0]
    return text.translate(_SWAP) if _decimal_mark.get() == "comma" else text


def long_date(day: date) -> str:
    """A date in prose: "30 de junio de 2024" / "June 30, 2024"."""
    from babel.dates import format_date  # Babel's locale data loads on first use, not at start-up

    return format_date(day, "long", locale=LOCALES[language()])


def moment(when: datetime) -> str:
    """A recorded moment for people: UTC, to the second: ``2024-07-05 14:03:12 UTC``."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
