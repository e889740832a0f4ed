"""Review dates and review decisions (docs/reviews.md): the next date, the cycle the sweep makes,
and every refusal of a decision with the words the reviewer sees."""

from datetime import date, datetime, timedelta, timezone

import pytest

from tasking.domain.errors import ValidationFailed
from tasking.domain.policy import Policy
from tasking.domain.reviews import check_outcome, cycle, next_review
from tasking.domain.working_days import WorkingCalendar

NOW = datetime(2026, 11, 22, 9, tzinfo=timezone.utc)


# England and Wales: Christmas Day, Boxing Day (a Saturday, so Monday 28th too) and New Year's Day.
CHRISTMAS = WorkingCalendar([date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28), date(2027, 1, 1)])


# NOW is a Sunday: working time starts at 09:00 on Monday 23 November, and N working days of it end
# at 17:00 on the Nth working day.
@pytest.mark.parametrize(
    "level, due",
    [
        (1, datetime(2026, 12, 4, 17, tzinfo=timezone.utc)),
        (2, datetime(2026, 12, 18, 17, tzinfo=timezone.utc)),
        (3, datetime(2026, 12, 4, 17, tzinfo=timezone.utc)),
        # Forty working days skip the four bank holidays of Christmas and the New Year.
        (4, datetime(2027, 1, 20, 17, tzinfo=timezone.utc)),
    ],
)
def test_the_next_review_is_the_levels_interval_in_working_days_after_now(level, due):
    assert next_review(NOW, Policy().review_interval(level), CHRISTMAS) == due


def test_a_cycle_keeps_the_date_that_was_due():
    due = NOW - timedelta(days=3)
    result = cycle(due, NOW, 20, 5, CHRISTMAS)
    assert result.due_at == due
    assert result.next_review_at == datetime(2026, 12, 18, 17, tzinfo=timezone.utc)
    assert not result.overdue


def refusal(outcome, level, new_level, reason) -> tuple[str, str, set[str]]:
    """What the reviewer is told: the message, its code, and the form field it is about."""
    with pytest.raises(ValidationFailed) as refused:
        check_outcome(outcome, level, new_level, reason)
    return str(refused.value), refused.value.code, set(refused.value.fields)


def test_an_unknown_outcome_lists_the_ones_there_are():
    assert refusal("pause", 2, None, "x") == (
        "The outcome is one of continue, escalate, de_escalate, close.",
        "unknown_outcome",
        {"outcome"},
    )


@pytest.mark.parametrize(
    "outcome, level, new_level, words",
    [
        ("escalate", 2, 3, "To escalate at a review, say why."),
        ("de_escalate", 3, 2, "To de-escalate at a review, say why."),
        ("close", 2, None, "To close at a review, say why."),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_escalating_de_escalating_and_closing_need_a_reason(outcome, level, new_level, words, reason):
    assert refusal(outcome, level, new_level, reason) == (words, "reason_required", {"reason"})


def test_continuing_needs_no_reason():
    check_outcome("continue", 2, None, None)


@pytest.mark.parametrize("outcome", ["escalate", "de_escalate"])
@pytest.mark.parametrize("level, new_level", [(2, None), (None, 3), (None, None)])
def test_changing_the_level_needs_both_levels(outcome, level, new_level):
    assert refusal(outcome, level, new_level, "because") == ("Say the new level.", "level_required", {"level"})


@pytest.mark.parametrize("new_level", [2, 1])
def test_escalating_needs_a_higher_level(new_level):
    assert refusal("escalate", 2, new_level, "because") == ("Escalating needs a higher level.", "not_higher", {"level"})


@pytest.mark.parametrize("new_level", [2, 3])
def test_de_escalating_needs_a_lower_level(new_level):
    assert refusal("de_escalate", 2, new_level, "because") == (
        "De-escalating needs a lower level.",
        "not_lower",
        {"level"},
    )


def test_one_level_up_or_down_is_enough():
    check_outcome("escalate", 2, 3, "needs the police")
    check_outcome("de_escalate", 2, 1, "a simple fix is left")
