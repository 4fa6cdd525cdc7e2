"""Published reports against the ledger: every declared figure compared with the computed one.

For each `publish` fact known at known_at, the plan is evaluated as of the
report's cut-off date (as known at known_at) and each declared figure is
compared with the computed figure as the report shows it: counts exactly,
every other figure rounded half-up to two decimals. Difference = computed −
declared. Declared figures use the catalogue's names (`poa.domain.catalogue`),
which are also the attribute names of `Summary` and `Figures`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Sequence

from attrs import frozen

from poa.domain.catalogue import COUNT_FIGURES
from poa.domain.facts import Publication, Recorded
from poa.domain.values import figures_context, quantize

from .evaluation import evaluate

@frozen
class Difference:
    """One declared figure that the ledger computes otherwise (`code` None for plan totals)."""

    reference: str
    code: str | None
    figure: str
    declared: Decimal | int
    computed: Decimal | int

    @property
    @figures_context
    def difference(self) -> Decimal | int:
        return self.computed - self.declared


def publications(history: Sequence[Recorded], known_at: datetime) -> list[Recorded]:
    """Published reports known at `known_at`, in recorded order."""
    return [r for r in history if isinstance(r.fact, Publication) and r.recorded_at <= known_at]


@figures_context
def reconcile(key: str, history: Sequence[Recorded], published: Recorded, known_at: datetime) -> list[Difference]:
    """Every declared figure of one published report that differs from the ledger's."""
    report: Publication = published.fact
    ev = evaluate(key, history, report.date, known_at)
    found = []
    for figure, declared in report.declared.items():
        computed = _shown(figure, getattr(ev.summary, figure))
        if computed != declared:
            found.append(Difference(report.reference, None, figure, declared, computed))
    for code, figures in report.short_term_actions.items():
        element = ev.element(code)
        for figure, declared in figures.items():
            computed = _shown(figure, getattr(element, figure))
            if computed != declared:
                found.append(Difference(report.reference, code, figure, declared, computed))
    return found


def _shown(figure: str, value) -> Decimal | int:
    return value if figure in COUNT_FIGURES else quantize(value)
