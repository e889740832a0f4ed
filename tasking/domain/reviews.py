"""Escalation reviews: every open case is reviewed on a cycle set by its level, so nothing stalls
unseen (docs/reviews.md)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from tasking.domain.errors import ValidationFailed

REVIEW_OUTCOMES = ("continue", "escalate", "de_escalate", "close")
REVIEW_STATES = ("pending", "decided")


def next_review(now: datetime, interval_days: int) -> datetime:
    return now + timedelta(days=interval_days)


@dataclass(frozen=True)
class Cycle:
    """What the sweep does for one due case."""

    due_at: datetime
    next_review_at: datetime
    overdue: bool


def cycle(due_at: datetime, now: datetime, interval_days: int, grace_days: int) -> Cycle:
    """One review per due case, however many intervals were missed while nothing swept: the next
    date counts from now, not from the missed dates, and a late one is flagged overdue."""
    return Cycle(
        due_at=due_at,
        next_review_at=now + timedelta(days=interval_days),
        overdue=now > due_at + timedelta(days=grace_days),
    )


def backoff_seconds(attempts: int, base: int = 30, ceiling: int = 3600) -> int:
    """Wait before the next delivery attempt: 30 s, 60 s, 120 s ... at most an hour."""
    return min(ceiling, base * 2 ** max(0, attempts - 1))


def check_outcome(outcome: str, level: int | None, new_level: int | None, reason: str | None) -> None:
    if outcome not in REVIEW_OUTCOMES:
        raise ValidationFailed(
            f"The outcome is one of {', '.join(REVIEW_OUTCOMES)}.", field="outcome", code="unknown_outcome"
        )
    if outcome in ("escalate", "de_escalate", "close") and not (reason and reason.strip()):
        raise ValidationFailed(
            f"To {outcome.replace('_', '-')} at a review, say why.", field="reason", code="reason_required"
        )
    if outcome in ("escalate", "de_escalate"):
        if new_level is None or level is None:
            raise ValidationFailed("Say the new level.", field="level", code="level_required")
        if outcome == "escalate" and new_level <= level:
            raise ValidationFailed("Escalating needs a higher level.", field="level", code="not_higher")
        if outcome == "de_escalate" and new_level >= level:
            raise ValidationFailed("De-escalating needs a lower level.", field="level", code="not_lower")
