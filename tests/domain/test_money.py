"""Money rules: pence, financial years, the budget, and cost avoided with its rounding rule."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasking.domain.budget import BudgetExceeded, check_allocation, check_spend
from tasking.domain.cost_avoided import ClaimRefused, Cost, Outcome, check_decision, check_editable, reckon
from tasking.domain.errors import ValidationFailed
from tasking.domain.money import financial_year, financial_year_bounds, financial_year_label, pounds, round_pence


def test_the_seeds_worked_example():
    # Family 1 cost £26,197 helped late; Family 2 £347 helped early: £25,850 cheaper.
    late = reckon(
        [Outcome("Family helped late", 2_619_700, Decimal(1), Decimal(1))],
        [Cost("Family helped early", amount_pence=34_700)],
        quick_win_pence=0,
    )
    assert (late.gross_pence, late.incurred_pence, late.net_pence) == (2_619_700, 34_700, 2_585_000)
    assert pounds(late.net_pence) == "£25,850.00"
    # A one-in-ten chance of a £259,000 care placement is £25,900 of expected cost avoided.
    care = Outcome("Care placement", 25_900_000, Decimal(1), Decimal("0.1"))
    assert care.expected_pence == 2_590_000 and pounds(care.expected_pence) == "£25,900.00"


def test_sums_that_floats_get_wrong_are_exact():
    assert 0.1 + 0.2 != 0.3  # why money is never a float here
    lines = [Outcome("x", 10, Decimal(1), Decimal("0.1")), Outcome("y", 20, Decimal(1), Decimal("0.1"))]
    assert reckon(lines, [], 0).gross_pence == 3
    many = [Outcome("penny", 1, Decimal(1), Decimal(1))] * 1_000_000
    assert sum(o.expected_pence for o in many[:10]) == 10
    assert round_pence(Decimal("0.1") * 3 * 1000) == 300


@pytest.mark.parametrize(
    "value, pence", [(Decimal("0.5"), 1), (Decimal("1.5"), 2), (Decimal("2.4999"), 2), (Decimal("-0.5"), -1)]
)
def test_rounding_is_half_away_from_zero(value, pence):
    assert round_pence(value) == pence


def test_staff_time_at_a_rate():
    assert Cost("Area manager", hours=Decimal("2.5"), rate_pence=3_333).total_pence == 8_333  # 8332.5 -> 8333


def test_costs_are_an_amount_or_time_not_both():
    with pytest.raises(ValidationFailed):
        Cost("both", amount_pence=1, hours=Decimal(1), rate_pence=1)
    with pytest.raises(ValidationFailed):
        Cost("neither")


@pytest.mark.parametrize("probability", [Decimal("-0.01"), Decimal("1.01")])
def test_probability_is_between_zero_and_one(probability):
    with pytest.raises(ValidationFailed) as refused:
        Outcome("x", 100, Decimal(1), probability)
    assert list(refused.value.fields) == ["probability"]


@pytest.mark.parametrize("day, year", [(date(2027, 3, 31), 2026), (date(2027, 4, 1), 2027), (date(2026, 1, 1), 2025)])
def test_financial_years_turn_on_the_first_of_april(day, year):
    assert financial_year(day) == year


def test_financial_year_bounds_and_label():
    assert financial_year_bounds(2026) == (date(2026, 4, 1), date(2027, 3, 31))
    assert financial_year_label(2026) == "2026-27" and financial_year_label(2099) == "2099-00"


def test_pounds():
    assert pounds(0) == "£0.00" and pounds(1_000_000) == "£10,000.00" and pounds(-15_000) == "-£150.00"


def test_the_budget_refuses_a_spend_past_the_allocation():
    assert check_spend(1_000_000, 999_000, 1_000) == 0
    with pytest.raises(BudgetExceeded) as refused:
        check_spend(1_000_000, 999_000, 1_001)
    assert refused.value.remaining == 1_000
    with pytest.raises(ValidationFailed):
        check_spend(1_000_000, 0, 0)


def test_an_allocation_cannot_drop_below_the_spend():
    check_allocation(500, 500)
    with pytest.raises(BudgetExceeded):
        check_allocation(499, 500)


def test_claim_decisions():
    check_decision("estimated", "verified", None)
    with pytest.raises(ValidationFailed, match="Say why") as refused:
        check_decision("estimated", "not_supported", " ")
    assert list(refused.value.fields) == ["reason"]
    for state in ("verified", "not_supported"):
        with pytest.raises(ClaimRefused):
            check_decision(state, "verified", None)
        with pytest.raises(ClaimRefused):
            check_editable(state)


@given(
    st.lists(
        st.tuples(st.integers(0, 10**9), st.decimals(0, 1000, places=2), st.decimals(0, 1, places=4)), max_size=20
    ),
    st.lists(st.integers(0, 10**8), max_size=10),
    st.integers(0, 10**8),
)
def test_totals_are_the_sums_of_the_rounded_lines(lines, costs, quick_win):
    outcomes = [Outcome("o", unit, qty, prob) for unit, qty, prob in lines]
    result = reckon(outcomes, [Cost("c", amount_pence=c) for c in costs], quick_win)
    assert result.gross_pence == sum(o.expected_pence for o in outcomes)
    assert result.net_pence == result.gross_pence - quick_win - sum(costs)
    assert all(isinstance(v, int) for v in (result.gross_pence, result.net_pence, result.incurred_pence))


@pytest.mark.parametrize("text, pence", [("250", 25_000), ("£1,250.50", 125_050), (" 0.01 ", 1), ("19.9", 1_990)])
def test_parse_pounds(text, pence):
    from tasking.domain.money import parse_pounds

    assert parse_pounds(text) == pence


@pytest.mark.parametrize("text", ["", "abc", "1.234", "NaN", "£"])
def test_parse_pounds_refuses_what_is_not_money(text):
    from tasking.domain.money import parse_pounds

    with pytest.raises(ValidationFailed):
        parse_pounds(text)


def test_a_report_period_runs_between_the_years_2000_and_2099():
    from datetime import date

    from tasking.domain.errors import ValidationFailed
    from tasking.domain.money import check_period

    check_period(date(2000, 1, 1), date(2099, 12, 31))
    for start, end, field in (
        (date(1999, 12, 31), date(2026, 1, 1), "start"),
        (date(2026, 1, 1), date(2100, 1, 1), "end"),
        (date(2026, 1, 1), date(9999, 12, 31), "end"),
    ):
        try:
            check_period(start, end)
        except ValidationFailed as refused:
            assert (refused.code, refused.fields) == (
                "out_of_range",
                {field: ["Choose a date from 1 January 2000 to 31 December 2099."]},
            )
        else:
            raise AssertionError(f"{start}..{end} was taken")
