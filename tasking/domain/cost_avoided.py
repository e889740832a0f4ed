"""Cost avoided, as the pilot reckoned it: outcomes avoided, each unit cost x quantity x
probability, less the costs actually incurred (docs/money.md, "Cost-avoided claims").

Rounding rule: each line is worked out exactly (decimal arithmetic, never floats) and rounded once
to the nearest penny, halves away from zero; totals are the sums of the rounded lines, so the lines
shown always add up to the totals shown.
"""

from dataclasses import dataclass
from decimal import Decimal

from tasking.domain.errors import ClaimRefused, ValidationFailed
from tasking.domain.money import check_amount, round_pence

CLAIM_STATES = ("estimated", "verified", "not_supported")


@dataclass(frozen=True)
class Outcome:
    description: str
    unit_cost_pence: int
    quantity: Decimal
    probability: Decimal

    def __post_init__(self):
        if not (Decimal(0) <= self.probability <= Decimal(1)):
            raise ValidationFailed("A probability is between 0 and 1.", field="probability", code="out_of_range")
        if self.quantity < 0 or self.unit_cost_pence < 0:
            raise ValidationFailed(
                "Unit cost and quantity cannot be negative.",
                field="unit_cost_pence" if self.unit_cost_pence < 0 else "quantity",
                code="negative",
            )
        check_amount(self.unit_cost_pence, "unit_cost_pence")

    @property
    def expected_pence(self) -> int:
        return round_pence(Decimal(self.unit_cost_pence) * self.quantity * self.probability)


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

    @property
    def total_pence(self) -> int:
        if self.amount_pence is not None:
            return self.amount_pence
        assert self.hours is not None and self.rate_pence is not None  # __post_init__ holds one or the other
        return round_pence(self.hours * Decimal(self.rate_pence))


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
