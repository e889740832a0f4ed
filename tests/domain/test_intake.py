"""Where a councillor's request goes first (tasking/domain/intake.py, docs/routing.md)."""

from tasking.domain.intake import held_for_area_manager


def test_a_simple_action_without_the_case_review_threshold_goes_straight_to_the_front_line():
    assert held_for_area_manager(1, False, ["One agency, no repeat: a simple action now."]) is None


def test_a_higher_suggestion_waits_for_the_area_manager_with_the_level_and_the_reasons():
    held = held_for_area_manager(3, False, ["A repeat problem.", "A high risk flag."])
    assert held == (
        "The rules suggest level 3, more than a simple action, so the area manager decides what happens next. "
        "A repeat problem. A high risk flag."
    )
    assert held_for_area_manager(2, False, []) == (
        "The rules suggest level 2, more than a simple action, so the area manager decides what happens next."
    )


def test_the_case_review_threshold_holds_a_request_whatever_the_level():
    for level in (1, 3):
        held = held_for_area_manager(level, True, ["Three reports."])
        assert held == (
            "It meets the ASB case-review threshold, so the area manager decides what happens next. Three reports."
        )
