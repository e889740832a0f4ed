"""Setting a case's next review date whenever its level or state changes."""

from datetime import datetime

from sqlalchemy.orm import Session

from tasking.domain import lifecycle
from tasking.domain.policy import Policy
from tasking.domain.reviews import next_review
from tasking.models import Case
from tasking.services.calendar import working_calendar


def schedule(session: Session, case: Case, now: datetime, policy: Policy) -> None:
    """Open cases are reviewed on their level's cycle, in working days (an untriaged one on its
    suggested level's); closed ones are not reviewed. A decision starts the cycle afresh."""
    if not lifecycle.is_open(case.state):
        case.next_review_at = None
        return
    level = case.level or case.suggested_level or 1
    case.next_review_at = next_review(now, policy.review_interval(level), working_calendar(session, policy))
    case.overdue, case.missed_reviews = False, 0
