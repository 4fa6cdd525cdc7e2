"""Reading workbooks into entries, as a mapping says (`poa import`, docs/import.md).

`read_workbooks(paths, mapping)` opens each workbook with openpyxl, values only
(``read_only=True, data_only=False``: a formula is seen as a formula and refused, never
evaluated; macros and external links are not loaded), reads the tables of its mapping, and
returns a `Reading`: the entries a batch file would hold (``{"approve": {...}}`` with the plan's
structure, ``{"progress": {...}}``, ...), where each field of each entry came from (`origins`:
(entry number, field path) → `Place`, the sheet, row and column), and the warnings: where the
forms disagree with themselves or with each other (an element declared twice with different
figures, a declared budget or a TOTAL row that is not the sum of the lines read). A cell that
cannot be read — a formula, a wrong type, a text amount the mapping does not allow, a missing
sheet or column, a duplicate code — raises `WorkbookRefused` naming its place.
"""

from __future__ import annotations

import os
import re
import stat
import warnings as python_warnings
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from attrs import define, field, frozen
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from poa.domain.catalogue import ELEMENT_LISTS, PARENT_KIND
from poa.domain.values import EntryError, grouped, parse_amount, preview

from .interface import ngettext
from .interface import translate as _
from .workbook_mapping import (
    BUDGET_LINE,
    FIELD_TYPES,
    PLAN,
    Condition,
    Level,
    Mapping,
    Spec,
    Table,
    normalized,
)

MAX_BYTES = 64 * 1024 * 1024  # the largest workbook read, as for batch files
ZERO = Decimal(0)
_PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_FORMAT_NAMES = re.compile(r"\{([^{}]*)\}")
NOTATIONS = {  # a number written as text, in each notation a mapping may allow: grouped by threes, or not at all
    "1,234.56": re.compile(r"^-?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$"),
    "1.234,56": re.compile(r"^-?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?$"),
}


class WorkbookRefused(Exception):
    """A workbook that cannot be read as its mapping says: the message, and where (a `Place`, or
    the file's name)."""

    def __init__(self, message: str, where: "Place | str | None" = None):
        super().__init__(message)
        self.message, self.where = message, where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@frozen
class Place:
    """A cell (or a row, or a sheet) of a workbook: what every message names."""

    file: str
    sheet: str
    row: int | None = None
    column: int | None = None
    header: str | None = None

    def __str__(self) -> str:
        said = _("{file}: sheet {sheet}").format(file=self.file, sheet=repr(self.sheet))
        if self.row is not None:
            said += ", " + _("row {row}").format(row=self.row)
        if self.column is not None:
            said += ", " + _("column {column}").format(column=get_column_letter(self.column))
            if self.header:
                said += f" ({self.header})"
        return said


@frozen
class Reading:
    """What the workbooks hold: the entries, where each field came from, the warnings."""

    entries: tuple[dict, ...]
    origins: dict  # (entry number, field path) -> Place; (entry number, "") -> the entry's first place
    warnings: tuple[str, ...]
    approves: bool


# -- cells ---------------------------------------------------------------------------------------------


class _Sheet:
    """One sheet's values, read once (values only), with its formula cells refused."""

    def __init__(self, file: str, name: str, rows: list[tuple]):
        self.file, self.name, self.rows = file, name, rows

    def raw(self, row: int, column: int):
        if row < 1 or row > len(self.rows):
            return None
        cells = self.rows[row - 1]
        return cells[column - 1] if column <= len(cells) else None

    def place(self, row: int | None = None, column: int | None = None, header: str | None = None) -> Place:
        return Place(self.file, self.name, row, column, header)

    def blank_row(self, row: int) -> bool:
        return all(_blank(value) for value in self.rows[row - 1])


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_rows(ws, file: str, name: str) -> list[tuple]:
    """Every row's values; a formula anywhere in the sheet is refused (it is never evaluated)."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a file's own dimension may be wrong: read every row it holds
    rows = []
    for number, row in enumerate(ws.iter_rows(), start=1):
        values = []
        for column, cell in enumerate(row, start=1):
            value = cell.value
            if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                raise WorkbookRefused(
                    _("holds a formula ({formula}): formulas are not read; paste the values instead").format(
                        formula=preview(str(value))
                    ),
                    Place(file, name, number, column),
                )
            if getattr(cell, "data_type", None) == "e":
                raise WorkbookRefused(_("holds an error value ({value})").format(value=preview(value)), Place(file, name, number, column))
            values.append(value)
        while values and _blank(values[-1]):
            values.pop()
        rows.append(tuple(values))
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _open(path: str):
    """The workbook at `path`, values only; refused when it is not a readable .xlsx file."""
    source = path.encode("utf-8", "backslashreplace").decode("utf-8")
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise WorkbookRefused(_("no such file"), source) from None
    except (OSError, ValueError) as error:
        raise WorkbookRefused(_("cannot be read ({reason})").format(reason=getattr(error, "strerror", None) or error), source) from None
    if not stat.S_ISREG(status.st_mode):
        raise WorkbookRefused(_("not a regular file"), source)
    if status.st_size > MAX_BYTES:
        raise WorkbookRefused(_("larger than {size} MiB, the most a workbook may hold").format(size=MAX_BYTES // 2**20), source)
    try:
        with python_warnings.catch_warnings():  # openpyxl's warnings about what it does not read (print areas, ...)
            python_warnings.simplefilter("ignore")
            return load_workbook(path, read_only=True, data_only=False, keep_vba=False, keep_links=False)
    except Exception as error:  # noqa: BLE001 - whatever a damaged or foreign file makes openpyxl raise
        raise WorkbookRefused(
            _("not an .xlsx workbook that can be read ({reason}); save it as Excel Workbook (.xlsx)").format(
                reason=type(error).__name__
            ),
            source,
        ) from None


# -- values ---------------------------------------------------------------------------------------------


def _number_text(value: int | float) -> str:
    """A number cell as text, exactly as Excel shows it: 129813.0 as ``129813``, 4.25 as ``4.25``."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _as_text(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number_text(value)
    return str(value).strip()


@define
class _Context:
    """What a spec is read against: the sheet and row (None: the head), the head's labels, the
    level's named values, the codes of the enclosing elements, the part of an `each` cell."""

    sheet: _Sheet
    row: int | None
    columns: dict  # normalized header -> column
    titles: dict  # column -> its header as written
    head: dict  # normalized label -> (value, Place)
    head_place: Place | None = None  # where the head starts (a block's first row)
    names: dict = field(factory=dict)  # value names and enclosing kinds -> text
    part: tuple[int, str] | None = None  # (column, text) of an `each` level's part
    ordinal: int | None = None


class _Reader:
    """Reads the tables of a mapping into elements, records and warnings."""

    def __init__(self, mapping: Mapping):
        self.mapping = mapping
        self.plan: dict[str, tuple[str, Place]] = {}
        self.plan_blanks: dict[str, Place] = {}  # the places of the plan's fields left blank
        self.sheets: dict[str, Place] = {}  # element kind -> the first sheet that lists them
        self.elements: dict[str, _Element] = {}
        self.records: list[tuple[str, dict, dict, Place]] = []  # (kind, fields, places, row's place)
        self.warnings: list[str] = []
        self.lookups = {name: mapping.lookup(name) for name, _entries in mapping.lookups}

    # -- specs --

    def column_of(self, spec: Spec, ctx: _Context) -> tuple[int, str | None] | None:
        if spec.column is not None:
            return spec.column, None
        column = ctx.columns.get(normalized(spec.header))
        if column is None:
            if spec.optional:
                return None
            raise WorkbookRefused(
                _("no column headed {header}").format(header=repr(spec.header)), ctx.sheet.place(ctx.row)
            )
        return column, spec.header

    def raw(self, spec: Spec, ctx: _Context) -> tuple[object, Place | None]:
        """The value a spec reads, untransformed, and its place."""
        if spec.const is not None:
            return spec.const, None
        if spec.ordinal:
            return (None if ctx.ordinal is None else str(ctx.ordinal)), None
        if spec.format is not None:
            names = _FORMAT_NAMES.findall(spec.format)
            if any(ctx.names.get(name) is None for name in names):
                return None, None
            return _FORMAT_NAMES.sub(lambda match: ctx.names[match.group(1)], spec.format), None
        if spec.head is not None:
            found = ctx.head.get(normalized(spec.head))
            if found is None:
                if spec.optional:
                    return None, None
                raise WorkbookRefused(_("no label {label} in this head").format(label=repr(spec.head)), ctx.head_place or ctx.sheet.place())
            return found
        located = self.column_of(spec, ctx)
        if located is None:
            return None, None
        column, header = located
        place = ctx.sheet.place(ctx.row, column, header or ctx.titles.get(column))
        if ctx.part is not None and ctx.part[0] == column:
            return ctx.part[1], place
        return ctx.sheet.raw(ctx.row, column), place

    def read(self, spec: Spec | None, ctx: _Context, kind: str | None = None, warn: bool = True) -> tuple[object, Place | None]:
        """The value of a spec, transformed (split, replace, pattern, lookup), or None when blank;
        `kind` (a field's type) converts it (`_typed`); `warn`: say when a split cell held several values."""
        if spec is None:
            return None, None
        value, place = self.raw(spec, ctx)
        transformed = spec.split or spec.replace or spec.pattern or spec.lookup
        if not _blank(value) and transformed:
            text = _as_text(value)
            if spec.split:
                parts = [p.strip() for p in text.split(spec.split) if p.strip()]
                if len(parts) > 1 and spec.several_warn and warn:
                    self.warnings.append(
                        _("{place}: lists {count} values ({values}); the first is read").format(
                            place=place or ctx.sheet.place(ctx.row), count=len(parts),
                            values=", ".join(_cut(spec, p) for p in parts),
                        )
                    )
                text = parts[0] if parts else ""
            text = _replaced(spec, text)
            if spec.pattern is not None and text:
                match = spec.pattern.search(text)
                if match is None:
                    if spec.otherwise is not None:
                        return self.read(spec.otherwise, ctx, kind, warn)
                    raise WorkbookRefused(
                        _("{value} does not match the mapping's pattern {pattern} ({path})").format(
                            value=preview(text), pattern=spec.pattern.pattern, path=spec.path
                        ),
                        place or ctx.sheet.place(ctx.row),
                    )
                text = match.group("value") if "value" in spec.pattern.groupindex else match.group(1)
                text = (text or "").strip()
            if spec.lookup and text:
                found = self.lookups[spec.lookup].get(normalized(text))
                if found is None:
                    raise WorkbookRefused(
                        _("{value} is not in the mapping's lookup {name}: add it there").format(value=preview(text), name=repr(spec.lookup)),
                        place or ctx.sheet.place(ctx.row),
                    )
                text = found
            value = text
        if _blank(value):
            if spec.otherwise is not None:
                return self.read(spec.otherwise, ctx, kind, warn)
            return None, place
        cell = place is not None and not transformed and spec.const is None and spec.format is None
        return _typed(value, kind, place, self.mapping.numbers, cell), place

    # -- rows --

    def condition(self, condition: Condition, sheet: _Sheet, row: int) -> bool:
        if condition.column is not None:
            value = sheet.raw(row, condition.column)
            text = normalized(_as_text(value)) if not _blank(value) else ""
            if condition.equals is not None and text != condition.equals:
                return False
            if condition.starts_with is not None and not text.startswith(condition.starts_with):
                return False
            if condition.matches is not None and (_blank(value) or not condition.matches.search(_as_text(value))):
                return False
            if condition.blank is not None and _blank(value) != condition.blank:
                return False
            if condition.text is not None and (isinstance(value, str) and not _blank(value)) != condition.text:
                return False
        if condition.blank_columns is not None:
            first, last = condition.blank_columns
            if not all(_blank(sheet.raw(row, c)) for c in range(first, last + 1)):
                return False
        return True

    def read_table(self, table: Table, sheet: _Sheet) -> None:
        if table.labels is not None:
            head = self.head(sheet, 1, len(sheet.rows), table.labels)
            self.segment(table, sheet, head, ({}, {}), [], sheet.place())
        elif table.blocks is not None:
            self.read_blocks(table, sheet)
        else:
            headers = _headers(sheet, table.header_row, table.header_rows)
            start = table.data_start or table.header_row + table.header_rows
            self.segment(table, sheet, {}, headers, range(start, len(sheet.rows) + 1), sheet.place())

    def head(self, sheet: _Sheet, first: int, last: int, labels) -> dict:
        found = {}
        for row in range(first, last + 1):
            label = sheet.raw(row, labels.label)
            if not _blank(label):
                value = sheet.raw(row, labels.value)
                found.setdefault(normalized(_as_text(label)), (None if _blank(value) else value, sheet.place(row, labels.value)))
        return found

    def read_blocks(self, table: Table, sheet: _Sheet) -> None:
        blocks = table.blocks
        total = len(sheet.rows)
        starts = [r for r in range(1, total + 1) if self.condition(blocks.start, sheet, r)]
        if not starts:
            raise WorkbookRefused(_("no block starts here ({path})").format(path=f"{table.path}.blocks.start"), sheet.place())
        for n, start in enumerate(starts):
            following = starts[n + 1] if n + 1 < len(starts) else total + 1
            header = next((r for r in range(start + 1, following) if self.condition(blocks.header, sheet, r)), None)
            if header is None:
                raise WorkbookRefused(
                    _("the block starting here has no table header ({path})").format(path=f"{table.path}.blocks.header"),
                    sheet.place(start),
                )
            head = self.head(sheet, start + 1, header - 1, blocks.labels)
            end = None
            if blocks.end is not None:
                end = next((r for r in range(header + blocks.header_rows, following) if self.condition(blocks.end, sheet, r)), None)
            last = (end - 1) if end is not None else following - 1
            headers = _headers(sheet, header, blocks.header_rows)
            lines = self.segment(table, sheet, head, headers, range(header + blocks.header_rows, last + 1), sheet.place(start))
            if end is not None and blocks.end_total is not None:
                self.check_total(sheet, end, blocks.end_total, lines, _("the block starting at row {row}").format(row=start))

    def segment(self, table: Table, sheet: _Sheet, head: dict, headers: tuple[dict, dict], rows, head_place: Place) -> Decimal:
        """Read the head levels, then every row of a table (or of a block's table); returns the sum of
        the budget lines read."""
        columns, titles = headers
        current: dict[int, _Element] = {}  # level index -> the element rows continue
        counters: dict[tuple[int, str | None], int] = {}
        total = {"lines": ZERO}
        for index, level in enumerate(table.levels):
            if level.from_head:
                ctx = _Context(sheet, None, columns, titles, head, head_place, names=self.enclosing(table, current, index))
                self.level(table, index, level, ctx, current, counters, total, head_place)
        for row in rows:
            if sheet.blank_row(row) or any(self.condition(c, sheet, row) for c in table.skip):
                continue
            total_row = next((t for t in table.totals if self.condition(t.when, sheet, row)), None)
            if total_row is not None:
                index = next(i for i, level in enumerate(table.levels) if level.kind == total_row.level and not level.from_head)
                element = current.get(index)
                if element is None:
                    raise WorkbookRefused(_("a total before any {kind}").format(kind=total_row.level), sheet.place(row))
                self.check_total(sheet, row, total_row.column, element.segment, element.code)
                element.segment = ZERO
                continue
            read = False
            for index, level in enumerate(table.levels):
                if level.from_head:
                    continue
                ctx = _Context(sheet, row, columns, titles, head, head_place, names=self.enclosing(table, current, index))
                if level.when is not None:
                    value, _place = self.raw(level.when, ctx)
                    if _blank(value):
                        continue
                self.level(table, index, level, ctx, current, counters, total, sheet.place(row))
                read = True
            if not read:
                self.warnings.append(_("{place}: nothing is read from this row").format(place=sheet.place(row)))
        return total["lines"]

    def enclosing(self, table: Table, current: dict, index: int) -> dict:
        return {table.levels[i].kind: e.code for i, e in current.items() if i < index}

    def check_total(self, sheet: _Sheet, row: int, column: int, computed: Decimal, what: str) -> None:
        value = sheet.raw(row, column)
        place = sheet.place(row, column)
        declared = _amount(_typed(value, "amount", place, self.mapping.numbers, True), place) if not _blank(value) else ZERO
        if declared != computed:
            self.warnings.append(
                _("{place}: declares a total of {declared} for {what}, but the budget lines above it sum to {computed}").format(
                    place=place, declared=grouped(declared), what=what, computed=grouped(computed)
                )
            )

    # -- levels --

    def level(self, table, index, level: Level, ctx: _Context, current, counters, total, row_place: Place) -> None:
        for name, spec in level.values:  # an element's are read again once its position is known (`element`)
            ctx.names[name] = self.read(spec, ctx, "text", warn=not level.element)[0]
        ctx.names["row"] = str(ctx.row) if ctx.row is not None else None
        if level.kind == PLAN:
            for name, spec in level.fields:
                value, place = self.read(spec, ctx, FIELD_TYPES[name])
                if value is not None:
                    self.plan.setdefault(name, (value, place or row_place))
                elif place is not None:
                    self.plan_blanks.setdefault(name, place)
            return
        if level.kind == BUDGET_LINE:
            operation = current.get(_index_of(table, "operation", index))
            if operation is None:
                raise WorkbookRefused(_("a budget line before any operation"), row_place)
            added = self.budget(level, ctx, operation)
            total["lines"] += added
            return
        if not level.element:
            self.record(level, ctx, row_place)
            return
        parts = [None]
        if level.each is not None:
            column, separator = level.each
            cell = ctx.sheet.raw(ctx.row, column) if ctx.row is not None else None
            parts = [(column, p.strip()) for p in _as_text(cell).split(separator) if p.strip()] if not _blank(cell) else [None]
        first = None
        for part in parts:
            ctx.part = part
            element = self.element(table, index, level, ctx, current, counters, row_place)
            first = first or element
        ctx.part = None
        current[index] = first
        for inner in [i for i in current if i > index]:
            del current[inner]

    def element(self, table, index, level: Level, ctx: _Context, current, counters, row_place: Place) -> "_Element":
        parent_kind = PARENT_KIND[level.kind]
        parent, parent_place = None, None
        if parent_kind is not None:
            if level.field("parent") is not None:
                parent, parent_place = self.read(level.field("parent"), ctx, "code")
            else:
                enclosing = current.get(_index_of(table, parent_kind, index))
                parent = enclosing.code if enclosing is not None else None
        key = (index, parent)
        ctx.ordinal = counters.get(key, 0) + 1
        for name, spec in level.values:  # again, now that the element's position among its parent's is known
            ctx.names[name] = self.read(spec, ctx, "text")[0]
        code, code_place = self.read(level.field("code"), ctx, "code")
        if code is None:
            raise WorkbookRefused(_("the code is blank"), code_place or row_place)
        fields: dict[str, tuple[object, Place]] = {}
        blanks: dict[str, Place] = {}  # the places of the fields left blank, for the rules' refusals
        if parent is not None:
            fields["parent"] = (parent, parent_place or row_place)
        for name, spec in level.fields:
            if name in ("code", "parent"):
                continue
            value, place = self.read(spec, ctx, FIELD_TYPES[name])
            if value is not None:
                fields[name] = (value, place or row_place)
            else:
                blanks[name] = place or row_place
        if level.schedule:
            quarters = [self.read(spec, ctx, "percent") for spec in level.schedule]
            if any(value is not None for value, _place in quarters):
                fields["schedule"] = ([value for value, _place in quarters], [place or row_place for _value, place in quarters])
        declared = fields.pop("declared_budget", None)
        existing = self.elements.get(code)
        if parent_kind is not None and parent is None and (existing is None or level.field("parent") is not None):
            raise WorkbookRefused(
                _("{code} has no parent: a {kind} before any {parent}").format(code=code, kind=level.kind, parent=parent_kind),
                code_place or row_place,
            )
        if existing is not None:
            if level.repeats != "same" or existing.kind != level.kind:
                raise WorkbookRefused(
                    _("duplicate code {code}: already read at {place}").format(code=code, place=existing.place),
                    code_place or row_place,
                )
            element = existing
            self.merge(element, fields, code_place or row_place)
        else:
            counters[key] = ctx.ordinal
            element = _Element(level.kind, code, code_place or row_place, fields, blanks)
            self.elements[code] = element
        if declared is not None:
            element.declared.append((_amount(declared[0], declared[1]), declared[1]))
        if level.budget is not None:
            self.budget(level, ctx, element)
        return element

    def merge(self, element: "_Element", fields: dict, place: Place) -> None:
        """An element read again (``repeats: same``): a field it lacked is taken, a field read with
        another value is warned about (the first is kept)."""
        for name, (value, at) in fields.items():
            if name not in element.fields:
                element.fields[name] = (value, at)
                continue
            before, before_at = element.fields[name]
            if _comparable(before) != _comparable(value):
                self.warnings.append(
                    _("{code}: {field} is {first} at {first_place} but {second} at {second_place}; the first is kept").format(
                        code=element.code, field=name, first=_short(before), first_place=_first(before_at),
                        second=_short(value), second_place=_first(at),
                    )
                )

    def budget(self, level: Level, ctx: _Context, element: "_Element") -> Decimal:
        """Add the amounts of a row to an operation's budget, by funding source; the sum added."""
        sources = list(level.budget.sources)
        if level.budget.sources_after is not None:
            after = self.column_of(level.budget.sources_after, ctx)
            for column, title in sorted(ctx.titles.items()):
                if after is not None and column > after[0]:
                    sources.append((title, Spec(level.budget.sources_after.path, column=column, header=title)))
        added = ZERO
        for source, spec in sources:
            value, place = self.read(spec, ctx, "amount")
            if value is None:
                continue
            amount = _amount(value, place)
            element.add(source, amount, place)
            added += amount
        return added

    def record(self, level: Level, ctx: _Context, row_place: Place) -> None:
        fields, places = {}, {}
        for name, spec in level.fields:
            value, place = self.read(spec, ctx, FIELD_TYPES[name])
            if value is not None:
                fields[name] = value
            places[name] = place or row_place
        self.records.append((level.kind, fields, places, row_place))


def _replaced(spec: Spec, text: str) -> str:
    for old, new in spec.replace:
        text = text.replace(old, new)
    return text


def _cut(spec: Spec, part: str) -> str:
    """A part of a cell as a message shows it: what the pattern takes of it, else a preview."""
    match = spec.pattern.search(_replaced(spec, part)) if spec.pattern is not None else None
    if match is not None:
        return (match.group("value") if "value" in spec.pattern.groupindex else match.group(1)) or ""
    return preview(part)


def _headers(sheet: _Sheet, row: int, count: int) -> tuple[dict, dict]:
    """The header rows' texts: normalized text -> column (the first that has it), and column -> its
    text as written (the first header row that has one)."""
    columns: dict[str, int] = {}
    titles: dict[int, str] = {}
    for r in range(row, row + count):
        for column, value in enumerate(sheet.rows[r - 1] if r <= len(sheet.rows) else (), start=1):
            if isinstance(value, str) and value.strip():
                columns.setdefault(normalized(value), column)
                titles.setdefault(column, " ".join(value.split()))
    return columns, titles


def _first(place):
    return place[0] if isinstance(place, list) else place


def _index_of(table: Table, kind: str, before: int) -> int | None:
    """The index of the nearest level of `kind` before level `before` (None: there is none)."""
    found = [i for i, level in enumerate(table.levels[:before]) if level.kind == kind]
    return found[-1] if found else None


def _short(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join("" if v is None else str(v) for v in value) + "]"
    return preview(value) if isinstance(value, str) and len(value) > 60 else str(value)


def _comparable(value):
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value) if _PLAIN_NUMBER.match(value) else normalized(value)
        except InvalidOperation:
            return normalized(value)
    return value


def _typed(value, kind: str | None, place: Place | None, numbers: str, cell: bool) -> str:
    """A value as an entry holds it (text, as a batch file does): checked for its field's type.
    `cell`: read straight from a cell (not built by a pattern or a format)."""
    where = place
    if isinstance(value, bool):
        raise WorkbookRefused(_("holds true/false, not a {kind}").format(kind=_kind_said(kind)), where)
    if kind in ("amount", "weight", "percent"):
        if isinstance(value, (int, float)):
            return _number_text(value)
        if isinstance(value, (datetime, date)):
            raise WorkbookRefused(_("holds a date, not a number"), where)
        text = str(value).strip()
        if numbers == "cells" and cell:
            raise WorkbookRefused(
                _("holds the text {value}, not a number: type the number in a number cell, without thousands separators").format(
                    value=preview(value)
                ),
                where,
            )
        if numbers == "cells" or not NOTATIONS[numbers].match(text):
            if numbers == "cells":
                return text  # built by a pattern or a format: read as a batch file's text is
            raise WorkbookRefused(_("{value} is not a number written {notation}").format(value=preview(value), notation=numbers), where)
        grouping, decimal = (",", ".") if numbers == "1,234.56" else (".", ",")
        return text.replace(grouping, "").replace(decimal, ".")
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, (int, float)):
            raise WorkbookRefused(_("holds the number {value}, not a date (YYYY-MM-DD)").format(value=_number_text(value)), where)
        return str(value).strip()
    if kind == "year":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return _as_text(value)
    if kind == "code" and cell and isinstance(value, (int, float)):
        raise WorkbookRefused(
            _("holds the number {value}, not a code written as text (a code typed as a number loses its zeros: 4.10 becomes 4.1); "
              "format the column as text").format(value=_number_text(value)),
            where,
        )
    return _as_text(value)


def _kind_said(kind: str | None) -> str:
    return {"amount": _("number"), "weight": _("number"), "percent": _("number"), "date": _("date"), "code": _("code")}.get(kind, _("text"))


def _amount(value: str, place: Place | None) -> Decimal:
    try:
        return parse_amount(value, "amount")
    except EntryError as error:
        raise WorkbookRefused(error.message, place) from None


@define
class _Element:
    kind: str
    code: str
    place: Place
    fields: dict
    blanks: dict
    budget: dict = field(factory=dict)  # source -> [amount, first place]
    declared: list = field(factory=list)  # [(amount, Place)]
    lines: list = field(factory=list)  # [Place] of every amount added
    segment: Decimal = ZERO  # added since the last TOTAL row

    def add(self, source: str, amount: Decimal, place: Place) -> None:
        if source in self.budget:
            self.budget[source][0] += amount
        else:
            self.budget[source] = [amount, place]
        self.lines.append(place)
        self.segment += amount


# -- the entries --------------------------------------------------------------------------------------------


def read_workbooks(paths: Sequence[str], mapping: Mapping) -> Reading:
    """The entries the workbooks hold, as `mapping` reads them (one path per workbook of the mapping)."""
    opened = []
    try:
        for path in paths:
            opened.append((path.encode("utf-8", "backslashreplace").decode("utf-8"), _open(path)))
        return read_opened(opened, mapping)
    finally:
        for _file, workbook in opened:
            workbook.close()


def read_opened(workbooks: Sequence[tuple[str, object]], mapping: Mapping) -> Reading:
    """`read_workbooks` of workbooks already opened by openpyxl (values only), each with the name
    messages give it."""
    reader = _Reader(mapping)
    for (file, workbook), book in zip(workbooks, mapping.workbooks):
        sheets: dict[str, _Sheet] = {}
        for table in book.tables:
            name = _sheet_name(workbook.sheetnames, table.sheet, file)
            if name not in sheets:
                try:
                    sheets[name] = _Sheet(file, name, _sheet_rows(workbook[name], file, name))
                except WorkbookRefused:
                    raise
                except Exception as error:  # noqa: BLE001 - read-only sheets are parsed as they are read
                    raise WorkbookRefused(
                        _("the sheet cannot be read ({reason})").format(reason=type(error).__name__), Place(file, name)
                    ) from None
            for level in table.levels:
                if level.element:
                    reader.sheets.setdefault(level.kind, sheets[name].place())
            reader.read_table(table, sheets[name])
    return _entries(reader, workbooks[0][0] if workbooks else "")


def _sheet_name(names: list[str], wanted: str | int, file: str) -> str:
    if isinstance(wanted, int):
        if wanted > len(names):
            raise WorkbookRefused(
                _("has {count} sheets; the mapping reads sheet number {number}").format(count=len(names), number=wanted), file
            )
        return names[wanted - 1]
    if wanted in names:
        return wanted
    for name in names:
        if normalized(name) == normalized(wanted):
            return name
    raise WorkbookRefused(
        _("no sheet {sheet} (sheets: {names})").format(sheet=repr(wanted), names=", ".join(map(repr, names))), file
    )


def _entries(reader: _Reader, file: str) -> Reading:
    entries, origins = [], {}
    elements = list(reader.elements.values())
    approves = bool(elements) or bool(reader.plan)
    if approves:
        approval: dict = {name: value for name, (value, _place) in reader.plan.items()}
        origins.update({(1, name): place for name, place in reader.plan_blanks.items()})
        origins.update({(1, name): place for name, (_value, place) in reader.plan.items()})
        origins[(1, "")] = file  # the approval as a whole: the workbook
        for kind, list_name in ELEMENT_LISTS.items():
            if kind in reader.sheets:
                origins[(1, list_name)] = reader.sheets[kind]
            of_kind = [e for e in elements if e.kind == kind]
            if not of_kind:
                continue
            approval[list_name] = []
            for i, element in enumerate(of_kind, start=1):
                at = f"{list_name}[{i}]"
                item = {"code": element.code}
                origins[(1, at)] = origins[(1, f"{at}.code")] = element.place
                for name, place in element.blanks.items():
                    origins[(1, f"{at}.{name}")] = place
                for name, (value, place) in element.fields.items():
                    item[name] = value
                    if name == "schedule":
                        origins[(1, f"{at}.schedule")] = next((p for p in place if p), element.place)
                        for q, p in enumerate(place, start=1):
                            origins[(1, f"{at}.schedule[{q}]")] = p
                    else:
                        origins[(1, f"{at}.{name}")] = place
                if kind == "operation" and element.budget:
                    item["budget"] = {source: format(amount, "f") for source, (amount, _place) in element.budget.items()}
                    origins[(1, f"{at}.budget")] = element.place
                    for source, (_amount_, place) in element.budget.items():
                        origins[(1, f"{at}.budget.{source}")] = place
                approval[list_name].append(item)
        entries.append({"approve": approval})
    for kind, fields, places, row_place in reader.records:
        number = len(entries) + 1
        entries.append({kind: fields})
        origins[(number, "")] = row_place
        for name, place in places.items():
            origins[(number, name)] = place
    _declared_checks(reader, elements)
    return Reading(tuple(entries), origins, tuple(reader.warnings), approves)


def _declared_checks(reader: _Reader, elements: list[_Element]) -> None:
    """Each budget an element's rows declare, against the sum of its operations' budget lines; the
    short-term actions' declared budgets, against the plan's."""
    children: dict[str, list[_Element]] = {}
    for element in elements:
        parent = element.fields.get("parent")
        if parent is not None:
            children.setdefault(parent[0], []).append(element)

    def operations(element: _Element) -> list[_Element]:
        if element.kind == "operation":
            return [element]
        return [o for child in children.get(element.code, []) for o in operations(child)]

    declared_total, places = ZERO, []
    for element in elements:
        if not element.declared:
            continue
        ops = operations(element)
        computed = sum((amount for o in ops for amount, _place in o.budget.values()), ZERO)
        lines = [place for o in ops for place in o.lines]
        shown = set()
        for amount, place in element.declared:
            if amount in shown:
                continue
            shown.add(amount)
            if amount != computed:
                reader.warnings.append(
                    _("{place}: declares a budget of {declared} for {code}, but {lines}").format(
                        place=place, declared=grouped(amount), code=element.code, lines=_lines_said(lines, computed)
                    )
                )
        if element.kind == "short_term_action":
            declared_total += element.declared[0][0]
            places.append(element.declared[0][1])
    if places:
        planned = sum((amount for e in elements if e.kind == "operation" for amount, _place in e.budget.values()), ZERO)
        if declared_total != planned:
            columns = sorted({(p.file, p.sheet, p.column) for p in places if p.column})
            said = "; ".join(str(Place(file, sheet, None, column)) for file, sheet, column in columns) or str(places[0])
            reader.warnings.append(
                _("the short-term actions' declared budgets sum to {declared} ({places}), but the operations' budget lines to {computed}: "
                  "the plan's budget is the lines'").format(declared=grouped(declared_total), places=said, computed=grouped(planned))
            )


def _lines_said(lines: list[Place], computed: Decimal) -> str:
    if not lines:
        return _("no budget line was read for it")
    spans: dict[tuple[str, str], list[int]] = {}
    for place in lines:
        spans.setdefault((place.file, place.sheet), []).append(place.row)
    count = len({(place.file, place.sheet, place.row) for place in lines})  # a line is a row (its sources, columns)
    where = "; ".join(
        _("{file}: sheet {sheet}, rows {first}–{last}").format(file=file, sheet=repr(sheet), first=min(rows), last=max(rows))
        for (file, sheet), rows in spans.items()
    )
    return ngettext(
        "its {count} budget line sums to {computed} ({where})", "its {count} budget lines sum to {computed} ({where})", count
    ).format(count=count, computed=grouped(computed), where=where)
