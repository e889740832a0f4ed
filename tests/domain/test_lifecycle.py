import pytest

from tasking.domain.lifecycle import (
    CLOSED_STATES,
    OPEN_STATES,
    State,
    TransitionRefused,
    check_manual_transition,
    edits_allowed,
    reopen_state,
)


def test_every_state_is_either_open_or_closed():
    assert OPEN_STATES | CLOSED_STATES == set(State)
    assert not OPEN_STATES & CLOSED_STATES


@pytest.mark.parametrize("target", ["resolved", "closed", "withdrawn"])
def test_an_open_case_can_be_closed_with_a_reason(target):
    assert check_manual_transition("triaged", target, "fixed on site") == State(target)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_closing_needs_a_reason(reason):
    with pytest.raises(TransitionRefused, match="needs a reason"):
        check_manual_transition("new", "closed", reason)


def test_reopening_needs_a_reason():
    with pytest.raises(TransitionRefused, match="reopening a case needs a reason"):
        check_manual_transition("resolved", "returned", None)


def test_duplicate_is_not_a_manual_close():
    with pytest.raises(TransitionRefused):
        check_manual_transition("new", "duplicate", "same as SW-2026-00001")


def test_open_states_are_not_set_by_hand_on_an_open_case():
    with pytest.raises(TransitionRefused):
        check_manual_transition("new", "assigned", "because")


def test_a_closed_case_must_be_reopened_before_closing_another_way():
    with pytest.raises(TransitionRefused, match="reopen it"):
        check_manual_transition("resolved", "withdrawn", "changed my mind")


def test_a_closed_case_reopens_into_an_open_state():
    assert check_manual_transition("closed", "returned", "the fly-tipping is back") == State.RETURNED


def test_same_state_is_refused():
    with pytest.raises(TransitionRefused, match="already"):
        check_manual_transition("closed", "closed", "again")


def test_reopened_cases_go_back_to_triage_only_when_never_levelled():
    assert reopen_state(None) == State.NEW
    assert reopen_state(2) == State.RETURNED


def test_details_of_closed_cases_are_frozen():
    assert edits_allowed("in_progress")
    assert not edits_allowed("resolved")
