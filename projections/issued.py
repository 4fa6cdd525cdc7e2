"""Reports issued with `poa report --issue`: which ones exist, and the view each one was printed from."""

from __future__ import annotations

from datetime import date, datetime
from typing import Sequence

from attrs import frozen

from poa.domain.facts import Recorded, ReportIssued


@frozen
class View:
    """Where a report looks from: an effective date, a recorded time, and the issued report it
    reproduces, if any."""

    as_of: date
    known_at: datetime
    issued: Recorded | None = None  # a `ReportIssued` fact


class UnknownReport(LookupError):
    """No issued report has that reference: `reference`, and `known`, the references issued."""

    def __init__(self, reference: str, known: tuple[str, ...]):
        self.reference, self.known = reference, known
        super().__init__(f"no report issued as {reference!r} (issued: {', '.join(map(repr, known)) or 'none'})")


def issued_reports(history: Sequence[Recorded]) -> list[Recorded]:
    return [r for r in history if isinstance(r.fact, ReportIssued)]


def issued(history: Sequence[Recorded], reference: str) -> Recorded:
    for r in issued_reports(history):
        if r.fact.reference == reference:
            return r
    raise UnknownReport(reference, tuple(r.fact.reference for r in issued_reports(history)))


def issued_view(report: Recorded) -> View:
    """The view an issued report was printed from: its as_of, as known at its `known_at` (the
    settled moment it was rendered at, just before it was recorded); a report issued before the
    seal existed has none, and was printed as known at the moment it was recorded."""
    known_at = report.fact.known_at if report.fact.known_at is not None else report.recorded_at
    return View(report.fact.date, known_at, report)
