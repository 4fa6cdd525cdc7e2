"""The facts the ledger records (SPEC §3), as immutable value objects.

A fact is what an operator states; a `Recorded` fact is a fact as stored, with
the sequence number, recorded time and actor the system gave it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from attrs import field, frozen

from .catalogue import ELEMENT_KINDS, KIND_ARTICLES, ElementKind, FactKindName
from .settings import Efficiency, Settings, Signatures

STRATEGIC_ACTION = ElementKind.STRATEGIC_ACTION
SHORT_TERM_ACTION = ElementKind.SHORT_TERM_ACTION
OPERATION = ElementKind.OPERATION
TASK = ElementKind.TASK
KINDS = ELEMENT_KINDS


def a_kind(kind: str) -> str:
    """The kind with its article, for messages: ``an operation``."""
    return KIND_ARTICLES[ElementKind(kind)]


DEFAULT_SCHEDULE = (Decimal(25), Decimal(50), Decimal(75), Decimal(100))


def _tuple_or_none(value):
    return None if value is None else tuple(value)


def _dict_or_none(value):
    return None if value is None else dict(value)


# the metadata of an optional field added to a fact kind after facts of that kind were stored: while
# it is None, the fact's batch id is the one it had before the field existed (domain/batches.py)
ADDED_LATER = "added_later"
# `replaces` of a result or justification entry that asks for the latest text of the same kind,
# element and date (`--replace`, ``replaces: latest``): the plan resolves it to that text's seq
# before the fact is stored (domain/corrections.py), so a stored fact never holds it
LATEST = "latest"


@frozen
class Element:
    """One element of the plan's structure, as approved or added by a reformulation."""

    kind: str
    code: str
    title: str
    parent: str | None = None
    weight: Decimal | None = None
    schedule: tuple[Decimal, ...] | None = field(default=None, converter=_tuple_or_none)
    budget: dict[str, Decimal] = field(factory=dict, converter=dict)
    sector_code: str | None = None


@frozen
class Approval:
    """The plan approved: its whole initial structure."""

    kind = FactKindName.APPROVE
    entity: str
    year: int
    date: date
    reference: str
    elements: tuple[Element, ...] = field(converter=tuple)
    settings: Settings | None = None  # None: the defaults (domain/settings.py); approvals before settings existed


@frozen
class Add:
    """A reformulation change: a new element."""

    action = "add"
    element: Element


@frozen
class Update:
    """A reformulation change: new title, weight, schedule or sector code of an element."""

    action = "update"
    code: str
    title: str | None = None
    weight: Decimal | None = None
    schedule: tuple[Decimal, ...] | None = field(default=None, converter=_tuple_or_none)
    sector_code: str | None = None


@frozen
class Cancel:
    """A reformulation change: an element and its descendants cancelled."""

    action = "cancel"
    code: str


@frozen
class BudgetLine:
    """A signed change of one operation's current budget for one funding source."""

    action = "budget"
    code: str
    source: str
    amount: Decimal


Change = Add | Update | Cancel | BudgetLine


@frozen
class Reformulation:
    """An approved modification of the plan, applied atomically at its effective date."""

    kind = FactKindName.REFORMULATE
    date: date
    reference: str
    reason: str
    changes: tuple[Change, ...] = field(converter=tuple)


@frozen
class BudgetModification:
    """An approved change of an operation's current budget for one source."""

    kind = FactKindName.BUDGET
    code: str
    source: str
    amount: Decimal
    date: date
    reference: str
    reason: str


@frozen
class Transfer:
    """An approved transfer of current budget: `amount` (> 0) moves from one operation and source to
    another operation and source (not both the same) at once, as one fact. It acts as two budget
    lines (`lines`), counts as one budget modification and is never a reformulation."""

    kind = FactKindName.TRANSFER
    from_code: str
    from_source: str
    to_code: str
    to_source: str
    amount: Decimal
    date: date
    reference: str
    reason: str

    def lines(self) -> tuple[BudgetLine, BudgetLine]:
        """Its two sides as signed budget lines: the giving operation's (−amount), then the receiving one's (+amount)."""
        return (
            BudgetLine(self.from_code, self.from_source, -self.amount),
            BudgetLine(self.to_code, self.to_source, self.amount),
        )

    def entry_fields(self) -> dict:
        """Its fields in the shape of the entry that states it: ``from``/``to`` each ``{code, source}``."""
        return {
            "from": {"code": self.from_code, "source": self.from_source},
            "to": {"code": self.to_code, "source": self.to_source},
            "amount": self.amount,
            "date": self.date,
            "reference": self.reference,
            "reason": self.reason,
        }


CORRECTED_FIELDS = ("title", "weight", "budget")  # what a correction may fix, one per fact


@frozen
class Correction:
    """A fix of data entry: one element's title, weight or approved amounts as the earlier fact
    `corrects` should have recorded them (docs/design.md, "Corrections").

    Exactly one of `title`, `weight` and `budget` is given. `budget` maps funding sources to
    amounts: for an approved or added operation, its approved amount of that source (sources not
    named stay as they are); for a budget modification or a reformulation's budget line, the signed
    amount of that line (its own source); for a transfer, the signed amount of the one side it names
    (the other side follows: domain/corrections.py `sides`). The entry names neither `corrects` (optional) nor `date`:
    the plan resolves them before the fact is stored (domain/corrections.py) — `corrects` to the
    fact that last set that field of the element, `date` to the corrected fact's effective date —,
    so that a stored correction always says which fact it corrects and from which date it counts.
    It is not a reformulation nor a budget modification: it counts as neither.
    """

    kind = FactKindName.CORRECT
    code: str
    reason: str
    title: str | None = None
    weight: Decimal | None = None
    budget: dict[str, Decimal] | None = field(default=None, converter=_dict_or_none)
    corrects: int | None = None
    date: date | None = None

    @property
    def field(self) -> str:
        """The field it corrects: ``title``, ``weight`` or ``budget``."""
        return next(name for name in CORRECTED_FIELDS if getattr(self, name) is not None)

    @property
    def value(self):
        """The value it gives that field: a title, a weight, or amounts by source."""
        return getattr(self, self.field)


@frozen
class Progress:
    """Cumulative physical progress of an element at a cut-off date."""

    kind = FactKindName.PROGRESS
    code: str
    percent: Decimal
    date: date
    note: str | None = None


@frozen
class Execution:
    """Cumulative budget execution of an element at a cut-off date, optionally per source."""

    kind = FactKindName.EXECUTION
    code: str
    amount: Decimal
    date: date
    source: str | None = None


@frozen
class Result:
    """Narrative result attached to an element (or, without code, to the plan) at a date."""

    kind = FactKindName.RESULT
    code: str | None
    date: date
    text: str
    replaces: int | None = field(default=None, metadata={ADDED_LATER: True})  # the seq of the text it supersedes


@frozen
class Justification:
    """The stated cause of an element's (or, without code, the plan's) deviation, at a date."""

    kind = FactKindName.JUSTIFY
    code: str | None
    date: date
    text: str
    replaces: int | None = field(default=None, metadata={ADDED_LATER: True})  # the seq of the text it supersedes


@frozen
class Publication:
    """A report the entity issued: its cut-off date, when it was issued, and the figures it declared.

    `declared` holds plan totals under the JSON report's summary keys;
    `short_term_actions` maps an ACP code to its declared element figures.
    """

    kind = FactKindName.PUBLISH
    reference: str
    issued: date
    date: date
    declared: dict[str, Decimal] = field(factory=dict, converter=dict)
    short_term_actions: dict[str, dict[str, Decimal]] = field(factory=dict, converter=dict)


@frozen
class Closing:
    """The year closed: afterwards facts dated inside the year are refused until a reopening."""

    kind = FactKindName.CLOSE
    date: date
    reference: str


@frozen
class Reopening:
    """A closed plan reopened, with the resolution and the reason."""

    kind = FactKindName.REOPEN
    date: date
    reference: str
    reason: str


@frozen
class ReportSeal:
    """One format of an issued report as it was printed: the SHA-256 (hex) of its bytes and the
    bytes themselves, zlib-compressed and base64-encoded (text, so that the fact stays plain JSON).
    Computed and checked by the adapters (adapters/use_cases.py); the domain only holds them."""

    format: str
    sha256: str
    zlib_base64: str


@frozen
class ReportIssued:
    """A report printed with `poa report --issue`: reproducible as of `date`, as known at `known_at`.

    A sealed report (every one issued since the seal existed) holds the program's version, the
    moment it was rendered at (`known_at`, before the fact was recorded) and one `ReportSeal` per
    format of the report. A report issued earlier has none of them (they read back as None): it
    is viewed as known at the moment it was recorded, and can only be rendered again.
    """

    kind = FactKindName.ISSUE
    reference: str
    date: date
    format: str
    program_version: str | None = None
    known_at: datetime | None = None
    seals: tuple[ReportSeal, ...] | None = field(default=None, converter=_tuple_or_none)
    language: str | None = None  # the language it was rendered in; None: Spanish (issued before languages existed)
    decimal_mark: str | None = None  # its numbers' decimal mark; None: point (as the seed prints them)
    signatures: Signatures | None = None  # the names given when it was issued, over the plan's (None: the plan's)

    @property
    def sealed(self) -> bool:
        return bool(self.seals)

    def seal(self, format: str) -> ReportSeal | None:
        """The seal of one format, None when that format was not sealed."""
        return next((s for s in self.seals or () if s.format == format), None)


Fact = (
    Approval | Reformulation | BudgetModification | Transfer | Progress | Execution | Result | Justification
    | Publication | Closing | Reopening | ReportIssued | Correction
)
# facts about the plan's records rather than the plan: allowed while the plan is closed
ABOUT_RECORDS = (Publication, Closing, Reopening, ReportIssued)
STRUCTURAL = (Approval, Reformulation, BudgetModification, Transfer, Correction)
CHANGE_TYPES = (Element, Add, Update, Cancel, BudgetLine)  # value objects inside facts
SEAL_TYPES = (ReportSeal,)  # value objects inside an issued report
SETTINGS_TYPES = (Settings, Efficiency, Signatures)  # value objects inside an approval


@frozen
class Recorded:
    """A fact as stored: its place in the plan's sequence, when and by whom it was recorded."""

    seq: int
    recorded_at: datetime
    actor: str
    fact: Fact
    batch: str | None = None  # the id of the batch it was recorded in (domain/batches.py)
    initial_load: str | None = None  # the reference of the initial load it came in (None: recorded as it happened)

    @property
    def date(self) -> date:
        return self.fact.date

    @property
    def kind(self) -> str:
        return self.fact.kind

    @property
    def reference(self) -> str | None:
        return getattr(self.fact, "reference", None)

    @property
    def code(self) -> str | None:
        return getattr(self.fact, "code", None)
