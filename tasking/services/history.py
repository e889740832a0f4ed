"""A case's history: its audit events, less those written for an audience the reader is not in."""

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tasking.domain.principal import Principal
from tasking.domain.visibility import note_audiences
from tasking.models import AuditEvent
from tasking.services.cases import get_case
from tasking.services.pagination import Page, paginate


def case_history(session: Session, principal: Principal, key: str | int, *, cursor: str | None, size: int) -> Page:
    case = get_case(session, principal, key)
    stmt = select(AuditEvent).where(
        AuditEvent.case_id == case.id,
        or_(AuditEvent.audience.is_(None), AuditEvent.audience.in_(note_audiences(principal.role))),
    )
    return paginate(session, stmt, [(AuditEvent.id, False)], cursor=cursor, size=size)
