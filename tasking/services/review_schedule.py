"""Setting a case's next review date whenever its level or state changes: the one place that makes,
moves or removes a case's review_schedules row outside the sweep."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.domain import lifecycle
from tasking.domain.policy import Policy
from tasking.domain.reviews import next_review
from tasking.models import Case, Review, ReviewSchedule
from tasking.services.calendar import working_calendar


def schedule(session: Session, case: Case, now: datetime, policy: Policy) -> None:
    """Open cases are reviewed on their level's cycle, in working days (an untriaged one on its
    suggested level's); closed ones (and duplicates) are not reviewed and have no schedule. A
    decision starts the cycle afresh."""
    if not lifecycle.is_open(case.state):
        case.review_schedule = None  # delete-orphan: the row goes at the flush
        return
    row = case.review_schedule
    if row is None:
        row = ReviewSchedule(cycle=_last_sequence(session, case))
        case.review_schedule = row
    level = case.level or case.suggested_level or 1
    row.next_review_at = next_review(now, policy.review_interval(level), working_calendar(session, policy))
    row.overdue, row.missed_cycles = False, 0


def _last_sequence(session: Session, case: Case) -> int:
    """A reopened case carries on from its last review's number: (case, sequence) is unique."""
    if case.id is None:
        return 0
    with session.no_autoflush:
        return session.scalar(select(func.coalesce(func.max(Review.sequence), 0)).where(Review.case_id == case.id)) or 0
