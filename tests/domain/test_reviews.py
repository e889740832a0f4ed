from datetime import datetime, timedelta, timezone

import pytest

from tasking.domain.errors import ValidationFailed
from tasking.domain.reviews import backoff_seconds, check_outcome, cycle

NOW = datetime(2026, 11, 22, 9, tzinfo=timezone.utc)


def test_a_sweep_after_downtime_makes_one_cycle_counted_from_now_and_flags_it_overdue():
    missed = cycle(due_at=NOW - timedelta(days=3 * 14), now=NOW, interval_days=14, grace_days=7)
    assert missed.next_review_at == NOW + timedelta(days=14)
    assert missed.overdue


@pytest.mark.parametrize("late_days, overdue", [(0, False), (7, False), (8, True)])
def test_overdue_after_the_grace_period(late_days, overdue):
    assert cycle(NOW - timedelta(days=late_days), NOW, 28, 7).overdue is overdue


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
