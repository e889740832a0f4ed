"""Reviews as people see and decide them, and the tasking meeting's agenda."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain import lifecycle
from tasking.domain import reviews as rules
from tasking.domain.errors import Conflict, NotFound
from tasking.domain.permissions import Target, can, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.tasks import ACTIVE_TASK_STATES
from tasking.models import Area, AuditEvent, Case, Meeting, Review, ReviewSchedule, Spend, Task
from tasking.services import audit, cases, classification, places, review_schedule
from tasking.services.access import case_scope, case_target, review_scope
from tasking.services.pagination import Page, paginate, paginate_rows

_OWNERS_ONLY = "Reviews go to whoever owns the case: area staff, the owning partner or the borough officer."
_LEVEL_IS_NOT_YOURS = (
    "You cannot change this case's level at a review. To hand the case back to the area manager, "
    "decline your task with a reason."
)


@dataclass(frozen=True)
class ReviewFilters:
    area: str | None = None
    due_before: datetime | None = None
    level: int | None = None
    overdue: bool | None = None
    state: str | None = "pending"


def _filtered(session: Session, principal: Principal, stmt: Select, filters: ReviewFilters) -> Select:
    """The reviews list's filters, for the entity list and the lean rows alike."""
    stmt = places.where_place(session, principal, stmt, area=filters.area, ward=None, category=None)
    if filters.state:
        stmt = stmt.where(Review.state == filters.state)
    if filters.due_before:
        stmt = stmt.where(Review.due_at < filters.due_before)
    if filters.level:
        stmt = stmt.where(Case.level == filters.level)
    if filters.overdue is not None:
        stmt = stmt.where(Review.overdue.is_(filters.overdue))
    return stmt


def list_reviews(
    session: Session, principal: Principal, filters: ReviewFilters, *, cursor: str | None, size: int
) -> Page:
    """The reviews of the cases the principal decides for: whoever owns the case (docs/reviews.md)."""
    require(principal, "review.decide", message=_OWNERS_ONLY)
    stmt = (
        select(Review)
        .join(Review.case)
        .options(joinedload(Review.case).joinedload(Case.area))
        .where(review_scope(principal))
    )
    stmt = _filtered(session, principal, stmt, filters)
    return paginate(session, stmt, [(Review.due_at, False), (Review.id, False)], cursor=cursor, size=size)


# What the reviews list shows, as columns: the review, its case's summary and area, and the case's
# review row (none once it is closed). The case's place and owners decide how much of it is shown.
_LIST_COLUMNS = (
    Review.id,
    Review.sequence,
    Review.due_at,
    Review.overdue,
    Review.state,
    Review.outcome,
    Review.decided_by_id,
    Review.decided_at,
    Review.notes,
    Review.created_at,
    Case.id.label("case_id"),
    Case.reference.label("case_reference"),
    Case.title.label("case_title"),
    Case.state.label("case_state"),
    Case.level.label("case_level"),
    Case.created_at.label("case_created_at"),
    Case.area_id.label("case_area_id"),
    Case.ward_id.label("case_ward_id"),
    Case.owner_organisation_id.label("case_owner_organisation_id"),
    Case.owner_user_id.label("case_owner_user_id"),
    Case.confidential.label("case_confidential"),
    Area.code.label("area_code"),
    Area.name.label("area_name"),
    ReviewSchedule.next_review_at.label("case_next_review_at"),
    ReviewSchedule.missed_cycles.label("case_missed_reviews"),
)


def review_rows(
    session: Session, principal: Principal, filters: ReviewFilters, *, cursor: str | None, size: int
) -> Page:
    """`list_reviews` as one statement of columns, whatever the page size: the items are row
    mappings, shaped by `review_item`. Same scope, filters, order and cursors."""
    require(principal, "review.decide", message=_OWNERS_ONLY)
    stmt = (
        select(*_LIST_COLUMNS)
        .join(Case, Case.id == Review.case_id)
        .join(Area, Area.id == Case.area_id)
        .outerjoin(ReviewSchedule, ReviewSchedule.case_id == Case.id)
        .where(review_scope(principal))
    )
    stmt = _filtered(session, principal, stmt, filters)
    order = [(Review.due_at, False), (Review.id, False)]
    return paginate_rows(session, stmt, order, cursor=cursor, size=size, keys=["due_at", "id"])


def review_item(principal: Principal, row) -> dict:
    """A row of `review_rows` as the API shows the review (`as_seen_by`, field for field)."""
    target = Target(
        area_id=row["case_area_id"],
        ward_id=row["case_ward_id"],
        organisation_id=row["case_owner_organisation_id"],
        owner_user_id=row["case_owner_user_id"],
        confidential=bool(row["case_confidential"]),
        level=row["case_level"],
    )
    whole = can(principal, "case.read", target)
    case: dict = {
        "reference": row["case_reference"],
        "title": row["case_title"],
        "state": row["case_state"],
        "level": row["case_level"],
        "area": {"code": row["area_code"], "name": row["area_name"]},
        "next_review_at": row["case_next_review_at"],
        "missed_reviews": row["case_missed_reviews"] or 0,
    }
    item: dict = {
        "id": row["id"],
        "sequence": row["sequence"],
        "due_at": row["due_at"],
        "overdue": row["overdue"],
        "state": row["state"],
        "outcome": row["outcome"],
        "decided_at": row["decided_at"],
        "created_at": row["created_at"],
        "case": case,
    }
    if whole:
        case.update(id=row["case_id"], created_at=row["case_created_at"])
        item.update(decided_by_id=row["decided_by_id"], notes=row["notes"])
    elif row["decided_by_id"] is not None and row["decided_by_id"] == principal.user_id:
        item.update(decided_by_id=row["decided_by_id"], notes=row["notes"])
    return item


def as_seen_by(principal: Principal, review: Review) -> Review | dict:
    """A review as the API shows it. Whole to those who may read its case; to an owner who may not
    (a partner), no more of the case than its own task shows, and no one else's decision notes."""
    case = review.case
    if can(principal, "case.read", case_target(case)):
        return review
    shown: dict = {
        "id": review.id,
        "sequence": review.sequence,
        "due_at": review.due_at,
        "overdue": review.overdue,
        "state": review.state,
        "outcome": review.outcome,
        "decided_at": review.decided_at,
        "created_at": review.created_at,
        "case": {
            "reference": case.reference,
            "title": case.title,
            "state": case.state,
            "level": case.level,
            "area": case.area,
            "next_review_at": case.next_review_at,
            "missed_reviews": case.missed_reviews,
        },
    }
    if review.decided_by_id is not None and review.decided_by_id == principal.user_id:
        shown.update(decided_by_id=review.decided_by_id, notes=review.notes)
    return shown


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
    meeting: Meeting | None = None,
) -> Review:
    """Continue (the next cycle starts), escalate or de-escalate (re-classified and re-routed), or
    close. Whoever owns the case decides its reviews; closing needs `case.close` and changing the
    level `triage.decide` on the case (docs/reviews.md, "Decisions"). Taken at a tasking meeting,
    the decision goes into its minutes; a review of another area's case is not on its agenda (404)."""
    require(principal, "review.decide", message=_OWNERS_ONLY)
    review = session.scalar(
        select(Review)
        .join(Review.case)
        .options(joinedload(Review.case))
        .where(Review.id == review_id, review_scope(principal))
    )
    if review is None or (meeting is not None and review.case.area_id != meeting.area_id):
        raise NotFound("No such review.")
    case = review.case
    target = case_target(case)
    require(principal, "review.decide", target, _OWNERS_ONLY)
    if outcome == "close":
        require(principal, "case.close", target, "You may not close this case.")
    if outcome in ("escalate", "de_escalate"):
        require(principal, "triage.decide", target, _LEVEL_IS_NOT_YOURS)
    if review.state != "pending":
        raise Conflict("This review has already been decided.")
    reason = (reason or "").strip() or None
    rules.check_outcome(outcome, case.level, level, reason)
    # Every pending review of the case is answered by this decision, however many cycles it missed.
    for pending in session.scalars(select(Review).where(Review.case_id == case.id, Review.state == "pending")):
        pending.state, pending.outcome = "decided", outcome
        pending.decided_by_id, pending.decided_at = principal.user_id, now
        pending.notes = notes if pending.id == review.id else f"Answered by review {review.id}."
    session.flush()  # answered before the case closes, which answers only reviews still pending
    if outcome in ("escalate", "de_escalate"):
        assert level is not None  # check_outcome refused an escalation or de-escalation without one
        classification.record_decision(session, principal, case, level=level, reason=reason, now=now, policy=policy)
    elif outcome == "close":
        cases.close_case(session, principal, case, state="closed", reason=reason, now=now, policy=policy)
    session.refresh(case)
    if outcome == "continue":
        review_schedule.schedule(session, case, now, policy)
    if case.review_schedule is not None:
        case.review_schedule.overdue, case.review_schedule.missed_cycles = False, 0
    # Kept on the review for the minutes: the level the case is at once decided, and why.
    review.level, review.reason = case.level, reason
    review.meeting_id = meeting.id if meeting is not None else None
    audit.record(
        session,
        principal,
        "review.decided",
        "review",
        review.id,
        now=now,
        case_id=case.id,
        after={
            "outcome": outcome,
            "level": level,
            "reason": reason,
            "notes": notes,
            **({"meeting_id": meeting.id} if meeting is not None else {}),
        },
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
    """Level 2 and 3 cases whose review falls due by the meeting, grouped by level and lead partner.
    The meeting is the area staff's (evaluation rec. 3.4): those who read the area's triage queue,
    not every owner who decides reviews."""
    require(principal, "triage.read", message="The tasking meeting's agenda is for area staff.")
    area = places.visible_area(session, principal, area_code)
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
            .outerjoin(ReviewSchedule, ReviewSchedule.case_id == Case.id)
            .where((ReviewSchedule.next_review_at < cutoff) | Case.id.in_(list(pending) or [-1]))
            .order_by(Case.level, ReviewSchedule.next_review_at)
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
