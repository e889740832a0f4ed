"""The meetings pages from the outside: each area's meetings, recording who attended, deciding
reviews into the minutes, and who is refused."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, update

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Meeting, Review, ReviewSchedule
from tasking.services import sweep, users
from tasking.unit_of_work import unit_of_work
from tests.clock import NOW, TODAY
from tests.web.test_councillor_pages import HTML, PASSWORD, sign_in

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"
LONG_DATE = f"{TODAY:%-d %B %Y}"


@pytest.fixture(autouse=True)
def forget_meetings(session):
    """Meetings are not (yet) among the tables conftest empties: unlink and delete them first."""
    yield
    session.rollback()
    session.execute(update(Review).values(meeting_id=None))
    session.execute(delete(Meeting))
    session.commit()


@pytest.fixture
def web(app, session):
    """A signed-in browser for a new user of the role."""
    count = iter(range(1, 100))

    def make(role, **kwargs):
        with unit_of_work(session):
            user = users.create_user(
                session,
                None,
                email=f"meet.{role}.{next(count)}@test.example",
                name=f"Meeting {role}",
                role=role,
                now=NOW,
                password=PASSWORD,
                **kwargs,
            )
        client = app.test_client()
        sign_in(client, user.email)
        return client

    return make


def token(client):
    """A CSRF token of the client's session (any of them is good for any form): the sign-out form's."""
    page = client.get("/meetings").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def text(response):
    return html.unescape(response.get_data(as_text=True))


def due_review(session, api, title, ward="pleck", level=2):
    case = api.post(
        "/api/v1/cases",
        json={"title": title, "description": "Every night.", "category": "anti-social-behaviour", "ward": ward},
    ).json
    assert api.post(f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": "t"}).status_code
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == case["id"])
        .values(next_review_at=NOW - timedelta(days=3))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    review = session.scalar(select(Review.id).where(Review.case_id == case["id"], Review.state == "pending"))
    return case["reference"], review


def record(client, path, attendees):
    return client.post(path, data={"csrf_token": token(client), "attendees": attendees}, headers=HTML)


def decide(client, path, review, **fields):
    data = {f"review-{review}-csrf_token": token(client)}
    data.update({f"review-{review}-{name}": value for name, value in fields.items()})
    return client.post(f"{path}/reviews/{review}", data=data, headers=HTML)


def test_the_meetings_page_shows_the_next_meeting_and_those_recorded(session, caller, web):
    api = caller("area_manager", areas=["SW"])
    due_review(session, api, "Drug dealing behind the shops")
    manager = web("area_manager", area_codes=["SW"])
    page = manager.get("/meetings")
    assert page.status_code == 200
    body = text(page)
    assert "South Walsall (SW)" in body
    assert "Reviews are due now: 1 case is on today's agenda." in body
    assert f'href="/meetings/SW/{TODAY}">Open the meeting of {LONG_DATE}' in body
    assert f'href="/areas/SW/agenda?meeting={TODAY}">Printable agenda' in body
    assert "No meeting of South Walsall has been recorded yet." in body

    path = f"/meetings/SW/{TODAY}"
    assert record(manager, path, "Sam Singh, Walsall Council\nSgt Jo Bell, West Midlands Police").status_code == 302
    listed = text(manager.get("/meetings"))
    row = re.search(r"<tr class=\"govuk-table__row\">\s*<td.*?</tr>", listed, re.S)[0]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == [f"{LONG_DATE} minutes", "2", "0", "Meeting area_manager"]
    assert f'href="/meetings/SW/{TODAY}"' in row

    # Someone who covers every area chooses one first; the area they choose is in the address.
    admin = web("admin")
    chooser = text(admin.get("/meetings"))
    assert "Choose the area partnership whose meetings you want to see." in chooser
    assert '<option value="SW">South Walsall</option>' in chooser
    assert "Sam Singh" not in chooser
    assert "South Walsall (SW)" in text(admin.get("/meetings?area=sw"))


def test_another_date_is_opened_from_the_date_picker(session, web):
    manager = web("area_manager", area_codes=["SW"])
    opened = manager.get("/meetings?area=SW&on=2&on=12&on=2026")
    assert opened.status_code == 302 and opened.headers["Location"] == "/meetings/SW/2026-12-02"
    wrong = manager.get("/meetings?area=SW&on=31&on=2&on=2026", headers=HTML)
    assert wrong.status_code == 400
    assert "There is a problem" in text(wrong)
    assert 'href="#on">Enter a real date, for example 27 11 2026</a>' in re.sub(r"\s+", " ", text(wrong)).replace(
        "> ", ">"
    ).replace(" <", "<")


def test_a_meeting_is_recorded_and_its_decisions_are_its_minutes(session, caller, web):
    api = caller("area_manager", areas=["SW"])
    kept_ref, kept = due_review(session, api, "Fly-tipping in the alley")
    raised_ref, raised = due_review(session, api, "Drug dealing behind the shops")
    manager = web("area_manager", area_codes=["SW"])
    path = f"/meetings/SW/{TODAY}"

    before = text(manager.get(path))
    assert "Record the meeting" in before and "Record who attended to decide its review here." in before
    assert "review-" not in before  # no decision forms until the meeting is recorded
    assert f'href="/areas/SW/agenda?meeting={TODAY}">Printable agenda' in before
    early = decide(manager, path, kept, outcome="continue")
    assert early.status_code == 409
    assert "Record who attended the meeting before recording its decisions." in text(early)

    empty = record(manager, path, " \n  \n")
    assert empty.status_code == 400
    assert "There is a problem" in text(empty) and 'href="#attendees">List who attended, one a line' in text(empty)
    assert session.scalar(select(Meeting.id)) is None

    recorded = record(manager, path, "Sam Singh, Walsall Council\n\nSgt Jo Bell, West Midlands Police")
    assert recorded.status_code == 302 and recorded.headers["Location"] == path
    again = record(manager, path, "Someone else")
    assert again.status_code == 409
    assert f"The meeting of {LONG_DATE} has already been recorded." in text(again)

    refused = decide(manager, path, raised, outcome="escalate", level="3")
    assert refused.status_code == 400  # a level change needs a reason, as anywhere
    assert decide(manager, path, kept, outcome="continue", reason="The alley gates are working").status_code == 302
    done = decide(manager, path, raised, outcome="escalate", level="3", reason="A drugs line is now involved")
    assert done.status_code == 302 and done.headers["Location"] == path

    minutes = text(manager.get(path))
    attendees = re.search(r'<ul class="govuk-list" id="meeting-attendees">(.*?)</ul>', minutes, re.S)[1]
    assert re.findall(r"<li>(.*?)</li>", attendees) == [
        "Sam Singh, Walsall Council",
        "Sgt Jo Bell, West Midlands Police",
    ]
    recorded_by = re.search(r"Recorded by</dt>\s*<dd[^>]*>(.*?)</dd>", minutes, re.S)[1]
    assert recorded_by.startswith("Meeting area_manager, ")
    table = re.search(
        r'<table class="govuk-table tasking-meetings__table" id="meeting-decisions">(.*?)</table>', minutes, re.S
    )[1]
    rows = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)[1:]
    ]
    assert rows == [
        [f"{kept_ref}: Fly-tipping in the alley", "Continue", "Level 2", "The alley gates are working"],
        [f"{raised_ref}: Drug dealing behind the shops", "Escalate", "Level 3", "A drugs line is now involved"],
    ]
    assert f'href="/cases/{kept_ref}"' in table and f'href="/cases/{raised_ref}"' in table
    assert "No reviews fall due by this meeting." in minutes  # both decided: off the agenda
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("meeting.recorded") == 1 and actions.count("review.decided") == 2


def test_who_is_refused(session, caller, web):
    api = caller("area_manager", areas=["SW"])
    _ref, review = due_review(session, api, "Youths by the shops")
    other_api = caller("area_manager", areas=["AB"])
    _other_ref, other_review = due_review(session, other_api, "Youths in Streetly", ward="streetly")
    path = f"/meetings/SW/{TODAY}"
    manager = web("area_manager", area_codes=["SW"])
    assert record(manager, path, "Sam Singh").status_code == 302

    other_manager = web("area_manager", area_codes=["AB"])
    assert other_manager.get(path, headers=HTML).status_code == 404
    assert other_manager.get("/meetings?area=SW", headers=HTML).status_code == 404
    assert record(other_manager, path, "Intruder").status_code == 404
    assert decide(other_manager, path, review, outcome="continue").status_code == 404
    for role, kwargs in (("finance", {}), ("partner", {"organisation_code": "whg"})):
        client = web(role, **kwargs)
        assert client.get("/meetings", headers=HTML).status_code == 403
        assert client.get(path, headers=HTML).status_code == 403

    # A review of another area's case cannot be decided into this area's minutes, even by an admin.
    admin = web("admin")
    assert decide(admin, path, other_review, outcome="continue").status_code == 404
    session.expire_all()
    assert session.get(Review, other_review).state == "pending"

    # Not a date, or no such day: a missing page, never a server error.
    for bad in (
        "/meetings/SW/not-a-date",
        "/meetings/SW/2026-02-30",
        "/meetings/SW/9999-12-31",
        "/meetings/XX/2026-12-01",
    ):
        assert manager.get(bad, headers=HTML).status_code == 404, bad
    assert manager.get("/areas/SW/agenda?meeting=9999-12-31", headers=HTML).status_code == 400
    assert (
        manager.post(
            "/meetings/SW/yesterday", data={"csrf_token": token(manager), "attendees": "x"}, headers=HTML
        ).status_code
        == 404
    )


def test_a_meeting_still_to_come_shows_its_agenda_but_cannot_be_recorded(session, web):
    manager = web("area_manager", area_codes=["SW"])
    later = TODAY + timedelta(days=7)
    path = f"/meetings/SW/{later}"
    page = text(manager.get(path))
    assert f"This meeting is on {later:%A %-d %B %Y}." in page and "Record the meeting" not in page
    refused = manager.post(path, data={"csrf_token": token(manager), "attendees": "Sam"})
    assert refused.status_code == 409
    assert f"The meeting of {later:%-d %B %Y} can be recorded from that day, not before." in text(refused)
