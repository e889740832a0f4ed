"""The value method (tasking/domain/appraisal.py; docs/money.md, "The value method"): each
adjustment exactly, the range, the totals, neutral adjustments giving the pilot's own figures, and
attribution over linked cases never crediting more than the whole outcome."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasking.domain.appraisal import (
    GRADES,
    MAX_BENEFIT_YEARS,
    Adjustments,
    ClaimValue,
    Credit,
    LineValue,
    ValueMethod,
    check_attribution,
    expected_value,
    optimism_bias,
    outcome_key,
    present_value_factor,
    price_uplift,
    total,
    value_line,
)
from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.money import round_pence
from tasking.domain.policy import DEFAULT_OPTIMISM_BIAS, Policy

# A few years of the shipped table (tasking/data/gdp_deflators.toml, 2024 = 100).
DEFLATORS = {2019: Fraction("81.1085"), 2020: Fraction("85.2137"), 2023: Fraction("96.2507"), 2024: Fraction(100)}
METHOD = ValueMethod(Fraction(35, 1000), dict(DEFAULT_OPTIMISM_BIAS), DEFLATORS)
CARE = expected_value(25_900_000, Decimal(1), Decimal("0.1"))  # 1/10 x £259,000


def line(expected=CARE, reporting_year=2026, **adjustments) -> LineValue:
    return value_line(expected, Adjustments(**adjustments), METHOD, reporting_year)


def figures(value: LineValue) -> tuple[int, int, int, int]:
    return (value.expected_pence, value.low_pence, value.adjusted_pence, value.high_pence)


# Worked examples, to the penny


def test_the_care_placement_with_deadweight_and_attribution():
    # £25,900 expected; a quarter would have happened anyway; half the credit is this case's:
    # 2,590,000 x 3/4 x 1/2 = 971,250 pence exactly.
    value = line(
        deadweight=Fraction(1, 4), deadweight_reason="Some families recover unaided", attribution=Fraction(1, 2)
    )
    assert figures(value) == (2_590_000, 971_250, 971_250, 971_250)
    assert (value.optimism_bias, value.price_uplift, value.present_value) == (0, 1, 1)


def test_a_graded_unit_cost_is_corrected_and_the_range_is_one_correction_either_side():
    # Grade 4 corrects by 15%: 971,250 x 0.85 = 825,562.5, a half, rounded away from zero;
    # low counts the correction twice (x 0.70), high not at all.
    value = line(deadweight=Fraction(1, 4), deadweight_reason="r", attribution=Fraction(1, 2), confidence_grade=4)
    assert figures(value) == (2_590_000, 679_875, 825_563, 971_250)
    assert value.optimism_bias == Fraction(3, 20)


def test_three_years_with_a_tenth_dropping_off_each_year_discounted_at_three_and_a_half_per_cent():
    # Each later year is 0.9 / 1.035 = 20/23 of the one before: 1 + 20/23 + 400/529 = 1389/529.
    value = line(expected=Fraction(1_000_000), benefit_years=3, drop_off=Fraction(1, 10))
    assert value.present_value == Fraction(1389, 529)
    assert figures(value) == (1_000_000, 2_625_709, 2_625_709, 2_625_709)  # 2,625,708.88...


def test_a_catalogue_cost_is_brought_to_the_reporting_years_prices():
    # £1,000 priced in 2019, reported in 2020: x 85.2137 / 81.1085 = 1,050.61368...
    value = line(expected=Fraction(100_000), reporting_year=2020, price_year=2019)
    assert value.price_uplift == Fraction(852137, 811085)
    assert figures(value) == (100_000, 105_061, 105_061, 105_061)


def test_past_the_tables_last_year_no_rise_in_prices_is_assumed():
    # Reported in 2026, the table ending at 2024: brought to 2024 prices (x 100 / 81.1085).
    assert line(expected=Fraction(100_000), price_year=2019).adjusted_pence == 123_292
    assert price_uplift(2019, 2026, DEFLATORS) == Fraction(100) / Fraction("81.1085")
    assert price_uplift(2025, 2026, DEFLATORS) == 1
    assert price_uplift(2024, 2019, DEFLATORS) == Fraction("81.1085") / 100  # a later price is deflated


def test_every_adjustment_at_once():
    value = line(
        expected=expected_value(498_000, Decimal(2), Decimal("0.25")),  # two weeks at £4,980, one in four
        reporting_year=2024,
        deadweight=Fraction(1, 5),
        deadweight_reason="Placements end early anyway",
        attribution=Fraction(2, 3),
        confidence_grade=5,
        price_year=2023,
        benefit_years=2,
        drop_off=Fraction(1, 2),
        cashable=True,
    )
    # 249,000 x 4/5 x 2/3 x (100 / 96.2507) x (1 + (1/2) / 1.035), then x 3/4, x 1/2 and x 1
    base = Fraction(249_000) * Fraction(4, 5) * Fraction(2, 3) * (Fraction(100) / Fraction("96.2507"))
    base *= 1 + Fraction(1, 2) / Fraction(207, 200)
    assert figures(value) == (249_000, round_pence(base / 2), round_pence(base * 3 / 4), round_pence(base))
    assert figures(value) == (249_000, 102_313, 153_470, 204_627)  # 204,626.66 before rounding
    assert value.cashable is True


# Each factor


def test_the_optimism_bias_correction_is_the_configured_one_for_the_grade():
    assert optimism_bias(None, METHOD) == 0
    assert [optimism_bias(grade, METHOD) for grade in GRADES] == [
        Fraction(0),
        Fraction(1, 20),
        Fraction(1, 10),
        Fraction(3, 20),
        Fraction(1, 4),
        Fraction(2, 5),
    ]


def test_the_low_figure_is_never_below_nothing():
    harsh = ValueMethod(Fraction(0), {6: Fraction(3, 5)}, {})
    value = value_line(Fraction(1_000), Adjustments(confidence_grade=6), harsh, 2026)
    assert (value.low_pence, value.adjusted_pence, value.high_pence) == (0, 400, 1_000)
    exactly_half = ValueMethod(Fraction(0), {6: Fraction(1, 2)}, {})
    assert value_line(Fraction(1_000), Adjustments(confidence_grade=6), exactly_half, 2026).low_pence == 0


def test_the_present_value_factor():
    assert present_value_factor(1, Fraction(9, 10), Fraction(35, 1000)) == 1  # year 0 is whole and undiscounted
    assert present_value_factor(2, Fraction(0), Fraction(35, 1000)) == 1 + Fraction(200, 207)
    assert present_value_factor(4, Fraction(0), Fraction(0)) == 4
    assert present_value_factor(30, Fraction(1), Fraction(35, 1000)) == 1  # all gone after the first year


def test_a_price_uplift_needs_the_table():
    assert price_uplift(None, 2026, {}) == 1
    assert price_uplift(2026, 2026, {}) == 1
    with pytest.raises(ValidationFailed) as refused:
        price_uplift(2019, 2026, {})
    assert refused.value.message == (
        "No GDP deflator table is configured, so a cost priced in 2019 cannot be brought to 2026 prices."
    )
    assert (refused.value.code, refused.value.fields) == ("no_deflator", {"price_year": [refused.value.message]})
    with pytest.raises(ValidationFailed) as early:
        price_uplift(2018, 2026, DEFLATORS)
    assert early.value.message == "The GDP deflator table has no figure for 2018; it covers 2019 to 2024."
    assert (early.value.code, early.value.fields) == ("no_deflator", {"price_year": [early.value.message]})
    with pytest.raises(ValidationFailed) as gap:
        price_uplift(2019, 2021, DEFLATORS)
    assert gap.value.message == "The GDP deflator table has no figure for 2021; it covers 2019 to 2024."


def test_the_expected_value_is_exact():
    assert expected_value(25_900_000, Decimal(1), Fraction(1, 6)) == Fraction(12_950_000, 3)
    assert expected_value(3, Decimal("0.5"), Decimal("0.5")) == Fraction(3, 4)
    assert expected_value(7, 2, Fraction(1, 2)) == 7


# What may be given


@pytest.mark.parametrize("name", ["deadweight", "attribution", "drop_off"])
@pytest.mark.parametrize("share", [Fraction(-1, 100), Fraction(101, 100)])
def test_shares_are_between_nothing_and_the_whole(name, share):
    with pytest.raises(ValidationFailed) as refused:
        Adjustments(**{name: share, "deadweight_reason": "r"})
    assert (refused.value.message, refused.value.code) == ("A share is between 0 and 1.", "out_of_range")
    assert refused.value.fields == {name: ["A share is between 0 and 1."]}


@pytest.mark.parametrize("share", [Fraction(0), Fraction(1)])
def test_the_ends_are_shares(share):
    Adjustments(deadweight=share, deadweight_reason="r", attribution=share, drop_off=share)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_deadweight_needs_a_reason(reason):
    with pytest.raises(ValidationFailed) as refused:
        Adjustments(deadweight=Fraction(1, 100), deadweight_reason=reason)
    message = "Say why part of the outcome would have happened anyway."
    assert (refused.value.message, refused.value.code) == (message, "reason_required")
    assert refused.value.fields == {"deadweight_reason": [message]}
    Adjustments(deadweight=Fraction(0), deadweight_reason=reason)  # none: nothing to explain


@pytest.mark.parametrize("grade", [0, 7])
def test_a_grade_is_one_to_six(grade):
    with pytest.raises(ValidationFailed) as refused:
        Adjustments(confidence_grade=grade)
    assert (refused.value.message, refused.value.code) == ("A confidence grade is 1 to 6.", "out_of_range")
    assert refused.value.fields == {"confidence_grade": ["A confidence grade is 1 to 6."]}
    assert GRADES == (1, 2, 3, 4, 5, 6)


@pytest.mark.parametrize("years", [0, MAX_BENEFIT_YEARS + 1])
def test_a_benefit_lasts_one_to_thirty_years(years):
    with pytest.raises(ValidationFailed) as refused:
        Adjustments(benefit_years=years)
    assert (refused.value.message, refused.value.code) == ("A benefit lasts 1 to 30 years.", "out_of_range")
    assert refused.value.fields == {"benefit_years": ["A benefit lasts 1 to 30 years."]}
    Adjustments(benefit_years=1)
    Adjustments(benefit_years=MAX_BENEFIT_YEARS)


def test_the_defaults_are_neutral():
    assert Adjustments() == Adjustments(
        deadweight=Fraction(0),
        deadweight_reason=None,
        attribution=Fraction(1),
        confidence_grade=None,
        price_year=None,
        benefit_years=1,
        drop_off=Fraction(0),
        cashable=False,
    )


# Neutral adjustments give today's figures; a claim's totals are the sums of its lines

UNIT_COSTS = st.integers(min_value=0, max_value=10**11)
QUANTITIES = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
PROBABILITIES = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)
NEUTRAL = st.sampled_from(
    [
        Adjustments(),
        Adjustments(price_year=2026),  # the reporting year's own prices
        Adjustments(confidence_grade=1),  # a grade whose correction is nothing
        Adjustments(drop_off=Fraction(1, 3)),  # one year: nothing drops off
        Adjustments(cashable=True),
        Adjustments(deadweight=Fraction(0), deadweight_reason="none", attribution=Fraction(1)),
    ]
)


@given(UNIT_COSTS, QUANTITIES, PROBABILITIES, NEUTRAL)
def test_with_neutral_adjustments_a_line_is_worth_todays_figure(unit, quantity, probability, neutral):
    today = round_pence(Decimal(unit) * quantity * probability)  # the pilot's formula, rounded once
    value = value_line(expected_value(unit, quantity, probability), neutral, METHOD, 2026)
    assert figures(value) == (today, today, today, today)


@given(st.lists(st.tuples(UNIT_COSTS, QUANTITIES, PROBABILITIES, NEUTRAL), max_size=8))
def test_with_neutral_adjustments_any_claim_is_worth_todays_gross(lines):
    today = sum(round_pence(Decimal(u) * q * p) for u, q, p, _ in lines)  # gross: the sum of rounded lines
    claim = total(value_line(expected_value(u, q, p), a, METHOD, 2026) for u, q, p, a in lines)
    assert (claim.low_pence, claim.adjusted_pence, claim.high_pence) == (today, today, today)


SHARES = st.fractions(min_value=0, max_value=1, max_denominator=12)
ADJUSTMENTS = st.builds(
    Adjustments,
    deadweight=SHARES,
    deadweight_reason=st.just("reason"),
    attribution=SHARES,
    confidence_grade=st.none() | st.sampled_from(GRADES),
    price_year=st.none() | st.sampled_from(sorted(DEFLATORS)),
    benefit_years=st.integers(min_value=1, max_value=MAX_BENEFIT_YEARS),
    drop_off=SHARES,
    cashable=st.booleans(),
)
LINES = st.lists(st.tuples(UNIT_COSTS, QUANTITIES, PROBABILITIES, ADJUSTMENTS), max_size=8)


@given(LINES)
def test_a_claims_totals_are_the_sums_of_its_lines(lines):
    values = [value_line(expected_value(u, q, p), a, METHOD, 2024) for u, q, p, a in lines]
    claim = total(values)
    assert claim == ClaimValue(
        adjusted_pence=sum(v.adjusted_pence for v in values),
        low_pence=sum(v.low_pence for v in values),
        high_pence=sum(v.high_pence for v in values),
        cashable_pence=sum(v.adjusted_pence for v in values if v.cashable),
    )
    assert claim.non_cashable_pence == sum(v.adjusted_pence for v in values if not v.cashable)
    assert claim.low_pence <= claim.adjusted_pence <= claim.high_pence
    assert all(0 <= v.low_pence <= v.adjusted_pence <= v.high_pence for v in values)


def test_an_empty_claim_is_worth_nothing():
    assert total([]) == ClaimValue(0, 0, 0, 0)


# Attribution over linked cases

CARE_KEY = outcome_key(None, "Care placement avoided")


def test_the_same_outcome_is_the_same_catalogue_entry_or_description():
    assert outcome_key(7, "anything") == ("unit_cost", 7) == outcome_key(7, "something else")
    assert outcome_key(None, "  Care   placement AVOIDED ") == ("description", "care placement avoided") == CARE_KEY
    assert outcome_key(None, "Care placement avoided") != outcome_key(3, "Care placement avoided")


def credit(case_id, share, key=CARE_KEY, description="Care placement avoided"):
    return Credit(case_id, key, share, description)


def test_two_agencies_on_linked_cases_share_one_outcome():
    links = {1: {2}, 2: {1}}
    existing = [credit(2, Fraction(1, 2))]
    check_attribution(1, [credit(1, Fraction(1, 2))], existing, links)  # exactly the whole: fine
    with pytest.raises(Conflict) as refused:
        check_attribution(1, [credit(1, Fraction(3, 5))], existing, links)
    assert refused.value.code == "attribution_exceeded"
    assert refused.value.message == (
        "Claims on this case and the cases linked to it already credit 0.5 of “Care placement avoided”; "
        "this claim's 0.6 would credit more than the whole outcome. Attribute at most 0.5 to it here."
    )
    check_attribution(3, [credit(3, Fraction(1))], existing, links)  # an unlinked case: its own outcome
    check_attribution(1, [credit(1, Fraction(1), key=outcome_key(5, "x"))], existing, links)  # another outcome


def test_a_claims_own_lines_for_one_outcome_count_together():
    with pytest.raises(Conflict) as refused:
        check_attribution(1, [credit(1, Fraction(2, 3)), credit(1, Fraction(1, 2))], [], {})
    assert "this claim's 7/6 would credit" in refused.value.message
    assert "already credit 0 of" in refused.value.message


def test_credit_around_a_linked_case_counts_its_own_links_too():
    # 1 - 2 - 3: claims on 3 are not linked to 1, but 2 sees both.
    links = {1: {2}, 2: {1, 3}, 3: {2}}
    existing = [credit(3, Fraction(3, 4))]
    with pytest.raises(Conflict) as refused:
        check_attribution(1, [credit(1, Fraction(1, 2))], existing, links, {2: "SW-2026-0002"})
    assert refused.value.message == (
        "Claims on case SW-2026-0002 and its links already credit 0.75 of “Care placement avoided”; "
        "this claim's 0.5 would credit more than the whole outcome. Attribute at most 0.25 to it here."
    )
    with pytest.raises(Conflict) as unnamed:
        check_attribution(1, [credit(1, Fraction(1, 2))], existing, links)
    assert unnamed.value.message.startswith("Claims on case 2 and its links already credit 0.75")
    check_attribution(1, [credit(1, Fraction(1, 4))], existing, links)


def test_more_than_the_whole_already_leaves_nothing():
    # Links made after the claims can leave an outcome over-credited; nothing more is then allowed.
    with pytest.raises(Conflict) as refused:
        check_attribution(1, [credit(1, Fraction(0))], [credit(1, Fraction(1)), credit(2, Fraction(1))], {1: {2}})
    assert "already credit 2 of" in refused.value.message
    assert refused.value.message.endswith("Attribute at most 0 to it here.")


def scope_totals(credits, links, cases, keys):
    return {
        (case, key): sum(
            (c.attribution for c in credits if c.key == key and c.case_id in {case, *links.get(case, ())}), Fraction(0)
        )
        for case in cases
        for key in keys
    }


CASES = [1, 2, 3, 4, 5]
KEYS = [outcome_key(None, "care"), outcome_key(1, "respite")]


@given(
    st.sets(st.tuples(st.sampled_from(CASES), st.sampled_from(CASES)).filter(lambda p: p[0] != p[1]), max_size=6),
    st.lists(
        st.tuples(
            st.sampled_from(CASES),
            st.lists(st.tuples(st.sampled_from(KEYS), st.fractions(0, 1, max_denominator=6)), min_size=1, max_size=2),
        ),
        max_size=12,
    ),
)
def test_attribution_over_linked_cases_never_exceeds_the_whole(pairs, claims):
    links: dict[int, set[int]] = {}
    for one, other in pairs:  # links are stored both ways
        links.setdefault(one, set()).add(other)
        links.setdefault(other, set()).add(one)
    accepted: list[Credit] = []
    for case_id, lines in claims:
        new = [Credit(case_id, key, share) for key, share in lines]
        would_be = scope_totals(accepted + new, links, CASES, KEYS)
        try:
            check_attribution(case_id, new, accepted, links)
        except Conflict:
            assert max(would_be.values()) > 1  # refused only when something would pass the whole
        else:
            accepted += new
    assert all(share <= 1 for share in scope_totals(accepted, links, CASES, KEYS).values())


# The configuration


def test_the_value_methods_documented_defaults():
    for policy in (Policy(), Policy.from_config({})):
        assert policy.discount_rate == Fraction(35, 1000)  # the Green Book's 3.5%
        assert policy.optimism_bias == {
            1: Fraction(0),
            2: Fraction(5, 100),
            3: Fraction(10, 100),
            4: Fraction(15, 100),
            5: Fraction(25, 100),
            6: Fraction(40, 100),
        }
        assert policy.gdp_deflators == {}
        assert policy.value_method == ValueMethod(Fraction(35, 1000), policy.optimism_bias, {})


def test_the_value_method_is_configured_exactly():
    policy = Policy.from_config(
        {
            "DISCOUNT_RATE": 0.03,  # a JSON or environment number is read as its decimal text
            "OPTIMISM_BIAS_BY_GRADE": {"6": "0.5", 2: "1/8"},
            "GDP_DEFLATORS": {"2023": "96.2507", 2024: 100},
        }
    )
    assert policy.discount_rate == Fraction(3, 100)
    assert policy.optimism_bias == {**DEFAULT_OPTIMISM_BIAS, 2: Fraction(1, 8), 6: Fraction(1, 2)}
    assert policy.gdp_deflators == {2023: Fraction(962507, 10000), 2024: Fraction(100)}
    assert Policy.from_config({"DISCOUNT_RATE": "7/200"}).discount_rate == Fraction(7, 200)
    assert DEFAULT_OPTIMISM_BIAS[2] == Fraction(1, 20)  # configuring one policy leaves the defaults alone


@pytest.mark.parametrize(
    "grades, message",
    [
        ({"7": "0.1"}, "OPTIMISM_BIAS_BY_GRADE: 7 is not a confidence grade (1 to 6)"),
        ({"0": "0.1"}, "OPTIMISM_BIAS_BY_GRADE: 0 is not a confidence grade (1 to 6)"),
        ({"3": "1.5"}, "OPTIMISM_BIAS_BY_GRADE: the correction for grade 3 is not between 0 and 1"),
        ({"3": "-0.1"}, "OPTIMISM_BIAS_BY_GRADE: the correction for grade 3 is not between 0 and 1"),
    ],
)
def test_a_correction_is_for_a_grade_and_a_share(grades, message):
    with pytest.raises(ValueError) as refused:
        Policy.from_config({"OPTIMISM_BIAS_BY_GRADE": grades})
    assert str(refused.value) == message


@pytest.mark.parametrize("correction", ["0", "1"])
def test_the_ends_are_corrections(correction):
    assert Policy.from_config({"OPTIMISM_BIAS_BY_GRADE": {"3": correction}}).optimism_bias[3] == Fraction(correction)
