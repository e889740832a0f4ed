"""The largest sum the service takes (docs/money.md): £1,000,000,000, either way, on every path."""

from decimal import Decimal

import pytest

from tasking.domain.cost_avoided import Cost, Outcome
from tasking.domain.errors import ValidationFailed
from tasking.domain.money import MAX_PENCE, check_amount, parse_pounds


def test_the_limit_is_one_billion_pounds():
    assert MAX_PENCE == 100_000_000_000


@pytest.mark.parametrize("pence", [MAX_PENCE, -MAX_PENCE, 0, 1])
def test_sums_up_to_the_limit_either_way_are_taken(pence):
    check_amount(pence)


@pytest.mark.parametrize("pence", [MAX_PENCE + 1, -MAX_PENCE - 1])
def test_a_sum_past_the_limit_is_refused_naming_the_field(pence):
    with pytest.raises(ValidationFailed) as refused:
        check_amount(pence, "amount_pence")
    assert refused.value.code == "too_large"
    assert refused.value.fields == {"amount_pence": ["Enter an amount of at most £1,000,000,000.00."]}


def test_typed_pounds_past_the_limit_are_refused():
    assert parse_pounds("1000000000") == MAX_PENCE
    for text in ("1000000000.01", "1e30", "-1000000000.01"):
        with pytest.raises(ValidationFailed) as refused:
            parse_pounds(text)
        assert refused.value.code == "too_large"


def test_claim_lines_past_the_limit_are_refused_on_their_field():
    Outcome("Care", MAX_PENCE, Decimal(1), Decimal(1))
    with pytest.raises(ValidationFailed) as refused:
        Outcome("Care", MAX_PENCE + 1, Decimal(1), Decimal(1))
    assert list(refused.value.fields) == ["unit_cost_pence"]
    Cost("Time", amount_pence=MAX_PENCE)
    with pytest.raises(ValidationFailed) as amount:
        Cost("Time", amount_pence=MAX_PENCE + 1)
    assert list(amount.value.fields) == ["amount_pence"]
    Cost("Time", hours=Decimal(1), rate_pence=MAX_PENCE)
    with pytest.raises(ValidationFailed) as rate:
        Cost("Time", hours=Decimal(1), rate_pence=MAX_PENCE + 1)
    assert list(rate.value.fields) == ["rate_pence"]
