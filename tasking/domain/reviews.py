"""Escalation reviews: every open case is reviewed on a cycle set by its level, so nothing stalls
unseen (docs/reviews.md)."""

from dataclasses import dataclass
from datetime import datetime

from tasking.domain.errors import ValidationFailed
from tasking.domain.working_days import WorkingCalendar

REVIEW_OUTCOMES = ("continue", "escalate", "de_escalate", "close")
REVIEW_STATES = ("pending", "decided")


def next_review(now: datetime, interval_days: int, calendar: WorkingCalendar) -> datetime:
    """`interval_days` working days on (docs/deadlines.md)."""
    return calendar.due(now, interval_days)


@dataclass(frozen=True)
class Cycle:
    """What the sweep does for one due case."""

    due_at: datetime
    next_review_at: datetime
    overdue: bool


def cycle(due_at: datetime, now: datetime, interval_days: int, grace_days: int, calendar: WorkingCalendar) -> Cycle:
    """One review per due case, however many intervals were missed while nothing swept: the next
    date counts from now, not from the missed dates, and a late one is flagged overdue. Both
    counts are in working days."""
    return Cycle(
        due_at=due_at,
        next_review_at=calendar.due(now, interval_days),
        overdue=now > calendar.due(due_at, grace_days),
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


def missed_after_sweep(*, previous: int, earlier_pending: int, level: int | None, work_done: bool) -> int:
    """How many review cycles in a row the case has missed, after the sweep that ends one more
    (docs/reviews.md, "Stalled level-one cases"). The cycle just ended was missed when a review made
    earlier is still undecided; none undecided, none missed. A level-one case whose work is done
    (every task finished, `ready_to_resolve`) is waiting only for its owner to resolve it: the
    cycle does not count against it."""
    if earlier_pending <= 0:
        return 0
    if level == 1 and work_done:
        return previous
    return previous + 1


def is_stalled(*, level: int | None, returned: bool, missed: int, work_done: bool, threshold: int) -> bool:
    """A level-one case whose simple action has not worked: `threshold` cycles missed with the work
    not done. One already back in triage, or whose work is done, is not put back (again)."""
    return level == 1 and not returned and not work_done and missed >= threshold


def stall_reason(missed: int) -> str:
    """Why the sweep put a level-one case back in its area's triage queue, for the queue to show."""
    cycles = "cycle" if missed == 1 else "cycles"
    return (
        f"Stalled at level one: {missed} review {cycles} passed with the work not done and no decision; "
        "the simple action has not worked."
    )
