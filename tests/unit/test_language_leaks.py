"""No English word in a Spanish rendering, no Spanish word in an English one (issue 12).

Every format of the report, and the tables of explain, diff and history, are rendered in
both languages from the worked example, its user texts (titles, reasons, results, the
entity, a funding source) replaced by words of neither language, so that whatever is
left is the program's own wording. JSON and CSV keys and identifiers are the contract,
not words: only their texts meant to be read (warning messages) are checked.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date

import html5lib
import openpyxl
import pytest
from support.builders import history_in_batches
from support.worked_example import BATCHES, PLAN

from poa.adapters import formats
from poa.adapters.report_diff import layout as diff_layout
from poa.adapters.report_provenance import layout as explain_layout
from poa.adapters.report_tables import history_table
from poa.adapters.report_text import to_rich
from poa.domain.catalogue import use_language
from poa.projections.comparison import compare
from poa.projections.evaluation import evaluate
from poa.projections.issued import View
from poa.projections.provenance import explain
from poa.projections.trend import with_trend

NEUTRAL = {"entity": "Zeta", "title": "Kappa", "reason": "Omega", "text": "Sigma"}  # user texts: neither language


def _neutral(value):
    """The worked example's entries with every user text replaced, and the source Otros renamed EXT."""
    if isinstance(value, dict):
        return {
            ("EXT" if k == "Otros" else k): (NEUTRAL[k] if k in NEUTRAL else "EXT" if v == "Otros" else _neutral(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_neutral(v) for v in value]
    return value


HISTORY = history_in_batches(PLAN, *(_neutral(batch) for _, batch in BATCHES))
Q2, Q4 = date(2021, 6, 30), date(2021, 12, 31)
NOW = HISTORY[-1].recorded_at

# the program's own words that must not appear in the other language (whole words, case-sensitive)
ENGLISH = [
    "the", "of", "and", "Table", "Weight", "Progress", "Budget", "Executed", "Warnings", "Results", "Quarter",
    "quarter", "approve", "reformulate", "Efficient", "Sufficient", "At risk", "Inefficient", "Prepared by",
    "Reviewed by", "Approved by", "known at", "As of", "None", "True", "False", "Traffic light", "Structure",
    "Conclusions", "Deviation", "programmed", "recorded", "Source", "Code", "Page",
]
SPANISH = [
    "Cuadro", "Acción", "Presupuesto", "Avance", "Desviación", "Ejecutado", "vigente", "de", "del", "la", "el", "y",
    "Trimestre", "trimestre", "Advertencias", "Ninguna", "Sin", "Eficiente", "Suficiente", "En riesgo", "Elaborado",
    "gestión", "Totales", "junio", "diciembre", "septiembre", "Semáforo", "Conclusiones", "según", "registrado",
    "Procedencia", "Fuente", "Código", "Ponderación", "Programado",
]
NOT_WORDS = {"es": ENGLISH, "en": SPANISH}
# identifiers a reader may still meet in a table of records (format names, a JSON key in an issued report's data)
ALLOWED = re.compile(r"\b(table|json|csv|md|html|pdf|xlsx|sha256)\b")


def leaks(text: str, lang: str) -> list[str]:
    text = ALLOWED.sub(" ", text)
    return sorted({word for word in NOT_WORDS[lang] if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)})


def _evaluation(as_of=Q4):
    return with_trend(evaluate(PLAN, HISTORY, as_of, NOW), HISTORY)


def _html_text(html: str) -> str:
    """The text a reader sees: every text node but those of style and script (charts are paths)."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    for hidden in tree.iter("style"):
        hidden.text = ""
    return " ".join(tree.itertext())


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    texts = [book.sheetnames[i] for i in range(len(book.sheetnames))]
    for sheet in book.worksheets:
        if sheet.title in ("Datos", "Data"):  # plain rows for other tools: headers are the JSON keys
            continue
        for row in sheet.iter_rows(values_only=True):
            texts += [cell for cell in row if isinstance(cell, str)]
    return "\n".join(texts)


def _rendered(fmt: str) -> str:
    ev = _evaluation()
    if fmt == "html":
        return _html_text(formats.REPORT["html"](ev, False))
    if fmt == "xlsx":
        return _xlsx_text(formats.REPORT["xlsx"](ev, False))
    if fmt == "json":
        return "\n".join(w["message"] for w in json.loads(formats.REPORT["json"](ev, False))["warnings"])
    return formats.REPORT[fmt](ev, False)


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("fmt", ["table", "md", "html", "xlsx", "json"])
def test_a_report_speaks_one_language(fmt, lang):
    with use_language(lang):
        text = _rendered(fmt)
    assert text.strip()
    assert leaks(text, lang) == []


@pytest.mark.parametrize("lang", ["es", "en"])
def test_explain_diff_and_history_speak_one_language(lang):
    with use_language(lang):
        texts = {
            "explain 1.2": to_rich(explain_layout(explain(PLAN, HISTORY, "1.2", Q4, NOW))),
            "explain plan": to_rich(explain_layout(explain(PLAN, HISTORY, None, Q4, NOW))),
            "diff": to_rich(diff_layout(compare(PLAN, HISTORY, View(Q2, NOW), View(Q4, NOW)))),
            "history": history_table(PLAN, HISTORY),
        }
    assert {name: leaks(text, lang) for name, text in texts.items()} == {name: [] for name in texts}


def test_the_leak_check_finds_a_leak():
    """The check itself: a word of the other language is found, a user's word is not."""
    assert leaks("Cuadro N° 3 — Results by short-term action", "es") == ["Results"]
    assert leaks("Table 3 — Resultados", "en") == []  # "Resultados" is not on the list: lists name what we write
    assert leaks("Table 3 — Cuadro", "en") == ["Cuadro"]
    assert leaks("format=html, sha256 table=…", "es") == []
