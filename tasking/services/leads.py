"""Naming the organisation that leads a case, in place of the category's default (evaluation rec.
3.5: partners step up to lead; docs/routing.md, "Declines and leads")."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain import lifecycle
from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.text import required_reason
from tasking.models import Case, Organisation
from tasking.services import audit
from tasking.services.access import case_target
from tasking.services.cases import get_case_to_change
from tasking.services.routing import apply_route

# The levels at which one organisation leads: the level-one job, the level-three intervention.
LED_LEVELS = (1, 3)


def name_lead(
    session: Session,
    principal: Principal,
    key: str | int,
    *,
    organisation_code: str,
    reason: str | None,
    now: datetime,
    policy: Policy,
) -> Case:
    """Name the lead with a reason. A case at a led level is routed to it at once (it is offered
    the task even if it declined before: a person chose it); at another level the name waits for
    the case to reach one."""
    require(principal, "case.edit", message="Only area staff name a case's lead.")
    case = get_case_to_change(session, principal, key)
    require(principal, "triage.decide", case_target(case), "Only area staff name a case's lead.")
    if not lifecycle.is_open(case.state):
        raise Conflict(f"The case is {case.state}; reopen it before naming its lead.")
    reason = required_reason(reason, "naming a lead")
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if organisation is None:
        raise ValidationFailed("Unknown organisation.", field="organisation", code="unknown_organisation")
    if case.owner_organisation_id == organisation.id and not lifecycle.awaiting_triage(case.state):
        raise Conflict(f"{organisation.name} already leads this case.")
    previous = case.lead_organisation.code if case.lead_organisation else None
    with session.no_autoflush:
        case.lead_organisation_id = organisation.id
        case.updated_at = now
        audit.record(
            session,
            principal,
            "case.lead_named",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before={"lead": previous},
            after={"lead": organisation.code, "reason": reason},
            audience="partners",
        )
        if case.level in LED_LEVELS:
            apply_route(session, principal, case, now=now, policy=policy, chosen=organisation.id)
        session.flush()
    session.expire(case, ["lead_organisation"])
    return case
