"""Tasking meetings: recording who attended, the review decisions taken at one, and its minutes
(docs/reviews.md, "Tasking meetings").

A meeting is the area staff's, like its agenda (evaluation rec. 3.4): every call asks `triage.read`
on the meeting's area, and an area the caller does not cover is 404, as if it did not exist. The
decisions themselves are ordinary review decisions (reviews.decide, with its own rules and audit),
linked to the meeting so that its minutes are the decisions, not a copy of them."""

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain import lifecycle
from tasking.domain.errors import Conflict, NotFound, ValidationFailed
from tasking.domain.permissions import Target, can, require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import Area, Case, Meeting, Review, ReviewSchedule
from tasking.services import audit, places, report_areas, reviews
from tasking.services.access import case_scope

_AREA_STAFF = "Tasking meetings are for area staff."
MAX_ATTENDEES = 60
MAX_ATTENDEE_LENGTH = 200


@dataclass
class PastMeeting:
    meeting: Meeting
    decisions: int


@dataclass
class Minutes:
    meeting: Meeting
    decisions: list[Review]


def _area(session: Session, principal: Principal, area_code: str) -> Area:
    """The meeting's area: one the caller reads the triage queue of, else 404 as if it did not exist."""
    require(principal, "triage.read", message=_AREA_STAFF)
    area = places.visible_area(session, principal, area_code)
    if not can(principal, "triage.read", Target(area_id=area.id)):
        raise NotFound("No such area.")
    return area


def meeting_areas(session: Session, principal: Principal) -> list[Area]:
    """The areas whose meetings the caller may see, by name."""
    return report_areas.areas_in_scope(session, principal, "triage.read", None, _AREA_STAFF)


def meeting_area(session: Session, principal: Principal, area_code: str) -> Area:
    """An area chosen on the meetings page, if the caller may see its meetings."""
    return _area(session, principal, area_code)


def attendee_lines(text: str | list[str]) -> list[str]:
    """Attendees as typed, one a line: blank lines dropped, each trimmed, a repeated line kept once."""
    lines = text.splitlines() if isinstance(text, str) else list(text)
    seen: dict[str, None] = {}
    for line in lines:
        name = " ".join(line.split())
        if name:
            seen.setdefault(name, None)
    return list(seen)


def record_meeting(
    session: Session,
    principal: Principal,
    area_code: str,
    held_on: date,
    *,
    attendees: str | list[str],
    chaired_by: str | None,
    notes: str | None,
    today: date,
    now: datetime,
) -> Meeting:
    """Record that the area's meeting took place on `held_on`, and who attended. Once a date, and
    not before the day itself: its decisions are dated when they are recorded."""
    where = _area(session, principal, area_code)
    names = attendee_lines(attendees)
    if not names:
        raise ValidationFailed("List who attended, one a line", field="attendees")
    if len(names) > MAX_ATTENDEES or any(len(n) > MAX_ATTENDEE_LENGTH for n in names):
        raise ValidationFailed(
            f"List up to {MAX_ATTENDEES} attendees, each in under {MAX_ATTENDEE_LENGTH} characters",
            field="attendees",
        )
    if held_on > today:
        raise Conflict(f"The meeting of {held_on:%-d %B %Y} can be recorded from that day, not before.")
    if session.scalar(select(Meeting.id).where(Meeting.area_id == where.id, Meeting.held_on == held_on)):
        raise Conflict(f"The meeting of {held_on:%-d %B %Y} has already been recorded.")
    chaired_by = (chaired_by or "").strip() or None
    notes = (notes or "").strip() or None
    meeting = Meeting(
        area_id=where.id,
        held_on=held_on,
        attendees="\n".join(names),
        chaired_by=chaired_by,
        notes=notes,
        recorded_by_id=principal.user_id,
        created_at=now,
    )
    session.add(meeting)
    session.flush()
    audit.record(
        session,
        principal,
        "meeting.recorded",
        "meeting",
        meeting.id,
        now=now,
        after={
            "area": where.code,
            "held_on": held_on.isoformat(),
            "attendees": names,
            "chaired_by": chaired_by,
            "notes": notes,
        },
    )
    return meeting


def _meeting(session: Session, area_id: int, held_on: date) -> Meeting | None:
    return session.scalar(
        select(Meeting)
        .options(joinedload(Meeting.area), joinedload(Meeting.recorded_by))
        .where(Meeting.area_id == area_id, Meeting.held_on == held_on)
    )


def minutes(session: Session, principal: Principal, area_code: str, held_on: date) -> Minutes | None:
    """The meeting held on that date, with every decision taken at it in the order taken; None
    when no meeting has been recorded for the date."""
    where = _area(session, principal, area_code)
    meeting = _meeting(session, where.id, held_on)
    if meeting is None:
        return None
    decided = session.scalars(
        select(Review)
        .options(joinedload(Review.case))
        .where(Review.meeting_id == meeting.id)
        .order_by(Review.decided_at, Review.id)
    )
    return Minutes(meeting, list(decided))


def past_meetings(session: Session, principal: Principal, area_code: str) -> list[PastMeeting]:
    """The area's recorded meetings, latest first, each with how many decisions it took."""
    where = _area(session, principal, area_code)
    counts = (
        select(Review.meeting_id, func.count().label("decisions"))
        .where(Review.meeting_id.is_not(None))
        .group_by(Review.meeting_id)
        .subquery()
    )
    rows = session.execute(
        select(Meeting, func.coalesce(counts.c.decisions, 0))
        .options(joinedload(Meeting.recorded_by))
        .outerjoin(counts, counts.c.meeting_id == Meeting.id)
        .where(Meeting.area_id == where.id)
        .order_by(Meeting.held_on.desc())
    ).all()
    return [PastMeeting(meeting, int(decisions)) for meeting, decisions in rows]


def next_meeting(session: Session, principal: Principal, area_code: str, today: date) -> date | None:
    """When the next meeting has work: today if a level 2 or 3 case's review is already due (the
    agenda's cases), else the day the first falls due; None when no such case is open."""
    where = _area(session, principal, area_code)
    open_cases = (
        Case.area_id == where.id,
        Case.level.in_((2, 3)),
        Case.state.in_([s.value for s in lifecycle.OPEN_STATES]),
        case_scope(principal),
    )
    next_review = session.scalar(
        select(func.min(ReviewSchedule.next_review_at)).join(Case, Case.id == ReviewSchedule.case_id).where(*open_cases)
    )
    pending = session.scalar(
        select(func.min(Review.due_at)).join(Review.case).where(*open_cases, Review.state == "pending")
    )
    due = [_aware(d) for d in (next_review, pending) if d is not None]
    if not due:
        return None
    return max(today, min(due).date())


def _aware(value: datetime) -> datetime:
    # func.min over a UTC column comes back naive from SQLite (no type to convert it through).
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def decide_at_meeting(
    session: Session,
    principal: Principal,
    area_code: str,
    held_on: date,
    review_id: int,
    *,
    outcome: str,
    level: int | None,
    reason: str | None,
    now: datetime,
    policy: Policy,
) -> Review:
    """A review decided at the meeting: the same decision as anywhere (reviews.decide, its rules and
    its audit), entered in the meeting's minutes. The meeting must have been recorded first, and
    the review must be of a case in the meeting's area (else 404, as a review the caller may not see)."""
    where = _area(session, principal, area_code)
    meeting = _meeting(session, where.id, held_on)
    if meeting is None:
        raise Conflict("Record who attended the meeting before recording its decisions.")
    return reviews.decide(
        session,
        principal,
        review_id,
        outcome=outcome,
        level=level,
        reason=reason,
        notes=None,
        now=now,
        policy=policy,
        meeting=meeting,
    )
