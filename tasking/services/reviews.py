"""Reviews as people see and decide them, and the tasking meeting's agenda."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain import lifecycle
from tasking.domain import reviews as rules
from tasking.domain.errors import Conflict, NotFound
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.tasks import ACTIVE_TASK_STATES
from tasking.models import AuditEvent, Case, Review, Spend, Task
from tasking.services import audit, cases, classification, review_schedule
from tasking.services.access import case_scope
from tasking.services.pagination import Page, paginate


@dataclass(frozen=True)
class ReviewFilters:
    area: str | None = None
    due_before: datetime | None = None
    level: int | None = None
    overdue: bool | None = None
    state: str | None = "pending"


def list_reviews(
    session: Session, principal: Principal, filters: ReviewFilters, *, cursor: str | None, size: int
) -> Page:
    require(principal, "review.decide", message="Reviews are for area staff.")
    stmt = (
        select(Review)
        .join(Review.case)
        .options(joinedload(Review.case).joinedload(Case.area))
        .where(case_scope(principal))
    )
    stmt = cases.where_place(session, principal, stmt, area=filters.area, ward=None, category=None)
    if filters.state:
        stmt = stmt.where(Review.state == filters.state)
    if filters.due_before:
        stmt = stmt.where(Review.due_at < filters.due_before)
    if filters.level:
        stmt = stmt.where(Case.level == filters.level)
    if filters.overdue is not None:
        stmt = stmt.where(Review.overdue.is_(filters.overdue))
    return paginate(session, stmt, [(Review.due_at, False), (Review.id, False)], cursor=cursor, size=size)


def decide(
    session: Session,
    principal: Principal,
    review_id: int,
    *,
    outcome: str,
    level: int | None,
    reason: str | None,
    notes: str | None,
    now: datetime,
    policy: Policy,
) -> Review:
    """Continue (the next cycle starts), escalate or de-escalate (re-classified and re-routed), or close."""
    require(principal, "review.decide", message="Reviews are for area staff.")
    review = session.scalar(select(Review).join(Review.case).where(Review.id == review_id, case_scope(principal)))
    if review is None:
        raise NotFound("No such review.")
    case = cases.get_case_to_change(session, principal, review.case_id)
    if review.state != "pending":
        raise Conflict("This review has already been decided.")
    rules.check_outcome(outcome, case.level, level, reason)
    if outcome in ("escalate", "de_escalate"):
        assert level is not None  # check_outcome refused an escalation or de-escalation without one
        classification.record_decision(session, principal, case, level=level, reason=reason, now=now, policy=policy)
    elif outcome == "close":
        cases.update_case(
            session, principal, case.id, {"state": "closed", "reason": reason}, if_match="*", now=now, policy=policy
        )
    session.refresh(case)
    if outcome == "continue":
        review_schedule.schedule(case, now, policy)
    # Every pending review of the case is answered by this decision, however many cycles it missed.
    for pending in session.scalars(select(Review).where(Review.case_id == case.id, Review.state == "pending")):
        pending.state, pending.outcome = "decided", outcome
        pending.decided_by_id, pending.decided_at = principal.user_id, now
        pending.notes = notes if pending.id == review.id else f"Answered by review {review.id}."
    case.overdue, case.missed_reviews = False, 0
    audit.record(
        session,
        principal,
        "review.decided",
        "review",
        review.id,
        now=now,
        case_id=case.id,
        after={"outcome": outcome, "level": level, "reason": reason, "notes": notes},
    )
    session.flush()
    session.refresh(review)
    return review


def case_reviews(session: Session, principal: Principal, key) -> list[Review]:
    case = cases.get_case(session, principal, key)
    return list(session.scalars(select(Review).where(Review.case_id == case.id).order_by(Review.sequence.desc())))


@dataclass
class AgendaItem:
    case: Case
    review: Review | None
    history: list[AuditEvent]
    spend_pence: int
    open_tasks: list[Task]


@dataclass
class AgendaGroup:
    level: int | None
    lead: str
    items: list[AgendaItem]


def agenda(session: Session, principal: Principal, area_code: str, meeting: date) -> list[AgendaGroup]:
    """Level 2 and 3 cases whose review falls due by the meeting, grouped by level and lead partner."""
    require(principal, "review.decide", message="Reviews are for area staff.")
    area = cases.visible_area(session, principal, area_code)
    cutoff = datetime.combine(meeting + timedelta(days=1), time.min, tzinfo=timezone.utc)
    pending = {
        r.case_id: r
        for r in session.scalars(
            select(Review)
            .join(Review.case)
            .where(Case.area_id == area.id, Review.state == "pending", Review.due_at < cutoff)
        )
    }
    due = list(
        session.scalars(
            select(Case)
            .options(joinedload(Case.owner_organisation), joinedload(Case.category))
            .where(
                Case.area_id == area.id,
                Case.level.in_((2, 3)),
                Case.state.in_([s.value for s in lifecycle.OPEN_STATES]),
                case_scope(principal),
            )
            .where((Case.next_review_at < cutoff) | Case.id.in_(list(pending) or [-1]))
            .order_by(Case.level, Case.next_review_at)
        )
    )
    ids = [c.id for c in due]
    spend = (
        dict(
            session.execute(
                select(Spend.case_id, func.sum(Spend.amount_pence))
                .where(Spend.case_id.in_(ids))
                .group_by(Spend.case_id)
            ).all()
        )
        if ids
        else {}
    )
    tasks: dict[int, list[Task]] = {}
    for task in session.scalars(
        select(Task)
        .options(joinedload(Task.organisation))
        .where(Task.case_id.in_(ids), Task.state.in_([s.value for s in ACTIVE_TASK_STATES]))
    ):
        tasks.setdefault(task.case_id, []).append(task)
    last_decided = (
        dict(
            session.execute(
                select(Review.case_id, func.max(Review.decided_at))
                .where(Review.case_id.in_(ids), Review.state == "decided")
                .group_by(Review.case_id)
            ).all()
        )
        if ids
        else {}
    )
    groups: dict[tuple, AgendaGroup] = {}
    for case in due:
        since = last_decided.get(case.id) or datetime.min.replace(tzinfo=timezone.utc)
        history = list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.at > since).order_by(AuditEvent.id)
            )
        )
        lead = case.owner_organisation.name if case.owner_organisation else "Area manager"
        groups.setdefault((case.level, lead), AgendaGroup(case.level, lead, [])).items.append(
            AgendaItem(case, pending.get(case.id), history, int(spend.get(case.id) or 0), tasks.get(case.id, []))
        )
    return [groups[k] for k in sorted(groups)]
