"""The report's tables drawn without rich (adapters/text_table.py) are byte for byte what rich draws.

`draw_table()` reproduces rich's Table in the one configuration `to_rich()` uses (title
left-justified, HEAVY_HEAD, padding (0, 1), overflow fold, left or right columns, plain
`Text` cells, a colourless console). Each case here draws a table both ways and compares
the strings: random tables (a Hypothesis property), the worked example's real tables,
tables whose columns must be narrowed, and the texts `draw_table()` leaves to rich
(it returns None, and `to_rich()` hands the table to rich). No process, no file.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from io import StringIO

import attrs
import pytest
from hypothesis import given, settings, strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from poa.adapters import report_text
from poa.adapters.report_text import layout, to_rich
from poa.adapters.text_table import draw_table
from poa.domain.facts import Recorded
from poa.projections.evaluation import evaluate
from support.hostile_text import AS_OF, KNOWN_AT, PLAN, hostile_facts
from support.worked_example import in_memory


def by_rich(title: str, headers, rows, right, width: int) -> str:
    """What `console.print(table)` writes with `to_rich()`'s settings."""
    buffer = StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, force_terminal=False, markup=False, emoji=False, highlight=False
    )
    table = Table(title=Text(title), title_justify="left")
    for i, header in enumerate(headers):
        table.add_column(Text(header), justify="right" if i in right else "left", overflow="fold")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    console.print(table)
    return buffer.getvalue()


def assert_same(title: str, headers, rows, right, width: int, *, drawn_here: bool = True) -> None:
    expected = by_rich(title, headers, rows, right, width)
    drawn = draw_table(title, list(headers), [list(r) for r in rows], frozenset(right), width)
    if drawn_here:
        assert drawn is not None, "draw_table left to rich a table it should draw"
    if drawn is not None:
        assert drawn == expected, f"\n--- rich\n{expected}\n--- draw_table\n{drawn}"


# -- random tables -------------------------------------------------------------------------------

WORDS = ["a", "de", "la", "Op", "ACP", "1.2.3", "100,000", "50.50", "45,5 %", "N°", "—", "Ejecución", "año",
         "niño", "ÁÉÍÓÚ", "(sí)", "[bold]", "x/y", "¿qué?", "¡ya!", "Dirección General de Planificación"]
LONG = st.text(alphabet="abcdefghijñá0123456789-._", min_size=12, max_size=90)  # an unbreakable word
WORD = st.one_of(st.sampled_from(WORDS), LONG, st.text(alphabet="0123456789.,%-", min_size=1, max_size=12))
SPACES = st.sampled_from([" ", " ", " ", "  ", "   "])


@st.composite
def cell_text(draw, max_words: int = 8) -> str:
    """Words separated by one or more spaces, sometimes leading or trailing spaces, sometimes empty."""
    words = draw(st.lists(WORD, max_size=max_words))
    text = ""
    for i, word in enumerate(words):
        text += (draw(SPACES) if i else "") + word
    if draw(st.booleans()) and draw(st.booleans()):
        text = draw(SPACES) + text
    if draw(st.booleans()) and draw(st.booleans()):
        text += draw(SPACES)
    return text


@st.composite
def tables(draw):
    columns = draw(st.integers(1, 8))
    headers = [draw(cell_text(max_words=3)) for _ in range(columns)]
    rows = draw(st.lists(st.lists(cell_text(), min_size=columns, max_size=columns), max_size=40))
    right = draw(st.frozensets(st.integers(0, columns - 1)))
    title = draw(st.one_of(
        st.sampled_from(["", "Cuadro 1. Estructura", "Cuadro N° 2 — Ejecución física y financiera por operación"]),
        st.text(alphabet="abcdefghij ñá—°N", min_size=1, max_size=40),
        cell_text(max_words=60),  # usually longer than the table
    ))
    width = draw(st.integers(40, 200))
    return title, headers, rows, right, width


@settings(max_examples=150, deadline=None)  # new random tables on every run: coverage adds up over runs
@given(tables())
def test_random_tables_are_drawn_as_rich_draws_them(table):
    assert_same(*table)


# -- explicit cases ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def worked_example():
    return in_memory()


@pytest.mark.parametrize("as_of", ["2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"])
@pytest.mark.parametrize("width", [160, 100, 60])
def test_the_worked_examples_tables(worked_example, as_of, width):
    tables = [b for b in layout(worked_example.at(as_of)) if b.kind == "table"]
    assert len(tables) == 5  # Cuadros 1 to 4, and 5: efficiency and semáforo
    for b in tables:
        assert_same(b.title, b.headers, b.rows, b.right, width)


@pytest.mark.parametrize("width", [160, 80])
def test_the_worked_examples_report_is_unchanged(worked_example, monkeypatch, width):
    blocks = layout(worked_example.at("2021-09-30"))
    drawn = to_rich(blocks, width=width)
    monkeypatch.setattr(report_text, "draw_table", lambda *args: None)  # every table drawn by rich
    assert drawn == to_rich(blocks, width=width)


def test_columns_are_narrowed_when_they_do_not_fit():
    headers = ["Código", "Descripción de la operación", "Monto", "%"]
    rows = [
        ["1.1.1", "Capacitación del personal de aduanas en frontera " * 3, "1,250,000.00", "45.50"],
        ["1.1.2", "Mantenimiento", "12.00", "100.00"],
        ["1.2.1", "x" * 130, "", "0.00"],
    ]
    natural = sum(max(len(r[i]) for r in [headers, *rows]) + 2 for i in range(4)) + 5
    assert natural > 120
    assert_same("Cuadro 2. Operaciones", headers, rows, {2, 3}, 120)


def test_every_column_narrowed_to_a_few_cells():
    """8 columns of long words in 40 cells: every column ends 3 or 4 cells wide (one or two of text)."""
    headers = [f"Encabezado{i}" for i in range(8)]
    rows = [[f"palabra{i}{j}" * 4 for i in range(8)] for j in range(3)]
    assert_same("Un título más largo que la tabla misma, que se parte en varias líneas", headers, rows, {1, 4}, 40)


def test_too_narrow_for_the_borders_is_left_to_rich():
    """Where rich's last resort (`ratio_reduce` over every column) would matter, the width
    left by the borders is under 3 cells: `draw_table` leaves it to rich."""
    headers = [f"h{i}" for i in range(8)]
    rows = [["abc"] * 8]
    assert draw_table("t", headers, rows, frozenset(), 11) is None
    assert_same("t", headers, rows, set(), 11, drawn_here=False)


def test_a_cell_wider_than_the_whole_width():
    rows = [["1", "y" * 500, "2"], ["22", "corto", "3"], ["", "muchas palabras " * 40, ""]]
    assert_same("Cuadro 3", ["N°", "Resultado", "Avance"], rows, {0, 2}, 80)
    assert_same("T" * 300, ["N°"], [["z" * 400]], {0}, 50)


def test_no_rows_and_empty_texts():
    assert_same("", ["a", "", "c"], [], {1}, 60)
    assert_same("Cuadro vacío", [""], [[""], [""]], set(), 40)


# -- the fallback: texts left to rich ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "año 漢字 fin",  # wide (two-cell) characters
    "e\u0301",  # a combining accent (zero cells)
    "👩\u200d💻",  # zero-width joiner
    "\u2764\ufe0f",  # variation selector 16
    "dos\nlíneas",  # a newline inside a cell
    "no\u00a0break",  # whitespace other than the space
    "tab\there",
])
def test_uncertain_texts_are_left_to_rich(text):
    rows = [["1.1", text, "10"]]
    assert draw_table("Cuadro", ["Código", "Texto", "N"], rows, frozenset({2}), 60) is None
    assert draw_table(text, ["Código", "Texto", "N"], [["1.1", "x", "10"]], frozenset({2}), 60) is None


def test_a_wide_character_goes_through_rich_and_still_matches(worked_example, monkeypatch):
    blocks = layout(worked_example.at("2021-09-30"))
    table = next(b for b in blocks if b.kind == "table")
    rows = (*table.rows, tuple(f"漢字 {cell}" for cell in table.rows[0]))
    wide = [attrs.evolve(b, rows=rows) if b is table else b for b in blocks]
    drawn = to_rich(wide)
    assert "漢字" in drawn
    monkeypatch.setattr(report_text, "draw_table", lambda *args: None)
    assert drawn == to_rich(wide)
    expected = by_rich(table.title, table.headers, rows, table.right, 160)
    assert expected in drawn


def test_hostile_texts_are_drawn_as_rich_draws_them(monkeypatch):
    """User text with control characters, bidi overrides and markup, escaped by `to_rich()`."""
    start = datetime(2021, 10, 1, tzinfo=timezone.utc)
    history = [Recorded(i, start + timedelta(minutes=i), actor, fact) for i, (actor, fact) in enumerate(hostile_facts(), 1)]
    blocks = layout(evaluate(PLAN, history, AS_OF, KNOWN_AT))
    drawn = {width: to_rich(blocks, width=width) for width in (2000, 160, 70)}
    monkeypatch.setattr(report_text, "draw_table", lambda *args: None)
    for width, text in drawn.items():
        assert text == to_rich(blocks, width=width)
