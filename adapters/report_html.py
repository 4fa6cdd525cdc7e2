"""The quarterly report as one self-contained, print-ready HTML document (`poa report --format html`).

The seed report's layout (a title block, sections I to VI, the Cuadros) in the order of
`report_text.layout`, whose texts it reuses; Cuadros 1 to 3 are drawn here, with numbers
written by `localized.number`: Cuadro 2 shows the hierarchy (a level column, indentation,
bold AEI rows), Cuadro 3 each ACP's results under its row and the semáforo columns (a
coloured dot per band, as in Cuadro 5). Plus the charts (adapters/charts.py, inline SVG),
the semáforo's legend and a signature block. docs/documents.md describes the document.

Rendered by the Jinja2 template `templates/report.html.j2`, autoescaped: every user text is
escaped; only our own markup (the charts) is marked safe. No network reference: CSS inline,
no font, script or image to fetch. The same evaluation, in the same language and number
style, always gives the same bytes: the HTML is what `poa report --issue` seals.
"""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup  # Jinja2's own
from poa.domain.catalogue import (
    BAND_COLOURS,
    BAND_LABELS,
    BREAKDOWN_TABLE,
    CLOSING_SENTENCES,
    EFFICIENCY_BAND_RANGE,
    EFFICIENCY_TABLE,
    FIGURE,
    KIND_LABELS,
    LIST_ITEMS,
    NO_BAND,
    QUARTER,
    QUARTER_ORDINALS,
    REPORT_SECTIONS,
    RESULTS_LIST,
    RESULTS_TABLE,
    STRUCTURE_ROWS,
    STRUCTURE_TABLE,
    TABLE_CELLS,
    Label,
    Status,
    Unit,
    language,
)
from poa.domain.settings import SIGNATURE_ROLES
from poa.projections.evaluation import Evaluation

from . import charts
from .localized import long_date, moment, number
from .report_text import Block, Money, breakdown, initial_load_text, layout, source_totals
from .safe_text import terminal_safe

DOCUMENT_TITLE = Label("Seguimiento y Evaluación al POA", "Monitoring and Evaluation of the POA")
YEAR = Label("Gestión {year}", "Year {year}")
VIEW = Label(
    "Al {as_of}, según lo registrado hasta {known_at}.", "As of {as_of}, as recorded up to {known_at}."
)
APPROVAL = Label("POA {plan}, aprobado el {approved_on} ({reference}).", "POA {plan}, approved on {approved_on} ({reference}).")
LEVEL = Label("Nivel", "Level")  # Cuadro 2's column
LEGEND_TITLE = Label("Semáforo de la eficiencia ponderada", "Traffic light of the weighted efficiency")
SIGNATURES = {  # the signature block, one per role of `Signatures`
    "prepared_by": Label("Elaborado por", "Prepared by"),
    "reviewed_by": Label("Revisado por", "Reviewed by"),
    "approved_by": Label("Aprobado por", "Approved by"),
}
NONE = "—"  # a figure with no value (nothing programmed, nothing executed)


def to_html(ev: Evaluation) -> str:
    """The report as an HTML document, final newline included."""
    return _template().render(doc=document(ev)).rstrip("\n") + "\n"


def _template():
    # imported when a document is made, not when `poa` starts
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("poa.adapters", "templates"), autoescape=True, undefined=StrictUndefined,
        finalize=_visible, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    return environment.get_template("report.html.j2")


def _visible(value):
    """Every text, before it is escaped: its control characters shown as visible escapes (``\\x1b``),
    none of them raw in the document (an HTML parse error; a bidi override reorders what is read)."""
    return terminal_safe(value, keep_newlines=True) if isinstance(value, str) and not hasattr(value, "__html__") else value


def document(ev: Evaluation) -> dict:
    """What the template draws: the title block, then the sections of `layout(ev)`, each a list of parts."""
    money = _money(ev)
    quarter = (ev.as_of.month - 1) // 3 + 1
    replaced = {  # layout's tables and lists drawn here, by their titles
        STRUCTURE_TABLE.title.text: lambda b: [_structure(ev, money, b)],
        BREAKDOWN_TABLE.title.text: lambda b: [_breakdown(ev, money, b)],
        RESULTS_TABLE.title.text: lambda b: [_results(ev, money, b)],
        RESULTS_LIST.title.text: lambda b: _other_results(ev, b),
        EFFICIENCY_TABLE.title.text: lambda b: [_efficiency(ev, b), _legend(ev)],
    }
    sections: list[dict] = []
    for block in layout(ev):
        if block.kind == "heading" or (block.kind == "paragraph" and not sections):
            continue  # the title block says it in prose
        if block.kind == "section":
            sections.append({"title": block.title, "wide": False, "parts": []})
            continue
        if block.kind == "table" and block.title in (BREAKDOWN_TABLE.title.text, RESULTS_TABLE.title.text):
            sections[-1]["wide"] = True  # Cuadros 2 and 3: landscape pages
        draw = replaced.get(block.title) if block.kind in ("table", "list") else None
        sections[-1]["parts"] += draw(block) if draw else [_part(block)]
    titled = {section["title"]: section for section in sections}
    titled[REPORT_SECTIONS["results"].text]["parts"] += [_chart(charts.progress_chart(ev)), _chart(charts.budget_chart(ev))]
    titled[REPORT_SECTIONS["quarterly"].text]["parts"].append(_chart(charts.trend_chart(ev)))
    return {
        "lang": language(),
        "entity": ev.entity,
        "title": DOCUMENT_TITLE.text,
        "year": YEAR.text.format(year=ev.year),
        "quarter": QUARTER.text.format(ordinal=QUARTER_ORDINALS[quarter - 1].text).capitalize(),
        "view": VIEW.text.format(as_of=long_date(ev.as_of), known_at=moment(ev.known_at)),
        "approval": " ".join([
            APPROVAL.text.format(plan=ev.plan, approved_on=long_date(ev.approved_on), reference=ev.reference),
            *(_closing(r) for r in ev.closings),
            *(initial_load_text(load) for load in ev.initial_loads),
        ]),
        "sections": sections,
        "band_colours": BAND_COLOURS,
        "signatures": [
            {"role": SIGNATURES[role].text, "name": getattr(ev.settings.signatures, role)} for role in SIGNATURE_ROLES
        ],
    }


def _money(ev: Evaluation):
    """Amounts as the seed prints them (report_text.Money: cents only if some amount has them), by `number`."""
    places = 2 if Money(ev).cents else 0
    return lambda value: number(value, places)


def _pct(value: Decimal | None) -> str:
    return NONE if value is None else number(value)


def _closing(r) -> str:
    return CLOSING_SENTENCES[r.kind].text.format(
        date=long_date(r.fact.date), reference=r.fact.reference, reason=getattr(r.fact, "reason", "")
    )


def _part(b: Block, css: str = "", bands: tuple = (), band_column: int | None = None, total: bool = False) -> dict:
    """One of layout's blocks as it is: a paragraph, a list or a table (right-aligned columns; in
    `band_column`, each row's semáforo dot: its band in `bands`, one per row; `total`: the last
    row is a total)."""
    if b.kind == "table":
        return {"kind": "table", "css": css, "title": b.title, "headers": b.headers, "right": b.right, "rows": b.rows,
                "bands": bands, "band_column": band_column, "total": total}
    return {"kind": b.kind, "title": b.title, "text": b.text, "items": b.items}


def _chart(svg: str) -> dict:
    """A chart: our own SVG, drawn from numbers and our labels, marked safe (not escaped)."""
    return {"kind": "chart", "svg": Markup(svg)}


def _structure(ev: Evaluation, money, b: Block) -> dict:
    """Cuadro 1: the plan's counts and its current budget."""
    s = ev.summary
    rows = [
        (label.text, money(getattr(s, name)) if FIGURE[name].unit is Unit.AMOUNT else number(Decimal(getattr(s, name)), 0))
        for name, label in STRUCTURE_ROWS.items()
    ]
    return _part(Block("table", title=b.title, headers=b.headers, rows=tuple(rows), right=b.right), css="structure")


def _breakdown(ev: Evaluation, money, b: Block) -> dict:
    """Cuadro 2: each AEI, its ACPs and their operations, by level, with the budget by source."""
    sources, found = breakdown(ev)
    rows = [
        {
            "level": r.depth + 1, "kind": KIND_LABELS[r.element.kind].text, "code": r.element.code, "detail": r.detail,
            "operations": "" if r.operations is None else number(Decimal(r.operations), 0),
            "budget": [money(r.element.budget.get(src, Decimal(0))) for src in sources],
            "total": money(r.element.budget_current), "cancelled": r.element.status != Status.ACTIVE,
        }
        for r in found
    ]
    return {
        "kind": "breakdown", "title": b.title, "headers": (LEVEL.text, *b.headers), "rows": rows,
        "totals": {"label": TABLE_CELLS["totals"].text, "operations": number(Decimal(len(ev.operations)), 0),
                   "budget": [money(t) for t in source_totals(ev, sources)], "total": money(ev.summary.budget_current)},
    }


def _title(f) -> str:
    return f.title if f.status == Status.ACTIVE else f"{f.title} {TABLE_CELLS['cancelled'].text}"


def _results(ev: Evaluation, money, b: Block) -> dict:
    """Cuadro 3: each ACP's figures and, under it, its results; then the plan's total (the semáforo
    is Cuadro 5's)."""
    rows = [
        {**_result_row(f, money, f.code, _title(f), f.progress_pct), "results": [n.text for n in f.results]}
        for f in ev.short_term_actions
    ]
    s = ev.summary
    total = _result_row(s, money, "", TABLE_CELLS["total"].text, s.physical_progress_pct, weight=s.weights_total)
    return {
        "kind": "results", "title": b.title, "headers": b.headers, "rows": rows, "total": total,
    }


def _result_row(f, money, code: str, title: str, progress: Decimal, weight: Decimal | None = None) -> dict:
    """The cells of one row of Cuadro 3 (an ACP's `Figures` or the plan's `Summary`)."""
    return {
        "weight": number(f.weight if weight is None else weight), "code": code, "title": title,
        "figures": [money(f.budget_current), money(f.budget_executed), number(f.budget_execution_pct), number(progress),
                    number(f.programmed_pct), number(f.deviation_pts)],
    }


def _efficiency(ev: Evaluation, b: Block) -> dict:
    """Cuadro 5 as layout writes it, a semáforo dot in its band column: one row per ACP, then the plan."""
    bands = [f.efficiency_band for f in ev.short_term_actions] + [ev.summary.efficiency_band]
    column = next((i for i, h in enumerate(EFFICIENCY_TABLE.headers) if h == FIGURE["efficiency_band"].label), None)
    bands = tuple(band.value if band else None for band in bands)
    return _part(b, css="efficiency", bands=bands, band_column=column, total=True)


def _legend(ev: Evaluation) -> dict:
    """The semáforo's bands, best first, each with its range of weighted efficiency."""
    e = ev.settings.efficiency
    bands = [
        {"band": band.value, "text": EFFICIENCY_BAND_RANGE.text.format(
            band=BAND_LABELS[band.value].text, low=_limit(limit), high=_limit(e.upper(band)))}
        for band, limit in e.limits()
    ]
    return {"kind": "legend", "title": LEGEND_TITLE.text, "bands": bands, "none": NO_BAND.text}


def _limit(value: Decimal) -> str:
    return number(value, 0 if value == value.to_integral_value() else 2)


def _other_results(ev: Evaluation, b: Block) -> list[dict]:
    """The results not shown under an ACP in Cuadro 3: the plan's, its AEIs', operations' and tasks'."""
    lines = [LIST_ITEMS["plan_result"].text.format(date=n.date, text=n.text) for n in ev.results]
    for f in ev.strategic_actions + ev.operations + ev.tasks:
        lines += [f"{f.code} ({n.date}): {n.text}" for n in f.results]
    if lines:
        return [{"kind": "list", "title": b.title, "items": lines}]
    if any(f.results for f in ev.short_term_actions):
        return []
    return [_part(b)]  # layout's "no results recorded"

