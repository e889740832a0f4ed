"""Councillors' requests: a simple one straight to the front-line service, anything more to the
area manager (docs/routing.md, "Councillors' requests"), followed by the councillor, and referred to
the area manager when they prove more complicated."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.deadlines import COUNCILLOR_ACKNOWLEDGE, COUNCILLOR_ANSWER, COUNCILLOR_FOLLOW_UP
from tasking.domain.levels import Level
from tasking.domain.lifecycle import State
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.visibility import note_audiences
from tasking.models import AuditEvent, Case, Category, Clock, Ward
from tasking.services import cases, classification, intake, places, targets, waits
from tasking.services.access import case_scope
from tasking.services.calendar import working_calendar
from tasking.services.pagination import Page, paginate

_COUNCILLORS_ONLY = "Level-one requests are raised by councillors."


@dataclass
class RequestSummary:
    case: Case
    last_update: AuditEvent | None


def form_choices(session: Session, principal: Principal) -> tuple[list[Ward], list[Category]]:
    """The councillor's own wards, and the categories a simple action can fix."""
    require(principal, "request.raise", message=_COUNCILLORS_ONLY)
    wards = list(session.scalars(select(Ward).where(Ward.id.in_(principal.ward_ids)).order_by(Ward.name)))
    categories = list(
        session.scalars(select(Category).where(Category.default_level == Level.SIMPLE_ACTION).order_by(Category.name))
    )
    return wards, categories


def raise_request(session: Session, principal: Principal, data: dict, *, now: datetime, policy: Policy) -> Case:
    require(principal, "request.raise", message=_COUNCILLORS_ONLY)
    return intake.raise_case(session, principal, {**data, "source": "councillor"}, now=now, policy=policy)


def _readable_events(principal: Principal):
    return or_(AuditEvent.audience.is_(None), AuditEvent.audience.in_(note_audiences(principal.role)))


def my_requests(
    session: Session, principal: Principal, *, ward: str | None, state: str | None, cursor: str | None, size: int
) -> Page:
    require(principal, "request.raise", message=_COUNCILLORS_ONLY)
    stmt = (
        select(Case)
        .options(joinedload(Case.ward), joinedload(Case.category), joinedload(Case.owner_organisation))
        .where(case_scope(principal), Case.raised_by_id == principal.user_id)
    )
    if ward:
        stmt = stmt.where(Case.ward_id == places.visible_ward(session, principal, ward).id)
    if state:
        stmt = stmt.where(Case.state == state)
    page = paginate(session, stmt, [(Case.id, True)], cursor=cursor, size=size)
    ids = [c.id for c in page.items]
    latest = {}
    if ids:
        newest = (
            select(func.max(AuditEvent.id))
            .where(AuditEvent.case_id.in_(ids), _readable_events(principal), AuditEvent.object_type != "task")
            .group_by(AuditEvent.case_id)
        )
        latest = {e.case_id: e for e in session.scalars(select(AuditEvent).where(AuditEvent.id.in_(newest)))}
    page.items = [RequestSummary(c, latest.get(c.id)) for c in page.items]
    return page


def request_history(session: Session, principal: Principal, reference: str) -> tuple[Case, list[AuditEvent]]:
    """A request in the councillor's wards and what they may read of its history."""
    require(principal, "request.raise", message=_COUNCILLORS_ONLY)
    case = cases.get_case(session, principal, reference)
    # The case's own story; the partners' task bookkeeping is theirs and the owner's.
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_id == case.id, _readable_events(principal), AuditEvent.object_type != "task")
            .order_by(AuditEvent.id)
        )
    )
    return case, events


def refer(
    session: Session, principal: Principal, reference: str, *, reason: str, now: datetime, policy: Policy
) -> Case:
    require(principal, "request.raise", message=_COUNCILLORS_ONLY)
    return classification.refer(session, principal, reference, reason=reason, now=now, policy=policy)


ANSWERED = (State.RESOLVED.value, State.CLOSED.value)


@dataclass(frozen=True)
class RequestDates:
    """When a councillor will hear back (docs/deadlines.md, "Councillors' requests"), in working days:
    acknowledged, or to be by a date; answered, or to be by a date; and, once resolved, how long they
    can follow it up. A date on hold is as it stands now: it moves on while the case waits."""

    acknowledged_at: datetime | None = None
    acknowledge_by: datetime | None = None
    answer_by: datetime | None = None
    answer_working_days: int | None = None
    answered_at: datetime | None = None
    follow_up_until: datetime | None = None


def request_dates(
    session: Session, principal: Principal, requests: list[Case], *, now: datetime, policy: Policy
) -> dict[int, RequestDates]:
    """The dates of each request given (already read in the councillor's scope), by case id. Only
    the councillor who raised a request was promised an answer: another councillor of the ward
    reading it is shown none."""
    require(principal, "request.raise", message=_COUNCILLORS_ONLY)
    requests = [case for case in requests if case.raised_by_id == principal.user_id]
    ids = [case.id for case in requests]
    dates: dict[int, RequestDates] = defaultdict(RequestDates)
    if not ids:
        return dates
    found = session.scalars(
        select(Clock)
        .where(
            Clock.case_id.in_(ids),
            Clock.task_id.is_(None),
            Clock.kind.in_((COUNCILLOR_ACKNOWLEDGE, COUNCILLOR_ANSWER)),
            Clock.cancelled.is_(False),
        )
        .order_by(Clock.id)
    ).all()
    latest = {
        (clock.case_id, clock.kind): view
        for clock, view in zip(found, waits.clock_views(session, found, now=now, policy=policy), strict=True)
    }
    resolved = {case.id for case in requests if case.state == State.RESOLVED.value and case.closed_at is not None}
    calendar = working_calendar(session, policy) if resolved else None
    known = targets.rows(session) if resolved else []
    for case in requests:
        acknowledge, answer = latest.get((case.id, COUNCILLOR_ACKNOWLEDGE)), latest.get((case.id, COUNCILLOR_ANSWER))
        follow_up = None
        if calendar is not None and case.id in resolved:
            days = targets.working_days(
                session,
                COUNCILLOR_FOLLOW_UP,
                level=case.level,
                category_id=case.category_id,
                known=known,
            )
            if days is not None and case.closed_at is not None:
                follow_up = calendar.due(case.closed_at, days)
        dates[case.id] = RequestDates(
            acknowledged_at=acknowledge.stopped_at if acknowledge else None,
            acknowledge_by=acknowledge.due_at if acknowledge and acknowledge.stopped_at is None else None,
            answer_by=answer.due_at if answer and answer.stopped_at is None else None,
            answer_working_days=answer.target_working_days if answer else None,
            # Answered: resolved or closed. Withdrawn or a duplicate, the request was not answered.
            answered_at=answer.stopped_at if answer and case.state in ANSWERED else None,
            follow_up_until=follow_up,
        )
    return dates
