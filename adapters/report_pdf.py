"""The quarterly report as PDF (`poa report --format pdf`): the HTML document printed by WeasyPrint.

WeasyPrint is the optional extra ``pdf`` (``pip install 'poa-ledger[pdf]'``) and needs Pango
(docs/documents.md); it is imported only when a PDF is made. The PDF is not byte for byte
the same on every run or machine (fonts, the PDF's own identifiers): the HTML is the
report's sealed form.
"""

from __future__ import annotations

from poa.projections.evaluation import Evaluation

from .formats import FormatUnavailable
from .interface import translate as _
from .report_html import to_html

INSTALL = "pip install 'poa-ledger[pdf]'"  # the command, as written in every language


class PdfUnavailable(FormatUnavailable):
    """WeasyPrint (or the Pango library it loads) cannot be imported here."""


def to_pdf(ev: Evaluation) -> bytes:
    """The report as a PDF document (A4, page numbers, table headers repeated on every page)."""
    return html_to_pdf(to_html(ev))


def html_to_pdf(html: str) -> bytes:
    """An HTML document with no external reference, printed to PDF by WeasyPrint."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: WeasyPrint is there, Pango is not
        raise PdfUnavailable(
            _("the PDF format needs WeasyPrint: {command} (and Pango, see docs/documents.md) ({error})").format(
                command=INSTALL, error=f"{type(error).__name__}: {error}"
            )
        ) from None
    return weasyprint.HTML(string=html, url_fetcher=_refuse).write_pdf()


def _refuse(url: str, *args, **kwargs):
    """The document references nothing outside itself: WeasyPrint fetches nothing."""
    raise ValueError(_("the report fetches nothing: {url}").format(url=url))
