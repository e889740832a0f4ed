"""The follow-up rules on their own (tasking/domain/follow_ups.py, docs/money.md "Follow-up checks"):
when each check falls due, which claims' checks are due by a day, and which answers are taken."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.follow_ups import (
    FOLLOW_UP_MONTHS,
    FOLLOW_UP_OUTCOMES,
    add_months,
    check_outcome,
    due_on,
    last_verified_day_due,
)


def test_the_checks_are_at_six_and_twelve_months_and_answered_one_of_two_ways():
    assert FOLLOW_UP_MONTHS == (6, 12)
    assert FOLLOW_UP_OUTCOMES == ("confirmed", "not_confirmed")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 10), 6, date(2026, 7, 10)),
        (date(2026, 1, 10), 12, date(2027, 1, 10)),
        (date(2026, 7, 10), 6, date(2027, 1, 10)),  # into the next year
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 6, 30), 6, date(2026, 12, 30)),  # December is month 12, not 0
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # a shorter month: its last day
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # a leap year's February
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
        (date(2026, 2, 28), 6, date(2026, 8, 28)),  # never pushed to the month's end
        (date(2027, 2, 28), -6, date(2026, 8, 28)),
        (date(2026, 1, 31), -2, date(2025, 11, 30)),  # back across a year
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_months_are_added_by_the_calendar(day, months, expected):
    assert add_months(day, months) == expected


def test_a_check_falls_due_that_many_months_after_verification():
    assert due_on(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert due_on(date(2026, 8, 31), 12) == date(2027, 8, 31)


@given(today=st.dates(date(2001, 1, 1), date(2099, 12, 31)), months=st.sampled_from([1, 6, 12, 18]))
def test_the_last_day_of_verification_due_by_today_is_exactly_that(today, months):
    last = last_verified_day_due(today, months)
    assert due_on(last, months) <= today
    assert due_on(last + timedelta(days=1), months) > today


@pytest.mark.parametrize(
    ("today", "months", "last"),
    [
        (date(2027, 2, 28), 6, date(2026, 8, 31)),  # 29, 30 and 31 August all fall due on 28 February
        (date(2027, 2, 27), 6, date(2026, 8, 27)),
        (date(2027, 3, 31), 6, date(2026, 9, 30)),
        (date(2027, 1, 10), 12, date(2026, 1, 10)),
    ],
)
def test_the_last_day_of_verification_due_at_the_months_ends(today, months, last):
    assert last_verified_day_due(today, months) == last


def test_a_pending_check_is_confirmed_or_not_confirmed_with_a_reason():
    check_outcome("pending", "confirmed", None)
    check_outcome("pending", "confirmed", "   ")
    check_outcome("pending", "not_confirmed", "The family moved away.")


@pytest.mark.parametrize("notes", [None, "", "   ", "\n\t"])
def test_not_confirmed_needs_the_reason(notes):
    with pytest.raises(ValidationFailed) as refused:
        check_outcome("pending", "not_confirmed", notes)
    assert refused.value.code == "reason_required"
    assert refused.value.fields == {"notes": ["Say why the saving could not be confirmed."]}


@pytest.mark.parametrize("state", ["confirmed", "not_confirmed"])
def test_an_answered_check_is_final(state):
    with pytest.raises(Conflict) as refused:
        check_outcome(state, "confirmed", "again")
    assert refused.value.code == "follow_up_decided"
    assert refused.value.message == (
        f"This follow-up check is already {state.replace('_', ' ')}; its outcome cannot change."
    )
    assert refused.value.fields == {}


def test_an_unknown_outcome_is_refused_on_its_field():
    with pytest.raises(ValidationFailed) as refused:
        check_outcome("pending", "maybe", "notes")
    assert refused.value.code == "unknown_outcome"
    assert list(refused.value.fields) == ["outcome"]
