"""What every reading command's output shares, apart from its renderers: the bytes written, the
binary formats, and the machine-readable contract's version and form of a moment.

Kept apart from adapters/formats.py and adapters/report_json.py (which re-export these names) and
free of the domain, so that a command whose renderers are light too (`poa plans`,
adapters/plan_listing.py) writes its output without importing them (docs/design.md, "Start-up").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

SCHEMA_VERSION = "2.0"  # the version of the machine-readable contract (CHANGELOG.md); 1.0 had no key
ENCODING = "utf-8"  # what every reading command writes: its text in UTF-8, whatever the terminal's locale
BINARY = ("xlsx", "pdf")  # the formats whose renderer gives a binary document: never written to a terminal

Renderer = Callable[[Any, bool], "str | bytes"]  # renderer(value, raw) -> text, or a binary document


def rendered(formats: Mapping[str, Renderer], fmt: str, value, raw: bool = False) -> bytes:
    """The exact bytes a reading command writes for `value` in format `fmt` (cli/common.py,
    `output`, writes these and nothing else): the renderer's text, final newline included, in UTF-8,
    or its binary document as it is."""
    out = formats[fmt](value, raw)
    return out if isinstance(out, bytes) else out.encode(ENCODING)


def timestamp(moment: datetime | None) -> str | None:
    """A recorded time or a known_at as every machine-readable output gives it: ISO 8601 in UTC
    with ``Z``, with microseconds only when they are not zero (an exact known_at needs them)."""
    if moment is None:
        return None
    utc = moment.astimezone(timezone.utc)
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"
