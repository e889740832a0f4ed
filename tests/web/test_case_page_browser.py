"""An area manager reads a partner's outcome and progress note in a case's timeline and closes the
case through its confirmation page, in a real headless Chromium (issue 19, acceptance 1 and 2)."""

from datetime import datetime, timezone

from playwright.sync_api import expect

from tasking.services import users
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

PASSWORD = "correct horse battery staple"


def scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_area_manager_reads_the_partners_outcome_and_closes_with_confirmation(
    live_server, session, browser_page, caller
):
    with unit_of_work(session):
        manager = users.create_user(
            session,
            None,
            email="sam@test.example",
            name="Sam Singh",
            role="area_manager",
            now=datetime.now(timezone.utc),
            password=PASSWORD,
            area_codes=["SW"],
        )
    api = caller("area_manager", areas=["SW"])
    case = api.post(
        "/api/v1/cases",
        json={
            "title": "Group intimidating residents outside the flats",
            "description": "Every evening by the stairwell.",
            "category": "anti-social-behaviour",
            "ward": "pleck",
            "reporter": {"name": "Mrs Jane Example", "email": "jane.example.longaddress@example.org", "consent": True},
        },
    ).json
    assert (
        api.post(
            f"/api/v1/cases/{case['id']}/classification", json={"level": 2, "reason": "Needs the police and housing"}
        ).status_code
        == 200
    )
    task = api.post(f"/api/v1/cases/{case['id']}/tasks", json={"organisation": "wm-police"}).json
    police = caller("partner", organisation="wm-police")
    for action, body in (
        ("accept", None),
        ("progress", {"note": "Patrolled the flats on Friday and Saturday evenings."}),
        ("complete", {"outcome": "Dispersal order served; no reports since."}),
    ):
        done = police.post(f"/api/v1/tasks/{task['id']}/{action}", json=body, headers={"If-Match": "*"})
        assert done.status_code == 200, done.json
    page = browser_page

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Sam Singh")).to_be_visible()
    page.goto(f"{live_server}/cases/{case['reference']}")

    timeline = page.locator(".moj-timeline")
    completed = timeline.locator(".moj-timeline__item", has_text="West Midlands Police completed the task")
    expect(completed).to_contain_text("by West Midlands Police")
    expect(completed).to_contain_text("Dispersal order served; no reports since.")
    progress = timeline.locator(".moj-timeline__item", has_text="West Midlands Police reported progress")
    expect(progress).to_contain_text("Patrolled the flats on Friday and Saturday evenings.")
    expect(page.get_by_text("Times are UK time (GMT or BST).")).to_be_visible()
    expect(page.locator("#section-facts + dl")).to_contain_text("jane.example.longaddress@example.org")
    check(page, "case-page-01-timeline")

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert not scrolls_sideways(page), "the case page scrolls sideways at 320 pixels"
    page.set_viewport_size({"width": 1100, "height": 900})

    page.get_by_role("button", name="Close the case").click()
    expect(page.locator("h1")).to_have_text("Close the case")
    check(page, "case-page-02-close-form")
    page.get_by_label("Close as").select_option("resolved")
    page.get_by_label("Reason").fill("Dispersal order worked; residents report no trouble.")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text(f"Close {case['reference']} as resolved?")
    expect(page.locator("dl")).to_contain_text("Dispersal order worked; residents report no trouble.")
    check(page, "case-page-03-confirm-close")
    page.set_viewport_size({"width": 320, "height": 800})
    assert not scrolls_sideways(page), "the confirmation scrolls sideways at 320 pixels"
    page.set_viewport_size({"width": 1100, "height": 900})
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] != "resolved"  # not before the confirmation
    page.get_by_role("button", name="Yes, close the case").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Case closed")
    expect(page.locator("#fact-state")).to_contain_text("Resolved")
    expect(timeline.locator(".moj-timeline__item").first).to_contain_text("Closed the case as resolved")
    expect(timeline.locator(".moj-timeline__item").first).to_contain_text("by Sam Singh")
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "resolved"
    check(page, "case-page-04-closed")
