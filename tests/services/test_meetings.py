"""Tasking meetings as a service: recording who attended, decisions taken at a meeting becoming
its minutes, one meeting per area and date, and the refusals."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from tasking.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tasking.domain.policy import Policy
from tasking.models import Area, AuditEvent, Case, Meeting, Review, ReviewSchedule
from tasking.services import meetings, reviews, sweep
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime.now(timezone.utc)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def forget_meetings(session):
    """Meetings are not (yet) among the tables conftest empties: unlink and delete them first."""
    yield
    session.rollback()
    session.execute(update(Review).values(meeting_id=None))
    session.execute(delete(Meeting))
    session.commit()


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


def due_case(session, api, level=2, ward="pleck", title="Youths gathering"):
    """A level-2 (or 3) case whose review the sweep has opened: (case id, reference, review id)."""
    case = api.post(
        "/api/v1/cases",
        json={"title": title, "description": "Every night.", "category": "anti-social-behaviour", "ward": ward},
    ).json
    assert api.post(f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": "test"}).status_code
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == case["id"])
        .values(next_review_at=NOW - timedelta(days=2))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    review = session.scalar(select(Review.id).where(Review.case_id == case["id"], Review.state == "pending"))
    return case["id"], case["reference"], review


def record(session, who, area="SW", on=TODAY, attendees="Sam Singh, Walsall Council", **extra):
    with unit_of_work(session):
        return meetings.record_meeting(
            session,
            principal_for(who),
            area,
            on,
            attendees=attendees,
            chaired_by=extra.get("chaired_by"),
            notes=extra.get("notes"),
            today=TODAY,
            now=NOW,
        )


def decide(session, who, review, outcome="continue", level=None, reason=None, area="SW", on=TODAY):
    with unit_of_work(session):
        return meetings.decide_at_meeting(
            session,
            principal_for(who),
            area,
            on,
            review,
            outcome=outcome,
            level=level,
            reason=reason,
            now=NOW,
            policy=Policy(),
        )


def test_a_meeting_keeps_who_attended_as_typed_and_is_audited(session, manager):
    meeting = record(
        session,
        manager.user,
        attendees="  Sam Singh, Walsall Council \n\n Sgt Jo  Bell, West Midlands Police\nSam Singh, Walsall Council\n",
        chaired_by=" Insp. Ann Lee ",
        notes="Quorate.",
    )
    assert meeting.attendee_list == ["Sam Singh, Walsall Council", "Sgt Jo Bell, West Midlands Police"]
    assert (meeting.chaired_by, meeting.notes, meeting.recorded_by_id) == ("Insp. Ann Lee", "Quorate.", manager.user.id)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "meeting.recorded"))
    assert (event.object_type, event.object_id, event.actor_id) == ("meeting", str(meeting.id), manager.user.id)
    assert event.after == {
        "area": "SW",
        "held_on": TODAY.isoformat(),
        "attendees": ["Sam Singh, Walsall Council", "Sgt Jo Bell, West Midlands Police"],
        "chaired_by": "Insp. Ann Lee",
        "notes": "Quorate.",
    }


def test_the_decisions_taken_at_a_meeting_are_its_minutes(session, manager):
    first_id, _first_ref, first = due_case(session, manager, title="Drug dealing behind the shops")
    second_id, _second_ref, second = due_case(session, manager, title="Fly-tipping in the alley")
    elsewhere_id, _ref, elsewhere = due_case(session, manager, title="Noise from the flats")
    meeting = record(session, manager.user)

    decide(session, manager.user, first, "escalate", level=3, reason="A drugs line is now involved")
    decide(session, manager.user, second, "continue", reason="The alley gates are working")
    # Decided through the API's route, not at the meeting: not in its minutes.
    with unit_of_work(session):
        reviews.decide(
            session,
            principal_for(manager.user),
            elsewhere,
            outcome="continue",
            level=None,
            reason=None,
            notes=None,
            now=NOW,
            policy=Policy(),
        )

    minutes = meetings.minutes(session, principal_for(manager.user), "sw", TODAY)
    assert minutes.meeting.id == meeting.id
    assert [(r.case_id, r.outcome, r.level, r.reason) for r in minutes.decisions] == [
        (first_id, "escalate", 3, "A drugs line is now involved"),
        (second_id, "continue", 2, "The alley gates are working"),
    ]
    assert session.get(Case, first_id).level == 3  # a normal decision: the case was re-classified
    decided = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "review.decided", AuditEvent.object_id == str(first))
    )
    assert decided.after == {
        "outcome": "escalate",
        "level": 3,
        "reason": "A drugs line is now involved",
        "notes": None,
        "meeting_id": meeting.id,
    }
    assert session.get(Review, elsewhere).meeting_id is None
    past = meetings.past_meetings(session, principal_for(manager.user), "SW")
    assert [(p.meeting.held_on, p.decisions) for p in past] == [(TODAY, 2)]


def test_one_meeting_per_area_and_date(session, manager, make_user):
    record(session, manager.user)
    with pytest.raises(Conflict, match="already been recorded"):
        record(session, manager.user, attendees="Someone else")
    admin = make_user("admin")
    other_area = record(session, admin, area="AB")  # another area may meet the same day
    earlier = record(session, manager.user, on=TODAY - timedelta(days=28))
    assert other_area.held_on == earlier.held_on + timedelta(days=28)
    past = meetings.past_meetings(session, principal_for(manager.user), "SW")
    assert [p.meeting.held_on for p in past] == [TODAY, TODAY - timedelta(days=28)]
    # The database holds the rule too, whatever writes to it.
    area_id = session.scalar(select(Area.id).where(Area.code == "SW"))
    session.add(Meeting(area_id=area_id, held_on=TODAY, attendees="X", recorded_by_id=manager.user.id, created_at=NOW))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_refusals_leave_nothing_behind(session, manager, make_user, count_rows):
    _case_id, _ref, review = due_case(session, manager)
    with pytest.raises(ValidationFailed) as empty:
        record(session, manager.user, attendees=" \n \n")
    assert empty.value.fields == {"attendees": ["List who attended, one a line"]}
    with pytest.raises(Conflict, match="can be recorded from that day"):
        record(session, manager.user, on=TODAY + timedelta(days=1))
    with pytest.raises(Conflict, match="Record who attended"):
        decide(session, manager.user, review)
    assert count_rows(Meeting) == 0
    assert session.get(Review, review).state == "pending"

    other_manager = make_user("area_manager", areas=["AB"])
    with pytest.raises(NotFound):
        record(session, other_manager)
    with pytest.raises(NotFound):
        meetings.minutes(session, principal_for(other_manager), "SW", TODAY)
    with pytest.raises(Forbidden):
        meetings.meeting_areas(session, principal_for(make_user("finance")))

    # A review of another area's case, decided from this area's meeting, is not on its agenda.
    admin = make_user("admin")
    record(session, admin, area="AB")
    with pytest.raises(NotFound):
        decide(session, admin, review, area="AB")
    session.expire_all()
    assert session.get(Review, review).state == "pending"


def test_the_next_meeting_is_when_reviews_fall_due(session, manager):
    who = principal_for(manager.user)
    assert meetings.next_meeting(session, who, "SW", TODAY) is None
    case_id, _ref, _review = due_case(session, manager)
    assert meetings.next_meeting(session, who, "SW", TODAY) == TODAY  # already due: meet now
    with unit_of_work(session):
        reviews.decide(
            session, who, _review, outcome="continue", level=None, reason=None, notes=None, now=NOW, policy=Policy()
        )
    due = session.get(Case, case_id).next_review_at
    assert meetings.next_meeting(session, who, "SW", TODAY) == due.date() > TODAY
    # Never a day already past: a review that fell due before the day asked about is due that day.
    assert meetings.next_meeting(session, who, "SW", date(2099, 1, 1)) == date(2099, 1, 1)
