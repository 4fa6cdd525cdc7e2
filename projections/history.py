"""Searching a plan's history: which recorded facts match an auditor's filters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Mapping, Sequence

from attrs import frozen

from poa.domain.facts import Add, Approval, Correction, Publication, Recorded, Reformulation, Transfer
from poa.domain.corrections import before, sides
from poa.domain.structure import build

from .warnings import days_late


def fact_codes(fact, facts: Mapping[int, Recorded] | None = None) -> set[str]:
    """The element codes a fact is about (every element for an approval; none for a closing; both
    operations for a transfer, and, with `facts` (the history by seq), for a correction of one)."""
    if isinstance(fact, Correction) and facts is not None:
        return {item.code for item in sides(fact, facts)}
    if isinstance(fact, Approval):
        return {e.code for e in fact.elements}
    if isinstance(fact, Reformulation):
        return {c.element.code if isinstance(c, Add) else c.code for c in fact.changes}
    if isinstance(fact, Publication):
        return set(fact.short_term_actions)
    if isinstance(fact, Transfer):  # both operations
        return {fact.from_code, fact.to_code}
    code = getattr(fact, "code", None)
    return {code} if code else set()


def known_codes(history: Sequence[Recorded]) -> set[str]:
    """Every code the plan has ever had (cancelled ones included)."""
    structure = build(history)
    return set(structure.nodes) if structure else set()


def with_descendants(history: Sequence[Recorded], code: str) -> set[str]:
    """The code and every element ever placed under it."""
    structure = build(history)
    if structure is None or code not in structure.nodes:
        return {code}
    return {code} | {n.code for n in structure.descendants(structure.nodes[code])}


@frozen
class HistoryFilter:
    """Every criterion is optional; a fact matches when it meets all given ones."""

    codes: frozenset[str] | None = None
    kinds: frozenset[str] = frozenset()
    actor: str | None = None
    reference: str | None = None
    since: datetime | None = None  # recorded at or after
    until: datetime | None = None  # recorded at or before
    date_from: date | None = None  # effective on or after
    date_to: date | None = None  # effective on or before
    late_days: int | None = None  # recorded more than this many days after its effective date

    def matches(self, r: Recorded, facts: Mapping[int, Recorded] | None = None) -> bool:
        """Whether `r` meets every criterion given (`facts`: the history by seq, for `fact_codes`)."""
        if self.codes is not None and not (fact_codes(r.fact, facts) & self.codes):
            return False
        if self.kinds and r.kind not in self.kinds:
            return False
        if self.actor is not None and r.actor != self.actor:
            return False
        if self.reference is not None and r.reference != self.reference:
            return False
        if self.since is not None and r.recorded_at < self.since:
            return False
        if self.until is not None and r.recorded_at > self.until:
            return False
        if self.date_from is not None and r.fact.date < self.date_from:
            return False
        if self.date_to is not None and r.fact.date > self.date_to:
            return False
        if self.late_days is not None:
            late = days_late(r)
            if late is None or late <= self.late_days:
                return False
        return True


def select(history: Sequence[Recorded], criteria: HistoryFilter) -> list[Recorded]:
    facts = {r.seq: r for r in history}
    return [r for r in history if criteria.matches(r, facts)]


def corrected_values(history: Sequence[Recorded], records: Sequence[Recorded]) -> dict[int, dict]:
    """What each correction among `records` replaced (`domain.corrections.before`: by source for a
    budget, else under None), by the correction's seq."""
    return {r.seq: before(history, r) for r in records if isinstance(r.fact, Correction)}
