import pytest

from tasking.domain.errors import ValidationFailed
from tasking.domain.lifecycle import (
    CLOSED_STATES,
    OPEN_STATES,
    State,
    TransitionRefused,
    awaiting_triage,
    check_close,
    check_reopen,
    edits_allowed,
)


def test_every_state_is_either_open_or_closed():
    assert OPEN_STATES | CLOSED_STATES == set(State)
    assert not OPEN_STATES & CLOSED_STATES


@pytest.mark.parametrize("target", ["resolved", "closed", "withdrawn"])
def test_an_open_case_can_be_closed_with_a_reason(target):
    assert check_close("triaged", target, "fixed on site") == State(target)


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_closing_needs_a_reason(reason):
    with pytest.raises(ValidationFailed, match="needs a reason") as refused:
        check_close("new", "closed", reason)
    assert (refused.value.code, list(refused.value.fields)) == ("reason_required", ["reason"])


@pytest.mark.parametrize("target", ["duplicate", "assigned", "new"])
def test_other_states_are_not_set_by_closing(target):
    with pytest.raises(ValidationFailed) as refused:
        check_close("new", target, "because")
    assert list(refused.value.fields) == ["state"]


def test_a_closed_case_must_be_reopened_before_closing_another_way():
    with pytest.raises(TransitionRefused, match="reopen it first"):
        check_close("resolved", "withdrawn", "changed my mind")


def test_reopening_needs_a_reason_and_a_closed_case():
    with pytest.raises(ValidationFailed, match="Reopening a case needs a reason"):
        check_reopen("resolved", 1, " ")
    with pytest.raises(TransitionRefused, match="not closed"):
        check_reopen("assigned", 1, "again")


def test_reopened_cases_go_back_to_triage():
    assert check_reopen("closed", None, "back again") == State.NEW
    assert check_reopen("duplicate", 2, "not the same problem after all") == State.RETURNED
    assert awaiting_triage(check_reopen("resolved", 3, "again"))


def test_details_of_closed_cases_are_frozen():
    assert edits_allowed("in_progress")
    assert not edits_allowed("resolved")
