"""The documents' charts (adapters/report_html.py), as SVG text to inline in the HTML report.

Drawn by matplotlib on a `Figure` of its own (never pyplot: no display, no global figure),
inside a style context that starts from matplotlib's defaults (a user's matplotlibrc
changes nothing) with a fixed id salt and every text as paths (no font needed to view
it): the same evaluation always gives the same bytes, as the sealed HTML must.
matplotlib is imported when a chart is drawn, not when `poa` starts.

- `progress_chart`: programmed and actual physical progress of each active ACP and the plan;
- `budget_chart`: budget execution of each active AEI and ACP, the plan's as a line;
- `trend_chart`: the plan's programmed progress, physical progress and budget execution at
  each quarter end (`Evaluation.trend`), or the evaluation's own figures when it has none.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from decimal import Decimal

from poa.domain.catalogue import KIND_LABELS, ElementKind, Label, Status
from poa.projections.evaluation import Evaluation
from poa.projections.trend import point

from .localized import number

PROGRESS_TITLE = Label("Avance físico programado y ejecutado por ACP", "Programmed and actual physical progress by STA")
BUDGET_TITLE = Label("Ejecución presupuestaria por AEI y ACP", "Budget execution by ISA and STA")
TREND_TITLE = Label("Evolución trimestral del POA", "The POA quarter by quarter")
PERCENT_AXIS = Label("Porcentaje (%)", "Percent (%)")
CODE_AXIS = Label("Código", "Code")
DATE_AXIS = Label("Fecha de corte", "Cut-off date")
PROGRAMMED = Label("Avance programado", "Programmed progress")
PHYSICAL = Label("Avance físico", "Physical progress")
EXECUTION = Label("Ejecución presupuestaria", "Budget execution")
PLAN = Label("POA", "POA")  # the plan's bar, and its line
PLAN_LINE = Label("POA: {value} %", "POA: {value}%")

SIZE = (6.9, 3.1)  # inches: the width of an A4 page's text at the report's margins
PALE, DARK, ORANGE, TEXT = "#9db9d8", "#1f4e79", "#c55a11", "#4a6f96"
STYLE = {
    "svg.hashsalt": "poa-ledger",  # ids made from the content, not at random
    "svg.fonttype": "none",  # texts as SVG text: searchable, and read by pdftotext and screen readers
    "font.family": "DejaVu Sans",  # matplotlib's own font, on every machine
    "font.size": 7,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def progress_chart(ev: Evaluation) -> str:
    """Grouped bars: each active ACP's programmed and physical progress, then the plan's."""
    actions = [f for f in ev.short_term_actions if f.status == Status.ACTIVE]
    codes = [_plain(f.code) for f in actions] + [PLAN.text]
    programmed = [f.programmed_pct for f in actions] + [ev.summary.programmed_pct]
    progress = [f.progress_pct for f in actions] + [ev.summary.physical_progress_pct]

    def draw(fig) -> None:
        ax = fig.subplots()
        xs = range(len(codes))
        ax.bar([x - 0.2 for x in xs], _floats(programmed), 0.4, color=PALE, label=PROGRAMMED.text)
        ax.bar([x + 0.2 for x in xs], _floats(progress), 0.4, color=DARK, label=PHYSICAL.text)
        _percent_axes(ax, PROGRESS_TITLE, CODE_AXIS, codes, programmed + progress)

    return _svg(draw, "progress", PROGRESS_TITLE)


def budget_chart(ev: Evaluation) -> str:
    """Bars of budget execution: each active AEI (dark) followed by its active ACPs (pale); the plan's as a line."""
    rows = []
    for aei in (f for f in ev.strategic_actions if f.status == Status.ACTIVE):
        rows.append(aei)
        rows += [f for f in ev.short_term_actions if f.parent == aei.code and f.status == Status.ACTIVE]
    values = [f.budget_execution_pct for f in rows]
    plan = ev.summary.budget_execution_pct

    def draw(fig) -> None:
        ax = fig.subplots()
        for kind, colour in ((ElementKind.STRATEGIC_ACTION, DARK), (ElementKind.SHORT_TERM_ACTION, PALE)):
            xs = [x for x, f in enumerate(rows) if f.kind == kind]
            if xs:
                ax.bar(xs, _floats([values[x] for x in xs]), 0.7, color=colour, label=KIND_LABELS[kind].text)
        ax.axhline(float(plan), color=ORANGE, linewidth=1, linestyle="--", label=PLAN_LINE.text.format(value=number(plan)))
        _percent_axes(ax, BUDGET_TITLE, CODE_AXIS, [_plain(f.code) for f in rows], values + [plan])

    return _svg(draw, "budget", BUDGET_TITLE)


def trend_chart(ev: Evaluation) -> str:
    """Lines with markers, one point per date of `ev.trend` (or `ev`'s own figures), each value written
    (above the line, below it for budget execution)."""
    points = ev.trend or (point(ev),)
    series = (
        (PROGRAMMED, [p.programmed_pct for p in points], PALE, "s", 5),
        (PHYSICAL, [p.physical_progress_pct for p in points], DARK, "o", 5),
        (EXECUTION, [p.budget_execution_pct for p in points], ORANGE, "^", -10),
    )

    def draw(fig) -> None:
        ax = fig.subplots()
        xs = list(range(len(points)))
        for label, values, colour, marker, offset in series:
            ax.plot(xs, _floats(values), color=colour, marker=marker, markersize=4, linewidth=1.5, label=label.text)
            for x, v in zip(xs, values):
                ax.annotate(number(v), (x, float(v)), textcoords="offset points", xytext=(0, offset), ha="center",
                            fontsize=6, color=TEXT if colour == PALE else colour)
        values = [v for s in series for v in s[1]]
        _percent_axes(ax, TREND_TITLE, DATE_AXIS, [p.date.isoformat() for p in points], values, rotate=False)
        ax.set_xlim(-0.5, len(points) - 0.5)
        ax.set_ylim(bottom=-12)

    return _svg(draw, "trend", TREND_TITLE)


def _floats(values: list[Decimal]) -> list[float]:
    return [float(v) for v in values]


def _percent_axes(ax, title: Label, x_label: Label, ticks: list[str], values: list[Decimal], rotate: bool = True) -> None:
    """Title and legend above the plot, axis labels, one tick per category (upright when many, the
    margin below made for the longest), 0 to 100 % (or the highest value)."""
    ax.set_title(title.text, loc="left", pad=16)
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncol=3, frameon=False, fontsize=6.5)
    ax.set_xlabel(x_label.text)
    ax.set_ylabel(PERCENT_AXIS.text)
    upright = rotate and len(ticks) > 8
    ax.set_xticks(range(len(ticks)), ticks, rotation=90 if upright else 0, fontsize=6.5)
    below = 4 * max(map(len, ticks), default=1) if upright else 9  # points: tick labels (about 4 per character)
    ax.figure.subplots_adjust(left=0.08, right=0.99, top=0.86, bottom=(below + 30) / (72 * SIZE[1]))
    top = max([Decimal(100), *values])
    ax.set_ylim(0, float(top) * 1.08)
    ax.yaxis.grid(True, color="#dddddd", linewidth=0.5)
    ax.set_axisbelow(True)


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)  # the XML declaration and DOCTYPE
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)  # RDF with URLs: nothing a reader needs
_COMMENTS = re.compile(r"\s*<!--.*?-->", re.DOTALL)  # each text drawn as paths, written again as a comment
_IDS = re.compile(r'(\bid="|href="#|url\(#)')
_DEFAULTS = re.compile(r"\s*<defs>\s*<style[^>]*>\*\{([^}]*)\}</style>\s*</defs>")  # matplotlib's defaults, for all
_STYLE = re.compile(r' style="([^"]*)"')


def _plain(text: str) -> str:
    """A code as matplotlib draws it literally (a ``$`` would start mathematics)."""
    return text.replace("$", r"\$")


def _svg(draw: Callable, prefix: str, title: Label) -> str:
    """The SVG of a figure `draw` fills, ready to inline: no prolog, metadata or comments, ids
    prefixed (several charts share one HTML document), styles as attributes (its one style
    sheet, matplotlib's defaults, on the root, where they are inherited), its title as its
    accessible name (its texts are paths), the same bytes every time."""
    import matplotlib
    import matplotlib.style
    from matplotlib.figure import Figure

    with matplotlib.style.context("default"), matplotlib.rc_context(STYLE):
        fig = Figure(figsize=SIZE)  # margins set by `_percent_axes` (a constrained layout draws twice)
        draw(fig)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = _COMMENTS.sub("", _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1), count=1))
    text = _IDS.sub(lambda m: f"{m.group(1)}{prefix}-", text).strip()
    defaults = _DEFAULTS.search(text)
    text = _STYLE.sub(lambda m: _attributes(m.group(1)), _DEFAULTS.sub("", text, count=1))
    own = f'class="chart" role="img" aria-label="{html.escape(title.text)}"{_attributes(defaults.group(1)) if defaults else ""} '
    return text.replace("<svg ", f"<svg {own}", 1)


def _attributes(style: str) -> str:
    """A ``style`` of SVG properties as presentation attributes (`` fill="#fff"``), which an HTML
    renderer leaves to its SVG renderer instead of reading them as the page's CSS."""
    pairs = (d.split(":", 1) for d in style.split(";") if d.strip())
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)
