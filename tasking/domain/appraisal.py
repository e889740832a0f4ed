"""The value method: what an outcome line is worth once the standard adjustments are made
(docs/money.md, "The value method"; HM Treasury Green Book and its supplementary guidance for local
partnerships, the GMCA cost-benefit analysis model).

From a line's exact expected value E (unit cost x quantity x probability):

    base    = E x (1 - deadweight) x attribution x price uplift x present-value factor
    central = base x (1 - c)          c: the optimism-bias correction of the unit cost's grade
    low     = base x max(0, 1 - 2c)   the correction counted twice
    high    = base                    the unit cost taken at its word

    price uplift         = D(reporting year) / D(price year), D the GDP deflator table
    present-value factor = sum over t = 0 .. years - 1 of ((1 - drop-off) / (1 + rate)) ** t

Everything is exact (Fractions); each figure is rounded once, to the penny, halves away from zero.
At the neutral adjustments (no deadweight, whole attribution, no grade, no price year or the
reporting year's, one year) every figure is round(E), the pilot's own arithmetic.

Claims on a case and on the cases linked to it (similar or duplicate) may not together credit
more than the whole of the same outcome (`check_attribution`).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.money import round_pence
from tasking.domain.shares import share_text

# The GMCA cost-benefit model's confidence grades: 1 the most trustworthy figure, 6 the least.
GRADES = (1, 2, 3, 4, 5, 6)
# Benefits are counted for at most 30 years: the Green Book's discount rate is 3.5% for years 0 to
# 30 and falls after, so one rate holds over every benefit period the service takes.
MAX_BENEFIT_YEARS = 30

ZERO, ONE = Fraction(0), Fraction(1)


@dataclass(frozen=True)
class ValueMethod:
    """The method's configuration (tasking/domain/policy.py): the discount rate, the optimism-bias
    correction per confidence grade, and the GDP deflator index per year."""

    discount_rate: Fraction
    optimism_bias: Mapping[int, Fraction]
    deflators: Mapping[int, Fraction]


@dataclass(frozen=True)
class Adjustments:
    """A line's adjustments, neutral by default."""

    deadweight: Fraction = ZERO  # the share of the outcome that would have happened anyway
    deadweight_reason: str | None = None
    attribution: Fraction = ONE  # the share credited to this case's intervention
    confidence_grade: int | None = None  # of the unit cost; none: no correction
    price_year: int | None = None  # of the unit cost; none: already in the reporting year's prices
    benefit_years: int = 1
    drop_off: Fraction = ZERO  # the share of the benefit lost each year after the first
    cashable: bool = False  # money that leaves a budget, not capacity freed

    def __post_init__(self):
        for field, share in (
            ("deadweight", self.deadweight),
            ("attribution", self.attribution),
            ("drop_off", self.drop_off),
        ):
            if not (ZERO <= share <= ONE):
                raise ValidationFailed("A share is between 0 and 1.", field=field, code="out_of_range")
        if self.deadweight > ZERO and not (self.deadweight_reason or "").strip():
            raise ValidationFailed(
                "Say why part of the outcome would have happened anyway.",
                field="deadweight_reason",
                code="reason_required",
            )
        if self.confidence_grade is not None and self.confidence_grade not in GRADES:
            raise ValidationFailed("A confidence grade is 1 to 6.", field="confidence_grade", code="out_of_range")
        if not (1 <= self.benefit_years <= MAX_BENEFIT_YEARS):
            raise ValidationFailed(
                f"A benefit lasts 1 to {MAX_BENEFIT_YEARS} years.", field="benefit_years", code="out_of_range"
            )


@dataclass(frozen=True)
class LineValue:
    """One line's figures, each rounded once; and the exact factors that made them."""

    expected_pence: int
    adjusted_pence: int
    low_pence: int
    high_pence: int
    cashable: bool
    optimism_bias: Fraction
    price_uplift: Fraction
    present_value: Fraction


def expected_value(
    unit_cost_pence: int, quantity: Decimal | Fraction | int, probability: Decimal | Fraction
) -> Fraction:
    """Unit cost x quantity x probability, exactly (a Decimal converts to a Fraction without loss)."""
    return Fraction(unit_cost_pence) * Fraction(quantity) * Fraction(probability)


def optimism_bias(grade: int | None, method: ValueMethod) -> Fraction:
    """The correction for a unit cost of this grade; an ungraded figure is not corrected."""
    return ZERO if grade is None else method.optimism_bias[grade]


def price_uplift(price_year: int | None, reporting_year: int, deflators: Mapping[int, Fraction]) -> Fraction:
    """The factor taking a cost priced in `price_year` to `reporting_year` prices: D(reporting) /
    D(price). The table ends at its last published year; a later year is read as that year, so no
    rise in prices is assumed past it (a saving is understated, never overstated, until the table is
    brought up to date)."""
    if price_year is None or price_year == reporting_year:
        return ONE
    if not deflators:
        raise ValidationFailed(
            f"No GDP deflator table is configured, so a cost priced in {price_year} cannot be brought "
            f"to {reporting_year} prices.",
            field="price_year",
            code="no_deflator",
        )
    first, last = min(deflators), max(deflators)
    price, reporting = min(price_year, last), min(reporting_year, last)
    for year in (price, reporting):
        if year not in deflators:
            raise ValidationFailed(
                f"The GDP deflator table has no figure for {year}; it covers {first} to {last}.",
                field="price_year",
                code="no_deflator",
            )
    return deflators[reporting] / deflators[price]


def present_value_factor(years: int, drop_off: Fraction, rate: Fraction) -> Fraction:
    """A benefit of 1 a year for `years` years: year 0 whole; each later year smaller by the drop-off
    and discounted at the rate, sum over t < years of ((1 - drop_off) / (1 + rate)) ** t."""
    step = (ONE - drop_off) / (ONE + rate)
    return Fraction(sum(step**year for year in range(years)))


def value_line(expected: Fraction, adjustments: Adjustments, method: ValueMethod, reporting_year: int) -> LineValue:
    """The line's central, low and high figures (the module's docstring has the formulas)."""
    correction = optimism_bias(adjustments.confidence_grade, method)
    uplift = price_uplift(adjustments.price_year, reporting_year, method.deflators)
    present = present_value_factor(adjustments.benefit_years, adjustments.drop_off, method.discount_rate)
    base = expected * (ONE - adjustments.deadweight) * adjustments.attribution * uplift * present
    return LineValue(
        expected_pence=round_pence(expected),
        adjusted_pence=round_pence(base * (ONE - correction)),
        low_pence=round_pence(base * max(ZERO, ONE - 2 * correction)),
        high_pence=round_pence(base),
        cashable=adjustments.cashable,
        optimism_bias=correction,
        price_uplift=uplift,
        present_value=present,
    )


class Valued(Protocol):
    """A valued line: a LineValue, or a stored claim line."""

    @property
    def adjusted_pence(self) -> int: ...
    @property
    def low_pence(self) -> int: ...
    @property
    def high_pence(self) -> int: ...
    @property
    def cashable(self) -> bool: ...


@dataclass(frozen=True)
class ClaimValue:
    """A claim's totals: the sums of its rounded lines, so the lines shown add up to them."""

    adjusted_pence: int
    low_pence: int
    high_pence: int
    cashable_pence: int

    @property
    def non_cashable_pence(self) -> int:
        return self.adjusted_pence - self.cashable_pence


def total(lines: Iterable[Valued]) -> ClaimValue:
    lines = list(lines)
    return ClaimValue(
        adjusted_pence=sum(line.adjusted_pence for line in lines),
        low_pence=sum(line.low_pence for line in lines),
        high_pence=sum(line.high_pence for line in lines),
        cashable_pence=sum(line.adjusted_pence for line in lines if line.cashable),
    )


# Attribution over linked cases

OutcomeKey = tuple[str, int | str]


def outcome_key(unit_cost_id: int | None, description: str) -> OutcomeKey:
    """What makes two lines the same outcome: the same catalogue entry, or, for a unit cost typed
    in, the same description (case and spacing aside)."""
    if unit_cost_id is not None:
        return ("unit_cost", unit_cost_id)
    return ("description", " ".join(description.split()).casefold())


@dataclass(frozen=True)
class Credit:
    """A share of an outcome credited to a claim line on a case."""

    case_id: int
    key: OutcomeKey
    attribution: Fraction
    description: str = ""


def check_attribution(
    case_id: int,
    claimed: Iterable[Credit],
    existing: Iterable[Credit],
    links: Mapping[int, Iterable[int]],
    references: Mapping[int, str] | None = None,
) -> None:
    """Refuse a claim on `case_id` whose lines would take the credit for one outcome past the
    whole, counted over any case and the cases linked to it (`links`: a case's linked cases;
    `references`: how to name a case in the refusal).

    Adding credit on a case changes the count of that case and of each case linked to it, so each
    of those is checked; the claim's own lines for one outcome count together."""
    asked: dict[OutcomeKey, Fraction] = {}
    named: dict[OutcomeKey, str] = {}
    for credit in claimed:
        asked[credit.key] = asked.get(credit.key, ZERO) + credit.attribution
        named.setdefault(credit.key, credit.description)
    existing = list(existing)
    neighbours = sorted(set(links.get(case_id, ())) - {case_id})
    for centre in (case_id, *neighbours):
        scope = {centre, *links.get(centre, ())}
        where = (
            "this case and the cases linked to it"
            if centre == case_id
            else f"case {(references or {}).get(centre, centre)} and its links"
        )
        for key, share in asked.items():
            before = Fraction(sum(c.attribution for c in existing if c.key == key and c.case_id in scope))
            if before + share > ONE:
                raise Conflict(
                    f"Claims on {where} already credit {share_text(before)} of “{named[key]}”; this claim's "
                    f"{share_text(share)} would credit more than the whole outcome. Attribute at most "
                    f"{share_text(max(ZERO, ONE - before))} to it here.",
                    code="attribution_exceeded",
                )
