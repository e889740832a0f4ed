from datetime import datetime, timedelta, timezone

import pytest

from tasking.domain.errors import ValidationFailed
from tasking.domain.reviews import backoff_seconds, check_outcome, cycle
from tasking.domain.working_days import WorkingCalendar

# Monday 23 November 2026, 09:00 UK (GMT): no bank holiday for weeks either side.
NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
WEEKDAYS = WorkingCalendar()


def test_a_sweep_after_downtime_makes_one_cycle_counted_from_now_and_flags_it_overdue():
    missed = cycle(due_at=NOW - timedelta(days=3 * 14), now=NOW, interval_days=10, grace_days=5, calendar=WEEKDAYS)
    # Ten working days of working time from Monday 09:00 run out at 17:00 on the Friday week.
    assert missed.next_review_at == datetime(2026, 12, 4, 17, tzinfo=timezone.utc)
    assert missed.overdue


# Five working days' grace: a review due at 09:00 last Monday ran out of grace at 17:00 on Friday, the
# same point of working time as this Monday's opening; one due a minute later is still within it.
@pytest.mark.parametrize(
    "late, overdue", [(timedelta(0), False), (timedelta(days=7, minutes=-1), False), (timedelta(days=7), True)]
)
def test_overdue_after_the_grace_period_in_working_days(late, overdue):
    assert cycle(NOW - late, NOW, 20, 5, WEEKDAYS).overdue is overdue


def test_backoff_doubles_up_to_an_hour():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 3600


@pytest.mark.parametrize(
    "outcome, level, new, reason",
    [
        ("escalate", 2, 3, None),
        ("escalate", 2, 2, "x"),
        ("de_escalate", 2, 3, "x"),
        ("close", 2, None, ""),
        ("pause", 2, None, "x"),
        ("escalate", 2, None, "x"),
    ],
)
def test_review_outcomes_that_are_refused(outcome, level, new, reason):
    with pytest.raises(ValidationFailed) as refused:
        check_outcome(outcome, level, new, reason)
    assert set(refused.value.fields) <= {"outcome", "level", "reason"} and refused.value.fields


def test_review_outcomes_that_are_allowed():
    check_outcome("continue", 2, None, None)
    check_outcome("escalate", 2, 3, "Police needed")
    check_outcome("de_escalate", 3, 1, "Simple fix left")
    check_outcome("close", 1, None, "Fixed")
