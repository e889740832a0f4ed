"""A finance officer decides a claim from the queue in a real headless Chromium (issue 19, finding 5),
and the area manager then reads why it was not supported."""

from datetime import datetime, timezone

from playwright.sync_api import expect

from tasking.services import users
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

PASSWORD = "correct horse battery staple"
REASON = "The placement was never likely: no referral to children's social care was made."


def person(session, email, name, role, **kwargs):
    with unit_of_work(session):
        return users.create_user(
            session,
            None,
            email=email,
            name=name,
            role=role,
            now=datetime.now(timezone.utc),
            password=PASSWORD,
            **kwargs,
        )


def sign_in(page, server, email):
    page.goto(f"{server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def no_sideways_scroll_at_320(page, name):
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1100, "height": 900})
    assert width <= 320, f"{name} scrolls sideways at 320 pixels: {width}"


def test_finance_officer_finds_a_claim_not_supported_and_the_area_manager_reads_why(
    live_server, session, browser_page, caller
):
    finance = person(session, "fiona@test.example", "Fiona Price", "finance")
    manager = person(session, "sam@test.example", "Sam Singh", "area_manager", area_codes=["SW"])
    api = caller("area_manager", areas=["SW"])
    case = api.post(
        "/api/v1/cases",
        json={"title": "Family struggling", "description": "Rent arrears.", "category": "noise", "ward": "pleck"},
    ).json
    claim = api.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={"outcomes": [{"description": "Eviction avoided", "unit_cost_pence": 790_000, "probability": "1/4"}]},
    ).json
    other = api.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={"outcomes": [{"description": "Repeat call-outs avoided", "unit_cost_pence": 12_000, "probability": "1"}]},
    ).json
    page = browser_page

    sign_in(page, live_server, finance.email)
    # Finance's home is the queue.
    expect(page).to_have_url(f"{live_server}/claims")
    table = page.locator("table")
    expect(page.locator(".tasking-claims-count")).to_contain_text("2 claims waiting for a decision")
    expect(table).to_contain_text(f"Claim {claim['id']}")
    expect(table).to_contain_text("£1,975.00")  # a quarter of £7,900, exactly
    check(page, "finance-01-queue")
    no_sideways_scroll_at_320(page, "the claims queue")

    page.get_by_role("link", name=f"Claim {claim['id']}", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Claim {claim['id']}")
    expect(page.locator(".tasking-claim-outcomes")).to_contain_text("Eviction avoided")
    check(page, "finance-02-claim")
    no_sideways_scroll_at_320(page, "the claim page")

    page.get_by_label("Not supported").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the claim is not supported")
    expect(page.get_by_label("Not supported")).to_be_checked()
    check(page, "finance-03-reason-missing")

    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Record decision").click()
    expect(page).to_have_url(f"{live_server}/claims")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Claim {claim['id']} found not supported.")
    expect(page.locator(".tasking-claims-count")).to_contain_text("1 claim waiting for a decision")
    expect(table).not_to_contain_text(f"Claim {claim['id']}")
    expect(table).to_contain_text(f"Claim {other['id']}")
    check(page, "finance-03b-queue-after-decision")

    page.get_by_role("link", name="Decided").click()
    expect(table).to_contain_text(REASON)
    check(page, "finance-04-decided")
    no_sideways_scroll_at_320(page, "the decided claims")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, manager.email)
    page.goto(f"{live_server}/cases/{case['reference']}")
    expect(page.locator("main")).to_contain_text(f"Finance's reason: {REASON}")
    check(page, "finance-05-case-page-with-reason")
    page.goto(f"{live_server}/claims/{claim['id']}")
    expect(page.locator(".tasking-claim-reason")).to_contain_text(REASON)
    expect(page.locator(".tasking-claim-history")).to_contain_text("Not supported by Fiona Price")
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    check(page, "finance-06-claim-read-only")
    page.get_by_role("link", name=case["reference"]).click()
    expect(page).to_have_url(f"{live_server}/cases/{case['reference']}")
