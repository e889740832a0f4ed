"""An area manager works a referred case through the console in a real headless Chromium."""

from datetime import datetime, timezone

from playwright.sync_api import expect

from tasking.domain.policy import Policy
from tasking.services import classification, users
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

PASSWORD = "correct horse battery staple"


def test_area_manager_works_a_referred_case_end_to_end(live_server, session, browser_page, caller):
    now = datetime.now(timezone.utc)
    with unit_of_work(session):
        manager = users.create_user(
            session,
            None,
            email="sam@test.example",
            name="Sam Singh",
            role="area_manager",
            now=now,
            password=PASSWORD,
            area_codes=["SW"],
        )
    with unit_of_work(session):
        councillor = users.create_user(
            session,
            None,
            email="cllr@test.example",
            name="Cllr Khan",
            role="councillor",
            now=now,
            password=PASSWORD,
            ward_codes=["pleck"],
        )
    from tasking.services import councillor_requests

    with unit_of_work(session):
        case = councillor_requests.raise_request(
            session,
            principal_for(councillor),
            {
                "title": "Gang of youths by the shops",
                "description": "Intimidating shoppers every evening.",
                "category": "noise",
                "ward": "pleck",
                "address": "Pleck Road shops",
            },
            now=now,
            policy=Policy(),
        )
    with unit_of_work(session):
        classification.refer(
            session,
            principal_for(councillor),
            case.id,
            reason="It is more than noise: intimidation.",
            now=now,
            policy=Policy(),
        )
    page = browser_page

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Signing in lands on My work, where the referred case waits with the councillor's reason.
    expect(page).to_have_url(f"{live_server}/my-work")
    expect(page.locator("main")).to_contain_text(case.reference)
    page.get_by_role("link", name="Triage").click()
    row = page.locator("#triage-cases tbody tr", has_text=case.reference)
    expect(row).to_contain_text("Referred")
    check(page, "console-01-triage")

    row.get_by_role("link", name=f"Choose another level for {case.reference}").click()
    page.get_by_label("Level").select_option("2")
    page.get_by_label("Reason").fill("Needs partnership problem solving with the police.")
    page.get_by_role("button", name="Set level").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Level changed")
    page.goto(f"{live_server}/cases/{case.reference}")
    expect(page.locator("dl").first).to_contain_text("Area manager")
    check(page, "console-02-case")

    # Each action on its own page, linked from the case page (issue 19, finding 4).
    page.get_by_role("button", name="Offer task").click()
    page.get_by_label("Offer a task to another partner").select_option("wm-police")
    page.get_by_role("button", name="Offer task").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Task offered")
    expect(page.locator("#section-tasks + div table")).to_contain_text("West Midlands Police")

    remaining = page.locator(".govuk-summary-list__row", has_text="Quick-win budget remaining")
    expect(remaining).to_contain_text("£10,000.00 of £10,000.00")
    page.get_by_role("button", name="Record spend").click()
    page.get_by_role("button", name="Record spend").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the amount")
    check(page, "console-03-spend-error")
    page.get_by_label("Amount in pounds").fill("250")
    page.get_by_label("What it paid for").fill("Youth diversion session")
    page.get_by_role("button", name="Record spend").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Spend recorded")
    expect(remaining).to_contain_text("£9,750.00 of £10,000.00")

    page.locator("details.tasking-case__note summary").click()
    page.locator("details").get_by_label("Note").fill("Joint patrol with the police on Friday evening.")
    page.locator("details").get_by_label("Who may see it").select_option("partners")
    page.locator("details").get_by_role("button", name="Add note").click()
    expect(page.locator(".moj-timeline")).to_contain_text("Joint patrol with the police on Friday evening.")

    page.get_by_role("button", name="Close the case").click()
    page.get_by_label("Close as").select_option("resolved")
    page.get_by_label("Reason").fill("Group moved on; shops report no trouble.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Yes, close the case").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Case closed")
    expect(page.locator("dl").first).to_contain_text("Resolved")
    check(page, "console-04-case-resolved")

    page.get_by_role("link", name="Budget").click()
    expect(page.locator("dl")).to_contain_text("£9,750.00")
    check(page, "console-05-budget")
    page.get_by_role("link", name="Reports").click()
    check(page, "console-06-reports")
    page.goto(f"{live_server}/meetings/SW/{now.date().isoformat()}")
    expect(page.locator("h1")).to_contain_text("Tasking meeting")
    check(page, "console-07-meeting")
    page.goto(f"{live_server}/areas/SW/agenda?meeting={now.date().isoformat()}")
    check(page, "console-08-agenda-print")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/sign-in")

    # The pages used the same services as the API: the API sees the same result.
    api = caller("area_manager", areas=["SW"])
    seen = api.get(f"/api/v1/cases/{case.reference}").json
    assert (seen["state"], seen["level"], seen["source"]) == ("resolved", 2, "councillor")
    police = caller("partner", organisation="wm-police")
    task = police.get("/api/v1/tasks").json["items"][0]
    assert task["state"] == "cancelled"  # resolving the case withdrew the offer
    assert [n["body"] for n in task["case"]["notes"]] == ["Joint patrol with the police on Friday evening."]
