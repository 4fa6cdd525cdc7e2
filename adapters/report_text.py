"""The quarterly report in Spanish, laid out like the seed (sections I to VI, Cuadros 1 to 4), as a terminal table or Markdown.

`layout()` decides what the report says, once; `to_markdown()` and
`to_rich()` only decide how it looks. Every text of a Block may hold user text (titles,
results, reasons, actors...): `to_markdown()` and `to_rich()` are the one place where it
is made safe (adapters/safe_text.py), for every renderer that draws Blocks (the report,
`history`, `reports`, `reconcile`, `plans`, `explain`, `diff`).
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

from attrs import frozen
from rich.console import Console
from rich.table import Table
from rich.text import Text

from poa.domain.values import grouped, quantize
from poa.projections.evaluation import Evaluation
from poa.projections.warnings import LATE_RECORD

from .safe_text import markdown_text, terminal_safe

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


QUARTER_NAMES = ("primer", "segundo", "tercer", "cuarto")


def pct(value: Decimal) -> str:
    return str(quantize(value))


class Money:
    """Amounts as the seed prints them: thousands separators, and cents only if some amount has them."""

    def __init__(self, ev: Evaluation):
        amounts = [ev.summary.budget_current, ev.summary.budget_executed]
        for f in ev.elements():
            if f.budget is not None:
                amounts += [*f.budget.values(), f.budget_executed]
        self.cents = any(quantize(a) != a.to_integral_value() for a in amounts)

    def __call__(self, value: Decimal) -> str:
        return grouped(value) if self.cents else f"{quantize(value):,.0f}"


def layout(ev: Evaluation) -> list[Block]:
    """The quarterly report, sections I to VI as in the seed, then the warnings."""
    money = Money(ev)
    quarter = (ev.as_of.month - 1) // 3 + 1
    period_start = ev.as_of.replace(month=3 * quarter - 2, day=1)
    return [
        Block("heading", title=f"{ev.entity} — Seguimiento y Evaluación al POA, gestión {ev.year} ({ev.plan})"),
        Block(
            "paragraph",
            text=(
                f"Al {ev.as_of.isoformat()} ({QUARTER_NAMES[quarter - 1]} trimestre), según lo registrado hasta "
                f"{ev.known_at.isoformat(timespec='microseconds')}. POA aprobado el {ev.approved_on.isoformat()} "
                f"({ev.reference})."
                + "".join(f" {_closing_text(r)}" for r in ev.closings)
            ),
        ),
        Block("section", title="I. Estructura del POA"),
        _structure_table(ev, money),
        Block("section", title="II. Desglose de la estructura del POA"),
        _breakdown_table(ev, money),
        Block("section", title="III. Principales resultados"),
        _results_table(ev, money),
        Block("list", title="Resultados alcanzados", items=tuple(_results_lines(ev)) or ("Sin resultados registrados.",)),
        Block("section", title="IV. Reformulaciones y desviaciones"),
        Block("list", title=f"Reformulaciones y modificaciones presupuestarias del {period_start} al {ev.as_of}",
              items=tuple(_changes_lines(ev, period_start, money)) or ("Ninguna en el periodo.",)),
        Block("list", title="Desviaciones mayores a 10 puntos",
              items=tuple(_deviation_lines(ev)) or ("Ninguna.",)),
        Block("section", title="V. Seguimiento y evaluación trimestral"),
        _weighted_result_table(ev, quarter),
        Block("section", title="VI. Conclusiones"),
        Block("paragraph", text=_conclusions(ev, money)),
        Block("list", title="Advertencias", items=tuple(_warning_lines(ev)) or ("Ninguna.",)),
    ]


def _closing_text(r) -> str:
    if r.kind == "close":
        return f"Gestión cerrada el {r.fact.date.isoformat()} ({r.fact.reference})."
    return f"Reabierta el {r.fact.date.isoformat()} ({r.fact.reference}): {r.fact.reason}."


def _structure_table(ev: Evaluation, money: Money) -> Block:
    s = ev.summary
    return Block(
        "table",
        title="Cuadro N° 1 — Estructura del Plan Operativo Anual",
        headers=("Estructura del POA", ""),
        rows=(
            ("N° de Acciones Estratégicas Institucionales", str(s.strategic_actions)),
            ("N° de Acciones de Corto Plazo", str(s.short_term_actions)),
            ("N° de Operaciones", str(s.operations)),
            ("N° de Tareas", str(s.tasks)),
            ("Presupuesto Vigente (en Bs)", money(s.budget_current)),
            ("N° de Reformulaciones", str(s.reformulations)),
        ),
        right=frozenset({1}),
    )


def _breakdown_table(ev: Evaluation, money: Money) -> Block:
    sources = sorted({src for f in ev.operations for src in f.budget}, key=lambda x: (x != "TGN", x))
    children: dict[str | None, list] = {}
    for f in ev.elements():
        children.setdefault(f.parent, []).append(f)
    under = _operations_under(ev)
    rows = []

    def add(f, depth: int) -> None:
        label = f.title if f.status == "active" else f"{f.title} (cancelada)"
        if f.sector_code:
            label = f"{label} [PEM {f.sector_code}]"
        operations = under.get(f.code, 0) if f.kind != "operation" else ""
        rows.append(
            (
                "  " * depth + f.code,
                label,
                str(operations),
                *(money(f.budget.get(src, Decimal(0))) for src in sources),
                money(f.budget_current),
            )
        )
        if f.kind != "operation":
            for child in children.get(f.code, []):
                if child.kind != "task":
                    add(child, depth + 1)

    for aei in ev.strategic_actions:
        add(aei, 0)
    totals = {src: sum((o.budget.get(src, Decimal(0)) for o in ev.operations), Decimal(0)) for src in sources}
    rows.append(("Totales", "", str(len(ev.operations)), *(money(totals[src]) for src in sources), money(ev.summary.budget_current)))
    return Block(
        "table",
        title="Cuadro N° 2 — Desglose de la estructura del POA (presupuesto vigente en Bs)",
        headers=("Código", "Detalle", "N° Op.", *sources, "Total"),
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
        title = f.title if f.status == "active" else f"{f.title} (cancelada)"
        rows.append(
            (pct(f.weight), f.code, title, money(f.budget_current), money(f.budget_executed),
             pct(f.budget_execution_pct), pct(f.progress_pct), pct(f.programmed_pct), pct(f.deviation_pts))
        )
    rows.append(
        (pct(s.weights_total), "", "Total", money(s.budget_current), money(s.budget_executed),
         pct(s.budget_execution_pct), pct(s.physical_progress_pct), pct(s.programmed_pct), pct(s.deviation_pts))
    )
    return Block(
        "table",
        title="Cuadro N° 3 — Resultados por Acción de Corto Plazo",
        headers=("Pond.", "Código", "Acción de Corto Plazo", "Vigente", "Ejecutado", "% de ejecución",
                 "% de avance", "% programado", "Desviación (pts)"),
        rows=tuple(rows),
        right=frozenset({0, 3, 4, 5, 6, 7, 8}),
    )


def _results_lines(ev: Evaluation) -> list[str]:
    lines = [f"POA ({note.date}): {note.text}" for note in ev.results]
    for f in ev.strategic_actions + ev.short_term_actions + ev.operations + ev.tasks:
        lines += [f"{f.code} ({note.date}): {note.text}" for note in f.results]
    return lines


def _changes_lines(ev: Evaluation, start, money: Money) -> list[str]:
    lines = []
    for r in ev.reformulations:
        if r.fact.date >= start:
            lines.append(
                f"{r.fact.date} — reformulación {r.fact.reference}: {r.fact.reason} "
                f"({'; '.join(_change_text(c, money) for c in r.fact.changes)})."
            )
    for r in ev.budget_modifications:
        if r.fact.date >= start:
            m = r.fact
            lines.append(f"{m.date} — modificación presupuestaria {m.reference}: {m.code} {m.source} {money(m.amount)} ({m.reason}).")
    return lines


def _change_text(change, money: Money) -> str:
    if change.action == "add":
        return f"se incorpora {change.element.code}"
    if change.action == "cancel":
        return f"se cancela {change.code}"
    if change.action == "budget":
        return f"{change.code} {change.source} {money(change.amount)}"
    parts = [name for name in ("title", "weight", "schedule", "sector_code") if getattr(change, name) is not None]
    names = {"title": "título", "weight": f"ponderación {change.weight}", "schedule": "programación", "sector_code": "código PEM"}
    return f"se modifica {change.code} ({', '.join(names[p] for p in parts)})"


def _deviation_lines(ev: Evaluation) -> list[str]:
    lines = []
    for f in ev.short_term_actions:
        if f.status == "active" and f.deviation_pts > 10:
            reasons = " ".join(n.text for n in f.justifications) or "sin justificación registrada"
            lines.append(
                f"{f.code}: desviación de {pct(f.deviation_pts)} puntos (programado {pct(f.programmed_pct)} %, "
                f"avance {pct(f.progress_pct)} %). Justificación: {reasons}"
            )
    return lines


def _weighted_result_table(ev: Evaluation, quarter: int) -> Block:
    s = ev.summary
    justification = " ".join(n.text for n in ev.justifications) or "Sin justificación registrada."
    return Block(
        "table",
        title="Cuadro N° 4 — Resultado ponderado y desviaciones",
        headers=("Trimestre", "Programado", "Resultado", "Desviación", "Justificación"),
        rows=(
            (
                f"{QUARTER_NAMES[quarter - 1].capitalize()} trimestre",
                f"{pct(s.programmed_pct)} %",
                f"Al {ev.as_of}, se logró un avance físico del {pct(s.physical_progress_pct)} % en relación "
                f"al {pct(s.programmed_pct)} % programado.",
                f"{pct(s.deviation_pts)} pts",
                justification,
            ),
        ),
    )


def _conclusions(ev: Evaluation, money: Money) -> str:
    s = ev.summary
    deviating = [f.code for f in ev.short_term_actions if f.status == "active" and f.deviation_pts > 10]
    sentences = [
        f"En la gestión {ev.year}, al {ev.as_of}, se logró un avance físico de {pct(s.physical_progress_pct)} % "
        f"frente a un avance programado de {pct(s.programmed_pct)} % (desviación de {pct(s.deviation_pts)} puntos), "
        f"y una ejecución presupuestaria de {pct(s.budget_execution_pct)} % "
        f"({money(s.budget_executed)} de {money(s.budget_current)} Bs)."
    ]
    if deviating:
        sentences.append(
            f"{len(deviating)} de {s.short_term_actions} acciones de corto plazo superan los 10 puntos de "
            f"desviación ({', '.join(deviating)})."
        )
    else:
        sentences.append("Ninguna acción de corto plazo supera los 10 puntos de desviación.")
    if ev.justifications:
        sentences.append("La desviación se justifica así: " + " ".join(n.text for n in ev.justifications))
    if s.reformulations:
        sentences.append(
            "En la gestión se aprobó una reformulación del POA." if s.reformulations == 1
            else f"En la gestión se aprobaron {s.reformulations} reformulaciones del POA."
        )
    return " ".join(sentences)


def _warning_lines(ev: Evaluation) -> list[str]:
    late = [w for w in ev.warnings if w.kind == LATE_RECORD]
    lines = [w.message for w in ev.warnings if w.kind != LATE_RECORD]
    if len(late) <= LATE_SHOWN:
        lines += [w.message for w in late]
    else:
        lines.append(
            OwnMarkdown(
                f"{len(late)} registros hechos más de 30 días después de su fecha efectiva "
                f"(secuencias {late[0].seq} a {late[-1].seq}; detalle en `poa report --format json` o `poa history`)."
            )
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
    """A table cell: literal text on one line (leading spaces kept: they indent Cuadro 2's codes)."""
    return markdown_text(text, cell=True)


def to_rich(blocks: list[Block], width: int = 160) -> str:
    """Plain text (no colour codes) drawn by rich, so it can be piped and compared.

    Every text reaches rich as a `Text` (never as a markup string, so ``[bold]`` in a
    title is printed as typed) after `_plain`, which shows control characters escaped.
    """
    buffer = StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, force_terminal=False, markup=False, emoji=False, highlight=False
    )
    for b in blocks:
        if b.kind == "heading":
            console.print(_plain(b.title, style="bold"))
        elif b.kind == "section":
            console.print(_plain(f"\n{b.title}", style="bold underline"))
        elif b.kind == "paragraph":
            if b.title:
                console.print(_plain(f"\n{b.title}", style="bold"))
            console.print(_plain(b.text))
        elif b.kind == "table":
            table = Table(title=_plain(b.title), title_justify="left")
            for i, header in enumerate(b.headers):
                table.add_column(_plain(header), justify="right" if i in b.right else "left", overflow="fold")
            for row in b.rows:
                table.add_row(*(_plain(cell) for cell in row))
            console.print()
            console.print(table)
        elif b.kind == "list":
            console.print(_plain(f"\n{b.title}", style="bold"))
            for item in b.items:
                console.print(_plain(f"- {item}"))
    return buffer.getvalue()


def _plain(text: str, style: str = "") -> Text:
    """User text for rich: a `Text` (no markup, no emoji codes), control characters shown escaped."""
    return Text(terminal_safe(text, keep_newlines=True), style=style)
