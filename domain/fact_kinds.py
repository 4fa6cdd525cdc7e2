"""The registry of fact kinds: for each kind, its entry parser, fact class, plan event, command and label.

One entry per kind of fact the ledger records. Batch files and commands parse
entries through it (`parse_entry`), the plan aggregate stores each fact as the
event named here, `poa NAME` commands that record one entry take their options
from `command`, and `history`, `diff` and `explain` name the kind with its label.
Adding a fact kind: its fact class (`facts.py`), its parser (`entries.py`), its
event class on `Plan` (`plan.py`; the class's name is stored with every event,
so it is never renamed), its name and label in `catalogue.py`, and one entry here.
"""

from __future__ import annotations

from typing import Callable

from attrs import frozen

from .catalogue import FACT_KIND_LABELS, FactKindName, Label
from .entries import (
    parse_approval,
    parse_budget_modification,
    parse_closing,
    parse_correction,
    parse_execution,
    parse_justification,
    parse_progress,
    parse_publication,
    parse_reformulation,
    parse_reopening,
    parse_result,
    parse_transfer,
)
from .facts import (
    CHANGE_TYPES,
    SEAL_TYPES,
    SETTINGS_TYPES,
    Approval,
    BudgetModification,
    Closing,
    Correction,
    Execution,
    Fact,
    Justification,
    Progress,
    Publication,
    Reformulation,
    Reopening,
    ReportIssued,
    Result,
    Transfer,
)
from .messages import translate as _
from .values import EntryError, preview


@frozen
class Option:
    """One option of a command that records one entry: ``--NAME``, the entry's field of that name."""

    name: str
    required: bool
    help: str


@frozen
class EntryCommand:
    """The `poa NAME` command that records one entry of a kind from its options."""

    help: str
    options: tuple[Option, ...]


@frozen
class FactKind:
    """A kind of fact: the entry key, the fact class, the parser of its entry (None: recorded by
    the program, not written as an entry), the name of the plan's event class, and its command."""

    name: FactKindName
    fact: type
    parse: Callable[[object], Fact] | None
    event: str
    command: EntryCommand | None = None

    @property
    def label(self) -> Label:
        return FACT_KIND_LABELS[self.name]


_DATE = "Effective (cut-off) date, YYYY-MM-DD."
_PLAN_WIDE = "Element code; omit it for the plan as a whole."
_REPLACES = (
    "Seq of the text of the same kind, element and date that this one supersedes in reports (history keeps both)."
)

FACT_KINDS: tuple[FactKind, ...] = (
    FactKind(FactKindName.APPROVE, Approval, parse_approval, "Approved"),  # `poa approve FILE`
    FactKind(FactKindName.REFORMULATE, Reformulation, parse_reformulation, "Reformulated"),  # `poa reformulate`
    FactKind(
        FactKindName.BUDGET,
        BudgetModification,
        parse_budget_modification,
        "BudgetModified",
        EntryCommand(
            "Record a budget modification of one operation and source (signed amount).",
            (
                Option("code", True, "Operation code."),
                Option("source", True, "Funding source (TGN, Otros, ...)."),
                Option("amount", True, "Signed amount."),
                Option("date", True, _DATE),
                Option("reference", True, "Resolution that approves it."),
                Option("reason", True, "Why the budget changes."),
            ),
        ),
    ),
    FactKind(FactKindName.TRANSFER, Transfer, parse_transfer, "Transferred"),  # `poa transfer` (from/to options)
    FactKind(
        FactKindName.PROGRESS,
        Progress,
        parse_progress,
        "ProgressRecorded",
        EntryCommand(
            "Record cumulative physical progress (0-100) of an element at a cut-off date.",
            (
                Option("code", True, "Element code."),
                Option("percent", True, "0 to 100, at most 2 decimals."),
                Option("date", True, _DATE),
                Option("note", False, "A note kept with the record."),
            ),
        ),
    ),
    FactKind(
        FactKindName.EXECUTION,
        Execution,
        parse_execution,
        "ExecutionRecorded",
        EntryCommand(
            "Record cumulative budget execution of an operation or short-term action.",
            (
                Option("code", True, "Element code (an operation or a short-term action)."),
                Option("amount", True, "Cumulative amount executed."),
                Option("date", True, _DATE),
                Option("source", False, "Funding source; omit for the total."),
            ),
        ),
    ),
    FactKind(
        FactKindName.RESULT,
        Result,
        parse_result,
        "ResultRecorded",
        EntryCommand(
            "Attach a result text to an element (or to the plan).",
            (
                Option("code", False, _PLAN_WIDE),
                Option("date", True, _DATE),
                Option("text", True, "The result."),
                Option("replaces", False, _REPLACES),
            ),
        ),
    ),
    FactKind(
        FactKindName.JUSTIFY,
        Justification,
        parse_justification,
        "JustificationRecorded",
        EntryCommand(
            "Record the justification of a deviation (of an element or of the plan).",
            (
                Option("code", False, _PLAN_WIDE),
                Option("date", True, _DATE),
                Option("text", True, "The justification."),
                Option("replaces", False, _REPLACES),
            ),
        ),
    ),
    FactKind(FactKindName.PUBLISH, Publication, parse_publication, "ReportPublished"),  # `poa publish`
    FactKind(
        FactKindName.CLOSE,
        Closing,
        parse_closing,
        "Closed",
        EntryCommand(
            "Close the plan's year: afterwards facts dated inside the year are refused until it is reopened.",
            (Option("date", True, "Closing date, YYYY-MM-DD."), Option("reference", True, "Resolution that closes it.")),
        ),
    ),
    FactKind(
        FactKindName.REOPEN,
        Reopening,
        parse_reopening,
        "Reopened",
        EntryCommand(
            "Reopen a closed plan, with its resolution and reason.",
            (
                Option("date", True, "Reopening date, YYYY-MM-DD."),
                Option("reference", True, "Resolution that reopens it."),
                Option("reason", True, "Why it is reopened."),
            ),
        ),
    ),
    FactKind(FactKindName.ISSUE, ReportIssued, None, "ReportIssued"),  # recorded by `poa report --issue`
    FactKind(FactKindName.CORRECT, Correction, parse_correction, "Corrected"),  # `poa correct` (cli/corrections.py)
)
FACT_KIND = {k.name: k for k in FACT_KINDS}
_BY_CLASS = {k.fact: k for k in FACT_KINDS}
VALUE_TYPES = tuple(k.fact for k in FACT_KINDS) + CHANGE_TYPES + SEAL_TYPES + SETTINGS_TYPES  # every value object stored in an event
ENTRY_KINDS = tuple(k.name for k in FACT_KINDS if k.parse is not None)  # what a batch file may hold


def kind_of(fact: Fact) -> FactKind:
    return _BY_CLASS[type(fact)]


def entry_kind(entry: object) -> str:
    """The kind of an entry written ``{kind: {fields}}``."""
    if not isinstance(entry, dict) or len(entry) != 1:
        raise EntryError(None, _("must be a mapping with exactly one entry kind ({kinds})").format(kinds=", ".join(ENTRY_KINDS)))
    (kind,) = entry
    if kind not in ENTRY_KINDS:
        raise EntryError(
            None, _("unknown entry kind {value} (expected one of: {kinds})").format(value=preview(kind), kinds=", ".join(ENTRY_KINDS))
        )
    return kind


def parse_entry(entry: object) -> Fact:
    """The fact an entry states; `EntryError` names the field that is wrong."""
    kind = entry_kind(entry)
    return FACT_KIND[kind].parse(entry[kind])
