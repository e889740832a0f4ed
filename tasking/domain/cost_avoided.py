"""Cost avoided, as the pilot reckoned it: outcomes avoided, each unit cost x quantity x
probability, less the costs actually incurred (DESIGN: "Money").

Rounding rule: each line is worked out exactly (decimal arithmetic, never floats) and rounded once
to the nearest penny, halves away from zero; totals are the sums of the rounded lines, so the lines
shown always add up to the totals shown.
"""
from dataclasses import dataclass
from decimal import Decimal

from tasking.domain.money import round_pence

CLAIM_STATES = ("estimated", "verified", "not_supported")


class ClaimRefused(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    description: str
    unit_cost_pence: int
    quantity: Decimal
    probability: Decimal

    def __post_init__(self):
        if not (Decimal(0) <= self.probability <= Decimal(1)):
            raise ValueError("probability is between 0 and 1")
        if self.quantity < 0 or self.unit_cost_pence < 0:
            raise ValueError("unit cost and quantity cannot be negative")

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
            raise ValueError("a cost is an amount, or hours at a rate")

    @property
    def total_pence(self) -> int:
        if self.amount_pence is not None:
            return self.amount_pence
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
        raise ClaimRefused("A claim is verified or not supported.")
    if decision == "not_supported" and not (reason and reason.strip()):
        raise ClaimRefused("Say why the claim is not supported.")


def check_editable(state: str) -> None:
    if state != "estimated":
        raise ClaimRefused(f"The claim is {state.replace('_', ' ')}; a decided claim cannot change.")
