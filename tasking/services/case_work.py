"""What hangs off one case for the people who work it: the tasks routing offered on it, one more
partner offered a task, and the reporting resident's details (area staff only)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tasking.domain import lifecycle
from tasking.domain.errors import Conflict
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Task
from tasking.services import routing
from tasking.services.access import case_target
from tasking.services.cases import get_case, get_case_to_change


def case_tasks(session: Session, principal: Principal, key: str | int) -> list[Task]:
    case = get_case(session, principal, key)
    return list(
        session.scalars(
            select(Task).options(joinedload(Task.organisation)).where(Task.case_id == case.id).order_by(Task.id)
        )
    )


def reporter_details(session: Session, principal: Principal, key: str | int) -> dict:
    """The resident's name and contact, and the pseudonymous subject the case is about: only for
    staff of the case's area and admins (docs/levels.md, "Subject references")."""
    case = get_case(session, principal, key)
    require(principal, "personal.read", case_target(case), "Residents' personal details are for area staff only.")
    return {
        "name": case.reporter_name,
        "email": case.reporter_email,
        "phone": case.reporter_phone,
        "consent": case.reporter_consent,
        "subject_ref": case.subject_ref,
    }


def offer_task(
    session: Session, principal: Principal, key: str | int, organisation_code: str, *, now: datetime, policy: Policy
) -> Task:
    case = get_case_to_change(session, principal, key)
    if not lifecycle.is_open(case.state):
        raise Conflict(f"The case is {case.state}; reopen it before offering tasks.")
    return routing.offer_task(session, principal, case, organisation_code, now=now, policy=policy)
