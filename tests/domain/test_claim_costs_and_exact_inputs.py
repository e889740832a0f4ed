"""Issue 18's money rules, exactly (docs/money.md, "Exact inputs" and "Costs counted once"):

- shares and probabilities are exact fractions ("1/6") or decimals of up to six places; a finer
  decimal is refused (too_precise), never rounded; quantities keep four places and hours two;
- each line is worked out exactly and rounded once, halves away from zero: 1/6 of £259,000 is
  £43,166.67;
- a case's quick-win spend is carried by one claim, so it is netted once across the case's claims.
"""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasking.domain.cost_avoided import (
    HOURS_PLACES,
    QUANTITY_PLACES,
    CaseClaim,
    Cost,
    Outcome,
    carry_quick_win,
    costs_carried,
    reckon,
)
from tasking.domain.errors import ValidationFailed
from tasking.domain.money import pounds, round_pence
from tasking.domain.shares import MAX_PLACES, decimal_places, parse_decimal, parse_share

# One rounding, halves away from zero, on exact amounts ----------------------------------------------


@pytest.mark.parametrize(
    "amount, pence",
    [
        (Fraction(1, 3), 0),
        (Fraction(1, 2), 1),
        (Fraction(2, 3), 1),
        (Fraction(-1, 3), 0),
        (Fraction(-1, 2), -1),
        (Fraction(-2, 3), -1),
        (Fraction(5, 2), 3),
        (Fraction(7, 2), 4),
        (Fraction(-5, 2), -3),
        (Fraction(25_900_000, 6), 4_316_667),
        (Fraction(10**11 * 3 + 1, 3), 10**11),
        (7, 7),
        (-7, -7),
        (0, 0),
        (Decimal("2.5"), 3),
        (Decimal("-2.5"), -3),
        (Decimal("2.4999"), 2),
        (Decimal("0.5"), 1),
    ],
)
def test_rounding_an_exact_amount_once_halves_away_from_zero(amount, pence):
    assert round_pence(amount) == pence
    assert type(round_pence(amount)) is int


@pytest.mark.parametrize("amount", [0.5, True, "1", None])
def test_only_exact_amounts_are_rounded(amount):
    with pytest.raises(TypeError, match="money is rounded from an exact amount, not "):
        round_pence(amount)


def test_one_in_six_of_a_care_placement_is_rounded_once():
    care = Outcome("Care placement", 25_900_000, Decimal(1), Fraction(1, 6))
    assert care.exact_pence == Fraction(12_950_000, 3)
    assert care.expected_pence == 4_316_667 and pounds(care.expected_pence) == "£43,166.67"
    # The rounded decimal the service once required gives another sum: why it is refused now.
    cut = Outcome("Care placement", 25_900_000, Decimal(1), Fraction(Decimal("0.166667")))
    assert cut.expected_pence == 4_316_675
    # Quantity and probability multiply exactly before the one rounding: 3 x 1/3 of 1p is 1p.
    assert Outcome("x", 1, Decimal(3), Fraction(1, 3)).expected_pence == 1
    assert Outcome("x", 1, Decimal("0.5"), Fraction(1, 3)).exact_pence == Fraction(1, 6)


def test_a_probability_is_kept_as_the_fraction_it_equals():
    assert Outcome("x", 100, Decimal(1), Decimal("0.1")).probability == Fraction(1, 10)
    assert type(Outcome("x", 100, Decimal(1), Decimal("0.1")).probability) is Fraction
    assert Outcome("x", 100, Decimal(1), 1).probability == Fraction(1)
    assert Outcome("x", 100, Decimal(1), 0).expected_pence == 0
    assert Outcome("x", 100, Decimal(1), Fraction(1)).expected_pence == 100


@pytest.mark.parametrize("probability", [0.1, "1/6", True])
def test_a_probability_that_is_not_exact_is_a_programming_error(probability):
    with pytest.raises(TypeError, match="probability is exact"):
        Outcome("x", 100, Decimal(1), probability)


@pytest.mark.parametrize("probability", [Fraction(-1, 10**6), Fraction(1_000_001, 10**6)])
def test_a_probability_outside_nought_to_one_is_refused(probability):
    with pytest.raises(ValidationFailed) as refused:
        Outcome("x", 100, Decimal(1), probability)
    assert (refused.value.code, refused.value.fields) == (
        "out_of_range",
        {"probability": ["A probability is between 0 and 1."]},
    )


def test_a_quantity_keeps_four_places_and_no_more():
    assert QUANTITY_PLACES == 4 and HOURS_PLACES == 2
    assert Outcome("x", 10_000, Decimal("1.0001"), Fraction(1)).expected_pence == 10_001
    assert Outcome("x", 100, Decimal("2.50000"), Fraction(1)).expected_pence == 250  # the same number
    with pytest.raises(ValidationFailed) as refused:
        Outcome("x", 100, Decimal("1.00005"), Fraction(1))
    assert refused.value.code == "too_precise"
    assert refused.value.fields == {"quantity": ["At most 4 decimal places are kept; give no more."]}


def test_hours_keep_two_places_and_no_more():
    assert Cost("Area manager", hours=Decimal("2.25"), rate_pence=3_333).total_pence == 7_499  # 7499.25
    assert Cost("Area manager", hours=Decimal("0.5"), rate_pence=3).total_pence == 2  # 1.5 -> 2
    with pytest.raises(ValidationFailed) as refused:
        Cost("Area manager", hours=Decimal("2.505"), rate_pence=3_333)
    assert (refused.value.code, refused.value.fields) == (
        "too_precise",
        {"hours": ["At most 2 decimal places are kept; give no more."]},
    )


@pytest.mark.parametrize(
    "cost, field, message",
    [
        (dict(hours=Decimal("-0.01"), rate_pence=100), "hours", "Hours cannot be negative."),
        (dict(hours=Decimal(1), rate_pence=-1), "rate_pence", "A cost cannot be negative."),
        (dict(amount_pence=-1), "amount_pence", "A cost cannot be negative."),
    ],
)
def test_a_cost_is_never_negative(cost, field, message):
    with pytest.raises(ValidationFailed) as refused:
        Cost("c", **cost)
    assert (refused.value.code, refused.value.fields) == ("negative", {field: [message]})


def test_nothing_costs_nothing():
    assert Cost("c", amount_pence=0).total_pence == 0
    assert Cost("c", hours=Decimal(0), rate_pence=0).total_pence == 0


# Shares and decimals as typed -------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, share",
    [
        ("1/6", Fraction(1, 6)),
        (" 1 / 6 ", Fraction(1, 6)),
        ("2/12", Fraction(1, 6)),
        ("0/6", Fraction(0)),
        ("9/10", Fraction(9, 10)),
        ("1/1000000", Fraction(1, 10**6)),
        ("0.1", Fraction(1, 10)),
        (0.1, Fraction(1, 10)),  # a JSON number, read as its decimal text
        ("0.166667", Fraction(166_667, 10**6)),
        ("0.000001", Fraction(1, 10**6)),
        ("0.1000000000", Fraction(1, 10)),  # trailing zeros need no places
        ("1", Fraction(1)),
        (1, Fraction(1)),
        (0, Fraction(0)),
        ("0", Fraction(0)),
        (Decimal("0.25"), Fraction(1, 4)),
        (Fraction(1, 6), Fraction(1, 6)),
    ],
)
def test_a_share_is_a_fraction_or_a_decimal_of_up_to_six_places(typed, share):
    assert MAX_PLACES == 6
    parsed = parse_share(typed)
    assert parsed == share and type(parsed) is Fraction


@pytest.mark.parametrize(
    "typed, code, message",
    [
        (
            "0.1666666666",
            "too_precise",
            "At most 6 decimal places are kept; write a recurring share as a fraction (1/6), so that it is not rounded.",
        ),
        (
            0.1666666666,
            "too_precise",
            "At most 6 decimal places are kept; write a recurring share as a fraction (1/6), so that it is not rounded.",
        ),
        (
            "0.0000001",
            "too_precise",
            "At most 6 decimal places are kept; write a recurring share as a fraction (1/6), so that it is not rounded.",
        ),
        (
            "1E-7",
            "too_precise",
            "At most 6 decimal places are kept; write a recurring share as a fraction (1/6), so that it is not rounded.",
        ),
        ("1.5", "out_of_range", "Give a share between 0 and 1."),
        ("-0.5", "out_of_range", "Give a share between 0 and 1."),
        ("7/6", "out_of_range", "Give a share between 0 and 1."),
        ("1E+99999999", "out_of_range", "Give a share between 0 and 1."),  # refused without being worked out
        ("1/0", "not_a_share", "A fraction's bottom number is between 1 and 1,000,000."),
        ("1/1000001", "not_a_share", "A fraction's bottom number is between 1 and 1,000,000."),
        (Fraction(1, 1_000_001), "not_a_share", "A fraction's bottom number is between 1 and 1,000,000."),
        ("-1/6", "not_a_share", "Write a fraction as two whole numbers, such as 1/6."),
        ("1/6/2", "not_a_share", "Write a fraction as two whole numbers, such as 1/6."),
        ("/6", "not_a_share", "Write a fraction as two whole numbers, such as 1/6."),
        ("1/", "not_a_share", "Write a fraction as two whole numbers, such as 1/6."),
        ("\u00b2/3", "not_a_share", "Write a fraction as two whole numbers, such as 1/6."),
        ("0.5/1", "not_a_share", "Write a fraction as two whole numbers, such as 1/6."),
        ("one in six", "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        ("NaN", "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        ("Infinity", "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        ("", "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        ("   ", "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        ("1" * 41, "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        (None, "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        (True, "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
        ([1], "not_a_share", "Give a number such as 0.25 or a fraction such as 1/6."),
    ],
)
def test_a_share_that_cannot_be_kept_exactly_or_is_not_one_is_refused(typed, code, message):
    with pytest.raises(ValidationFailed) as refused:
        parse_share(typed, "attribution")
    assert (refused.value.code, refused.value.message, refused.value.fields) == (
        code,
        message,
        {"attribution": [message]},
    )


def test_a_share_may_have_other_bounds():
    assert parse_share("1/2", low=Fraction(1, 2), high=Fraction(1, 2)) == Fraction(1, 2)
    for typed in ("0.49", "0.51", "1/3", "2/3"):
        with pytest.raises(ValidationFailed, match=r"^Give a share between 1/2 and 1/2\.$"):
            parse_share(typed, low=Fraction(1, 2), high=Fraction(1, 2))


def test_forty_characters_are_read():
    typed = "0." + "0" * 37 + "1"  # 40 characters, too precise but read
    assert len(typed) == 40
    with pytest.raises(ValidationFailed) as refused:
        parse_share(typed)
    assert refused.value.code == "too_precise"
    assert parse_share("0.5" + "0" * 37) == Fraction(1, 2)


@pytest.mark.parametrize(
    "number, places",
    [
        (Decimal("2.5"), 1),
        (Decimal("2.50"), 1),
        (Decimal("2.05"), 2),
        (Decimal("2"), 0),
        (Decimal("2.0"), 0),
        (Decimal("0"), 0),
        (Decimal("0.000"), 0),
        (Decimal("2E+3"), 0),
        (Decimal("1E-7"), 7),
        (Decimal("120"), 0),
        (Decimal("1.20E-2"), 3),
    ],
)
def test_the_places_a_decimal_needs(number, places):
    assert decimal_places(number) == places


@pytest.mark.parametrize(
    "typed, number",
    [("2.5", Decimal("2.5")), (2.5, Decimal("2.5")), (3, Decimal(3)), ("0", Decimal(0)), ("1.0001", Decimal("1.0001"))],
)
def test_a_decimal_is_read_exactly(typed, number):
    assert parse_decimal(typed, "quantity", places=4, low=Decimal(0), high=Decimal(10)) == number


@pytest.mark.parametrize(
    "typed, code, message",
    [
        ("1.00005", "too_precise", "At most 4 decimal places are kept; give no more."),
        (1.00005, "too_precise", "At most 4 decimal places are kept; give no more."),
        ("10.0001", "out_of_range", "Give a number between 0 and 10."),
        ("-1", "out_of_range", "Give a number between 0 and 10."),
        ("1E+99999999", "out_of_range", "Give a number between 0 and 10."),
        ("1/2", "not_a_number", "Give a number such as 2.5."),
        ("two", "not_a_number", "Give a number such as 2.5."),
        ("NaN", "not_a_number", "Give a number such as 2.5."),
        (None, "not_a_number", "Give a number such as 2.5."),
        (False, "not_a_number", "Give a number such as 2.5."),
    ],
)
def test_a_decimal_that_cannot_be_kept_exactly_is_refused(typed, code, message):
    with pytest.raises(ValidationFailed) as refused:
        parse_decimal(typed, "quantity", places=4, low=Decimal(0), high=Decimal(10))
    assert (refused.value.code, refused.value.fields) == (code, {"quantity": [message]})


# Costs counted once -----------------------------------------------------------------------------


def claims(*specs):
    return [CaseClaim(i, state, quick_win) for i, state, quick_win in specs]


def test_the_earliest_estimated_claim_carries_the_spend_and_no_other():
    assert carry_quick_win(claims((7, "estimated", 0), (3, "estimated", 10_000), (5, "estimated", 10_000)), 10_000) == {
        3: 10_000,
        5: 0,
        7: 0,
    }


def test_two_claims_on_a_case_with_100_pounds_of_spend_net_it_once():
    lines = [
        Outcome("Eviction", 700_000, Decimal(1), Fraction(1, 5)),
        Outcome("Care", 25_900_000, Decimal(1), Fraction(1, 10)),
    ]
    carried = carry_quick_win(claims((1, "estimated", 0), (2, "estimated", 0)), 10_000)
    nets = [reckon([line], [], carried[i + 1]).net_pence for i, line in enumerate(lines)]
    assert nets == [140_000 - 10_000, 2_590_000]
    assert sum(nets) == 140_000 + 2_590_000 - 10_000


def test_a_verified_claim_keeps_what_it_carried_and_the_rest_goes_to_the_earliest_estimated():
    assert carry_quick_win(claims((1, "verified", 6_000), (2, "estimated", 0), (3, "estimated", 0)), 10_000) == {
        1: 6_000,
        2: 4_000,
        3: 0,
    }
    # Verified claims never change, whatever the spend now.
    assert carry_quick_win(claims((1, "verified", 6_000), (2, "verified", 0)), 10_000) == {1: 6_000, 2: 0}


def test_a_spend_reversed_after_a_verification_pushes_no_net_up():
    assert carry_quick_win(claims((1, "verified", 10_000), (2, "estimated", 0)), 4_000) == {1: 10_000, 2: 0}


def test_a_claim_found_not_supported_keeps_its_figures_and_the_spend_moves_on():
    assert carry_quick_win(claims((1, "not_supported", 10_000), (2, "estimated", 0), (3, "estimated", 0)), 10_000) == {
        1: 10_000,
        2: 10_000,
        3: 0,
    }
    assert carry_quick_win(claims((1, "not_supported", 10_000), (2, "verified", 0)), 10_000) == {1: 10_000, 2: 0}


def test_no_claims_carry_nothing_and_no_spend_is_carried_as_nothing():
    assert carry_quick_win([], 10_000) == {}
    assert carry_quick_win(claims((1, "estimated", 500)), 0) == {1: 0}


claim_lists = st.lists(
    st.tuples(st.sampled_from(("estimated", "verified", "not_supported")), st.integers(0, 10**6)), max_size=8
).map(lambda specs: [CaseClaim(i + 1, state, qw) for i, (state, qw) in enumerate(specs)])


@given(claim_lists, st.integers(0, 10**7))
def test_verified_and_estimated_claims_carry_the_spend_exactly_once(claims_on_a_case, spent):
    carried = carry_quick_win(claims_on_a_case, spent)
    counted = [c for c in claims_on_a_case if c.state != "not_supported"]
    verified = sum(c.quick_win_pence for c in counted if c.state == "verified")
    estimated = [c for c in claims_on_a_case if c.state == "estimated"]
    assert sorted(carried) == [c.id for c in claims_on_a_case]
    assert all(carried[c.id] == c.quick_win_pence for c in claims_on_a_case if c.state != "estimated")
    assert len([c for c in estimated if carried[c.id]]) <= 1
    if estimated:
        assert sum(carried[c.id] for c in counted) == max(spent, verified)
        assert carried[estimated[0].id] == max(spent - verified, 0)


# What each claim says it carries ------------------------------------------------------------------


@pytest.mark.parametrize(
    "state, quick_win, other, says",
    [
        (
            "estimated",
            10_000,
            34_700,
            "Carries £100.00 of the case's quick-win spend, netted on this claim and no other, and its own other "
            "costs of £347.00.",
        ),
        (
            "verified",
            0,
            0,
            "Carries none of the case's quick-win spend (a case's spend is netted once, on one of its claims), "
            "and its own other costs of £0.00.",
        ),
        (
            "not_supported",
            10_000,
            34_700,
            "Not supported, so counted in no total. As decided it carried £100.00 of the case's quick-win spend, "
            "which now counts on the case's other claims, and its own other costs of £347.00.",
        ),
        (
            "not_supported",
            0,
            34_700,
            "Not supported, so counted in no total. It carried none of the case's quick-win spend, and its own "
            "other costs of £347.00.",
        ),
    ],
)
def test_each_claim_says_which_costs_it_carries(state, quick_win, other, says):
    assert costs_carried(state, quick_win, other) == says


def test_a_claim_being_verified_takes_what_verified_claims_do_not_carry():
    from tasking.domain.cost_avoided import CaseClaim, carry_quick_win

    claims = [CaseClaim(1, "estimated", 10_000), CaseClaim(2, "estimated", 0), CaseClaim(3, "verified", 3_000)]
    assert carry_quick_win(claims, 10_000, verifying=2) == {1: 0, 2: 7_000, 3: 3_000}
    assert carry_quick_win(claims, 10_000) == {1: 7_000, 2: 0, 3: 3_000}
    assert carry_quick_win(claims, 2_000, verifying=2) == {1: 0, 2: 0, 3: 3_000}
