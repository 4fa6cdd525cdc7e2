"""The values an evaluation holds: each element's `Figures`, the plan's `Summary`, and the
`Derivation` of every figure.

A `Derivation` is what the evaluation fold (`poa.projections.evaluation`) recorded
while it computed one figure of one element (or of the plan, code None):

- `rule`: the `poa.domain.catalogue.Rule` it applied (docs/design.md, "Evaluation rules");
- `inputs`: the values the rule read besides its parts, by name (always the same
  names for a rule): ``weights_total``; ``schedule`` and ``quarter_ends_passed``;
  ``programmed`` and ``progress``; ``executed`` and ``current``; ``added_on``;
  ``cancelled_on`` and ``cancelled_with`` (the code whose cancellation cascaded);
- `parts`: the terms it combined or left out, each a `Part`: a child element with
  its weight, value and role (``used``, or ``excluded`` for a cancelled child left
  out of a mean or a count) and a reference to the child's own derivation of the
  same figure; or a funding source of a total;
- `records`: the recorded facts behind it, each a `Record` with the role the fold
  gave it: for progress and executed budget every visible record of the element
  (``used``, ``superseded`` by a later cut-off date, or ``corrected`` by a
  later-recorded record for the same date and source; a `RankedRecords`, whose
  `Record` objects are built when first read); for structural figures
  (status, title, weight, schedule, sector code, budget by source) the facts that
  set the value in force (``used``), the very records `poa.domain.structure.Node`
  keeps;
  for the plan's number of reformulations, the reformulations.

A derivation references its children's derivations (`Part.derivation`); it never
copies them. Visibility is not a rule: facts not visible in the view (recorded
after known_at, dated after as_of) and setters no longer in effect are never in a
derivation; `poa.projections.provenance` adds them from the history.

`Derivations` indexes the derivations of one evaluation by (code, figure, source);
`Evaluation.derivation(code, figure, source)` is the public way to read them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple

from attrs import frozen

from poa.domain.catalogue import Role, Rule, Status
from poa.domain.facts import Recorded
from poa.domain.settings import Band
from poa.domain.structure import Record

__all__ = [
    "NO_INPUTS", "Derivation", "Derivations", "Figures", "Note", "Part", "RankedRecords", "Record", "Summary",
]

NO_INPUTS: Mapping[str, object] = MappingProxyType({})


@frozen
class Note:
    """A result or justification text shown with an element."""

    date: date
    text: str
    seq: int


@frozen
class Figures:
    """One element of the plan with its figures, exact (rounded only when shown).

    Attribute names are the catalogue's figure names (`poa.domain.catalogue.FIGURES`);
    a figure the element's kind does not carry is None.
    """

    kind: str
    code: str
    parent: str | None
    title: str
    status: Status
    weight: Decimal | None
    progress_pct: Decimal
    programmed_pct: Decimal | None = None
    deviation_pts: Decimal | None = None
    budget: dict[str, Decimal] | None = None
    budget_current: Decimal | None = None
    budget_executed: Decimal | None = None
    budget_execution_pct: Decimal | None = None
    sector_code: str | None = None
    schedule: tuple[Decimal, ...] | None = None
    physical_efficacy_pct: Decimal | None = None  # short-term actions: None also before anything is programmed
    efficiency_pct: Decimal | None = None
    efficiency_band: Band | None = None
    relative_efficiency: Decimal | None = None
    results: tuple[Note, ...] = ()
    justifications: tuple[Note, ...] = ()


@frozen
class Summary:
    """The plan's figures; attribute names are the catalogue's (`budget` by source is not in the
    JSON report's summary)."""

    strategic_actions: int
    short_term_actions: int
    operations: int
    tasks: int
    weights_total: Decimal
    budget_current: Decimal
    budget_executed: Decimal
    budget_execution_pct: Decimal
    physical_progress_pct: Decimal
    programmed_pct: Decimal
    deviation_pts: Decimal
    reformulations: int
    budget_modifications: int
    budget: dict[str, Decimal] | None = None
    physical_efficacy_pct: Decimal | None = None  # None before anything is programmed
    efficiency_pct: Decimal | None = None
    efficiency_band: Band | None = None
    relative_efficiency: Decimal | None = None  # None also when nothing is executed


class RankedRecords(Sequence[Record]):
    """The visible records of one element behind a progress or executed-budget figure, in
    (cut-off date, recorded) order, each with the role the fold gave it.

    `recorded` is the fold's own list (not a copy) and `roles` the fold's roles, one
    per record; the `Record` objects are built when first read (an evaluation holds
    one record per visible fact, and most evaluations are never explained).
    """

    __slots__ = ("recorded", "roles", "_records")

    def __init__(self, recorded: Sequence[Recorded], roles: Sequence[Role]):
        self.recorded = recorded
        self.roles = roles
        self._records: tuple[Record, ...] | None = None

    def _all(self) -> tuple[Record, ...]:
        if self._records is None:
            self._records = tuple(Record(r, role, r.fact) for r, role in zip(self.recorded, self.roles))
        return self._records

    def __getitem__(self, index):
        return self._all()[index]

    def __len__(self) -> int:
        return len(self.recorded)

    def __iter__(self) -> Iterator[Record]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RankedRecords({self._all()!r})"


class Part(NamedTuple):
    """One term a rule combined or left out: a child element, or a funding source (`source` set).

    `derivation` is the child's own derivation of the same figure, when the rule
    read its value (None for a child excluded from a mean, and for a funding source:
    ``Evaluation.derivation(code, "budget", source)`` is that one).
    """

    code: str
    value: object
    role: Role = Role.USED
    status: Status | None = None
    weight: Decimal | None = None
    source: str | None = None
    derivation: Derivation | None = None


class Derivation(NamedTuple):
    """How one figure of one element (`code`; None: the plan) was computed: the fold's own record.

    Immutable. `Derivation`, `Part` and `Record` (`poa.domain.structure.Record`) are
    named tuples rather than attrs classes because the fold builds one per figure and
    part of every evaluation, and a named tuple costs a third as much to build.
    """

    figure: str  # the catalogue name: progress_pct, budget, budget_current, ...
    value: object
    rule: Rule
    inputs: Mapping[str, object] = NO_INPUTS
    parts: tuple[Part, ...] = ()
    records: Sequence[Record] = ()  # a tuple, or `RankedRecords` for progress and executed budget
    code: str | None = None
    source: str | None = None  # the funding source of a by-source figure (`budget`)

    def walk(self) -> Iterator[Derivation]:
        """This derivation and every derivation its parts reference, depth first."""
        yield self
        for part in self.parts:
            if part.derivation is not None:
                yield from part.derivation.walk()


class Derivations:
    """Every derivation of one evaluation, by (code, figure, source); code None is the plan."""

    __slots__ = ("_by_key",)

    def __init__(self, by_key: dict[tuple[str | None, str, str | None], Derivation]):
        self._by_key = by_key

    def get(self, code: str | None, figure: str, source: str | None = None) -> Derivation | None:
        return self._by_key.get((code, figure, source))

    def __iter__(self) -> Iterator[Derivation]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)
