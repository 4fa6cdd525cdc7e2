"""The HTML report (adapters/report_html.py, `poa report --format html`), from histories in memory.

Three plans: the worked example (tests/support/worked_example.py) at 2021-09-30, with its
quarterly trend; a small plan whose semáforo bands are worked out by hand below; and the
hostile texts of tests/support/hostile_text.py. The document is parsed by html5lib's strict
parser (any parse error raises) and read back cell by cell; every expected figure comes from
the evaluation's own figures written by the rule of the report (two decimals, half-up;
amounts grouped by thousands, without cents when none has any), or from the arithmetic
written next to it, never from the HTML itself.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import html5lib
import pytest
from poa.adapters.localized import use_decimal_mark
from poa.adapters.report_html import to_html
from poa.domain.catalogue import BAND_COLOURS, use_language
from poa.domain.facts import Recorded
from poa.domain.values import quantize
from poa.projections.evaluation import evaluate
from poa.projections.trend import with_trend
from support.builders import FAR, base_approval, execution, history_in_batches, progress
from support.hostile_text import AS_OF, KNOWN_AT, assert_no_raw_control, hostile_facts
from support.hostile_text import PLAN as HOSTILE_PLAN
from support.worked_example import PLAN as WORKED_PLAN
from support.worked_example import in_memory

SVG = "{http://www.w3.org/2000/svg}svg"


def parse(text: str):
    """The document as an element tree; html5lib's strict parser raises on any parse error."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def cells(row) -> list[str]:
    return [" ".join("".join(td.itertext()).split()) for td in row.findall("td")]


def rows(tree, table: str, kind: str | None = None) -> list:
    found = tree.findall(f".//table[@class='{table}']/tbody/tr")
    return [r for r in found if kind is None or kind in r.get("class", "").split()]


def pct(value: Decimal) -> str:
    """A percent as the report writes it: two decimals, half-up, thousands grouped."""
    return f"{quantize(value):,}"


def amount(value: Decimal) -> str:
    """An amount of a plan whose amounts have no cents: grouped, no decimals."""
    assert value == value.to_integral_value()
    return f"{value:,.0f}"


# -- the plans --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario():
    return in_memory()


@pytest.fixture(scope="module")
def worked(scenario):
    ev = evaluate(WORKED_PLAN, scenario.history, date(2021, 9, 30), scenario.now)
    return with_trend(ev, scenario.history)


@pytest.fixture(scope="module")
def worked_html(worked) -> str:
    return to_html(worked)


SIGNED = {"prepared_by": "Ana Pérez Mamani", "approved_by": "Luis Quispe Choque"}  # reviewed_by: left blank


def graded(settings: dict | None = None, as_of: str = "2021-06-30"):
    """base_approval's plan at 2021-06-30 (its second quarter end), with these settings.

    Programmed (schedules 10/40/70/100 and the default 25/50/75/100, two quarter ends passed):
    1.1 → 40, 1.2 → 50, 2.1 → 50. Recorded progress: 1.1 40, 1.2 30, 2.1 50; executed: 1.1.1 90
    (of 1.1's 100 + 50 + 30 = 180), 2.1.1 80 (of 80). So, with the default weights 0.5 / 0.5:
    - 1.1: efficacy 40/40 = 100 %, execution 90/180 = 50 % → efficiency 75 → Suficiente (51–75);
    - 1.2: efficacy 30/50 = 60 %, execution 0 % → 30 → En riesgo (26–50); relative efficiency none;
    - 2.1: efficacy 100 %, execution 100 % → 100 → Eficiente (76–100).
    """
    approval = base_approval(settings=settings) if settings else base_approval()
    history = history_in_batches("GR-2021", [
        approval,
        progress("1.1", "40", "2021-06-30"), progress("1.2", "30", "2021-06-30"), progress("2.1", "50", "2021-06-30"),
        execution("1.1.1", "90", "2021-06-30"), execution("2.1.1", "80", "2021-06-30"),
    ])
    return evaluate("GR-2021", history, date.fromisoformat(as_of), FAR)


# -- a valid, self-contained document -----------------------------------------------------------


def test_the_document_is_valid_html5_with_its_language_and_charset(worked_html):
    assert worked_html.startswith("<!DOCTYPE html>\n<html lang=\"es\">")
    tree = parse(worked_html)  # raises on any parse error
    assert tree.find(".//head/meta").get("charset") == "utf-8"
    assert worked_html.endswith("</html>\n")


def test_the_document_references_nothing_outside_itself(worked_html):
    namespaces = re.compile(r' xmlns(:xlink)?="http://www\.w3\.org/(2000/svg|1999/xlink)"')
    rest = namespaces.sub("", worked_html)
    assert "http://" not in rest and "https://" not in rest
    assert "src=" not in worked_html and "@import" not in worked_html and "<script" not in worked_html
    assert "<link" not in worked_html and "<img" not in worked_html
    assert set(re.findall(r'href="(.)', worked_html)) == {"#"}  # only the charts' own glyphs
    assert set(re.findall(r"url\((.)", worked_html)) == {"#"}  # only the charts' own clip paths


def test_the_same_evaluation_gives_the_same_bytes(scenario, worked, worked_html):
    assert to_html(worked) == worked_html
    again = with_trend(evaluate(WORKED_PLAN, scenario.history, date(2021, 9, 30), worked.known_at), scenario.history)
    assert again is not worked and to_html(again) == worked_html  # the same view, evaluated anew


# -- the Cuadros ---------------------------------------------------------------------------------


def test_every_cuadro_3_row_holds_its_code_and_figures(worked, worked_html):
    tree = parse(worked_html)
    shown = {c[1]: c for c in map(cells, rows(tree, "results", "acp"))}
    assert list(shown) == [f.code for f in worked.short_term_actions] == ["1.1", "1.2", "2.1", "2.2"]
    for f in worked.short_term_actions:
        c = shown[f.code]
        assert c[0] == pct(f.weight)
        assert c[2].startswith(f.title)
        assert c[3:9] == [amount(f.budget_current), amount(f.budget_executed), pct(f.budget_execution_pct),
                          pct(f.progress_pct), pct(f.programmed_pct), pct(f.deviation_pts)]
    assert shown["2.2"][2] == "ACP 2.2 (cancelada)"  # cancelled on 08-16 (tests/unit/test_worked_example.py)
    (total,) = map(cells, rows(tree, "results", "total"))
    s = worked.summary
    assert total[0] == pct(s.weights_total) == "90.00"  # 40 + 20 + 30: ACP 2.2 is cancelled
    assert total[3:9] == [amount(s.budget_current), amount(s.budget_executed), pct(s.budget_execution_pct),
                          pct(s.physical_progress_pct), pct(s.programmed_pct), pct(s.deviation_pts)]


def test_cuadro_3_shows_each_acps_results_under_its_row():
    result = "Se capacitó a 40 funcionarios."
    history = history_in_batches("RS-2021", [
        base_approval(), {"result": {"code": "1.2", "date": "2021-06-30", "text": result}},
        {"result": {"code": "1.1.1", "date": "2021-06-30", "text": "Manual aprobado."}},
    ])
    tree = parse(to_html(evaluate("RS-2021", history, date(2021, 6, 30), FAR)))
    body = tree.findall(".//table[@class='results']/tbody/tr")
    assert [r.get("class") for r in body] == ["acp", "acp", "notes", "acp", "total"]  # 1.1, 1.2 and its results, 2.1
    assert cells(body[2]) == ["", result]
    # the results of other elements (here an operation's) are listed after the Cuadro
    items = [" ".join(li.itertext()) for li in tree.findall(".//section/ul/li")]
    assert "1.1.1 (2021-06-30): Manual aprobado." in items and result not in " ".join(items)


def test_cuadro_2_shows_the_hierarchy_by_level(worked, worked_html):
    tree = parse(worked_html)
    table = rows(tree, "breakdown")
    levels = {cells(r)[1]: r.get("class").split()[0] for r in table if r.get("class", "").startswith("level")}
    assert {code for code, level in levels.items() if level == "level-1"} == {"1", "2"}
    assert {code for code, level in levels.items() if level == "level-2"} == {"1.1", "1.2", "2.1", "2.2"}
    assert {code for code, level in levels.items() if level == "level-3"} == {f.code for f in worked.operations}
    assert list(levels) == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "1.2.1", "1.2.2", "1.2.3",
                            "2", "2.1", "2.1.1", "2.1.2", "2.2", "2.2.1"]  # each element under its parent
    by_code = {cells(r)[1]: cells(r) for r in table if r.get("class", "").startswith("level")}
    assert by_code["1"][0] == "AEI" and by_code["1.1"][0] == "ACP" and by_code["1.1.1"][0] == "Operación"
    assert by_code["1"][3] == "5"  # 1.1.1, 1.1.2, 1.2.1, 1.2.2 (cancelled) and 1.2.3 (added 07-01)
    assert "cancelled" in table[[cells(r)[1] for r in table].index("2.2")].get("class")
    # the levels are visible: AEI rows bold, each level further indented
    assert re.search(r"tr\.level-1 td \{[^}]*font-weight: bold", worked_html)
    assert re.search(r"tr\.level-2 td\.indent \{ padding-left: 9pt", worked_html)
    assert re.search(r"tr\.level-3 td\.indent \{ padding-left: 18pt", worked_html)
    (totals,) = [cells(r) for r in table if r.get("class") == "total"]
    assert totals[0] == "Totales" and totals[-1] == amount(worked.summary.budget_current)


def test_cuadro_1_counts_and_budget(worked, worked_html):
    shown = dict(map(cells, rows(parse(worked_html), "structure")))
    s = worked.summary
    assert shown["N° de Operaciones"] == str(s.operations) == "6"  # 8 after 07-01, less 1.2.2 and 2.2.1 cancelled
    assert shown["Presupuesto Vigente (en Bs)"] == amount(s.budget_current)


def test_numbers_follow_the_decimal_mark(worked):
    with use_decimal_mark("comma"):
        text = to_html(worked)
    (total,) = map(cells, rows(parse(text), "results", "total"))
    assert total[0] == "90,00"
    assert total[3] == amount(worked.summary.budget_current).replace(",", ".")


# -- charts ----------------------------------------------------------------------------------------


def test_three_charts_as_inline_svg_named_in_the_language(worked, worked_html):
    charts = parse(worked_html).findall(f".//{SVG}")
    assert len(charts) >= 3
    names = [c.get("aria-label") for c in charts]
    assert names == ["Avance físico programado y ejecutado por ACP", "Ejecución presupuestaria por AEI y ACP",
                     "Evolución trimestral del POA"]
    with use_language("en"):
        english = [c.get("aria-label") for c in parse(to_html(worked)).findall(f".//{SVG}")]
    assert english == ["Programmed and actual physical progress by STA", "Budget execution by ISA and STA",
                       "The POA quarter by quarter"]
    ids = re.findall(r' id="([^"]+)"', worked_html)
    assert len(ids) == len(set(ids))  # each chart's ids are its own


def test_the_trend_chart_without_a_trend_draws_the_evaluations_own_point(scenario, worked, worked_html):
    assert [p.date for p in worked.trend] == [date(2021, 3, 31), date(2021, 6, 30), date(2021, 9, 30)]
    alone = to_html(evaluate(WORKED_PLAN, scenario.history, date(2021, 9, 30), worked.known_at))  # no trend
    charts = [c for c in parse(alone).findall(f".//{SVG}")]
    assert len(charts) == 3
    assert alone != worked_html  # one point instead of three


# -- semáforo ---------------------------------------------------------------------------------------


def test_semaforo_per_acp_and_for_the_plan():
    ev = graded()
    html = to_html(ev)
    tree = parse(html)
    # Cuadro 5 (report_text.layout): code, title, physical efficacy, budget execution, weighted efficiency, band,
    # relative efficiency; one row per ACP (see `graded`), then the plan's
    shown = {c[0]: c for c in map(cells, rows(tree, "efficiency"))}
    assert [shown["1.1"][i] for i in (2, 4, 5, 6)] == ["100.00", "75.00", "Suficiente", pct(Decimal(100) / Decimal(50))]
    assert [shown["1.2"][i] for i in (2, 4, 5, 6)] == ["60.00", "30.00", "En riesgo", "—"]  # nothing executed
    assert [shown["2.1"][i] for i in (2, 4, 5, 6)] == ["100.00", "100.00", "Eficiente", "1.00"]
    dots = {cells(r)[0]: r.find(".//td[@class='band']/span").get("class") for r in rows(tree, "efficiency")}
    assert dots == {"1.1": "dot band-sufficient", "1.2": "dot band-at_risk", "2.1": "dot band-efficient",
                    "": "dot band-sufficient"}  # the plan last
    # the plan: progress (50·40 + 30·30 + 20·50) / 100 = 39 of programmed (50·40 + 30·50 + 20·50) / 100 = 45;
    # efficacy 86.67; executed 170 of 460 = 36.96 %; efficiency 86.67/2 + 36.96/2 = 61.81 → Suficiente
    assert shown[""][2:7] == ["86.67", "36.96", "61.81", "Suficiente", pct(ev.summary.relative_efficiency)]
    # Cuadro 3 keeps the seed's columns: the semáforo is Cuadro 5's alone
    assert all(len(cells(r)) == 9 for r in rows(tree, "results", "acp"))
    for band, colour in BAND_COLOURS.items():
        assert f".band-{band} {{ background: {colour}; }}" in html
    legend = " ".join("".join(tree.find(".//p[@class='legend']").itertext()).split())
    assert legend == ("Semáforo de la eficiencia ponderada: Eficiente 76–100 % Suficiente 51–75 % "
                      "En riesgo 26–50 % Ineficiente 0–25 % sin meta")  # the default bands (domain/settings.py)


def test_the_legend_gives_each_bands_range_from_the_settings():
    custom = graded({"efficiency": {"bands": {"efficient": 90, "sufficient": 70, "at_risk": 40}}})
    tree = parse(to_html(custom))
    legend = " ".join("".join(tree.find(".//p[@class='legend']").itertext()).split())
    assert "Eficiente 90–100 % Suficiente 70–89 % En riesgo 40–69 % Ineficiente 0–39 %" in legend
    shown = {c[0]: c[5] for c in map(cells, rows(tree, "efficiency")) if c[0]}
    assert shown == {"1.1": "Suficiente", "1.2": "Ineficiente", "2.1": "Eficiente"}  # 75, 30 and 100 (`graded`)


def test_before_anything_is_programmed_there_is_no_band():
    tree = parse(to_html(graded(as_of="2021-02-15")))  # no quarter end passed: 0 % programmed everywhere
    for c in map(cells, rows(tree, "efficiency")):
        assert [c[i] for i in (2, 4, 5, 6)] == ["—", "—", "sin meta", "—"]
    assert all(r.find(".//td[@class='band']/span").get("class") == "dot" for r in rows(tree, "efficiency"))


# -- signatures, language, escaping -------------------------------------------------------------------


def test_signature_block_names_from_the_settings_and_blank_lines():
    tree = parse(to_html(graded({"signatures": SIGNED})))
    (row,) = tree.findall(".//table[@class='signatures']/tbody/tr")
    assert signatures(row) == [
        ("Ana Pérez Mamani", "Elaborado por"), (None, "Revisado por"), ("Luis Quispe Choque", "Aprobado por"),
    ]  # reviewed_by not set: a blank line (the rule) over its role
    with use_language("en"):
        (row,) = parse(to_html(graded())).findall(".//table[@class='signatures']/tbody/tr")
    assert signatures(row) == [(None, "Prepared by"), (None, "Reviewed by"), (None, "Approved by")]


def signatures(row) -> list[tuple[str | None, str]]:
    """(name on the line, role under it) of each signature."""
    return [(td.find("div[@class='rule']").text, td.find("div[@class='role']").text) for td in row.findall("td")]


def test_spanish_and_english_documents(worked):
    spanish = to_html(worked)
    with use_language("en"):
        english = to_html(worked)
    parse(english)
    assert '<html lang="en">' in english
    for text in ("Entidad del Ejemplo", "Seguimiento y Evaluación al POA", "Tercer trimestre — Gestión 2021",
                 "Al 30 de septiembre de 2021", "I. Estructura del POA", "Cuadro N° 3 — Resultados por Acción de Corto Plazo",
                 "Semáforo", "VI. Conclusiones", "Elaborado por"):
        assert text in spanish, text
    for text in ("Entidad del Ejemplo", "Monitoring and Evaluation of the POA", "Third quarter — Year 2021",
                 "As of September 30, 2021", "I. Structure of the POA", "Table 3 — Results by short-term action",
                 "Traffic light", "VI. Conclusions", "Prepared by"):
        assert text in english, text
    for text in ("Elaborado por", "Cuadro N°", "Conclusiones", "septiembre"):
        assert text not in english, text


def test_user_text_is_escaped():
    attack = "<script>alert(1)</script>"
    approval = base_approval(entity='Entidad "A" & <b>B</b>')
    approval["approve"]["short_term_actions"][0]["title"] = attack
    history = history_in_batches("XS-2021", [
        approval, {"result": {"code": "1.1", "date": "2021-03-31", "text": '<img src=x onerror="alert(1)">'}},
    ])
    text = to_html(evaluate("XS-2021", history, date(2021, 3, 31), FAR))
    parse(text)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text
    assert "Entidad &#34;A&#34; &amp; &lt;b&gt;B&lt;/b&gt;" in text


def test_hostile_text_parses_with_no_raw_control_character_and_no_link():
    start = datetime(2021, 1, 1, tzinfo=UTC)
    history = [Recorded(i, start + timedelta(minutes=i), actor, fact) for i, (actor, fact) in enumerate(hostile_facts(), 1)]
    text = to_html(evaluate(HOSTILE_PLAN, history, AS_OF, KNOWN_AT))
    parse(text)  # a raw control character would be a parse error
    assert_no_raw_control(text)
    assert "\\x1b[2J" in text  # shown, as on a terminal
    assert "<script" not in text and 'href="http' not in text and "src=" not in text
