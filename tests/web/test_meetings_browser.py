"""An area manager records a tasking meeting in a real headless Chromium: from the navigation to
the meeting, who attended, a review decided, and the minutes; every page checked with axe and at
320 pixels wide."""

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete, select, update

from tasking.domain.policy import Policy
from tasking.models import Meeting, Review, ReviewSchedule
from tasking.services import sweep, users
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def forget_meetings(session):
    """Meetings are not (yet) among the tables conftest empties: unlink and delete them first."""
    yield
    session.rollback()
    session.execute(update(Review).values(meeting_id=None))
    session.execute(delete(Meeting))
    session.commit()


def no_sideways_scroll(page, name):
    """At 320 pixels wide (WCAG 2.2 reflow) the page itself never scrolls sideways."""
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1100, "height": 900})
    assert width <= 320, f"{name} is {width} pixels wide at 320"


def test_an_area_manager_records_a_meeting(live_server, session, browser_page, caller):
    now = datetime.now(timezone.utc)
    today = now.date()
    with unit_of_work(session):
        manager = users.create_user(
            session,
            None,
            email="meet.sam@test.example",
            name="Sam Singh",
            role="area_manager",
            now=now,
            password=PASSWORD,
            area_codes=["SW"],
        )
    with unit_of_work(session):
        admin = users.create_user(
            session, None, email="meet.admin@test.example", name="Ade Admin", role="admin", now=now, password=PASSWORD
        )
    api = caller("area_manager", areas=["SW"])
    case = api.post(
        "/api/v1/cases",
        json={
            "title": "Drug dealing behind the Pleck Road shops",
            "description": "Every evening.",
            "category": "anti-social-behaviour",
            "ward": "pleck",
        },
    ).json
    api.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 2, "reason": "Partnership problem"})
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == case["id"])
        .values(next_review_at=now - timedelta(days=3))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=now, policy=Policy())
    page = browser_page

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Meetings", exact=True).click()
    expect(page.locator("h1")).to_have_text("Tasking meetings")
    expect(page.locator("main")).to_contain_text("Reviews are due now: 1 case is on today's agenda.")
    check(page, "meetings-01-list")
    no_sideways_scroll(page, "meetings list")

    page.get_by_role("link", name=f"Open the meeting of {today:%-d %B %Y}").click()
    expect(page).to_have_url(f"{live_server}/meetings/SW/{today}")
    expect(page.locator("h1")).to_have_text(f"Tasking meeting, {today:%-d %B %Y}")
    card = page.locator(".govuk-summary-card", has_text=case["reference"])
    expect(card).to_contain_text("Record who attended to decide its review here.")
    check(page, "meetings-02-agenda")
    no_sideways_scroll(page, "meeting agenda")

    page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("List who attended, one a line")
    check(page, "meetings-03-attendees-missing")
    page.get_by_label("Who attended").fill("Sam Singh, Walsall Council\nSgt Jo Bell, West Midlands Police")
    page.get_by_label("Chaired by (optional)").fill("Insp. Ann Lee, West Midlands Police")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Meeting recorded")
    expect(page.locator("#meeting-attendees li")).to_have_text(
        ["Sam Singh, Walsall Council", "Sgt Jo Bell, West Midlands Police"]
    )

    card.get_by_label("Decision").select_option("continue")
    card.get_by_label("Reason").fill("Joint patrols have quietened the shops")
    card.get_by_role("button", name=f"Record decision on {case['reference']}").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Decision recorded in the minutes")
    row = page.locator("#meeting-decisions tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [
            f"{case['reference']}: Drug dealing behind the Pleck Road shops",
            "Continue",
            "Level 2",
            "Joint patrols have quietened the shops",
        ]
    )
    expect(page.locator("main")).to_contain_text("No reviews fall due by this meeting.")
    check(page, "meetings-04-minutes")
    no_sideways_scroll(page, "meeting minutes")

    page.get_by_role("link", name="Printable agenda").click()
    expect(page.locator("h1")).to_contain_text("Tasking meeting")
    check(page, "meetings-05-agenda-print")
    no_sideways_scroll(page, "printable agenda")
    page.get_by_role("link", name="Back to the meeting's page").click()
    page.get_by_role("link", name="Meetings in South Walsall").click()
    expect(page.locator("#past-meetings + .tasking-table-scroll")).to_contain_text(f"{today:%-d %B %Y}")
    check(page, "meetings-06-list-recorded")
    no_sideways_scroll(page, "meetings list with a meeting recorded")

    # Someone who covers every area chooses the area first.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Meetings", exact=True).click()
    expect(page.locator("main")).to_contain_text("Choose the area partnership whose meetings you want to see.")
    check(page, "meetings-07-choose-area")
    no_sideways_scroll(page, "choosing an area")
    page.get_by_label("Area partnership").select_option("SW")
    page.get_by_role("button", name="Show its meetings").click()
    expect(page.locator("#past-meetings + .tasking-table-scroll")).to_contain_text("Sam Singh")

    # The page used the same service as the API: the review is decided, and in the meeting's minutes.
    decided = session.scalar(select(Review).where(Review.case_id == case["id"]).order_by(Review.id.desc()))
    assert (decided.state, decided.outcome, decided.reason) == (
        "decided",
        "continue",
        "Joint patrols have quietened the shops",
    )
    assert decided.meeting_id == session.scalar(select(Meeting.id))
