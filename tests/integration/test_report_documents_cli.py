"""`poa report --format html` and `--format pdf` in-process against real stores holding the two
examples (examples/small-2021.yaml and examples/aduana-nacional-2020.yaml).

The HTML is parsed by html5lib's strict parser; the PDF's text is read with pdfplumber. Both
must hold every row of Cuadro 3 (each ACP's code and its progress %, as the JSON report of the
same view gives them), the PDF its page numbers ("n / N" on every page) and the signature
block's labels. The view is fixed (--as-of, --known-at) so the JSON and the documents agree.
"""

from __future__ import annotations

import io
import json
import re
import sys
import time
from decimal import Decimal

import html5lib
import pdfplumber
import pytest
from support.builders import ADUANA, ADUANA_LOAD, SMALL
from support.runners import invoke, no_traceback

EXAMPLES = {"small": (SMALL, "2021-12-31"), "aduana": (ADUANA, "2020-12-31")}
KNOWN_AT = "2099-01-01"
SIGNATURE_LABELS = ("Elaborado por", "Revisado por", "Aprobado por")


@pytest.fixture(scope="module", params=list(EXAMPLES))
def example(request, tmp_path_factory) -> tuple[str, tuple[str, ...], dict]:
    """(name, the options of its view, its JSON report), from a store made for it."""
    return made(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[str, tuple[str, ...], dict]:
    return made("small", tmp_path_factory)


def made(name: str, tmp_path_factory) -> tuple[str, tuple[str, ...], dict]:
    path, as_of = EXAMPLES[name]
    store = str(tmp_path_factory.mktemp(name) / "poa.db")
    applied = invoke("apply", str(path), *(ADUANA_LOAD if path == ADUANA else ()), "--store", store)
    assert applied.exit_code == 0, applied.output
    view = ("--store", store, "--as-of", as_of, "--known-at", KNOWN_AT)
    report = invoke("report", "--format", "json", *view)
    assert report.exit_code == 0, report.stderr
    return name, view, json.loads(report.stdout)


def document(fmt: str, view: tuple[str, ...]) -> bytes:
    shown = invoke("report", "--format", fmt, *view)
    no_traceback(shown)
    assert shown.exit_code == 0, shown.stderr
    return shown.stdout_bytes


def percent(text: str) -> str:
    """A JSON percent ("78.92") as the documents write it (thousands grouped)."""
    return f"{Decimal(text):,}"


def test_html_holds_every_cuadro_3_row(example):
    _, view, report = example
    html = document("html", view).decode("utf-8")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)  # raises on a parse error
    shown = {}
    for row in tree.findall(".//table[@class='results']/tbody/tr[@class='acp']"):
        cells = ["".join(td.itertext()).strip() for td in row.findall("td")]
        shown[cells[1]] = cells
    assert list(shown) == [a["code"] for a in report["short_term_actions"]]
    for a in report["short_term_actions"]:
        assert shown[a["code"]][0] == percent(a["weight"])
        assert shown[a["code"]][6:9] == [percent(a["progress_pct"]), percent(a["programmed_pct"]),
                                         percent(a["deviation_pts"])]
    assert html == document("html", view).decode("utf-8")  # the same view, the same bytes


def test_pdf_holds_every_cuadro_3_row_page_numbers_and_signatures(example):
    name, view, report = example
    started = time.perf_counter()
    pdf = document("pdf", view)
    took = time.perf_counter() - started
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    with pdfplumber.open(io.BytesIO(pdf)) as opened:
        pages = [page.extract_text() or "" for page in opened.pages]
        sizes = {(round(p.width), round(p.height)) for p in opened.pages}
    text = "\n".join(pages)
    assert sizes <= {(595, 842), (842, 595)}  # A4, portrait and (Cuadros 2 and 3) landscape
    for n, page in enumerate(pages, 1):
        assert f"{n} / {len(pages)}" in page  # the page number, at the bottom of every page
    rows = _cuadro_3_rows(text)
    for a in report["short_term_actions"]:
        assert a["code"] in rows, a["code"]
        assert percent(a["progress_pct"]) in rows[a["code"]], (a["code"], rows[a["code"]])
    for label in SIGNATURE_LABELS:
        assert label in pages[-1]
    assert report["entity"].upper() in pages[0]  # the title block writes it in capitals, as the seed
    print(f"{name}: {len(pages)} pages, {len(pdf)} bytes, rendered in {took:.1f} s")


def _cuadro_3_rows(text: str) -> dict[str, str]:
    """Each line of Cuadro 3 that starts with a weight and a code: code → the line."""
    rows = {}
    for line in text.splitlines():
        found = re.match(r"\d+\.\d\d (\S+) ", line)
        if found:
            rows.setdefault(found.group(1), line)
    return rows


def test_english_documents_with_lang(small):
    _, view, _ = small
    html = invoke("--lang", "en", "report", "--format", "html", *view)
    assert html.exit_code == 0, html.stderr
    assert '<html lang="en">' in html.stdout and "Table 3 — Results by short-term action" in html.stdout
    shown = invoke("--lang", "en", "report", "--format", "pdf", *view)
    assert shown.exit_code == 0, shown.stderr
    with pdfplumber.open(io.BytesIO(shown.stdout_bytes)) as opened:
        text = "\n".join(page.extract_text() or "" for page in opened.pages)
    for label in ("Prepared by", "Reviewed by", "Approved by", "Monitoring and Evaluation of the POA", "Traffic light"):
        assert label in text, label
    assert "Elaborado por" not in text


def test_the_signature_options_name_the_block_and_an_issued_report_keeps_them(tmp_path):
    store = str(tmp_path / "poa.db")
    assert invoke("apply", str(SMALL), "--store", store).exit_code == 0
    names = ("--prepared-by", "Lic. Ana Quispe", "--approved-by", "Ing. Luis Mamani")
    shown = invoke("report", "--format", "html", "--store", store, "--as-of", "2021-09-30", *names)
    assert shown.exit_code == 0, shown.stderr
    assert "Lic. Ana Quispe" in shown.stdout and "Ing. Luis Mamani" in shown.stdout
    issued = invoke("report", "--format", "html", "--store", store, "--as-of", "2021-09-30", "--issue", "INF-F",
                    "--reviewed-by", "Abg. Rosa Condori")
    assert issued.exit_code == 0, issued.stderr
    again = invoke("report", "--issued", "INF-F", "--store", store)
    assert again.stdout_bytes == issued.stdout_bytes and "Abg. Rosa Condori" in again.stdout
    refused = invoke("report", "--issued", "INF-F", "--store", store, "--approved-by", "Otro")
    assert refused.exit_code == 2 and "option --approved-by" in refused.stderr, refused.stderr
    no_traceback(refused)


def test_without_weasyprint_the_pdf_fails_with_what_to_install_and_records_nothing(tmp_path, monkeypatch):
    store = str(tmp_path / "poa.db")
    assert invoke("apply", str(SMALL), "--store", store).exit_code == 0
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` fails, as where it is not installed
    for args in (("--format", "pdf"), ("--format", "pdf", "--issue", "INF-PDF")):
        shown = invoke("report", "--store", store, "--as-of", "2021-09-30", *args)
        no_traceback(shown)
        assert shown.exit_code == 1 and "pip install 'poa-ledger[pdf]'" in shown.stderr, shown.stderr
        assert "unexpected" not in shown.stderr
    assert "INF-PDF" not in invoke("reports", "--store", store).stdout  # the issue was not recorded
