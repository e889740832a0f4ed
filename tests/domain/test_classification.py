"""Every classification rule, at its boundaries, and the properties that hold for any facts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasking.domain.classification import Facts, Thresholds, suggest
from tasking.domain.risk import RISK_FLAGS

T = Thresholds()


def codes(suggestion):
    return [r.code for r in suggestion.reasons]


@pytest.mark.parametrize(
    "facts, level, first_code",
    [
        # level 1: nothing else applies
        (Facts(), 1, "L1_SIMPLE_ACTION"),
        (Facts(agencies_needed=1, similar_recent=0), 1, "L1_SIMPLE_ACTION"),
        # level 2: two agencies, a repeat (two reports), a referral back, the category's default
        (Facts(agencies_needed=2), 2, "L2_AGENCIES"),
        (Facts(similar_recent=1), 2, "L2_REPEAT"),
        (Facts(referred_back=True), 2, "L2_REFERRED_BACK"),
        (Facts(category_default_level=2), 2, "L2_CATEGORY_DEFAULT"),
        # level 3: three agencies, a risk flag with a repeat, the case-review threshold, the default
        (Facts(agencies_needed=3), 3, "L3_AGENCIES"),
        (Facts(agencies_needed=7), 3, "L3_AGENCIES"),
        (Facts(risk_flags=frozenset({"safeguarding"}), similar_recent=1), 3, "L3_RISK_AND_REPEAT"),
        (Facts(case_review_category=True, similar_recent=2), 3, "L3_CASE_REVIEW"),
        (Facts(category_default_level=3), 3, "L3_CATEGORY_DEFAULT"),
        # level 4: a borough barrier, the same barrier in two areas, the default
        (Facts(barrier_is_borough=True), 4, "L4_BOROUGH_BARRIER"),
        (Facts(barrier_area_count=2), 4, "L4_BARRIER_IN_AREAS"),
        (Facts(category_default_level=4), 4, "L4_CATEGORY_DEFAULT"),
        # the top wins: a borough barrier on a three-agency repeat is level 4
        (Facts(barrier_is_borough=True, agencies_needed=3, similar_recent=5), 4, "L4_BOROUGH_BARRIER"),
        (Facts(agencies_needed=3, referred_back=True), 3, "L3_AGENCIES"),
    ],
)
def test_rules(facts, level, first_code):
    suggestion = suggest(facts, T)
    assert suggestion.level == level
    assert codes(suggestion)[0] == first_code


@pytest.mark.parametrize("similar, level", [(0, 1), (1, 2), (2, 2)])
def test_repeats_without_risk_or_case_review_stay_at_level_two(similar, level):
    assert suggest(Facts(similar_recent=similar), T).level == level


@pytest.mark.parametrize("similar, level, flagged", [(1, 2, False), (2, 3, True), (5, 3, True)])
def test_case_review_threshold_is_three_reports_two_is_not_enough(similar, level, flagged):
    suggestion = suggest(Facts(case_review_category=True, similar_recent=similar), T)
    assert (suggestion.level, suggestion.case_review_threshold_met) == (level, flagged)


def test_case_review_applies_only_to_the_categories_it_covers():
    suggestion = suggest(Facts(case_review_category=False, similar_recent=4), T)
    assert suggestion.level == 2 and not suggestion.case_review_threshold_met


@pytest.mark.parametrize("agencies, level", [(1, 1), (2, 2), (3, 3)])
def test_agency_boundaries(agencies, level):
    assert suggest(Facts(agencies_needed=agencies), T).level == level


@pytest.mark.parametrize("areas, level", [(0, 1), (1, 1), (2, 4), (3, 4)])
def test_barrier_area_boundary(areas, level):
    assert suggest(Facts(barrier_area_count=areas), T).level == level


@pytest.mark.parametrize("flag", RISK_FLAGS)
def test_each_risk_flag_with_a_repeat_is_level_three(flag):
    suggestion = suggest(Facts(risk_flags=frozenset({flag}), similar_recent=1), T)
    assert suggestion.level == 3
    assert flag.replace("_", " ") in suggestion.reasons[0].message


@pytest.mark.parametrize("flag", RISK_FLAGS)
def test_a_risk_flag_alone_is_not_a_repeat(flag):
    assert suggest(Facts(risk_flags=frozenset({flag})), T).level == 1


def test_risk_flags_the_rules_do_not_know_are_not_named():
    suggestion = suggest(Facts(risk_flags=frozenset({"unknown_flag"})), T)
    assert codes(suggestion) == ["L1_SIMPLE_ACTION"]
    assert "no high risk" in suggestion.reasons[0].message


@pytest.mark.parametrize("recurrences, level", [(0, 1), (1, 2), (2, 2)])
def test_a_reopening_is_a_recurrence_that_counts_as_a_report(recurrences, level):
    facts = Facts(recurrences=recurrences)
    assert facts.reports == recurrences + 1
    assert suggest(facts, T).level == level


def test_reopenings_and_other_reports_add_up_to_the_case_review_threshold():
    assert Facts(similar_recent=1, recurrences=1).reports == 3
    suggestion = suggest(Facts(case_review_category=True, similar_recent=1, recurrences=1), T)
    assert (suggestion.level, suggestion.case_review_threshold_met) == (3, True)
    assert not suggest(Facts(case_review_category=True, recurrences=1), T).case_review_threshold_met
    risky = suggest(Facts(risk_flags=frozenset({"safeguarding"}), recurrences=1), T)
    assert codes(risky) == ["L3_RISK_AND_REPEAT"]


def test_all_matching_reasons_at_the_winning_level_are_given():
    suggestion = suggest(Facts(agencies_needed=2, similar_recent=1, referred_back=True), T)
    assert codes(suggestion) == ["L2_AGENCIES", "L2_REPEAT", "L2_REFERRED_BACK"]


def test_thresholds_come_from_configuration():
    strict = Thresholds.from_mapping({"repeat_reports": "4", "unknown": 1})
    assert strict.repeat_reports == 4
    assert suggest(Facts(similar_recent=2), strict).level == 1
    assert suggest(Facts(similar_recent=3), strict).level == 2


facts_strategy = st.builds(
    Facts,
    category_default_level=st.integers(1, 4),
    agencies_needed=st.integers(0, 20),
    risk_flags=st.frozensets(st.sampled_from(RISK_FLAGS)),
    similar_recent=st.integers(0, 500),
    recurrences=st.integers(0, 5),
    case_review_category=st.booleans(),
    barrier_is_borough=st.booleans(),
    barrier_area_count=st.integers(0, 6),
    referred_back=st.booleans(),
)


@given(facts_strategy)
def test_any_facts_give_a_level_from_one_to_four_with_a_reason(facts):
    suggestion = suggest(facts, T)
    assert suggestion.level in (1, 2, 3, 4)
    # Every rule reason is of the chosen level; the one other reason is RISK_RECORDED, last.
    rules = [r for r in suggestion.reasons if r.code != "RISK_RECORDED"]
    assert rules and suggestion.reasons[: len(rules)] == tuple(rules)
    assert all(r.code.startswith(f"L{suggestion.level}_") and r.message for r in rules)


@given(facts_strategy)
def test_every_recorded_risk_flag_is_named_and_high_risk_is_never_denied(facts):
    suggestion = suggest(facts, T)
    said = " ".join(r.message for r in suggestion.reasons)
    assert all(flag.replace("_", " ") in said for flag in facts.risk_flags)
    assert ("no high risk" in said) == (suggestion.level == 1 and not facts.risk_flags)
    recorded = [r for r in suggestion.reasons if r.code == "RISK_RECORDED"]
    named_by_a_rule = any(r.code == "L3_RISK_AND_REPEAT" for r in suggestion.reasons)
    assert len(recorded) == (1 if facts.risk_flags and not named_by_a_rule else 0)


@given(facts_strategy)
def test_the_suggestion_is_never_below_the_categorys_default(facts):
    assert suggest(facts, T).level >= facts.category_default_level


@pytest.mark.parametrize("missed, level", [(0, 1), (1, 1), (2, 2), (5, 2)])
def test_a_case_that_misses_review_cycles_is_suggested_one_level_up(missed, level):
    suggestion = suggest(Facts(missed_reviews=missed), T)
    assert suggestion.level == level
    if level == 2:
        assert codes(suggestion) == ["L2_STALLED"]
