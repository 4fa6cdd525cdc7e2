"""The report's tables drawn as rich draws them, byte for byte, in time linear in the cells.

`to_rich()` (adapters/report_text.py) used to hand every table to rich: a `Table` with a
left-justified `Text` title, the `HEAVY_HEAD` box, padding (0, 1), every column
`overflow="fold"` and left or right justified, every cell a plain `Text`, printed by a
`Console` with no colour. Rich costs about 55 µs a cell, several times the evaluation
fold for a large plan. `draw_table()` draws the same table with string operations only,
reproducing what rich (15.0, the version installed; the tests compare with whichever is)
does in that one configuration:

- column widths (`Table._calculate_column_widths`): each column's natural width is its
  widest text (header included) plus 2 cells of padding, at most the width available
  (`width` minus the borders: 2 edges and one divider between columns); when they add
  up to more, the widest columns are narrowed first (`Table._collapse_widths`, which
  narrows every column that is as wide as the widest to the next widest, sharing the
  excess with `ratio_reduce`), then all of them evenly (`ratio_reduce`, the last resort,
  which every column being wrappable leaves unreached unless nothing is left for text);
- each cell wrapped to its column's width less the padding (`Text.wrap` with
  overflow "fold": `_wrap.divide_line` breaks before a word that does not fit, folds a
  word longer than the line, `Text.rstrip_end` drops the whitespace beyond the width),
  then justified: left, padded with spaces; right, stripped of trailing spaces and
  padded on the left;
- rows as tall as their tallest cell: body cells aligned to the top, header cells to
  the bottom (a header row is aligned "bottom" whatever the column says);
- the title wrapped the same way to the table's width and padded to it (left
  justified), trailing spaces kept (console.print crops lines to the console's width
  but does not strip them).

Exactness is only claimed for text whose every character rich measures as one cell and
whose only whitespace is the space. `draw_table()` returns None (the caller then hands
the table to rich) when some text holds anything else: a character rich measures as 0 or
2 cells (CJK, emoji, combining marks, the zero-width joiner, variation selectors: checked
with `rich.cells.cell_len`), a newline, a tab or another whitespace character (rich's
word splitting and stripping treat them in ways not reproduced here); and when the table
has no columns, a row whose length is not the header's, a width available under 3 cells,
or a column narrowed under 3 cells (less than one cell for its text between the padding;
an empty column, 2 cells wide, is drawn).
tests/unit/test_text_table.py compares it with rich on random tables.

Cost (`benchmarks/bench_ledger.py --operations N --records 5000 --formats table
--repeats 5`, seconds, median of 5; "render table": the whole table form from the
evaluation, `render_report(ev, "table")`; "× fold": that time over the evaluation fold's):

    operations   fold    render table, before   render table, after   the tables: rich   draw_table
    100          0.04    0.13  (3.2 × fold)     0.06  (1.8 × fold)    0.056              0.0009
    500          0.05    0.35  (6.7 × fold)     0.03  (0.6 × fold)    0.27               0.004
    2000         0.14    1.31  (8.9 × fold)     0.12  (0.8 × fold)    1.19               0.016

The tables are drawn about 70 times faster than rich draws them. What remains of the
table form is the headings, paragraphs and list items, still printed by rich one
`console.print` each (about 0.08 ms a line): at 100 operations and 5000 records, some
700 such lines cost the 0.06 s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

WIDTH = 160  # of every table drawn into a file or pipe, and of every sealed report: the same bytes everywhere
_width: ContextVar[int] = ContextVar("poa_table_width", default=WIDTH)


@contextmanager
def use_width(width: int | None) -> Iterator[int]:
    """Draw tables `width` columns wide inside the block (a terminal's width; None: keep the current)."""
    if width is None:
        yield _width.get()
        return
    token = _width.set(max(40, width))
    try:
        yield _width.get()
    finally:
        _width.reset(token)


def current_width() -> int:
    """The width tables are drawn at now (`use_width`; `WIDTH` unless said otherwise)."""
    return _width.get()

# HEAVY_HEAD (rich.box): the header between heavy lines, the body between light ones.
_TOP = ("┏", "━", "┳", "┓")
_HEAD = ("┃", "┃", "┃")
_HEAD_RULE = ("┡", "━", "╇", "┩")
_BODY = ("│", "│", "│")
_BOTTOM = ("└", "─", "┴", "┘")

_PADDING = 2  # one space either side of a cell's text
_OTHER_THAN_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")
_WORD = re.compile(r"\s*\S+\s*")  # rich._wrap.re_word
_TRAILING_WHITESPACE = re.compile(r"\s+$")  # rich.text._re_whitespace
# Latin-1 Supplement but the no-break space, Latin Extended-A and B (á, ñ, º, «: Spanish text): one
# cell each for rich and none of them whitespace (tests/integration/test_startup_index.py checks it
# against rich), known without importing rich (`poa plans` never does: docs/design.md, "Start-up")
LATIN_ONE_CELL = ("\u00a1", "\u024f")


@lru_cache(maxsize=4096)
def _one_cell(character: str) -> bool:
    """Whether rich measures `character` as one cell wherever it stands, and never as whitespace."""
    if LATIN_ONE_CELL[0] <= character <= LATIN_ONE_CELL[1]:
        return True
    from rich.cells import cell_len  # noqa: PLC0415 - rich is imported by a text beyond Latin only

    return character not in "\u200d\ufe0f" and not character.isspace() and cell_len(character) == 1


def _certain(text: str) -> bool:
    """Whether `text` is drawn here exactly as rich draws it: one cell per character, spaces only."""
    return all(_one_cell(c) for c in _OTHER_THAN_PRINTABLE_ASCII.findall(text))


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """rich._ratio.ratio_reduce."""
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    total_remaining = total
    result = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * total_remaining / total_ratio))
            result.append(value - distributed)
            total_remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _collapse(widths: list[int], available: int) -> list[int]:
    """rich.table.Table._collapse_widths, every column wrappable (no fixed width, no no_wrap)."""
    total = sum(widths)
    excess = total - available
    while total and excess > 0:
        widest = max(widths)
        second = max((w if w != widest else 0) for w in widths)
        difference = widest - second
        ratios = [1 if w == widest else 0 for w in widths]
        if not difference:
            break
        widths = _ratio_reduce(excess, ratios, [min(excess, difference)] * len(widths), widths)
        total = sum(widths)
        excess = total - available
    return widths


def column_widths(natural: list[int], available: int) -> list[int] | None:
    """The columns' widths, padding included, borders not, as rich computes them from each
    column's widest text plus padding (`natural`) and the width left by the borders; None
    when `available` is under 3 cells or a column is narrowed under 3 (not reproduced)."""
    if available < 3:
        return None
    widths = [min(n, available) for n in natural]
    if sum(widths) > available:
        widths = _collapse(widths, available)
        if sum(widths) > available:  # last resort, reduce columns evenly
            widths = _ratio_reduce(sum(widths) - available, [1] * len(widths), widths, widths)
        if sum(widths) > available or any(w < min(n, 3) for n, w in zip(natural, widths)):
            return None
        widths = [min(n, w) for n, w in zip(natural, widths)]  # measured again within each width
    return widths


def _divide(text: str, width: int) -> list[int]:
    """rich._wrap.divide_line with fold, for text of one-cell characters."""
    breaks: list[int] = []
    offset = 0
    position = 0
    match = _WORD.match(text, position)
    while match is not None:
        start, end = match.span()
        word = match.group(0)
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            chunks = [word[i:i + width] for i in range(0, len(word), width)]
            for chunk in chunks[:-1]:
                if start:
                    breaks.append(start)
                start += len(chunk)
            if start:
                breaks.append(start)
            offset = len(chunks[-1])
        elif offset and start:
            breaks.append(start)
            offset = len(word)
        match = _WORD.match(text, end)
    return breaks


def wrap(text: str, width: int, right: bool) -> list[str]:
    """`text` wrapped to `width` cells (overflow fold) and justified left or right, each line
    exactly `width` long: what rich's `Text.wrap` gives for one-cell characters."""
    if len(text) <= width:
        return [text.rstrip().rjust(width) if right else text.ljust(width)]
    breaks = _divide(text, width)
    bounds = [0, *breaks, len(text)]
    lines = []
    for a, b in zip(bounds, bounds[1:]):
        line = text[a:b]
        excess = len(line) - width
        if excess > 0:  # Text.rstrip_end
            trailing = _TRAILING_WHITESPACE.search(line)
            if trailing is not None:
                line = line[: len(line) - min(len(trailing.group(0)), excess)]
        if right:
            line = line.rstrip()[:width]
            lines.append(" " * (width - len(line)) + line)
        else:
            lines.append(line[:width].ljust(width))
    return lines


def draw_table(title: str, headers: list[str], rows: list[list[str]], right, width: int) -> str | None:
    """The table as `console.print(table)` writes it (rich's configuration in the module's
    docstring; `right`: the indexes of the right-justified columns; `width`: the console's),
    or None when exactness is in doubt and rich should draw it."""
    columns = len(headers)
    if not columns or any(len(row) != columns for row in rows):
        return None
    if not (_certain(title) and all(map(_certain, headers)) and all(_certain(c) for row in rows for c in row)):
        return None
    natural = [len(h) for h in headers]
    for row in rows:
        natural = [max(n, len(c)) for n, c in zip(natural, row)]
    available = width - (columns + 1)  # 2 edges, columns - 1 dividers
    widths = column_widths([n + _PADDING for n in natural], available)
    if widths is None:
        return None
    inner = [w - _PADDING for w in widths]
    justified = [i in right for i in range(columns)]
    out: list[str] = []
    table_width = sum(widths) + columns + 1
    if title:
        out.extend(line + "\n" for line in wrap(title, table_width, False))

    def rule(left: str, line: str, cross: str, end: str) -> str:
        return left + cross.join(line * w for w in widths) + end + "\n"

    def draw_row(cells, edges, top: bool) -> None:
        left, divider, end = edges
        drawn = [wrap(c, i, r) for c, i, r in zip(cells, inner, justified)]
        height = max(map(len, drawn))
        if height == 1:
            out.append(left + " " + (" " + divider + " ").join(d[0] for d in drawn) + " " + end + "\n")
            return
        blank = [" " * i for i in inner]
        if top:
            drawn = [d + [b] * (height - len(d)) for d, b in zip(drawn, blank)]
        else:
            drawn = [[b] * (height - len(d)) + d for d, b in zip(drawn, blank)]
        for n in range(height):
            out.append(left + " " + (" " + divider + " ").join(d[n] for d in drawn) + " " + end + "\n")

    out.append(rule(*_TOP))
    draw_row(headers, _HEAD, top=False)
    out.append(rule(*_HEAD_RULE))
    for row in rows:
        draw_row(row, _BODY, top=True)
    out.append(rule(*_BOTTOM))
    return "".join(out)
