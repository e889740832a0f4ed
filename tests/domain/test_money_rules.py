"""The money rules at their edges (docs/money.md): the smallest spend, an allocation of nothing,
what a refused spend or claim tells the person, and which figures a claim line refuses."""

from decimal import Decimal

import pytest

from tasking.domain.budget import BudgetExceeded, check_allocation, check_spend, remaining
from tasking.domain.cost_avoided import ClaimRefused, Cost, Outcome, check_decision, check_editable
from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.money import parse_pounds, pounds


def refusal(excinfo) -> str:
    return str(excinfo.value)


def about(excinfo) -> set[str]:
    """The fields a refusal names: the form or API input it is about."""
    return set(excinfo.value.fields)


# The quick-win budget


def test_the_smallest_spend_is_one_penny():
    assert check_spend(1_000_000, 0, 1) == 999_999


@pytest.mark.parametrize("amount", [0, -1, -500])
def test_a_spend_of_nothing_or_less_is_refused_with_a_reason(amount):
    with pytest.raises(ValidationFailed) as refused:
        check_spend(1_000_000, 0, amount)
    assert refusal(refused) == "A spend is a positive amount: more than £0.00."
    assert about(refused) == {"amount_pence"} and refused.value.code == "not_positive"


def test_a_spend_past_the_allocation_says_what_was_asked_and_what_remains():
    with pytest.raises(BudgetExceeded) as refused:
        check_spend(1_000_000, 999_000, 1_001)
    assert (refused.value.remaining, refused.value.amount) == (1_000, 1_001)
    assert refusal(refused) == "Spending 1001 pence would exceed the allocation; 1000 pence remains."
    assert isinstance(refused.value, Conflict) and refused.value.code == "budget_exceeded"


def test_spending_exactly_what_remains_leaves_nothing():
    assert check_spend(500, 200, 300) == 0
    assert remaining(500, 200) == 300


def test_an_allocation_of_nothing_is_allowed_when_nothing_was_spent():
    check_allocation(0, 0)


@pytest.mark.parametrize("allocation", [-1, -1_000_000])
def test_a_negative_allocation_is_refused(allocation):
    with pytest.raises(ValidationFailed) as refused:
        check_allocation(allocation, 0)
    assert refusal(refused) == "An allocation cannot be negative."
    assert about(refused) == {"amount_pence"} and refused.value.code == "negative"


def test_an_allocation_below_the_spend_says_by_how_much():
    with pytest.raises(BudgetExceeded) as refused:
        check_allocation(400, 500)
    assert (refused.value.remaining, refused.value.amount) == (-100, 0)


# Cost-avoided claims


@pytest.mark.parametrize(
    "quantity, unit_cost, field",
    [
        (Decimal(-1), 100, "quantity"),
        (Decimal("-0.5"), 0, "quantity"),
        (Decimal(1), -100, "unit_cost_pence"),
        (Decimal(-1), -100, "unit_cost_pence"),
    ],
)
def test_a_negative_quantity_or_unit_cost_is_refused_on_its_own(quantity, unit_cost, field):
    with pytest.raises(ValidationFailed) as refused:
        Outcome("x", unit_cost, quantity, Decimal("0.5"))
    assert refusal(refused) == "Unit cost and quantity cannot be negative."
    assert about(refused) == {field} and refused.value.code == "negative"


def test_zero_quantity_zero_cost_and_certainty_are_allowed():
    assert Outcome("nothing", 0, Decimal(0), Decimal(1)).expected_pence == 0
    assert Outcome("never", 100, Decimal(1), Decimal(0)).expected_pence == 0


@pytest.mark.parametrize("probability", [Decimal("-0.1"), Decimal("1.0001")])
def test_a_probability_outside_zero_to_one_says_so(probability):
    with pytest.raises(ValidationFailed) as refused:
        Outcome("x", 100, Decimal(1), probability)
    assert refusal(refused) == "A probability is between 0 and 1."
    assert about(refused) == {"probability"} and refused.value.code == "out_of_range"


@pytest.mark.parametrize(
    "cost",
    [
        dict(hours=Decimal(2)),  # hours without a rate
        dict(rate_pence=3_000),  # a rate without hours
        dict(),
        dict(amount_pence=100, hours=Decimal(1), rate_pence=100),
    ],
)
def test_a_cost_is_an_amount_or_hours_at_a_rate(cost):
    with pytest.raises(ValidationFailed) as refused:
        Cost("staff time", **cost)
    assert refusal(refused) == "A cost is an amount, or hours at a rate."
    assert about(refused) == {"costs"} and refused.value.code == "cost_shape"


@pytest.mark.parametrize(
    "state, words",
    [
        ("verified", "The claim is already verified; a decided claim cannot change."),
        ("not_supported", "The claim is already not supported; a decided claim cannot change."),
    ],
)
def test_a_decided_claim_cannot_be_decided_again(state, words):
    with pytest.raises(ClaimRefused) as refused:
        check_decision(state, "verified", "x")
    assert refusal(refused) == words
    assert about(refused) == set() and refused.value.code == "claim_refused"


@pytest.mark.parametrize("decision", ["approved", "estimated", ""])
def test_a_claim_is_only_verified_or_not_supported(decision):
    with pytest.raises(ValidationFailed) as refused:
        check_decision("estimated", decision, "x")
    assert refusal(refused) == "A claim is verified or not supported."
    assert about(refused) == {"decision"} and refused.value.code == "unknown_decision"


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_not_supported_needs_a_reason(reason):
    with pytest.raises(ValidationFailed) as refused:
        check_decision("estimated", "not_supported", reason)
    assert refusal(refused) == "Say why the claim is not supported."
    assert about(refused) == {"reason"} and refused.value.code == "reason_required"


@pytest.mark.parametrize("reason", [None, "", "Receipts seen"])
def test_verifying_a_claim_needs_no_reason(reason):
    check_decision("estimated", "verified", reason)


def test_a_claim_found_not_supported_with_a_reason_is_decided():
    check_decision("estimated", "not_supported", "No evidence the placement was likely")


def test_an_estimated_claim_can_be_edited_a_decided_one_cannot():
    check_editable("estimated")
    with pytest.raises(ClaimRefused) as refused:
        check_editable("not_supported")
    assert refusal(refused) == "The claim is not supported; a decided claim cannot change."
    assert refused.value.code == "claim_refused"


# Pounds and pence


@pytest.mark.parametrize("value, kind", [(True, "bool"), (1.5, "float"), (Decimal("1.50"), "Decimal"), ("150", "str")])
def test_only_integer_pence_are_shown_as_money(value, kind):
    with pytest.raises(TypeError) as refused:
        pounds(value)
    assert refusal(refused) == f"money is integer pence, not {kind}"


@pytest.mark.parametrize("text", ["abc", "£", "", None, "1,2.3.4"])
def test_what_is_not_a_number_is_refused_with_an_example(text):
    with pytest.raises(ValidationFailed) as refused:
        parse_pounds(text)
    assert refusal(refused) == "Enter an amount in pounds, like 250 or 250.00"
    assert refused.value.code == "not_money"


@pytest.mark.parametrize("text", ["1.234", "0.001", "NaN", "Infinity", "-inf"])
def test_fractions_of_a_penny_and_non_numbers_are_refused_with_an_example(text):
    with pytest.raises(ValidationFailed) as refused:
        parse_pounds(text)
    assert refusal(refused) == "Enter an amount in pounds and pence, like 250.00"
    assert refused.value.code == "not_money"
