"""The model's tunable numbers: the documented defaults (docs/README.md, "Configuration of the rules";
docs/reviews.md, "Review intervals"), and that configuration overrides each one and nothing else."""

from datetime import datetime, timezone

import pytest

from tasking.domain.classification import Facts, Thresholds, suggest
from tasking.domain.policy import Policy
from tasking.domain.similarity import PLACE, Report, distance_m, months_before, same_problem, within_window

NOW = datetime(2026, 8, 31, 12, tzinfo=timezone.utc)

# docs/reviews.md: level 1 every 10 working days, level 2 every 20, level 3 every 10, level 4 every 40.
DOCUMENTED_INTERVALS = {1: 10, 2: 20, 3: 10, 4: 40}


@pytest.mark.parametrize("level, days", sorted(DOCUMENTED_INTERVALS.items()))
@pytest.mark.parametrize("policy", [Policy(), Policy.from_config({})], ids=["default", "empty config"])
def test_each_level_is_reviewed_at_its_documented_interval_unless_configured(policy, level, days):
    assert policy.review_interval(level) == days


def test_there_is_no_interval_for_a_level_the_model_does_not_have():
    with pytest.raises(KeyError):
        Policy().review_interval(5)


def test_a_configured_interval_replaces_that_level_only():
    # Configuration comes from JSON, so keys and values may arrive as strings.
    policy = Policy.from_config({"REVIEW_INTERVAL_DAYS": {"2": "21"}})
    assert [policy.review_interval(level) for level in (1, 2, 3, 4)] == [10, 21, 10, 40]


def test_every_interval_can_be_configured():
    policy = Policy.from_config({"REVIEW_INTERVAL_DAYS": {1: 7, 2: 10, 3: 5, 4: 90}})
    assert [policy.review_interval(level) for level in (1, 2, 3, 4)] == [7, 10, 5, 90]


def test_configuring_one_policy_leaves_the_defaults_of_the_next_alone():
    Policy.from_config({"REVIEW_INTERVAL_DAYS": {"1": 3}})
    Policy().review_interval_days[2] = 99  # a policy's own table is its own
    assert Policy().review_interval(1) == 10 and Policy().review_interval(2) == 20
    assert Policy.from_config({}).review_interval(2) == 20


@pytest.mark.parametrize("intervals", [None, {}])
def test_a_missing_or_empty_interval_setting_keeps_the_defaults(intervals):
    policy = Policy.from_config({"REVIEW_INTERVAL_DAYS": intervals})
    assert policy.review_interval_days == DOCUMENTED_INTERVALS


def test_the_documented_defaults_of_the_other_numbers():
    for policy in (Policy(), Policy.from_config({})):
        assert policy.similar_window_months == 6
        assert policy.similar_radius_m == 250.0
        assert policy.similar_link_limit == 10
        assert policy.thresholds == Thresholds()
        assert policy.review_grace_days == 5
        assert (policy.holiday_division, policy.deadline_warning_days) == ("england-and-wales", 1)
        assert policy.quick_win_allocation_pence == 1_000_000  # £10,000
        assert policy.sweep_batch_size == 500
        assert (policy.notify_max_attempts, policy.open311_max_ward_distance_m, policy.token_default_days) == (
            14,
            2500.0,
            365,
        )


def test_an_empty_configuration_is_the_default_policy():
    assert Policy.from_config({}) == Policy()


def test_each_setting_is_read_from_its_own_configuration_key():
    policy = Policy.from_config(
        {
            "SIMILAR_WINDOW_MONTHS": "3",
            "SIMILAR_RADIUS_METRES": "100",
            "SIMILAR_LINK_LIMIT": "4",
            "CLASSIFICATION_THRESHOLDS": {"repeat_reports": "5", "case_review_reports": 6},
            "REVIEW_GRACE_DAYS": "3",
            "QUICK_WIN_ALLOCATION_PENCE": "500000",
            "SWEEP_BATCH_SIZE": 50,
            "NOTIFY_MAX_ATTEMPTS": "3",
            "OPEN311_MAX_WARD_DISTANCE_METRES": "1200",
            "TOKEN_DEFAULT_DAYS": 30,
        }
    )
    assert policy.similar_window_months == 3
    assert policy.similar_radius_m == 100.0 and isinstance(policy.similar_radius_m, float)
    assert policy.similar_link_limit == 4
    assert policy.thresholds == Thresholds(repeat_reports=5, case_review_reports=6)
    assert policy.review_grace_days == 3
    assert policy.quick_win_allocation_pence == 500_000
    assert policy.sweep_batch_size == 50
    assert policy.notify_max_attempts == 3
    assert policy.open311_max_ward_distance_m == 1200.0 and isinstance(policy.open311_max_ward_distance_m, float)
    assert policy.token_default_days == 30
    assert policy.review_interval_days == DOCUMENTED_INTERVALS


def test_settings_other_than_the_model_are_ignored():
    assert Policy.from_config({"SECRET_KEY": "x", "similar_radius_metres": 1, "DATABASE_URL": "sqlite://"}) == Policy()


def test_configured_thresholds_change_the_suggestion():
    strict = Policy.from_config({"CLASSIFICATION_THRESHOLDS": {"repeat_reports": 4}})
    assert suggest(Facts(similar_recent=1), Policy().thresholds).level == 2
    assert suggest(Facts(similar_recent=1), strict.thresholds).level == 1


def test_the_radius_decides_whether_two_nearby_reports_are_the_same_problem():
    # Two reports in neighbouring wards about 222 m apart: the same problem under the default
    # 250 m radius, not under a configured 200 m one.
    a = Report(1, 1, NOW, 52.5800, -1.9800)
    b = Report(1, 2, NOW, 52.5820, -1.9800)
    assert 200 < distance_m(a.latitude, a.longitude, b.latitude, b.longitude) < 250
    assert same_problem(a, b, basis=PLACE, radius_m=Policy().similar_radius_m)
    assert not same_problem(
        a, b, basis=PLACE, radius_m=Policy.from_config({"SIMILAR_RADIUS_METRES": 200}).similar_radius_m
    )


def test_the_window_decides_which_earlier_reports_count():
    seven_months_ago = months_before(NOW, 7)
    assert not within_window(seven_months_ago, NOW, Policy().similar_window_months)
    assert within_window(seven_months_ago, NOW, Policy.from_config({"SIMILAR_WINDOW_MONTHS": 12}).similar_window_months)
