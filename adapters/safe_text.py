"""Safe output of user-supplied text (finding 9, "Injection"; docs/design.md, "Safe output").

Titles, result and justification texts, references, reasons, actors, the entity,
sources and notes are typed by users and end up on a terminal, in a Markdown file, in
a spreadsheet or in a JSON consumer. This module is the one place that makes such text
harmless there, each function for one kind of output:

- `terminal_safe`: control characters are shown as visible escapes (``\\x1b``), so no
  escape sequence (clear screen, colours, OSC window titles) reaches a terminal raw.
- `markdown_text`: Markdown-significant characters are backslash-escaped so that the
  text renders as the same literal text, and cannot start a block of its own.
- `csv_cell`: a cell that a spreadsheet would read as a formula gets a leading ``'``
  (and control characters but line breaks and tab are shown escaped).
- `json_text`: the JSON text of a value, with C1 controls, DEL and bidi controls
  escaped as ``\\uXXXX`` (the value read back is unchanged); `json_escape` for JSON
  text written otherwise.

Ordinary text (letters with accents, digits, spaces, ordinary punctuation) passes every
one of them unchanged, so outputs of ordinary plans stay byte for byte what they were.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Control characters shown escaped on a terminal and in Markdown: C0 (U+0000-U+001F,
# tab, carriage return and newline included), DEL (U+007F), C1 (U+0080-U+009F, among
# them U+009B, a one-byte CSI on some terminals), and the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069), which can make a text display
# in an order other than the one it is read in ("Trojan Source").
CONTROL_CHARACTERS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"


def _controls_but(kept: str = "") -> re.Pattern[str]:
    """The control characters above, but those in `kept`."""
    return re.compile(f"(?![{kept}])[{CONTROL_CHARACTERS}]" if kept else f"[{CONTROL_CHARACTERS}]")


_CONTROL = _controls_but()
_CONTROL_BUT_NEWLINE = _controls_but("\n")
_LINE_BREAK = re.compile("\r\n|\r|\n")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """`text` with every control character shown as visible text: ``\\x1b``, ``\\x9b``, ``\\u202e``.

    Escaped: C0 controls (tab and carriage return included; newline too unless
    `keep_newlines`, and then a CR LF pair counts as one newline), DEL, C1 controls and
    the bidi embedding/override/isolate characters. Everything else is returned as is
    (a backslash is not doubled: a typed ``\\x1b`` and an escaped ESC look the same,
    which is harmless). Safe for one-line messages (the default) and, with
    `keep_newlines`, for multi-line text.
    """
    text = str(text)
    if keep_newlines:
        return _CONTROL_BUT_NEWLINE.sub(_escaped, text.replace("\r\n", "\n"))
    return _CONTROL.sub(_escaped, text)


# -- Markdown (CommonMark and GitHub Flavored Markdown) -----------------------------------------

_ASCII_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_ALWAYS = frozenset("`*<|~")  # code spans, emphasis, HTML and autolinks, table cells, strikethrough
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_ORDERED_MARKER = re.compile(r"^([0-9]{1,9})([.)])(?= |$)")
_CLOSING_HASHES = re.compile(r"(?<= )#+ *$")


def markdown_text(text: str, *, cell: bool = False) -> str:
    """`text` escaped for Markdown so that it renders as the same literal text.

    - line breaks (LF, CR, CR LF) become spaces: a text cannot start a new line, hence
      no new block, table row or link reference definition; other control characters
      are shown escaped as by `terminal_safe`;
    - always escaped: ``\\`` before ASCII punctuation (or at the end), `````, ``*``,
      ``<`` (raw HTML, autolinks), ``|`` (table cells), ``~``;
    - ``_`` unless between two letters or digits (``budget_TGN`` stays as is);
    - ``]`` when ``(``, ``[`` or ``:`` follows (no inline link, image or reference);
    - ``&`` when it starts an entity or character reference (``&copy;``, ``&#60;``);
    - unless `cell` (the text is a whole paragraph, list item or heading): leading
      spaces are dropped, and a leading ``#``, ``>``, ``-``, ``+``, ``[`` or
      ordered-list marker (``1.``, ``2)``) is escaped, as is a closing run of ``#``.

    Everything else (``6.1.1``, ``-12.50`` in a cell, parentheses, ``%``, accents) is
    left as is, so ordinary text stays readable in the raw Markdown.
    """
    text = terminal_safe(_LINE_BREAK.sub(" ", str(text)))
    out: list[str] = []
    last = len(text) - 1
    for i, ch in enumerate(text):
        following = text[i + 1] if i < last else ""
        if ch == "\\":
            escape = following == "" or following in _ASCII_PUNCTUATION
        elif ch in _ALWAYS:
            escape = True
        elif ch == "_":
            preceding = text[i - 1] if i > 0 else ""
            escape = not (preceding.isalnum() and following.isalnum())
        elif ch == "]":
            escape = following in ("(", "[", ":")
        elif ch == "&":
            escape = _ENTITY.match(text, i) is not None
        else:
            escape = False
        out.append("\\" + ch if escape else ch)
    escaped = "".join(out)
    if cell:
        return escaped
    escaped = escaped.lstrip(" ")
    if escaped[:1] in ("#", ">", "-", "+", "["):
        escaped = "\\" + escaped
    else:
        escaped = _ORDERED_MARKER.sub(r"\1\\\2", escaped)
    return _CLOSING_HASHES.sub(lambda m: "\\" + m.group(0), escaped)


# -- CSV -----------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_CSV_CONTROL = _controls_but("\t\n\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell safe in a spreadsheet (OWASP "CSV injection") and on a terminal.

    A text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a
    leading ``'``, unless it is a plain number (``-12.50``: ``-?[0-9]+(.[0-9]+)?``),
    which cannot be a formula and which machine consumers read as a number. Control
    characters but tab, LF and CR (which a quoted CSV cell may hold) are shown escaped
    as by `terminal_safe`. Other values (numbers, None, ordinary text) are returned
    unchanged.
    """
    if not isinstance(value, str):
        return value
    value = _CSV_CONTROL.sub(_escaped, value)
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


# -- JSON ----------------------------------------------------------------------------------------

# json.dumps(ensure_ascii=False) escapes C0 controls only; these are escaped as well.
_JSON_EXTRA = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_escape(text: str) -> str:
    """JSON text (as json.dumps writes it) with DEL, C1 controls, the bidi controls and
    U+2028/U+2029 escaped as ``\\uXXXX``: they can only occur inside JSON strings, where
    the escape stands for the same character, so the value read back is unchanged."""
    return _JSON_EXTRA.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def json_text(obj: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=2)`` through `json_escape`: no raw
    control character at all (json.dumps escapes C0 itself). Text without DEL, C1, bidi
    controls or U+2028/U+2029 is byte for byte what json.dumps gives."""
    return json_escape(json.dumps(obj, ensure_ascii=False, indent=2))
