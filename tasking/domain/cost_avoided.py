"""Cost avoided, as the pilot reckoned it: outcomes avoided, each unit cost x quantity x
probability, less the costs actually incurred (docs/money.md, "Cost-avoided claims").

Rounding rule: each line is worked out exactly (fractions, never floats: one in six is 1/6, not
0.1667) and rounded once to the nearest penny, halves away from zero; totals are the sums of the
rounded lines, so the lines shown always add up to the totals shown.

Costs counted once: the quick-win spend of a case is netted once across its claims, not once per
claim (`carry_quick_win`, docs/money.md, "Costs counted once").
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tasking.domain.errors import ClaimRefused, ValidationFailed
from tasking.domain.money import check_amount, pounds, round_pence
from tasking.domain.shares import decimal_places

CLAIM_STATES = ("estimated", "verified", "not_supported")
QUANTITY_PLACES = 4  # decimal places a quantity is stored with (Numeric(14, 4))
HOURS_PLACES = 2  # and hours (Numeric(10, 2)); anything finer is refused, never cut


def _exact(value: Fraction | Decimal | int, field: str) -> Fraction:
    """An exact number as a Fraction; a float or text is refused, since neither is exact here."""
    if isinstance(value, bool) or not isinstance(value, Fraction | Decimal | int):
        raise TypeError(f"{field} is exact (a Fraction, Decimal or int), not {type(value).__name__}")
    return Fraction(value)


def _check_places(value: Decimal, field: str, places: int) -> None:
    if decimal_places(value) > places:
        raise ValidationFailed(
            f"At most {places} decimal places are kept; give no more.", field=field, code="too_precise"
        )


@dataclass(frozen=True)
class Outcome:
    """An outcome avoided: unit cost x quantity x probability. The probability is exact (a Fraction;
    an exact Decimal or int is taken as the Fraction it equals), so one in six is exactly 1/6."""

    description: str
    unit_cost_pence: int
    quantity: Decimal
    probability: Fraction

    def __post_init__(self):
        object.__setattr__(self, "probability", _exact(self.probability, "probability"))
        if not (0 <= self.probability <= 1):
            raise ValidationFailed("A probability is between 0 and 1.", field="probability", code="out_of_range")
        if self.quantity < 0 or self.unit_cost_pence < 0:
            raise ValidationFailed(
                "Unit cost and quantity cannot be negative.",
                field="unit_cost_pence" if self.unit_cost_pence < 0 else "quantity",
                code="negative",
            )
        _check_places(self.quantity, "quantity", QUANTITY_PLACES)
        check_amount(self.unit_cost_pence, "unit_cost_pence")

    @property
    def exact_pence(self) -> Fraction:
        """The line's value before its one rounding."""
        return self.unit_cost_pence * _exact(self.quantity, "quantity") * self.probability

    @property
    def expected_pence(self) -> int:
        return round_pence(self.exact_pence)


@dataclass(frozen=True)
class Cost:
    description: str
    amount_pence: int | None = None
    hours: Decimal | None = None
    rate_pence: int | None = None

    def __post_init__(self):
        given_amount = self.amount_pence is not None
        given_time = self.hours is not None and self.rate_pence is not None
        if given_amount == given_time:
            raise ValidationFailed("A cost is an amount, or hours at a rate.", field="costs", code="cost_shape")
        for field, pence in (("amount_pence", self.amount_pence), ("rate_pence", self.rate_pence)):
            if pence is not None:
                check_amount(pence, field)
                if pence < 0:
                    raise ValidationFailed("A cost cannot be negative.", field=field, code="negative")
        if self.hours is not None:
            if self.hours < 0:
                raise ValidationFailed("Hours cannot be negative.", field="hours", code="negative")
            _check_places(self.hours, "hours", HOURS_PLACES)

    @property
    def total_pence(self) -> int:
        if self.amount_pence is not None:
            return self.amount_pence
        assert self.hours is not None and self.rate_pence is not None  # __post_init__ holds one or the other
        return round_pence(_exact(self.hours, "hours") * self.rate_pence)


@dataclass(frozen=True)
class Reckoning:
    gross_pence: int
    quick_win_pence: int
    other_costs_pence: int

    @property
    def incurred_pence(self) -> int:
        return self.quick_win_pence + self.other_costs_pence

    @property
    def net_pence(self) -> int:
        return self.gross_pence - self.incurred_pence


def reckon(outcomes: list[Outcome], costs: list[Cost], quick_win_pence: int) -> Reckoning:
    return Reckoning(
        gross_pence=sum(o.expected_pence for o in outcomes),
        quick_win_pence=quick_win_pence,
        other_costs_pence=sum(c.total_pence for c in costs),
    )


@dataclass(frozen=True)
class CaseClaim:
    """What the costs-once rule needs of one claim on a case: its id (claims are numbered in the
    order they are made), its state, and the quick-win spend it carries now."""

    id: int
    state: str
    quick_win_pence: int


def carry_quick_win(claims: Iterable[CaseClaim], spent_pence: int, verifying: int | None = None) -> dict[int, int]:
    """The quick-win spend each claim on a case carries, so that the case's spend is netted once
    across its claims, never once per claim (docs/money.md, "Costs counted once"):

    - a decided claim keeps what it carried when it was decided: its figures are final;
    - the rest of the spend, what verified claims do not already carry, is carried by the earliest
      claim still estimated, and by no other; never less than nothing (a spend reversed after a
      verification does not reopen the verified claim, nor push another claim's net up);
    - a claim found not supported counts in no total, so the spend moves on to the earliest
      estimated claim, as if the refused claim had never carried it;
    - a claim being verified (`verifying`) takes the rest of the spend itself, so that its final
      figures net it: otherwise an estimated claim carrying it could later be found not supported,
      leaving the spend on no claim that counts.

    So the verified and estimated claims of a case together carry its spend exactly once, while any
    is estimated; once every claim is decided, spend recorded later is counted in no claim (the value
    report still counts it as spend)."""
    claims = sorted(claims, key=lambda claim: claim.id)
    carried = sum(claim.quick_win_pence for claim in claims if claim.state == "verified")
    rest = max(spent_pence - carried, 0)
    carrier = verifying if verifying is not None else next((c.id for c in claims if c.state == "estimated"), None)
    return {
        claim.id: (rest if claim.id == carrier else 0) if claim.state == "estimated" else claim.quick_win_pence
        for claim in claims
    }


def costs_carried(state: str, quick_win_pence: int, other_costs_pence: int) -> str:
    """Which of the case's costs a claim nets, in a sentence for people."""
    own = f"its own other costs of {pounds(other_costs_pence)}"
    if state == "not_supported":
        if quick_win_pence:
            return (
                f"Not supported, so counted in no total. As decided it carried {pounds(quick_win_pence)} of the "
                f"case's quick-win spend, which now counts on the case's other claims, and {own}."
            )
        return f"Not supported, so counted in no total. It carried none of the case's quick-win spend, and {own}."
    if quick_win_pence:
        return (
            f"Carries {pounds(quick_win_pence)} of the case's quick-win spend, netted on this claim and no "
            f"other, and {own}."
        )
    return (
        f"Carries none of the case's quick-win spend (a case's spend is netted once, on one of its claims), and {own}."
    )


def check_decision(state: str, decision: str, reason: str | None) -> None:
    """Only an estimated claim is decided; not supported needs a reason; a decision is final."""
    if state != "estimated":
        raise ClaimRefused(f"The claim is already {state.replace('_', ' ')}; a decided claim cannot change.")
    if decision not in ("verified", "not_supported"):
        raise ValidationFailed("A claim is verified or not supported.", field="decision", code="unknown_decision")
    if decision == "not_supported" and not (reason and reason.strip()):
        raise ValidationFailed("Say why the claim is not supported.", field="reason", code="reason_required")


def check_editable(state: str) -> None:
    if state != "estimated":
        raise ClaimRefused(f"The claim is {state.replace('_', ' ')}; a decided claim cannot change.")
