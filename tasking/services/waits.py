"""A case waiting on someone outside the service (docs/deadlines.md, "Paused clocks"): while it waits
its clocks, and its partners' task clocks, stop counting; taken off hold, each due time moves on by
exactly the working time the clock spent paused. Area staff and admins put a case on hold
(`case.wait`); closing a case ends its wait."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain import lifecycle
from tasking.domain.deadlines import check_wait
from tasking.domain.errors import Conflict
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.working_days import WorkingCalendar
from tasking.models import Case, CaseWait, Clock
from tasking.services import audit
from tasking.services.access import case_target
from tasking.services.calendar import working_calendar
from tasking.services.cases import get_case
from tasking.services.clocks import Clocks

_NOT_YOURS = "You can read this case but not put it on hold."


def open_wait(session: Session, case_id: int) -> CaseWait | None:
    """The case's wait still open, if any."""
    return session.scalar(
        select(CaseWait).where(CaseWait.case_id == case_id, CaseWait.ended_at.is_(None)).order_by(CaseWait.id).limit(1)
    )


def _case_to_hold(session: Session, principal: Principal, key: str | int) -> Case:
    """A case the principal may put on hold: 404 if they cannot see it, 403 if they only read it."""
    case = get_case(session, principal, key)
    require(principal, "case.wait", case_target(case), _NOT_YOURS)
    return case


def start_wait(
    session: Session,
    principal: Principal,
    case_key: str | int,
    *,
    waiting_on: str,
    reason: str | None,
    now: datetime,
    policy: Policy,
) -> Case:
    """Put the case on hold while it waits on someone outside: its running clocks pause."""
    case = _case_to_hold(session, principal, case_key)
    if not lifecycle.is_open(case.state):
        raise Conflict(f"The case is {case.state}; only an open case can be put on hold.", code="case_closed")
    if open_wait(session, case.id) is not None:
        raise Conflict("The case is already on hold; take it off hold first.", code="already_waiting")
    check_wait(waiting_on, reason)
    assert reason is not None
    reason = reason.strip()
    session.add(
        CaseWait(
            case_id=case.id,
            waiting_on=waiting_on,
            reason=reason,
            started_at=now,
            started_by_id=principal.user_id,
        )
    )
    Clocks(session, policy, now).pause_case(case.id)
    case.updated_at = now
    audit.record(
        session,
        principal,
        "case.waiting",
        "case",
        case.id,
        now=now,
        case_id=case.id,
        after={"waiting_on": waiting_on, "reason": reason},
        audience="partners",
    )
    session.flush()
    return case


def end_wait(session: Session, principal: Principal, case_key: str | int, *, now: datetime, policy: Policy) -> Case:
    """Take the case off hold: its clocks run again, their due times moved on by the pause."""
    case = _case_to_hold(session, principal, case_key)
    wait = open_wait(session, case.id)
    if wait is None:
        raise Conflict("The case is not on hold.", code="not_waiting")
    wait.ended_at, wait.ended_by_id = now, principal.user_id
    Clocks(session, policy, now).resume_case(case.id)
    case.updated_at = now
    audit.record(
        session,
        principal,
        "case.resumed",
        "case",
        case.id,
        now=now,
        case_id=case.id,
        before={"waiting_on": wait.waiting_on},
        audience="partners",
    )
    session.flush()
    return case


@dataclass(frozen=True)
class ClockView:
    """A clock as a page shows it: its due time as it stands now (a paused clock's moved on by the
    working time paused so far), whether it is paused, and when it stopped."""

    kind: str
    task_id: int | None
    organisation_name: str | None
    target_working_days: int
    started_at: datetime
    due_at: datetime
    paused: bool
    stopped_at: datetime | None
    cancelled: bool


def clock_views(
    session: Session,
    clocks: Iterable[Clock],
    *,
    now: datetime,
    policy: Policy,
    calendar: WorkingCalendar | None = None,
) -> list[ClockView]:
    """The clocks given, with the due time of a paused one projected as if it were taken off hold now
    (in `calendar` when the caller has it already)."""
    clocks = list(clocks)
    if calendar is None and any(c.paused_at is not None for c in clocks):
        calendar = working_calendar(session, policy)
    views = []
    for clock in clocks:
        due = clock.due_at
        if clock.paused_at is not None and calendar is not None:
            paused = clock.paused_seconds + calendar.working_seconds_between(clock.paused_at, now)
            due = calendar.due(clock.started_at, clock.target_working_days, paused_seconds=paused)
        views.append(
            ClockView(
                kind=clock.kind,
                task_id=clock.task_id,
                organisation_name=clock.organisation.name if clock.organisation is not None else None,
                target_working_days=clock.target_working_days,
                started_at=clock.started_at,
                due_at=due,
                paused=clock.paused_at is not None,
                stopped_at=clock.stopped_at,
                cancelled=clock.cancelled,
            )
        )
    return views


@dataclass(frozen=True)
class CaseDeadlines:
    wait: CaseWait | None
    running: list[ClockView]


def case_deadlines(
    session: Session, principal: Principal, case_key: str | int, *, now: datetime, policy: Policy
) -> CaseDeadlines:
    """For the case page: the open wait, and the clocks still running (paused ones included)."""
    case = get_case(session, principal, case_key)
    running = session.scalars(
        select(Clock).where(Clock.case_id == case.id, Clock.stopped_at.is_(None)).order_by(Clock.due_at, Clock.id)
    ).all()
    return CaseDeadlines(open_wait(session, case.id), clock_views(session, running, now=now, policy=policy))
