"""An area manager pages through 200 waiting cases in a real headless Chromium, confirms five at
once and sees them leave the queue (issue 19, acceptance 1), with axe on every page and no
sideways scrolling at 320 pixels."""

import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect
from sqlalchemy import select, update

from tasking.domain.policy import Policy
from tasking.models import Case
from tasking.services import cases, users
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

PASSWORD = "correct horse battery staple"
WARDS = ("pleck", "paddock", "palfrey", "st-matthews")


def test_an_area_manager_pages_through_200_cases_and_confirms_five(live_server, session, browser_page):
    now = datetime.now(timezone.utc)
    with unit_of_work(session):
        manager = users.create_user(
            session,
            None,
            email="pat@test.example",
            name="Pat Okafor",
            role="area_manager",
            now=now,
            password=PASSWORD,
            area_codes=["SW"],
        )
    who = principal_for(manager)
    with unit_of_work(session):
        made = [
            cases.create_case(
                session,
                who,
                {
                    "title": f"Rubbish dumped behind the shops, report {n:03}",
                    "description": "Bags and a mattress.",
                    "category": "litter",
                    "ward": WARDS[n % 4],
                },
                now=now,
                policy=Policy(),
            ).id
            for n in range(200)
        ]
    with unit_of_work(session):  # a spread of ages, as a real queue has
        for n, case_id in enumerate(made):
            session.execute(update(Case).where(Case.id == case_id).values(created_at=now - timedelta(days=n % 40)))
    page = browser_page

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/triage")
    expect(page.locator("#triage-count")).to_have_text("200 cases waiting")
    expect(page.locator("#triage-cases tbody tr")).to_have_count(50)
    check(page, "triage-01-page-1")

    seen = set()
    for number in (2, 3, 4):
        page.get_by_role("navigation", name="Triage pages").get_by_role("link", name="Next").click()
        expect(page.get_by_role("link", name=f"Page {number}")).to_have_attribute("aria-current", "page")
        rows = page.locator("#triage-cases tbody tr")
        expect(rows).to_have_count(50)
        seen |= set(page.locator("#triage-cases tbody a[href^='/cases/']:not([href$='/level'])").all_inner_texts())
        check(page, f"triage-0{number}-page-{number}")
    assert len(seen) == 150

    # Back to the first page, sorted oldest first, filtered to Pleck: five ticked and confirmed.
    page.get_by_role("navigation", name="Triage pages").get_by_role("link", name="Page 1").click()
    page.get_by_label("Ward").select_option("pleck")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#triage-count")).to_have_text("50 cases waiting")
    page.get_by_role("link", name="Age in days").click()
    expect(page.get_by_role("columnheader", name="Age in days")).to_have_attribute("aria-sort", "ascending")
    check(page, "triage-05-filtered-sorted")

    # The script's "select all" ticks and clears every row on the page.
    select_all = page.get_by_label("Select all cases on this page")
    select_all.check()
    expect(page.locator("#triage-cases tbody input:checked")).to_have_count(50)
    select_all.uncheck()
    expect(page.locator("#triage-cases tbody input:checked")).to_have_count(0)

    references = page.locator("#triage-cases tbody a[href^='/cases/']:not([href$='/level'])").all_inner_texts()[:5]
    for reference in references:
        page.get_by_label(f"Select {reference}", exact=True).check()
    page.get_by_role("button", name="Confirm selected suggestions").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "5 cases confirmed at their suggested levels and routed."
    )
    expect(page.locator("#triage-count")).to_have_text("45 cases waiting")
    expect(page.get_by_role("columnheader", name="Age in days")).to_have_attribute("aria-sort", "ascending")
    for reference in references:
        expect(page.locator("#triage-cases")).not_to_contain_text(reference)
    check(page, "triage-06-confirmed")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#triage-count")).to_have_text("195 cases waiting")

    session.expire_all()
    decided = session.execute(select(Case.reference, Case.level, Case.state).where(Case.reference.in_(references)))
    assert sorted(decided) == sorted((reference, 1, "assigned") for reference in references)

    # At 320 pixels wide the page does not scroll sideways: the table scrolls in its own box.
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    check(page, "triage-07-320-wide")
    assert re.fullmatch(r"\d+ cases waiting", page.locator("#triage-count").inner_text())
