"""The Spanish tables of `poa history`, `poa reports` and `poa reconcile` (`poa plans`': adapters/plan_listing.py).

Each is drawn from the command's records, with its title and headers from the catalogue
(`domain/catalogue.py`, the tables of the reading commands), through `to_rich` like every other
table. These tables are for people, not part of the machine-readable contract: times keep
their ``+00:00`` form and the history's data its figures as typed (`history_fields(number=str)`).
"""

from __future__ import annotations

from poa.domain.catalogue import (
    ELEMENT_LISTS,
    FACT_KIND_LABELS,
    FIELD_LABELS,
    FIGURE,
    HISTORY_CHANGES,
    HISTORY_CORRECTION,
    KIND_LABELS,
    RECONCILIATION_COUNTS,
    HISTORY_TABLE,
    ISSUED_REPORT_SEALED,
    ISSUED_REPORTS_TABLE,
    RECONCILED_PLAN,
    RECONCILIATION_TABLE,
    TRANSFER_SIDES,
    Table,
)

from .localized import moment
from .report_json import difference_to_dict, history_fields
from .report_text import Block, to_rich


def history_table(plan: str, records, corrected: dict | None = None) -> str:
    """The events, one line each, the data summarised; a correction's with the values it replaced,
    where `corrected` gives them (by the correction's seq: `projections.history.corrected_values`)."""
    rows = []
    for r in records:
        data = history_fields(r.fact, number=str)
        data.pop("date", None)
        data.pop("reference", None)
        if r.kind == "correct":
            summary = _correction(r.fact, (corrected or {}).get(r.seq) or {})
        else:
            summary = _summary(r.kind, data)
        if r.initial_load is not None:  # marked first: the fact was transcribed in an initial load
            summary = f"{_field('initial_load', r.initial_load)}; {summary}"
        recorded_at = r.recorded_at.isoformat()[:19]
        kind = FACT_KIND_LABELS[r.kind].text
        rows.append((str(r.seq), recorded_at, kind, r.fact.date.isoformat(), r.reference or "", r.actor, summary))
    return _table(HISTORY_TABLE, tuple(rows), right={0}, plan=plan)


def issued_reports_table(plan: str, records) -> str:
    """The issued reports: reference, as-of date, format, when issued, by whom, seq; then whether
    it is sealed, by which version of the program, and the SHA-256 of the bytes printed in its format."""
    rows = []
    for r in records:
        printed = r.fact.seal(r.fact.format)
        rows.append((
            r.fact.reference, r.fact.date.isoformat(), r.fact.format, moment(r.recorded_at), r.actor, str(r.seq),
            ISSUED_REPORT_SEALED[r.fact.sealed].text, r.fact.program_version or "", printed.sha256 if printed else "",
        ))
    return _table(ISSUED_REPORTS_TABLE, tuple(rows), plan=plan, width=WIDE)


def reconciliation_table(plan: str, reports: int, differences) -> str:
    """The differences, under a title counting the reports compared."""
    shown = [difference_to_dict(d) for d in differences]
    rows = tuple(
        (d["reference"], d["code"] or RECONCILED_PLAN.text, FIGURE[d["figure"]].label.text, str(d["declared"]),
         str(d["computed"]), str(d["difference"]))
        for d in shown
    )
    counted = {name: plural.text(n) for (name, plural), n in zip(RECONCILIATION_COUNTS.items(), (reports, len(shown)))}
    return _table(RECONCILIATION_TABLE, rows, right={3, 4, 5}, plan=plan, **counted)


WIDE = 200  # the issued reports' table: wide enough for a whole SHA-256 on one line


def _table(table: Table, rows: tuple, *, right: set[int] = frozenset(), width: int | None = None, **names) -> str:
    headers = tuple(h.text for h in table.headers)
    block = Block("table", title=table.title.text.format(**names), headers=headers, rows=rows, right=frozenset(right))
    return to_rich([block]) if width is None else to_rich([block], width=width)


def _summary(kind: str, data: dict) -> str:
    if kind == "approve":
        return f"{data['entity']} {data['year']}: " + ", ".join(
            f"{KIND_LABELS[element_kind].text} {len(data[list_name])}" for element_kind, list_name in ELEMENT_LISTS.items()
        )
    if kind == "reformulate":
        return f"{data['reason']} ({HISTORY_CHANGES.text(len(data['changes']))})"
    if kind == "transfer":  # one line with both sides, then its reason
        sides, to = data["from"], data["to"]
        return TRANSFER_SIDES.text.format(
            from_code=sides["code"], from_source=sides["source"], to_code=to["code"], to_source=to["source"],
            amount=data["amount"],
        ) + f", {_field('reason', data['reason'])}"
    if kind == "issue" and "seals" in data:  # a sealed report: its hashes, one per format
        seals = data.pop("seals")
        return ", ".join([_field(k, v) for k, v in data.items()] + [f"sha256 {f}={s['sha256']}" for f, s in seals.items()])
    return ", ".join(_field(k, v) for k, v in data.items())


def _correction(fact, held: dict) -> str:
    """What a correction fixes: the element, the field, each value it replaced (where known) and
    the value it gives, the seq it corrects and its reason."""

    def change(key, value) -> str:
        was = held.get(key)
        return f"{was} → {value}" if was is not None else str(value)

    if fact.budget is not None:
        changes = ", ".join(f"{source} {change(source, amount)}" for source, amount in fact.budget.items())
    else:
        changes = change(None, fact.value)
    return HISTORY_CORRECTION.text.format(
        code=fact.code, field=FIELD_LABELS[fact.field].text, changes=changes, seq=fact.corrects, reason=fact.reason
    )


def _field(name: str, value) -> str:
    """One field of a fact's data, named in the current language (`FIELD_LABELS`; else its key)."""
    label = FIELD_LABELS.get(name)
    return f"{label.text if label else name}={value}"
