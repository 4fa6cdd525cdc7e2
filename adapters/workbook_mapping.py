"""Mapping files: how `poa import` reads a workbook's layout (docs/import.md).

A mapping says, for each workbook read, which sheets hold what: a table with a header row, a
sheet of label/value rows, or repeated blocks (a head of label/value rows, then a table); for
each table, its *levels*: the plan's constants, strategic actions, short-term actions,
operations, tasks, budget lines, progress, execution, results and justifications, each field
read from a column (by letter or header text), a head label, a constant, or built from other
values (`format`), with patterns, separators, replacements and lookups. The native template
(`poa template`) is itself described by a mapping, `mappings/template.yaml`, read by this same
parser: the template's headers, validations and instructions, and the importer, come from it.

`parse_mapping(data, source)` checks a mapping's every key and raises `MappingError` naming the
mapping file and the key's path (``workbooks[2].tables[1].levels[3].code.pattern``).
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

from attrs import frozen
from openpyxl.utils import column_index_from_string

from poa.domain.catalogue import PARENT_KIND, ElementKind
from poa.domain.values import field_said, preview

from .batch_files import parse_text, read_data
from .interface import translate as _

VERSION = "1"  # `poa_import:` of the mappings this program reads
TEMPLATE = "template.yaml"  # the native template's mapping, package data of poa.adapters (mappings/)

ELEMENT_KINDS = tuple(kind.value for kind in ElementKind)  # strategic_action, short_term_action, operation, task
RECORD_KINDS = ("progress", "execution", "result", "justify")
PLAN, BUDGET_LINE = "plan", "budget_line"
KINDS = (PLAN, *ELEMENT_KINDS, BUDGET_LINE, *RECORD_KINDS)

# the fields each kind of level reads, and which of them may be missing
FIELDS = {
    PLAN: ("entity", "year", "date", "reference"),
    "strategic_action": ("code", "title", "sector_code"),
    "short_term_action": ("code", "parent", "title", "weight", "schedule", "declared_budget"),
    "operation": ("code", "parent", "title", "weight", "budget", "declared_budget"),
    "task": ("code", "parent", "title", "weight"),
    BUDGET_LINE: ("budget",),
    "progress": ("code", "percent", "date", "note"),
    "execution": ("code", "amount", "date", "source"),
    "result": ("code", "date", "text"),
    "justify": ("code", "date", "text"),
}
REQUIRED = {
    PLAN: (),  # the plan's fields may come from options or the mapping's `plan:` instead
    "strategic_action": ("code", "title"),
    "short_term_action": ("code", "title", "weight"),
    "operation": ("code", "title"),
    "task": ("code", "title"),
    BUDGET_LINE: ("budget",),
    "progress": ("code", "percent", "date"),
    "execution": ("code", "amount", "date"),
    "result": ("date", "text"),
    "justify": ("date", "text"),
}
# what each field is, for reading a cell and for the template's validations
FIELD_TYPES = {
    "code": "code", "parent": "code", "title": "text", "sector_code": "text", "weight": "weight",
    "declared_budget": "amount", "percent": "percent", "amount": "amount", "date": "date", "note": "text",
    "source": "text", "text": "text", "entity": "text", "year": "year", "reference": "text",
}
NUMBERS = ("cells", "1,234.56", "1.234,56")  # numbers written as text: refused; or read in that notation
REPEATS = ("refuse", "same")
SPEC_SOURCES = ("column", "header", "head", "const", "format", "ordinal")
SPEC_KEYS = (*SPEC_SOURCES, "pattern", "split", "several", "replace", "lookup", "else", "optional", "help", "width")
CONDITION_TESTS = ("equals", "starts_with", "matches", "blank", "text", "blank_columns")
_COLUMN = re.compile(r"^[A-Z]{1,3}$")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_FORMAT_NAME = re.compile(r"\{([^{}]*)\}")
MAX_COLUMN = 16384  # XFD


class MappingError(Exception):
    """A mapping file that is not a valid mapping: the message names the file and the key."""


def normalized(text: str) -> str:
    """Text as labels and headers are compared: accents dropped, case folded, spaces collapsed
    (``CÓDIGO  PEI`` and ``Codigo PEI`` match)."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


# -- the parsed mapping --------------------------------------------------------------------------


@frozen
class Spec:
    """How one value is read: from a `column` (index, 1-based), a `header` (text), a block's or
    form's `head` label, a `const`, a `format` of other values, or the `ordinal` of the element
    among its parent's; then cut by `pattern` (its group ``value``, else its first group),
    `split` (the first part; `several` ``warn`` says when there were more), `replace`d, and
    looked up in `lookup`. `otherwise` is read when the cell is blank or the pattern does not
    match; `optional`: the value may be missing. `help` and `width` are the template's."""

    path: str  # the key's path in the mapping, for messages
    column: int | None = None
    header: str | None = None
    head: str | None = None
    const: str | None = None
    format: str | None = None
    ordinal: bool = False
    pattern: re.Pattern | None = None
    split: str | None = None
    several_warn: bool = False
    replace: tuple[tuple[str, str], ...] = ()
    lookup: str | None = None
    otherwise: "Spec | None" = None
    optional: bool = False
    help: str | None = None
    width: int | None = None

    @property
    def reads_cell(self) -> bool:
        return self.column is not None or self.header is not None

    def names(self) -> list[str]:
        """The names a `format` refers to (and those of its `otherwise`)."""
        found = _FORMAT_NAME.findall(self.format) if self.format else []
        return found + (self.otherwise.names() if self.otherwise else [])


@frozen
class Budget:
    """An operation's (or a budget line's) amounts by funding source: one spec per source, or every
    column after `sources_after` (a header text or a column) whose header names a source."""

    sources: tuple[tuple[str, Spec], ...] = ()
    sources_after: Spec | None = None
    help: str | None = None
    template_columns: tuple[str, ...] = ()  # the template's source columns (`poa template`)


@frozen
class Condition:
    """A row test: the cell of `column` equals / starts with / matches a text, is blank, holds
    text (not a number), and the cells of `blank_columns` (first, last) are all blank."""

    path: str
    column: int | None
    equals: str | None = None
    starts_with: str | None = None
    matches: re.Pattern | None = None
    blank: bool | None = None
    text: bool | None = None
    blank_columns: tuple[int, int] | None = None


@frozen
class Total:
    """Rows that declare a subtotal of the current element of `level`: the amount in `column`."""

    when: Condition
    level: str
    column: int


@frozen
class Level:
    path: str
    kind: str
    from_head: bool = False
    when: Spec | None = None
    each: tuple[int, str] | None = None  # (column, separator): one element per part of that cell
    repeats: str = "refuse"
    values: tuple[tuple[str, Spec], ...] = ()
    fields: tuple[tuple[str, Spec], ...] = ()
    schedule: tuple[Spec, ...] = ()
    budget: Budget | None = None
    help: str | None = None

    def field(self, name: str) -> Spec | None:
        return dict(self.fields).get(name)

    @property
    def element(self) -> bool:
        return self.kind in ELEMENT_KINDS


@frozen
class Labels:
    """A form of label/value rows: the label in `label`, its value in `value` (column indexes)."""

    label: int
    value: int


@frozen
class Blocks:
    """Repeated blocks: a `start` row, a head of label/value rows, a table whose header row is
    the first `header` row after the start, spanning `header_rows`; the block's table ends at an
    `end` row, whose `end_total` column declares the block's total."""

    start: Condition
    labels: Labels
    header: Condition
    header_rows: int
    end: Condition | None
    end_total: int | None


@frozen
class Table:
    path: str
    sheet: str | int  # a name, or a position (1-based)
    title: str | None = None
    help: str | None = None
    header_row: int | None = None
    header_rows: int = 1
    data_start: int | None = None
    labels: Labels | None = None
    blocks: Blocks | None = None
    skip: tuple[Condition, ...] = ()
    totals: tuple[Total, ...] = ()
    levels: tuple[Level, ...] = ()


@frozen
class Workbook:
    name: str
    tables: tuple[Table, ...]


@frozen
class Mapping:
    source: str  # the mapping file's name, or the built-in template's
    name: str | None
    plan: tuple[tuple[str, str], ...]  # constants of the approval
    numbers: str
    lookups: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    workbooks: tuple[Workbook, ...]
    title: str | None = None  # the template's instructions: its heading and introduction
    help: str | None = None

    def lookup(self, name: str) -> dict[str, str]:
        return {normalized(k): v for k, v in dict(self.lookups)[name]}


# -- reading a mapping -----------------------------------------------------------------------------


def read_mapping(path: str) -> Mapping:
    """The mapping of a file (YAML or JSON, read as strictly as a batch file)."""
    data, source = read_data(path)
    return parse_mapping(data, source)


def template_mapping() -> Mapping:
    """The native template's mapping (package data: adapters/mappings/template.yaml)."""
    text = resources.files(__package__).joinpath("mappings", TEMPLATE).read_text(encoding="utf-8")
    return parse_mapping(parse_text(text, TEMPLATE, json_format=False), TEMPLATE)


class _Reader:
    """Checks a mapping's keys, raising `MappingError` with the file and the key's path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, message: str) -> MappingError:
        return MappingError(f"{self.source}: {field_said(path)}: {message}" if path else f"{self.source}: {message}")

    def mapping(self, value: object, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, _("must be a mapping, got {value}").format(value=preview(value)))
        for key in value:
            if key not in allowed:
                raise self.fail(_at(path, key), _("unknown key (expected one of: {keys})").format(keys=", ".join(allowed)))
        for key in required:
            if value.get(key) is None:
                raise self.fail(_at(path, key), _("is required"))
        return value

    def items(self, value: object, path: str) -> list:
        if not isinstance(value, list) or not value:
            raise self.fail(path, _("must be a non-empty list, got {value}").format(value=preview(value)))
        return value

    def text(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, _("must be a non-empty text, got {value}").format(value=preview(value)))
        return value

    def number(self, value: object, path: str, minimum: int = 1, maximum: int = 1_048_576) -> int:
        if not isinstance(value, str) or not value.strip().isdigit() or not minimum <= int(value) <= maximum:
            raise self.fail(
                path, _("must be a whole number from {minimum} to {maximum}, got {value}").format(
                    minimum=minimum, maximum=f"{maximum:,}", value=preview(value)
                )
            )
        return int(value)

    def flag(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(path, _("must be true or false, got {value}").format(value=preview(value)))
        return value

    def column(self, value: object, path: str) -> int:
        if not isinstance(value, str) or not _COLUMN.match(value.strip()) or column_index_from_string(value.strip()) > MAX_COLUMN:
            raise self.fail(path, _("must be a column letter such as C, got {value}").format(value=preview(value)))
        return column_index_from_string(value.strip())

    def regex(self, value: object, path: str) -> re.Pattern:
        text = self.text(value, path)
        try:
            return re.compile(text)
        except re.error as error:
            raise self.fail(path, _("is not a valid regular expression: {reason}").format(reason=error)) from None

    def choice(self, value: object, path: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise self.fail(path, _("must be one of {choices}, got {value}").format(choices=", ".join(choices), value=preview(value)))
        return value

    # -- the parts --

    def spec(self, value: object, path: str, *, lookups: dict, in_head: bool = True) -> Spec:
        if isinstance(value, str) and _COLUMN.match(value.strip()):
            return Spec(path, column=self.column(value, path))
        data = self.mapping(value, path, SPEC_KEYS)
        given = [key for key in SPEC_SOURCES if data.get(key) is not None]
        if len(given) != 1:
            raise self.fail(path, _("must read its value from exactly one of: {keys}").format(keys=", ".join(SPEC_SOURCES)))
        (where,) = given
        if where == "head" and not in_head:
            raise self.fail(_at(path, "head"), _("there is no head here: only a form of labels or blocks have one"))
        lookup = data.get("lookup")
        if lookup is not None and lookup not in lookups:
            raise self.fail(
                _at(path, "lookup"), _("no lookup named {value} (lookups: {names})").format(
                    value=preview(lookup), names=", ".join(lookups) or _("none")
                )
            )
        replace = data.get("replace") or {}
        self.mapping(replace, _at(path, "replace"), tuple(replace))
        for old, new in replace.items():
            if not isinstance(new, str):
                raise self.fail(_at(_at(path, "replace"), old), _("must be a text, got {value}").format(value=preview(new)))
        pattern = self.regex(data["pattern"], _at(path, "pattern")) if data.get("pattern") is not None else None
        if pattern is not None and not pattern.groups:
            raise self.fail(_at(path, "pattern"), _("must have a group, (...), around the value to take"))
        return Spec(
            path,
            column=self.column(data["column"], _at(path, "column")) if where == "column" else None,
            header=self.text(data["header"], _at(path, "header")) if where == "header" else None,
            head=self.text(data["head"], _at(path, "head")) if where == "head" else None,
            const=self.text(data["const"], _at(path, "const")) if where == "const" else None,
            format=self.text(data["format"], _at(path, "format")) if where == "format" else None,
            ordinal=self.flag(data["ordinal"], _at(path, "ordinal")) if where == "ordinal" else False,
            pattern=pattern,
            split=self.text(data["split"], _at(path, "split")) if data.get("split") is not None else None,
            several_warn=self.choice(data.get("several", "first"), _at(path, "several"), ("first", "warn")) == "warn",
            replace=tuple(replace.items()),
            lookup=lookup,
            otherwise=(
                self.spec(data["else"], _at(path, "else"), lookups=lookups, in_head=in_head) if data.get("else") is not None else None
            ),
            optional=self.flag(data["optional"], _at(path, "optional")) if data.get("optional") is not None else False,
            help=self.text(data["help"], _at(path, "help")) if data.get("help") is not None else None,
            width=self.number(data["width"], _at(path, "width"), 1, 255) if data.get("width") is not None else None,
        )

    def condition(self, value: object, path: str) -> Condition:
        data = self.mapping(value, path, ("column", *CONDITION_TESTS))
        if not any(data.get(key) is not None for key in CONDITION_TESTS):
            raise self.fail(path, _("must test the row with one of: {keys}").format(keys=", ".join(CONDITION_TESTS)))
        if data.get("column") is None and any(data.get(key) is not None for key in CONDITION_TESTS[:5]):
            raise self.fail(_at(path, "column"), _("is required"))
        span = None
        if data.get("blank_columns") is not None:
            first, _sep, last = self.text(data["blank_columns"], _at(path, "blank_columns")).partition(":")
            span = (self.column(first, _at(path, "blank_columns")), self.column(last or first, _at(path, "blank_columns")))
            if span[0] > span[1]:
                raise self.fail(_at(path, "blank_columns"), _("must be a range of columns such as B:Q"))
        return Condition(
            path,
            self.column(data["column"], _at(path, "column")) if data.get("column") is not None else None,
            equals=normalized(self.text(data["equals"], _at(path, "equals"))) if data.get("equals") is not None else None,
            starts_with=(
                normalized(self.text(data["starts_with"], _at(path, "starts_with"))) if data.get("starts_with") is not None else None
            ),
            matches=self.regex(data["matches"], _at(path, "matches")) if data.get("matches") is not None else None,
            blank=self.flag(data["blank"], _at(path, "blank")) if data.get("blank") is not None else None,
            text=self.flag(data["text"], _at(path, "text")) if data.get("text") is not None else None,
            blank_columns=span,
        )

    def labels(self, value: object, path: str) -> Labels:
        data = self.mapping(value, path, ("label", "value"), ("label", "value"))
        return Labels(self.column(data["label"], _at(path, "label")), self.column(data["value"], _at(path, "value")))

    def budget(self, value: object, path: str, lookups: dict, in_head: bool) -> Budget:
        data = self.mapping(value, path, tuple(value) if isinstance(value, dict) else ())
        if "sources_after" in data:
            self.mapping(data, path, ("sources_after", "template_columns", "help"), ("sources_after",))
            after = data["sources_after"]
            spec = (
                Spec(_at(path, "sources_after"), column=self.column(after, _at(path, "sources_after")))
                if isinstance(after, str) and _COLUMN.match(after.strip())
                else Spec(_at(path, "sources_after"), header=self.text(after, _at(path, "sources_after")))
            )
            help_ = self.text(data["help"], _at(path, "help")) if data.get("help") is not None else None
            columns = data.get("template_columns") or []
            if not isinstance(columns, list):
                raise self.fail(_at(path, "template_columns"), _("must be a list of funding sources"))
            return Budget(
                sources_after=spec, help=help_,
                template_columns=tuple(self.text(c, f"{_at(path, 'template_columns')}[{i + 1}]") for i, c in enumerate(columns)),
            )
        if not data:
            raise self.fail(path, _("must name at least one funding source"))
        return Budget(
            sources=tuple(
                (self.text(source, path), self.spec(spec, _at(path, source), lookups=lookups, in_head=in_head))
                for source, spec in data.items()
            )
        )

    def level(self, value: object, path: str, lookups: dict, in_head: bool) -> Level:
        data = self.mapping(value, path, (*LEVEL_KEYS, *{f for fields in FIELDS.values() for f in fields}), ("kind",))
        kind = self.choice(data["kind"], _at(path, "kind"), KINDS)
        allowed = (*LEVEL_KEYS, *FIELDS[kind])
        self.mapping(data, path, allowed)
        from_head = data.get("from") is not None
        if from_head:
            self.choice(data["from"], _at(path, "from"), ("head",))
            if not in_head:
                raise self.fail(_at(path, "from"), _("there is no head here: only a form of labels or blocks have one"))
        values = data.get("values") or {}
        self.mapping(values, _at(path, "values"), tuple(values))
        for name in values:
            if not _NAME.match(name) or name in KINDS or name == "row":
                raise self.fail(
                    _at(_at(path, "values"), name), _("a value's name is lowercase letters, digits and _, and not a kind's name")
                )
        fields, schedule, budget = [], (), None
        for name in data:  # in the mapping's order: the template's columns follow it
            if name not in FIELDS[kind] or data[name] is None:
                continue
            if name == "schedule":
                items = self.items(data[name], _at(path, name))
                if len(items) != 4:
                    raise self.fail(_at(path, name), _("must list 4 values, one per quarter"))
                schedule = tuple(self.spec(s, f"{_at(path, name)}[{i + 1}]", lookups=lookups, in_head=in_head) for i, s in enumerate(items))
            elif name == "budget":
                budget = self.budget(data[name], _at(path, name), lookups, in_head)
            else:
                fields.append((name, self.spec(data[name], _at(path, name), lookups=lookups, in_head=in_head)))
        if from_head:
            specs = [spec for _name, spec in fields] + list(schedule) + [s for _name, s in (budget.sources if budget else ())]
            specs += [self.spec(spec, _at(_at(path, "values"), name), lookups=lookups) for name, spec in values.items()]
            if budget is not None and budget.sources_after is not None or any(_reads_cell(spec) for spec in specs):
                raise self.fail(path, _("a level read from the head reads no column: its values come from head labels, constants and formats"))
        present = {name for name, _spec in fields} | ({"budget"} if budget else set()) | ({"schedule"} if schedule else set())
        repeats = self.choice(data.get("repeats", "refuse"), _at(path, "repeats"), REPEATS)
        for name in REQUIRED[kind] if repeats != "same" else ("code",):  # an element read again has its fields from before
            if name not in present:
                raise self.fail(_at(path, name), _("is required for a level of kind {kind}").format(kind=kind))
        each = None
        if data.get("each") is not None:
            spec = self.mapping(data["each"], _at(path, "each"), ("column", "separator"), ("column", "separator"))
            each = (self.column(spec["column"], _at(_at(path, "each"), "column")), self.text(spec["separator"], _at(_at(path, "each"), "separator")))
        when = None
        if data.get("when") is not None:
            if from_head:
                raise self.fail(_at(path, "when"), _("a level read from the head is read once per head, not by row"))
            when = self.spec(data["when"], _at(path, "when"), lookups=lookups, in_head=False)
            if not when.reads_cell:
                raise self.fail(_at(path, "when"), _("must name a column (column or header)"))
        return Level(
            path,
            kind,
            from_head=from_head,
            when=when,
            each=each,
            repeats=repeats,
            values=tuple((name, self.spec(spec, _at(_at(path, "values"), name), lookups=lookups, in_head=in_head)) for name, spec in values.items()),
            fields=tuple(fields),
            schedule=schedule,
            budget=budget,
            help=self.text(data["help"], _at(path, "help")) if data.get("help") is not None else None,
        )

    def table(self, value: object, path: str, lookups: dict) -> Table:
        data = self.mapping(value, path, TABLE_KEYS, ("sheet", "levels"))
        sheet = data["sheet"]
        sheet = int(sheet) if isinstance(sheet, str) and sheet.strip().isdigit() else self.text(sheet, _at(path, "sheet"))
        layouts = [key for key in ("header_row", "labels", "blocks") if data.get(key) is not None]
        if len(layouts) != 1:
            raise self.fail(path, _("must have exactly one layout: header_row, labels or blocks"))
        labels = self.labels(data["labels"], _at(path, "labels")) if data.get("labels") is not None else None
        blocks = None
        if data.get("blocks") is not None:
            at = _at(path, "blocks")
            b = self.mapping(data["blocks"], at, BLOCK_KEYS, ("start", "labels", "header"))
            blocks = Blocks(
                start=self.condition(b["start"], _at(at, "start")),
                labels=self.labels(b["labels"], _at(at, "labels")),
                header=self.condition(b["header"], _at(at, "header")),
                header_rows=self.number(b.get("header_rows", "1"), _at(at, "header_rows"), 1, 20),
                end=self.condition(b["end"], _at(at, "end")) if b.get("end") is not None else None,
                end_total=self.column(b["end_total"], _at(at, "end_total")) if b.get("end_total") is not None else None,
            )
        in_head = labels is not None or blocks is not None
        levels = tuple(
            self.level(item, f"{_at(path, 'levels')}[{i + 1}]", lookups, in_head) for i, item in enumerate(self.items(data["levels"], _at(path, "levels")))
        )
        if labels is not None and not all(level.from_head for level in levels):
            raise self.fail(_at(path, "levels"), _("a form of labels has no rows: every level is read from the head (from: head)"))
        header_row = self.number(data["header_row"], _at(path, "header_row")) if data.get("header_row") is not None else None
        header_rows = self.number(data.get("header_rows", "1"), _at(path, "header_rows"), 1, 20)
        totals = []
        for i, item in enumerate(data.get("totals") or []):
            at = f"{_at(path, 'totals')}[{i + 1}]"
            t = self.mapping(item, at, ("when", "level", "column"), ("when", "level", "column"))
            kinds = [level.kind for level in levels if level.element and not level.from_head]
            totals.append(Total(self.condition(t["when"], _at(at, "when")), self.choice(t["level"], _at(at, "level"), tuple(kinds)), self.column(t["column"], _at(at, "column"))))
        table = Table(
            path,
            sheet,
            title=self.text(data["title"], _at(path, "title")) if data.get("title") is not None else None,
            help=self.text(data["help"], _at(path, "help")) if data.get("help") is not None else None,
            header_row=header_row,
            header_rows=header_rows,
            data_start=self.number(data["data_start"], _at(path, "data_start")) if data.get("data_start") is not None else None,
            labels=labels,
            blocks=blocks,
            skip=tuple(self.condition(c, f"{_at(path, 'skip')}[{i + 1}]") for i, c in enumerate(data.get("skip") or [])),
            totals=tuple(totals),
            levels=levels,
        )
        self.check_names(table)
        return table

    def check_names(self, table: Table) -> None:
        """Every `format` names a value of its level, an enclosing element's kind, `row` or `n`; every
        element level has a parent: its own field, or an enclosing level of the parent's kind."""
        seen: list[str] = []
        for level in table.levels:
            names = {name for name, _spec in level.values} | set(seen) | {"row"}
            specs = [*level.values, *level.fields, *((f"schedule[{i}]", s) for i, s in enumerate(level.schedule))]
            if level.budget:
                specs += list(level.budget.sources)
            for _name, spec in specs:
                for name in spec.names():
                    if name not in names:
                        raise self.fail(
                            _at(spec.path, "format"), _("names {value}, which is none of: {names}").format(
                                value=preview(name), names=", ".join(sorted(names))
                            )
                        )
            if level.element and PARENT_KIND[level.kind] is not None and level.field("parent") is None and level.repeats != "same":
                if PARENT_KIND[level.kind] not in seen:  # (an element read again may have had its parent read before)
                    raise self.fail(
                        level.path, _("a level of kind {kind} needs a parent: a parent field, or a level of kind {parent} before it").format(
                            kind=level.kind, parent=PARENT_KIND[level.kind]
                        )
                    )
            if level.kind == BUDGET_LINE and "operation" not in seen:
                raise self.fail(level.path, _("budget lines add to an operation: a level of kind operation must come before"))
            if level.element:
                seen.append(level.kind)


LEVEL_KEYS = ("kind", "from", "when", "each", "repeats", "values", "help")
TABLE_KEYS = ("sheet", "title", "help", "header_row", "header_rows", "data_start", "labels", "blocks", "skip", "totals", "levels")
BLOCK_KEYS = ("start", "labels", "header", "header_rows", "end", "end_total")
TOP_KEYS = ("poa_import", "name", "title", "help", "plan", "numbers", "lookups", "workbooks")


def _reads_cell(spec: Spec | None) -> bool:
    return spec is not None and (spec.reads_cell or _reads_cell(spec.otherwise))


def _at(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def parse_mapping(data: object, source: str) -> Mapping:
    """The mapping a document states, every key checked (`MappingError` names the first wrong)."""
    reader = _Reader(source)
    top = reader.mapping(data, "", TOP_KEYS, ("poa_import", "workbooks"))
    if str(top["poa_import"]).strip() != VERSION:
        raise reader.fail("poa_import", _("this program reads mappings of version {version}, got {value}").format(
            version=VERSION, value=preview(top["poa_import"])
        ))
    plan = reader.mapping(top.get("plan") or {}, "plan", FIELDS[PLAN])
    lookups = {}
    for name, table in reader.mapping(top.get("lookups") or {}, "lookups", tuple(top.get("lookups") or {})).items():
        entries = reader.mapping(table, _at("lookups", name), tuple(table) if isinstance(table, dict) else ())
        for key, code in entries.items():
            reader.text(code, _at(_at("lookups", name), key))
        lookups[name] = tuple(entries.items())
    workbooks = []
    for i, item in enumerate(reader.items(top["workbooks"], "workbooks")):
        at = f"workbooks[{i + 1}]"
        book = reader.mapping(item, at, ("name", "tables"), ("tables",))
        tables = tuple(reader.table(t, f"{at}.tables[{j + 1}]", lookups) for j, t in enumerate(reader.items(book["tables"], _at(at, "tables"))))
        name = reader.text(book["name"], _at(at, "name")) if book.get("name") is not None else _("workbook {number}").format(number=i + 1)
        workbooks.append(Workbook(name, tables))
    return Mapping(
        source=source,
        name=reader.text(top["name"], "name") if top.get("name") is not None else None,
        plan=tuple((key, reader.text(value, _at("plan", key))) for key, value in plan.items() if value is not None),
        numbers=reader.choice(top.get("numbers", NUMBERS[0]), "numbers", NUMBERS),
        lookups=tuple(lookups.items()),
        workbooks=tuple(workbooks),
        title=reader.text(top["title"], "title") if top.get("title") is not None else None,
        help=reader.text(top["help"], "help") if top.get("help") is not None else None,
    )
