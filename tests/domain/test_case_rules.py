"""Small case rules at their edges: closing by hand, references, If-Match, titles, and the Open311
search window, with the words a person or a client is told when one refuses."""

from datetime import datetime, timedelta, timezone

import pytest

from tasking.domain.errors import ValidationFailed
from tasking.domain.etags import etag_for, if_match_allows
from tasking.domain.lifecycle import State, TransitionRefused, check_close, check_reopen
from tasking.domain.open311 import WindowRefused, request_window
from tasking.domain.references import format_reference
from tasking.domain.text import summary_title

NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
DAYS_90 = timedelta(days=90)


# Closing a case by hand


@pytest.mark.parametrize("target", ["duplicate", "assigned", "new", "returned"])
def test_closing_to_another_state_names_the_states_allowed(target):
    with pytest.raises(ValidationFailed) as refused:
        check_close("triaged", target, "because")
    assert str(refused.value) == f"A case can be set to closed, resolved, withdrawn by hand, not {target}."
    assert set(refused.value.fields) == {"state"} and refused.value.code == "not_a_manual_state"


@pytest.mark.parametrize("reason", [None, "", " "])
def test_closing_without_a_reason_says_so(reason):
    with pytest.raises(ValidationFailed) as refused:
        check_close("in_progress", "resolved", reason)
    assert str(refused.value) == "Closing a case needs a reason."
    assert set(refused.value.fields) == {"reason"} and refused.value.code == "reason_required"


@pytest.mark.parametrize("reason", [None, "", " "])
def test_reopening_without_a_reason_says_so(reason):
    with pytest.raises(ValidationFailed) as refused:
        check_reopen("resolved", 2, reason)
    assert str(refused.value) == "Reopening a case needs a reason."
    assert set(refused.value.fields) == {"reason"} and refused.value.code == "reason_required"


@pytest.mark.parametrize("current", ["resolved", "closed", "duplicate", "withdrawn"])
def test_a_closed_case_is_reopened_before_it_is_closed_another_way(current):
    with pytest.raises(TransitionRefused) as refused:
        check_close(current, "withdrawn", "changed my mind")
    assert str(refused.value) == f"The case is already {current}; reopen it first."
    assert refused.value.code == "case_state"


def test_reopening_an_open_case_says_it_is_not_closed():
    with pytest.raises(TransitionRefused) as refused:
        check_reopen("assigned", 2, "again")
    assert str(refused.value) == "The case is assigned, not closed."
    assert refused.value.code == "case_state"


@pytest.mark.parametrize("current", ["new", "triaged", "assigned", "in_progress", "returned"])
def test_any_open_case_can_be_closed_by_hand(current):
    assert check_close(current, "withdrawn", "the resident moved away") == State.WITHDRAWN


# References


def test_the_first_case_of_a_year_is_number_one():
    assert format_reference("sw", 2026, 1) == "SW-2026-00001"


@pytest.mark.parametrize("sequence", [0, -1])
def test_there_is_no_case_number_zero_or_below(sequence):
    with pytest.raises(ValueError) as refused:
        format_reference("SW", 2026, sequence)
    assert str(refused.value) == "sequence starts at 1"


# If-Match


def test_if_match_lists_may_be_written_without_spaces():
    current = etag_for("case", 7, 3)
    assert if_match_allows(f'"case-7-v2",{current}', "case", 7, 3)
    assert not if_match_allows('"case-7-v1","case-7-v2"', "case", 7, 3)


# Titles from what was typed


def test_a_title_is_at_most_120_characters():
    line = "x" * 200
    assert summary_title(line, "fallback") == "x" * 120
    assert summary_title("y" * 121, "fallback") == "y" * 120


@pytest.mark.parametrize("typed, title", [("abc", "abc"), ("ab", "Fly-tipping"), ("  ab  \nmore", "Fly-tipping")])
def test_a_first_line_of_three_characters_is_enough_two_is_not(typed, title):
    assert summary_title(typed, "Fly-tipping") == title


# The Open311 search window


def test_a_window_of_one_instant_is_allowed():
    assert request_window(NOW, NOW, NOW) == (NOW, NOW)


def test_an_end_before_the_start_is_refused_with_the_reason():
    with pytest.raises(WindowRefused) as refused:
        request_window(NOW, NOW - timedelta(seconds=1), NOW)
    assert str(refused.value) == "end_date is before start_date"


def test_a_start_in_the_future_without_an_end_is_refused():
    with pytest.raises(WindowRefused) as refused:
        request_window(NOW + timedelta(days=1), None, NOW)
    assert str(refused.value) == "end_date is before start_date"


def test_a_window_wider_than_ninety_days_is_refused_with_the_reason():
    with pytest.raises(WindowRefused) as refused:
        request_window(NOW - DAYS_90 - timedelta(seconds=1), NOW, NOW)
    assert str(refused.value) == "start_date and end_date may not span more than 90 days"


def test_an_old_start_without_an_end_gives_the_ninety_days_from_the_start():
    start = NOW - timedelta(days=200)
    assert request_window(start, None, NOW) == (start, start + DAYS_90)


def test_an_end_without_a_start_gives_the_ninety_days_before_the_end():
    end = NOW - timedelta(days=30)
    assert request_window(None, end, NOW) == (end - DAYS_90, end)


def test_a_reason_is_kept_trimmed_and_one_of_only_spaces_is_no_reason():
    from tasking.domain.errors import ValidationFailed
    from tasking.domain.text import required_reason

    assert required_reason("  Not ours.\n", "declining a task") == "Not ours."
    for blank in (None, "", "   ", "\n\t"):
        try:
            required_reason(blank, "declining a task", field="why")
        except ValidationFailed as refused:
            assert (refused.message, refused.code, refused.fields) == (
                "Declining a task needs a reason.",
                "reason_required",
                {"why": [refused.message]},
            )
        else:
            raise AssertionError(f"{blank!r} was taken as a reason")


def test_a_missing_reason_is_refused_on_the_reason_field_unless_another_is_named():
    from tasking.domain.errors import ValidationFailed
    from tasking.domain.text import required_reason

    try:
        required_reason("  ", "closing a case")
    except ValidationFailed as refused:
        assert refused.fields == {"reason": ["Closing a case needs a reason."]}
    else:
        raise AssertionError("a blank reason was taken")
