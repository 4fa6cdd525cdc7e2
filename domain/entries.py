"""Entries as operators write them (SPEC §5) turned into facts, field by field.

The same parser serves `poa apply` files and the per-kind CLI commands, so a
field has one name, one meaning and one error message everywhere.
"""

from __future__ import annotations

from decimal import Decimal

from .catalogue import COUNT_FIGURES, ELEMENT_LISTS
from .facts import (
    DEFAULT_SCHEDULE,
    KINDS,
    OPERATION,
    SHORT_TERM_ACTION,
    STRATEGIC_ACTION,
    TASK,
    LATEST,
    Add,
    Approval,
    BudgetLine,
    BudgetModification,
    Cancel,
    Closing,
    Correction,
    Element,
    Execution,
    Justification,
    Progress,
    Publication,
    Reformulation,
    Reopening,
    Result,
    Transfer,
    Update,
)
from .messages import translate as _
from .settings import parse_settings
from .values import (
    AMOUNT_LIMIT,
    COUNT_MAX,
    EntryError,
    check_fields,
    parse_amount,
    parse_code,
    parse_date,
    parse_decimal,
    parse_percent,
    parse_text,
    parse_weight,
    parse_year,
    preview,
    subfield,
)

ZERO = Decimal(0)
ONE = Decimal(1)

_ELEMENT_FIELDS = {
    STRATEGIC_ACTION: ({"code", "title"}, {"sector_code"}),
    SHORT_TERM_ACTION: ({"code", "parent", "title", "weight"}, {"schedule"}),
    OPERATION: ({"code", "parent", "title"}, {"weight", "budget"}),
    TASK: ({"code", "parent", "title"}, {"weight"}),
}


def parse_element(kind: str, data: object, field: str | None = None) -> Element:
    required, optional = _ELEMENT_FIELDS[kind]
    check_fields(data, field, required, optional)

    def at(name: str) -> str:
        return f"{field}.{name}" if field else name

    weight = None
    if kind != STRATEGIC_ACTION:
        given = data.get("weight")
        weight = ONE if given is None else parse_weight(given, at("weight"))
    return Element(
        kind=kind,
        code=parse_code(data["code"], at("code")),
        title=parse_text(data["title"], at("title")),
        parent=parse_code(data["parent"], at("parent")) if kind != STRATEGIC_ACTION else None,
        weight=weight,
        schedule=(
            parse_schedule(data.get("schedule"), at("schedule")) or DEFAULT_SCHEDULE
            if kind == SHORT_TERM_ACTION
            else None
        ),
        budget=parse_budget(data.get("budget"), at("budget")) if kind == OPERATION else {},
        sector_code=(
            parse_text(data.get("sector_code"), at("sector_code"), optional=True)
            if kind == STRATEGIC_ACTION
            else None
        ),
    )


def parse_schedule(value: object, field: str) -> tuple[Decimal, ...] | None:
    """Cumulative programmed progress at the four quarter ends: never down, ending at 100."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise EntryError(field, _("must list 4 cumulative percentages (one per quarter), got {value}").format(value=preview(value)))
    quarters = tuple(parse_percent(v, f"{field}[{i + 1}]") for i, v in enumerate(value))
    for i in range(1, 4):
        if quarters[i] < quarters[i - 1]:
            raise EntryError(
                field,
                _("is cumulative and may not go down: quarter {quarter} ({percent}) < quarter {previous} ({previous_percent})")
                .format(quarter=i + 1, percent=quarters[i], previous=i, previous_percent=quarters[i - 1]),
            )
    if quarters[3] != 100:
        raise EntryError(field, _("must end at 100 in the fourth quarter, got {percent}").format(percent=quarters[3]))
    return quarters


def parse_budget(value: object, field: str) -> dict[str, Decimal]:
    """Approved amounts by funding source, each ≥ 0 with at most 2 decimals."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise EntryError(field, _("must map funding sources to amounts, got {value}").format(value=preview(value)))
    return {
        parse_text(source, field): parse_amount(amount, subfield(field, source)) for source, amount in value.items()
    }


def parse_approval(data: object) -> Approval:
    check_fields(data, None, {"entity", "year", "date", "reference"}, {*ELEMENT_LISTS.values(), "settings"})
    elements = []
    for kind, list_name in ELEMENT_LISTS.items():
        items = data.get(list_name) or []
        if not isinstance(items, list):
            raise EntryError(list_name, _("must be a list, got {value}").format(value=preview(items)))
        elements += [parse_element(kind, item, f"{list_name}[{i + 1}]") for i, item in enumerate(items)]
    if not any(e.kind == STRATEGIC_ACTION for e in elements):
        raise EntryError("strategic_actions", _("a plan needs at least one strategic action"))
    return Approval(
        entity=parse_text(data["entity"], "entity"),
        year=parse_year(data["year"], "year"),
        date=parse_date(data["date"], "date"),
        reference=parse_text(data["reference"], "reference"),
        elements=tuple(elements),
        settings=parse_settings(data["settings"]) if data.get("settings") is not None else None,
    )


def parse_change(data: object, field: str):
    if not isinstance(data, dict) or len(data) != 1:
        raise EntryError(field, _("must be one of add, update, cancel or budget with its fields"))
    (action, body), = data.items()
    at = subfield(field, action)
    if action == "add":
        if not isinstance(body, dict):
            raise EntryError(at, _("must be a mapping of fields, got {value}").format(value=preview(body)))
        kind = body.get("kind")
        if not isinstance(kind, str) or kind not in KINDS:
            raise EntryError(f"{at}.kind", _("must be one of {kinds}, got {value}").format(kinds=", ".join(KINDS), value=preview(kind)))
        rest = {k: v for k, v in body.items() if k != "kind"}
        return Add(parse_element(kind, rest, at))
    if action == "update":
        check_fields(body, at, {"code"}, {"title", "weight", "schedule", "sector_code"})
        if len(body) == 1:
            raise EntryError(at, _("must change at least one of title, weight, schedule, sector_code"))
        return Update(
            code=parse_code(body["code"], f"{at}.code"),
            title=parse_text(body.get("title"), f"{at}.title", optional=True),
            weight=None if body.get("weight") is None else parse_weight(body["weight"], f"{at}.weight"),
            schedule=parse_schedule(body.get("schedule"), f"{at}.schedule"),
            sector_code=parse_text(body.get("sector_code"), f"{at}.sector_code", optional=True),
        )
    if action == "cancel":
        check_fields(body, at, {"code"}, set())
        return Cancel(parse_code(body["code"], f"{at}.code"))
    if action == "budget":
        check_fields(body, at, {"code", "source", "amount"}, set())
        return BudgetLine(
            code=parse_code(body["code"], f"{at}.code"),
            source=parse_text(body["source"], f"{at}.source"),
            amount=_signed_amount(body["amount"], f"{at}.amount"),
        )
    raise EntryError(field, _("unknown change {value} (expected add, update, cancel or budget)").format(value=preview(action)))


def parse_reformulation(data: object) -> Reformulation:
    check_fields(data, None, {"date", "reference", "reason", "changes"}, set())
    changes = data["changes"]
    if not isinstance(changes, list) or not changes:
        raise EntryError("changes", _("must be a non-empty list of changes"))
    return Reformulation(
        date=parse_date(data["date"], "date"),
        reference=parse_text(data["reference"], "reference"),
        reason=parse_text(data["reason"], "reason"),
        changes=tuple(parse_change(c, f"changes[{i + 1}]") for i, c in enumerate(changes)),
    )


def parse_budget_modification(data: object) -> BudgetModification:
    check_fields(data, None, {"code", "source", "amount", "date", "reference", "reason"}, set())
    return BudgetModification(
        code=parse_code(data["code"], "code"),
        source=parse_text(data["source"], "source"),
        amount=_signed_amount(data["amount"], "amount"),
        date=parse_date(data["date"], "date"),
        reference=parse_text(data["reference"], "reference"),
        reason=parse_text(data["reason"], "reason"),
    )


def parse_transfer(data: object) -> Transfer:
    """``{from: {code, source}, to: {code[, source]}, amount, date, reference, reason}``: `to.source`
    defaults to `from.source`; the amount is > 0; the two sides may not be the same operation and source."""
    check_fields(data, None, {"from", "to", "amount", "date", "reference", "reason"}, set())
    giving = check_fields(data["from"], "from", {"code", "source"}, set())
    receiving = check_fields(data["to"], "to", {"code"}, {"source"})
    from_code, from_source = parse_code(giving["code"], "from.code"), parse_text(giving["source"], "from.source")
    to_code = parse_code(receiving["code"], "to.code")
    to_source = parse_text(receiving.get("source"), "to.source", optional=True) or from_source
    if (to_code, to_source) == (from_code, from_source):
        raise EntryError(
            "to" if receiving.get("source") is None else "to.source",
            _("is the same operation and source as from ({code}, {source}): a transfer moves budget between two")
            .format(code=from_code, source=from_source),
        )
    amount = parse_amount(data["amount"], "amount")
    if amount == 0:
        raise EntryError("amount", _("must not be zero"))
    return Transfer(
        from_code=from_code,
        from_source=from_source,
        to_code=to_code,
        to_source=to_source,
        amount=amount,
        date=parse_date(data["date"], "date"),
        reference=parse_text(data["reference"], "reference"),
        reason=parse_text(data["reason"], "reason"),
    )


def parse_progress(data: object) -> Progress:
    check_fields(data, None, {"code", "percent", "date"}, {"note"})
    return Progress(
        code=parse_code(data["code"], "code"),
        percent=parse_percent(data["percent"], "percent"),
        date=parse_date(data["date"], "date"),
        note=parse_text(data.get("note"), "note", optional=True),
    )


def parse_execution(data: object) -> Execution:
    check_fields(data, None, {"code", "amount", "date"}, {"source"})
    return Execution(
        code=parse_code(data["code"], "code"),
        amount=parse_amount(data["amount"], "amount"),
        date=parse_date(data["date"], "date"),
        source=parse_text(data.get("source"), "source", optional=True),
    )


def parse_result(data: object) -> Result:
    return Result(*_note_fields(data))


def parse_justification(data: object) -> Justification:
    return Justification(*_note_fields(data))


def _note_fields(data: object) -> tuple:
    """code (absent: the plan as a whole, e.g. the institutional justification), date, text, and
    `replaces`: the seq of the text of the same kind, element and date it supersedes, or ``latest``
    (the latest such text, resolved by the plan: domain/corrections.py)."""
    check_fields(data, None, {"date", "text"}, {"code", "replaces"})
    code = None if data.get("code") is None else parse_code(data["code"], "code")
    replaces = data.get("replaces")
    if replaces is not None:
        replaces = LATEST if replaces == LATEST else parse_seq(replaces, "replaces")
    return code, parse_date(data["date"], "date"), parse_text(data["text"], "text"), replaces


SEQ_MAX = 10**12  # beyond any plan's number of facts


def parse_seq(value: object, field: str) -> int:
    """The seq of a fact recorded in the plan: a whole number from 1."""
    try:
        return int(parse_decimal(value, field, minimum=ONE, maximum=Decimal(SEQ_MAX), places=0))
    except EntryError:
        raise EntryError(
            field, _("must be the seq of a recorded fact (a whole number from 1), got {value}").format(value=preview(value))
        ) from None


def parse_correction(data: object) -> Correction:
    """``{code, reason, title | weight | budget: {SOURCE: amount}, corrects}``: exactly one field
    corrected; `corrects` optional (the plan resolves it, and the date: domain/corrections.py; a
    `date`, as the history shows a correction, must be the corrected fact's). Budget amounts are
    signed here: whether a sign fits depends on the fact corrected."""
    check_fields(data, None, {"code", "reason"}, {"title", "weight", "budget", "corrects", "date"})
    given = [name for name in ("title", "weight", "budget") if data.get(name) is not None]
    if not given:
        raise EntryError(None, _("must give one of title, weight or budget: the value as it should have been recorded"))
    if len(given) > 1:
        raise EntryError(
            given[1], _("one correction fixes one field ({fields} given): record one correction per field").format(
                fields=", ".join(given)
            )
        )
    budget = None
    if data.get("budget") is not None:
        if not isinstance(data["budget"], dict) or not data["budget"]:
            raise EntryError(
                "budget", _("must map funding sources to amounts, got {value}").format(value=preview(data["budget"]))
            )
        budget = {
            parse_text(source, "budget"): parse_amount(amount, subfield("budget", source), signed=True)
            for source, amount in data["budget"].items()
        }
    return Correction(
        code=parse_code(data["code"], "code"),
        reason=parse_text(data["reason"], "reason"),
        title=parse_text(data.get("title"), "title", optional=True),
        weight=None if data.get("weight") is None else parse_weight(data["weight"], "weight"),
        budget=budget,
        corrects=None if data.get("corrects") is None else parse_seq(data["corrects"], "corrects"),
        date=None if data.get("date") is None else parse_date(data["date"], "date"),
    )


# the figures a published report may declare, in the order they are read (and reconciled)
DECLARABLE_PLAN_FIGURES = (
    "strategic_actions",
    "short_term_actions",
    "operations",
    "tasks",
    "reformulations",
    "weights_total",
    "budget_current",
    "budget_executed",
    "budget_execution_pct",
    "physical_progress_pct",
    "programmed_pct",
    "deviation_pts",
)
DECLARABLE_ELEMENT_FIGURES = (
    "weight",
    "budget_current",
    "budget_executed",
    "budget_execution_pct",
    "progress_pct",
    "programmed_pct",
    "deviation_pts",
)
DECLARED_PLACES = 6  # a published report may print more decimals than the ledger shows


def parse_publication(data: object) -> Publication:
    check_fields(data, None, {"reference", "issued", "date", "declared"}, {"short_term_actions"})
    publication = Publication(
        reference=parse_text(data["reference"], "reference"),
        issued=parse_date(data["issued"], "issued"),
        date=parse_date(data["date"], "date"),
        declared=_declared(data["declared"], "declared", DECLARABLE_PLAN_FIGURES),
        short_term_actions={
            parse_code(code, "short_term_actions"): _declared(figures, subfield("short_term_actions", code), DECLARABLE_ELEMENT_FIGURES)
            for code, figures in _mapping(data.get("short_term_actions") or {}, "short_term_actions").items()
        },
    )
    if publication.issued < publication.date:
        raise EntryError(
            "issued", _("{issued} is before the report's cut-off date {date}").format(issued=publication.issued, date=publication.date)
        )
    return publication


def _mapping(value: object, field: str) -> dict:
    if not isinstance(value, dict):
        raise EntryError(field, _("must be a mapping, got {value}").format(value=preview(value)))
    return value


def _declared(value: object, field: str, figures: tuple[str, ...]) -> dict:
    """Declared figures: counts are whole numbers from 0 to 10^9; other figures have at most 6
    decimals and are below 10^15 in absolute value, ≥ 0 but deviations."""
    check_fields(_mapping(value, field), field, set(), set(figures))
    if not value:
        raise EntryError(field, _("must declare at least one of: {figures}").format(figures=", ".join(figures)))
    declared = {}
    for name in figures:
        if name not in value:
            continue
        at = f"{field}.{name}"
        if name in COUNT_FIGURES:
            declared[name] = int(parse_decimal(value[name], at, minimum=ZERO, maximum=Decimal(COUNT_MAX), places=0))
        else:
            minimum = None if name == "deviation_pts" else ZERO
            declared[name] = parse_decimal(value[name], at, minimum=minimum, below=AMOUNT_LIMIT, places=DECLARED_PLACES)
    return declared


def parse_closing(data: object) -> Closing:
    check_fields(data, None, {"date", "reference"}, set())
    return Closing(parse_date(data["date"], "date"), parse_text(data["reference"], "reference"))


def parse_reopening(data: object) -> Reopening:
    check_fields(data, None, {"date", "reference", "reason"}, set())
    return Reopening(
        parse_date(data["date"], "date"), parse_text(data["reference"], "reference"), parse_text(data["reason"], "reason")
    )


def _signed_amount(value: object, field: str) -> Decimal:
    amount = parse_amount(value, field, signed=True)
    if amount == 0:
        raise EntryError(field, _("must not be zero"))
    return amount
