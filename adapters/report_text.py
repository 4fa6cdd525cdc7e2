"""The report in Spanish, laid out like the seed's Cuadros 1 and 3, as a terminal table or Markdown.

`layout()` decides what the report says, once; `to_markdown()` and
`to_rich()` only decide how it looks.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

from attrs import frozen
from rich.console import Console
from rich.table import Table
from rich.text import Text

from poa.domain.values import quantize
from poa.projections.evaluation import Evaluation
from poa.projections.warnings import LATE_RECORD

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


def money(value: Decimal) -> str:
    return f"{quantize(value):,}"


def pct(value: Decimal) -> str:
    return str(quantize(value))


def layout(ev: Evaluation) -> list[Block]:
    s = ev.summary
    blocks = [
        Block("heading", title=f"{ev.entity} — Seguimiento y Evaluación al POA {ev.year} ({ev.plan})"),
        Block(
            "paragraph",
            text=(
                f"Al {ev.as_of.isoformat()}, según lo registrado hasta {ev.known_at.isoformat(timespec='seconds')}. "
                f"POA aprobado el {ev.approved_on.isoformat()} ({ev.reference})."
            ),
        ),
        Block(
            "table",
            title="Cuadro N° 1 — Estructura del POA",
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
        ),
    ]
    rows = []
    for f in ev.short_term_actions:
        title = f.title if f.status == "active" else f"{f.title} (cancelada)"
        rows.append(
            (
                pct(f.weight),
                f.code,
                title,
                money(f.budget_current),
                money(f.budget_executed),
                pct(f.execution_pct),
                pct(f.progress),
                pct(f.programmed),
                pct(f.deviation),
            )
        )
    rows.append(
        (
            pct(s.weights_total),
            "",
            "Total",
            money(s.budget_current),
            money(s.budget_executed),
            pct(s.budget_execution_pct),
            pct(s.physical_progress_pct),
            pct(s.programmed_pct),
            pct(s.deviation_pts),
        )
    )
    blocks.append(
        Block(
            "table",
            title="Cuadro N° 3 — Resultados por Acción de Corto Plazo",
            headers=(
                "Pond.",
                "Código",
                "Acción de Corto Plazo",
                "Vigente",
                "Ejecutado",
                "% de ejecución",
                "% de avance",
                "% programado",
                "Desviación (pts)",
            ),
            rows=tuple(rows),
            right=frozenset({0, 3, 4, 5, 6, 7, 8}),
        )
    )
    blocks.append(
        Block(
            "paragraph",
            title="Resultado institucional",
            text=(
                f"Al {ev.as_of.isoformat()}, se logró un avance físico de {pct(s.physical_progress_pct)} % "
                f"frente a un avance programado de {pct(s.programmed_pct)} % "
                f"(desviación de {pct(s.deviation_pts)} puntos), y una ejecución presupuestaria de "
                f"{pct(s.budget_execution_pct)} % ({money(s.budget_executed)} de {money(s.budget_current)} Bs)."
            ),
        )
    )
    blocks.append(Block("list", title="Advertencias", items=tuple(_warning_lines(ev)) or ("Ninguna.",)))
    return blocks


def _warning_lines(ev: Evaluation) -> list[str]:
    late = [w for w in ev.warnings if w.kind == LATE_RECORD]
    lines = [w.message for w in ev.warnings if w.kind != LATE_RECORD]
    if len(late) <= LATE_SHOWN:
        lines += [w.message for w in late]
    else:
        lines.append(
            f"{len(late)} registros hechos más de 30 días después de su fecha efectiva "
            f"(secuencias {late[0].seq} a {late[-1].seq}; detalle en `poa report --format json` o `poa history`)."
        )
    return lines


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "heading":
            out += [f"# {b.title}", ""]
        elif b.kind == "paragraph":
            if b.title:
                out += [f"## {b.title}", ""]
            out += [b.text, ""]
        elif b.kind == "table":
            out += [f"## {b.title}", ""]
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "|".join("---:" if i in b.right else "---" for i in range(len(b.headers))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif b.kind == "list":
            out += [f"## {b.title}", ""]
            out += [f"- {item}" for item in b.items]
            out.append("")
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_rich(blocks: list[Block], width: int = 160) -> str:
    """Plain text (no colour codes) drawn by rich, so it can be piped and compared."""
    buffer = StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
    for b in blocks:
        if b.kind == "heading":
            console.print(Text(b.title, style="bold"))
        elif b.kind == "paragraph":
            if b.title:
                console.print(Text(f"\n{b.title}", style="bold"))
            console.print(Text(b.text))
        elif b.kind == "table":
            table = Table(title=Text(b.title), title_justify="left")
            for i, header in enumerate(b.headers):
                table.add_column(header, justify="right" if i in b.right else "left", overflow="fold")
            for row in b.rows:
                table.add_row(*(Text(cell) for cell in row))
            console.print()
            console.print(table)
        elif b.kind == "list":
            console.print(Text(f"\n{b.title}", style="bold"))
            for item in b.items:
                console.print(Text(f"- {item}"))
    return buffer.getvalue()
