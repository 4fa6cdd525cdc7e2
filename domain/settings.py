"""A plan's settings: how its efficiency is graded (the semáforo) and who signs its reports.

Stated once, in the approval entry (`settings:`), and stored with the approval, so a
report shows the same grades and signatures whenever it is rendered again. Every
setting has a default, the grading Bolivian planning units use (docs/design.md,
"Efficiency and semáforo"):

- weighted efficiency = physical efficacy × 0.5 + financial execution × 0.5, each
  term capped at 100 % of its target;
- bands by lower limit: 76 % Eficiente, 51 % Suficiente, 26 % En riesgo, below
  26 % Ineficiente.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from attrs import field, frozen

from .messages import translate as _
from .values import EntryError, check_fields, parse_decimal, parse_percent, parse_text, preview

HUNDRED = Decimal(100)


class Band(StrEnum):
    """A grade of the weighted efficiency (its identifier in JSON and CSV)."""

    EFFICIENT = "efficient"
    SUFFICIENT = "sufficient"
    AT_RISK = "at_risk"
    INEFFICIENT = "inefficient"


BANDS = tuple(Band)  # best first


@frozen
class Efficiency:
    """The weights of the weighted efficiency (they add up to 1) and the lower limit, in %, of
    each band but the last (decreasing)."""

    physical_weight: Decimal = Decimal("0.5")
    financial_weight: Decimal = Decimal("0.5")
    efficient: Decimal = Decimal(76)
    sufficient: Decimal = Decimal(51)
    at_risk: Decimal = Decimal(26)

    def limits(self) -> tuple[tuple[Band, Decimal], ...]:
        """Each band with its lower limit, best first; the last band's is 0."""
        return (
            (Band.EFFICIENT, self.efficient),
            (Band.SUFFICIENT, self.sufficient),
            (Band.AT_RISK, self.at_risk),
            (Band.INEFFICIENT, Decimal(0)),
        )

    def band(self, efficiency: Decimal) -> Band:
        """The band of a weighted efficiency: the first whose lower limit it reaches."""
        return next(band for band, limit in self.limits() if efficiency >= limit)

    def upper(self, band: Band) -> Decimal:
        """The upper limit a band's range is shown with: the next better band's limit − 1 (100 for the best)."""
        limits = self.limits()
        i = [b for b, _ in limits].index(band)
        return HUNDRED if i == 0 else limits[i - 1][1] - 1


@frozen
class Signatures:
    """The names of the report's signature block (None: a line left blank)."""

    prepared_by: str | None = None  # Elaborado por
    reviewed_by: str | None = None  # Revisado por
    approved_by: str | None = None  # Aprobado por

    def merged(self, other: "Signatures | None") -> "Signatures":
        """These names, each replaced by `other`'s where it gives one (options over the plan's)."""
        if other is None:
            return self
        return Signatures(
            other.prepared_by or self.prepared_by,
            other.reviewed_by or self.reviewed_by,
            other.approved_by or self.approved_by,
        )


SIGNATURE_ROLES = ("prepared_by", "reviewed_by", "approved_by")


@frozen
class Settings:
    efficiency: Efficiency = field(factory=Efficiency)
    signatures: Signatures = field(factory=Signatures)


DEFAULT_SETTINGS = Settings()


def parse_settings(data: object, at: str = "settings") -> Settings:
    """The `settings:` of an approval entry; every key optional."""
    check_fields(data, at, set(), {"efficiency", "signatures"})
    return Settings(
        efficiency=parse_efficiency(data.get("efficiency"), f"{at}.efficiency"),
        signatures=parse_signatures(data.get("signatures"), f"{at}.signatures"),
    )


def parse_efficiency(data: object, at: str) -> Efficiency:
    """`weights: {physical, financial}` adding up to 1, and `bands: {efficient, sufficient,
    at_risk}`, lower limits in %, decreasing."""
    if data is None:
        return Efficiency()
    check_fields(data, at, set(), {"weights", "bands"})
    default = Efficiency()
    weights = data.get("weights")
    physical, financial = default.physical_weight, default.financial_weight
    if weights is not None:
        check_fields(weights, f"{at}.weights", {"physical", "financial"}, set())
        physical = parse_decimal(weights["physical"], f"{at}.weights.physical", minimum=Decimal(0), maximum=Decimal(1))
        financial = parse_decimal(weights["financial"], f"{at}.weights.financial", minimum=Decimal(0), maximum=Decimal(1))
        if physical + financial != 1:
            raise EntryError(
                f"{at}.weights",
                _("must add up to 1, got {physical} + {financial} = {total}").format(
                    physical=physical, financial=financial, total=physical + financial
                ),
            )
    bands = data.get("bands")
    limits = [default.efficient, default.sufficient, default.at_risk]
    if bands is not None:
        names = ("efficient", "sufficient", "at_risk")
        check_fields(bands, f"{at}.bands", set(names), set())
        limits = [parse_percent(bands[name], f"{at}.bands.{name}") for name in names]
        if not limits[0] > limits[1] > limits[2] > 0:
            raise EntryError(
                f"{at}.bands",
                _("lower limits must decrease and stay above 0: efficient > sufficient > at_risk > 0, got {value}").format(
                    value=preview(bands)
                ),
            )
    return Efficiency(physical, financial, *limits)


def parse_signatures(data: object, at: str) -> Signatures:
    if data is None:
        return Signatures()
    check_fields(data, at, set(), set(SIGNATURE_ROLES))
    return Signatures(*(parse_text(data.get(role), f"{at}.{role}", optional=True) for role in SIGNATURE_ROLES))


def settings_fields(settings: Settings) -> dict:
    """The settings as an approval entry states them: only what differs from the defaults."""
    out: dict = {}
    e, d = settings.efficiency, Efficiency()
    efficiency: dict = {}
    if (e.physical_weight, e.financial_weight) != (d.physical_weight, d.financial_weight):
        efficiency["weights"] = {"physical": e.physical_weight, "financial": e.financial_weight}
    if (e.efficient, e.sufficient, e.at_risk) != (d.efficient, d.sufficient, d.at_risk):
        efficiency["bands"] = {"efficient": e.efficient, "sufficient": e.sufficient, "at_risk": e.at_risk}
    if efficiency:
        out["efficiency"] = efficiency
    names = {role: getattr(settings.signatures, role) for role in SIGNATURE_ROLES if getattr(settings.signatures, role)}
    if names:
        out["signatures"] = names
    return out
