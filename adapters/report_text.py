"""The quarterly report in Spanish, laid out like the seed (sections I to VI, Cuadros 1 to 4), as a terminal table or Markdown.

`layout()` decides what the report says, once, in the words of the catalogue
(`domain/catalogue.py`, the quarterly report: its `.text` labels today); `to_markdown()` and
`to_rich()` only decide how it looks. Every text of a Block may hold user text (titles,
results, reasons, actors...): `to_markdown()` and `to_rich()` are the one place where it
is made safe (adapters/safe_text.py), for every renderer that draws Blocks (the report,
`history`, `reports`, `reconcile`, `plans`, `explain`, `diff`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timezone
from decimal import Decimal
from io import StringIO
from typing import TYPE_CHECKING

from attrs import frozen

from poa.domain.catalogue import (
    BAND_LABELS,
    BREAKDOWN_TABLE,
    EFFICIENCY_BAND_RANGE,
    EFFICIENCY_LEGEND,
    EFFICIENCY_TABLE,
    NO_BAND,
    CHANGES_LIST,
    CLOSING_SENTENCES,
    CONCLUSIONS,
    DEVIATIONS_LIST,
    FIGURE,
    INITIAL_LOAD_SENTENCE,
    LIST_ITEMS,
    QUARTER,
    QUARTER_ORDINALS,
    REFORMULATION_CHANGES,
    REPORT_HEADING,
    REPORT_INTRODUCTION,
    REPORT_SECTIONS,
    RESULTS_LIST,
    RESULTS_TABLE,
    STRUCTURE_ROWS,
    STRUCTURE_TABLE,
    TABLE_CELLS,
    TRANSFER_SIDES,
    UPDATED_FIELDS,
    WARNINGS_LIST,
    WEIGHTED_RESULT_TABLE,
    Status,
    Table as TableLabels,
    ElementKind,
    Unit,
    WarningKind,
)
from poa.domain.facts import Transfer
from poa.domain.values import quantize

from .localized import long_date, moment, number
from poa.projections.warnings import DEVIATION_LIMIT

from .report_csv import ordered_sources
from .safe_text import markdown_text, terminal_safe
from .text_table import WIDTH, current_width, draw_table, use_width  # noqa: F401 - WIDTH, use_width re-exported

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from poa.projections.evaluation import Evaluation, Figures, InitialLoad

ZERO = Decimal(0)
LATE_SHOWN = 5  # late-record warnings listed one by one; beyond, a count
@frozen
class Block:
    """A heading, a paragraph, a table (headers, rows, right-aligned columns) or a list."""

    kind: str
    title: str = ""
    text: str = ""
    headers: tuple = ()
    rows: tuple = ()
    right: frozenset = frozenset()
    items: tuple = ()


class OwnMarkdown(str):
    """A text of ours with deliberate Markdown (a code span) and no user text in it:
    `to_markdown()` writes it as is; `to_rich()` draws it like any other text."""


def pct(value: Decimal) -> str:
    return number(value)


def _headers(table: TableLabels) -> tuple[str, ...]:
    return tuple(h.text for h in table.headers)


def _cancelled(f) -> str:
    """An element's title, marked if it is cancelled."""
    return f.title if f.status == Status.ACTIVE else f"{f.title} {TABLE_CELLS['cancelled'].text}"


class Money:
    """Amounts as the seed prints them: thousands separators, and cents only if some amount has them."""

    def __init__(self, ev: Evaluation):
        amounts = [ev.summary.budget_current, ev.summary.budget_executed]
        for f in ev.elements():
            if f.budget is not None:
                amounts += [*f.budget.values(), f.budget_executed]
        self.cents = any(quantize(a) != a.to_integral_value() for a in amounts)

    def __call__(self, value: Decimal) -> str:
        return number(value, 2 if self.cents else 0)


def layout(ev: Evaluation) -> list[Block]:
    """The quarterly report, sections I to VI as in the seed, then the warnings."""
    money = Money(ev)
    quarter = (ev.as_of.month - 1) // 3 + 1
    period_start = ev.as_of.replace(month=3 * quarter - 2, day=1)
    introduction = REPORT_INTRODUCTION.text.format(
        as_of=long_date(ev.as_of),
        quarter=_quarter(quarter),
        known_at=moment(ev.known_at),
        approved_on=long_date(ev.approved_on),
        reference=ev.reference,
    )
    section = {key: Block("section", title=label.text) for key, label in REPORT_SECTIONS.items()}
    return [
        Block("heading", title=REPORT_HEADING.text.format(entity=ev.entity, year=ev.year, plan=ev.plan)),
        Block(
            "paragraph",
            text=introduction + "".join(f" {_closing_text(r)}" for r in ev.closings)
            + "".join(f" {initial_load_text(load)}" for load in ev.initial_loads),
        ),
        section["structure"],
        _structure_table(ev, money),
        section["breakdown"],
        _breakdown_table(ev, money),
        section["results"],
        _results_table(ev, money),
        Block("list", title=RESULTS_LIST.title.text, items=tuple(_results_lines(ev)) or (RESULTS_LIST.empty.text,)),
        section["changes"],
        Block("list", title=CHANGES_LIST.title.text.format(start=long_date(period_start), end=long_date(ev.as_of)),
              items=tuple(_changes_lines(ev, period_start, money)) or (CHANGES_LIST.empty.text,)),
        Block("list", title=DEVIATIONS_LIST.title.text, items=tuple(_deviation_lines(ev)) or (DEVIATIONS_LIST.empty.text,)),
        section["quarterly"],
        _weighted_result_table(ev, quarter),
        _efficiency_table(ev),
        Block("paragraph", text=_efficiency_legend(ev)),
        section["conclusions"],
        Block("paragraph", text=_conclusions(ev, money)),
        Block("list", title=WARNINGS_LIST.title.text, items=tuple(_warning_lines(ev)) or (WARNINGS_LIST.empty.text,)),
    ]


def _quarter(quarter: int) -> str:
    """The quarter (1 to 4) in words: "primer trimestre"."""
    return QUARTER.text.format(ordinal=QUARTER_ORDINALS[quarter - 1].text)


def _closing_text(r) -> str:
    """A closing or a reopening known (only a reopening has a reason)."""
    return CLOSING_SENTENCES[r.kind].text.format(
        date=long_date(r.fact.date), reference=r.fact.reference, reason=getattr(r.fact, "reason", "")
    )


def initial_load_text(load: InitialLoad) -> str:
    """An initial load visible in the report, said once (docs/design.md, "Initial load")."""
    recorded_on = load.recorded_at.astimezone(timezone.utc).date()
    return INITIAL_LOAD_SENTENCE.text.format(
        up_to=long_date(load.up_to), reference=load.reference, recorded_on=long_date(recorded_on), actor=load.actor
    )


def _structure_table(ev: Evaluation, money: Money) -> Block:
    s = ev.summary
    rows = tuple(
        (label.text, money(getattr(s, name)) if FIGURE[name].unit is Unit.AMOUNT else str(getattr(s, name)))
        for name, label in STRUCTURE_ROWS.items()
    )
    return Block(
        "table", title=STRUCTURE_TABLE.title.text, headers=(*_headers(STRUCTURE_TABLE), ""), rows=rows, right=frozenset({1})
    )


@frozen
class BreakdownRow:
    """A row of Cuadro 2: an element, its depth (0 strategic action, 1 short-term action, 2
    operation), its detail (title, cancellation, PEM code) and the operations below it (cancelled
    ones included; None for an operation)."""

    element: Figures
    depth: int
    detail: str
    operations: int | None


def breakdown(ev: Evaluation) -> tuple[list[str], list[BreakdownRow]]:
    """Cuadro 2's funding sources (TGN first, then the others: `ordered_sources`) and rows: each
    strategic action, then under it each short-term action, then under that each operation, in
    code order — the one walk every format draws Cuadro 2 from."""
    sources = ordered_sources(src for f in ev.operations for src in f.budget)
    children: dict[str | None, list[Figures]] = {}
    for f in ev.short_term_actions + ev.operations:
        children.setdefault(f.parent, []).append(f)
    under = _operations_under(ev)
    rows: list[BreakdownRow] = []

    def add(f: Figures, depth: int) -> None:
        detail = _cancelled(f)
        if f.sector_code:
            detail = f"{detail} {TABLE_CELLS['sector_code'].text.format(code=f.sector_code)}"
        operation = f.kind == ElementKind.OPERATION
        rows.append(BreakdownRow(f, depth, detail, None if operation else under.get(f.code, 0)))
        if not operation:
            for child in children.get(f.code, []):
                add(child, depth + 1)

    for aei in ev.strategic_actions:
        add(aei, 0)
    return sources, rows


def source_totals(ev: Evaluation, sources: list[str]) -> list[Decimal]:
    """The plan's current budget by funding source, in `sources`' order (Cuadro 2's last row)."""
    return [sum((o.budget.get(src, ZERO) for o in ev.operations), ZERO) for src in sources]


def _breakdown_table(ev: Evaluation, money: Money) -> Block:
    sources, found = breakdown(ev)
    rows = [
        ("  " * r.depth + r.element.code, r.detail, "" if r.operations is None else str(r.operations),
         *(money(r.element.budget.get(src, ZERO)) for src in sources), money(r.element.budget_current))
        for r in found
    ]
    rows.append(
        (TABLE_CELLS["totals"].text, "", str(len(ev.operations)), *(money(t) for t in source_totals(ev, sources)),
         money(ev.summary.budget_current))
    )
    *columns, total = _headers(BREAKDOWN_TABLE)
    return Block(
        "table",
        title=BREAKDOWN_TABLE.title.text,
        headers=(*columns, *sources, total),
        rows=tuple(rows),
        right=frozenset(range(2, 4 + len(sources))),
    )


def _operations_under(ev: Evaluation) -> dict[str, int]:
    """How many operations (cancelled ones included) each element has below it, at any depth.

    One walk up from each operation through a parent map built once: linear in the plan's
    size (asking, for every element, which operations are under it is quadratic).
    """
    parents = {f.code: f.parent for f in ev.elements()}
    counts: dict[str, int] = {}
    for o in ev.operations:
        code = o.parent
        while code is not None:
            counts[code] = counts.get(code, 0) + 1
            code = parents.get(code)
    return counts


def _results_table(ev: Evaluation, money: Money) -> Block:
    s = ev.summary
    rows = []
    for f in ev.short_term_actions:
        rows.append(
            (pct(f.weight), f.code, _cancelled(f), money(f.budget_current), money(f.budget_executed),
             pct(f.budget_execution_pct), pct(f.progress_pct), pct(f.programmed_pct), pct(f.deviation_pts))
        )
    rows.append(
        (pct(s.weights_total), "", TABLE_CELLS["total"].text, money(s.budget_current), money(s.budget_executed),
         pct(s.budget_execution_pct), pct(s.physical_progress_pct), pct(s.programmed_pct), pct(s.deviation_pts))
    )
    return Block(
        "table",
        title=RESULTS_TABLE.title.text,
        headers=_headers(RESULTS_TABLE),
        rows=tuple(rows),
        right=frozenset({0, 3, 4, 5, 6, 7, 8}),
    )


def _results_lines(ev: Evaluation) -> list[str]:
    lines = [LIST_ITEMS["plan_result"].text.format(date=note.date, text=note.text) for note in ev.results]
    for f in ev.strategic_actions + ev.short_term_actions + ev.operations + ev.tasks:
        lines += [f"{f.code} ({note.date}): {note.text}" for note in f.results]
    return lines


def _changes_lines(ev: Evaluation, start, money: Money) -> list[str]:
    lines = []
    for r in ev.reformulations:
        if r.fact.date >= start:
            changes = "; ".join(_change_text(c, money) for c in r.fact.changes)
            lines.append(
                LIST_ITEMS["reformulation"].text.format(
                    date=r.fact.date, reference=r.fact.reference, reason=r.fact.reason, changes=changes
                )
            )
    for r in ev.budget_modifications:
        if r.fact.date >= start:
            m = r.fact
            if isinstance(m, Transfer):  # one line with both sides
                lines.append(
                    LIST_ITEMS["transfer"].text.format(
                        date=m.date, reference=m.reference, sides=transfer_sides(m, money), reason=m.reason
                    )
                )
                continue
            lines.append(
                LIST_ITEMS["budget_modification"].text.format(
                    date=m.date, reference=m.reference, code=m.code, source=m.source, amount=money(m.amount), reason=m.reason
                )
            )
    return lines


def transfer_sides(t: Transfer, money: Callable[[Decimal], str]) -> str:
    """A transfer's two sides on one line, its amount written by `money`: ``from 1.1.1 (TGN) → to 1.2.1 (TGN): 40.00``."""
    return TRANSFER_SIDES.text.format(
        from_code=t.from_code, from_source=t.from_source, to_code=t.to_code, to_source=t.to_source,
        amount=money(t.amount),
    )


def _change_text(change, money: Money) -> str:
    if change.action == "budget":
        return f"{change.code} {change.source} {money(change.amount)}"
    if change.action == "add":
        return REFORMULATION_CHANGES[change.action].text.format(code=change.element.code)
    if change.action == "cancel":
        return REFORMULATION_CHANGES[change.action].text.format(code=change.code)
    fields = ", ".join(
        label.text.format(weight=change.weight) for name, label in UPDATED_FIELDS.items() if getattr(change, name) is not None
    )
    return REFORMULATION_CHANGES[change.action].text.format(code=change.code, fields=fields)


def _deviation_lines(ev: Evaluation) -> list[str]:
    lines = []
    for f in ev.short_term_actions:
        if f.status == Status.ACTIVE and f.deviation_pts > DEVIATION_LIMIT:
            reasons = " ".join(n.text for n in f.justifications) or LIST_ITEMS["no_justification"].text
            lines.append(
                LIST_ITEMS["deviation"].text.format(
                    code=f.code, deviation=pct(f.deviation_pts), programmed=pct(f.programmed_pct),
                    progress=pct(f.progress_pct), reasons=reasons,
                )
            )
    return lines


def _weighted_result_table(ev: Evaluation, quarter: int) -> Block:
    s = ev.summary
    justification = " ".join(n.text for n in ev.justifications) or TABLE_CELLS["no_justification"].text
    result = TABLE_CELLS["weighted_result"].text.format(
        as_of=long_date(ev.as_of), progress=pct(s.physical_progress_pct), programmed=pct(s.programmed_pct)
    )
    return Block(
        "table",
        title=WEIGHTED_RESULT_TABLE.title.text,
        headers=_headers(WEIGHTED_RESULT_TABLE),
        rows=(
            (
                _quarter(quarter).capitalize(),
                TABLE_CELLS["percent"].text.format(value=pct(s.programmed_pct)),
                result,
                TABLE_CELLS["points"].text.format(value=pct(s.deviation_pts)),
                justification,
            ),
        ),
    )


def _efficiency_table(ev: Evaluation) -> Block:
    """Cuadro 5: each short-term action's efficiency and band (domain/settings.py), then the plan's."""
    s = ev.summary
    rows = [
        (f.code, _cancelled(f), *_efficiency_cells(f.physical_efficacy_pct, f.budget_execution_pct, f.efficiency_pct,
                                                   f.efficiency_band, f.relative_efficiency))
        for f in ev.short_term_actions
    ]
    rows.append(("", TABLE_CELLS["total"].text, *_efficiency_cells(
        s.physical_efficacy_pct, s.budget_execution_pct, s.efficiency_pct, s.efficiency_band, s.relative_efficiency)))
    return Block(
        "table", title=EFFICIENCY_TABLE.title.text, headers=_headers(EFFICIENCY_TABLE), rows=tuple(rows),
        right=frozenset({2, 3, 4, 6}),
    )


def _efficiency_cells(efficacy, execution, efficiency, band, relative) -> tuple[str, ...]:
    """A row's efficiency cells; "—" for a figure without value (nothing programmed or executed yet)."""
    return (
        _or_dash(efficacy), pct(execution), _or_dash(efficiency),
        BAND_LABELS[band].text if band is not None else NO_BAND.text, _or_dash(relative),
    )


def _or_dash(value: Decimal | None) -> str:
    return "—" if value is None else pct(value)


def _efficiency_legend(ev: Evaluation) -> str:
    """How the weighted efficiency is computed and graded, with the plan's own weights and bands."""
    e = ev.settings.efficiency
    bands = ", ".join(
        EFFICIENCY_BAND_RANGE.text.format(band=BAND_LABELS[band].text, low=number(limit, 0), high=number(e.upper(band), 0))
        for band, limit in e.limits()
    )
    return EFFICIENCY_LEGEND.text.format(physical=number(e.physical_weight), financial=number(e.financial_weight), bands=bands)


def _conclusions(ev: Evaluation, money: Money) -> str:
    s = ev.summary
    deviating = [f.code for f in ev.short_term_actions if f.status == Status.ACTIVE and f.deviation_pts > DEVIATION_LIMIT]
    sentences = [
        CONCLUSIONS["progress"].text.format(
            year=ev.year, as_of=long_date(ev.as_of), progress=pct(s.physical_progress_pct), programmed=pct(s.programmed_pct),
            deviation=pct(s.deviation_pts), execution=pct(s.budget_execution_pct), executed=money(s.budget_executed),
            current=money(s.budget_current),
        )
    ]
    if deviating:
        sentences.append(
            CONCLUSIONS["deviating"].text.format(count=len(deviating), total=s.short_term_actions, codes=", ".join(deviating))
        )
    else:
        sentences.append(CONCLUSIONS["none_deviating"].text)
    if ev.justifications:
        sentences.append(CONCLUSIONS["justified"].text.format(justifications=" ".join(n.text for n in ev.justifications)))
    if s.reformulations:
        sentences.append(
            CONCLUSIONS["one_reformulation"].text if s.reformulations == 1
            else CONCLUSIONS["reformulations"].text.format(count=s.reformulations)
        )
    return " ".join(sentences)


def _warning_lines(ev: Evaluation) -> list[str]:
    late = [w for w in ev.warnings if w.kind == WarningKind.LATE_RECORD]
    lines = [w.message for w in ev.warnings if w.kind != WarningKind.LATE_RECORD]
    if len(late) <= LATE_SHOWN:
        lines += [w.message for w in late]
    else:
        lines.append(
            OwnMarkdown(LIST_ITEMS["late_records"].text.format(count=len(late), first=late[0].seq, last=late[-1].seq))
        )
    return lines


def to_markdown(blocks: list[Block]) -> str:
    """Markdown; every text of the blocks is escaped (`_md`, `_md_cell`), our own syntax is not."""
    out: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            out += [f"# {_md(b.title)}", ""]
        elif b.kind == "section":
            out += [f"## {_md(b.title)}", ""]
        elif b.kind == "paragraph":
            if b.title:
                out += [f"### {_md(b.title)}", ""]
            out += [_md(b.text), ""]
        elif b.kind == "table":
            out += [f"### {_md(b.title)}", ""]
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "|".join("---:" if i in b.right else "---" for i in range(len(b.headers))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif b.kind == "list":
            out += [f"### {_md(b.title)}", ""]
            out += [f"- {_md(item)}" for item in b.items]
            out.append("")
    return "\n".join(out)


def _md(text: str) -> str:
    """A heading, paragraph or list item: literal text, which cannot start a block of its own."""
    return terminal_safe(text) if isinstance(text, OwnMarkdown) else markdown_text(text)


def _md_cell(text: str) -> str:
    """A table cell: literal text on one line; leading spaces (Cuadro 2's hierarchy) become no-break
    spaces, which Markdown renderers keep."""
    stripped = text.lstrip(" ")
    return "\u00a0" * (len(text) - len(stripped)) + markdown_text(stripped, cell=True)


def to_rich(blocks: list[Block], width: int | None = None) -> str:
    """Plain text (no colour codes) drawn by rich, so it can be piped and compared.

    Every text reaches rich as a `Text` (never as a markup string, so ``[bold]`` in a
    title is printed as typed) after `_plain`, which shows control characters escaped.
    Tables are drawn by `draw_table` (adapters/text_table.py), byte for byte what rich
    draws and some 70 times faster; a table with a text it is not sure to draw exactly
    as rich does (a wide character, a newline...) is drawn by rich, as before.
    """
    width = width or current_width()
    buffer = StringIO()
    console = None  # rich's, made (and rich imported) for the first text rich draws: `poa plans` draws none

    def say(renderable) -> None:
        nonlocal console
        if console is None:
            from rich.console import Console  # noqa: PLC0415

            console = Console(
                file=buffer, width=width, color_system=None, force_terminal=False, markup=False, emoji=False,
                highlight=False,
            )
        console.print(renderable)

    for b in blocks:
        if b.kind == "heading":
            say(_plain(b.title, style="bold"))
        elif b.kind == "section":
            say(_plain(f"\n{b.title}", style="bold underline"))
        elif b.kind == "paragraph":
            if b.title:
                say(_plain(f"\n{b.title}", style="bold"))
            say(_plain(b.text))
        elif b.kind == "table":
            title, headers = _safe(b.title), [_safe(h) for h in b.headers]
            rows = [[_safe(cell) for cell in row] for row in b.rows]
            drawn = draw_table(title, headers, rows, b.right, width)
            buffer.write("\n")  # what console.print() writes: an empty line
            if drawn is not None:
                buffer.write(drawn)  # what console.print(table) writes, drawn without rich
            else:  # a text draw_table is not sure to draw as rich does (adapters/text_table.py)
                say(_rich_table(title, headers, rows, b.right))
        elif b.kind == "list":
            say(_plain(f"\n{b.title}", style="bold"))
            for item in b.items:
                say(_plain(f"- {item}"))
    return buffer.getvalue()


def _safe(text: str) -> str:
    """User text for a terminal: control characters shown escaped, newlines kept."""
    return terminal_safe(text, keep_newlines=True)


def _plain(text: str, style: str = "") -> Text:
    """User text for rich: a `Text` (no markup, no emoji codes), control characters shown escaped."""
    from rich.text import Text

    return Text(_safe(text), style=style)


def _rich_table(title: str, headers: list[str], rows: list[list[str]], right) -> Table:
    """A table drawn by rich, from texts already made safe (`_safe`), each a `Text`."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(title), title_justify="left")
    for i, header in enumerate(headers):
        table.add_column(Text(header), justify="right" if i in right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table
