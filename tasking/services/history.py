"""A case's history: its audit events, less those written for an audience the reader is not in."""

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.principal import Principal
from tasking.domain.visibility import note_audiences
from tasking.models import AuditEvent, Organisation, User
from tasking.services.cases import get_case
from tasking.services.pagination import Page, paginate


def _visible(principal: Principal, case_id: int):
    return select(AuditEvent).where(
        AuditEvent.case_id == case_id,
        or_(AuditEvent.audience.is_(None), AuditEvent.audience.in_(note_audiences(principal.role))),
    )


def case_history(session: Session, principal: Principal, key: str | int, *, cursor: str | None, size: int) -> Page:
    case = get_case(session, principal, key)
    return paginate(session, _visible(principal, case.id), [(AuditEvent.id, False)], cursor=cursor, size=size)


@dataclass(frozen=True)
class Timeline:
    """The newest events first, with who did each: `actors` by user id (their organisation loaded, so
    a partner's token is shown as its organisation) and the organisations the events name, by id and
    by code (a task names its organisation by id, a named lead by code)."""

    events: list[AuditEvent]
    actors: dict[int, User]
    organisations: dict[int | str, Organisation]
    more: bool


def case_timeline(session: Session, principal: Principal, key: str | int, *, size: int = 200) -> Timeline:
    """What the console's timeline shows: the same events as `case_history`, the same audiences
    filtered out, newest first."""
    case = get_case(session, principal, key)
    rows = list(session.scalars(_visible(principal, case.id).order_by(AuditEvent.id.desc()).limit(size + 1)))
    events = rows[:size]
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    actors = {
        u.id: u
        for u in session.scalars(select(User).options(joinedload(User.organisation)).where(User.id.in_(actor_ids)))
    }
    named_ids = {(e.after or {}).get("organisation_id") for e in events} - {None}
    named_codes = {(e.after or {}).get("lead") for e in events} - {None}
    organisations: dict[int | str, Organisation] = {}
    if named_ids or named_codes:
        for organisation in session.scalars(
            select(Organisation).where(or_(Organisation.id.in_(named_ids), Organisation.code.in_(named_codes)))
        ):
            organisations[organisation.id] = organisations[organisation.code] = organisation
    return Timeline(events, actors, organisations, more=len(rows) > size)
