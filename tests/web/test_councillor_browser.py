"""A councillor uses the request pages in a real headless Chromium, checked by axe-core as they go.
Screenshots of each page are saved under tests/artifacts/ for a person to look at."""

from playwright.sync_api import expect

from tasking.clock import now
from tasking.domain.policy import Policy
from tasking.services import demo
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture


def test_councillor_raises_follows_and_refers_a_request(live_server, session, browser_page, caller):
    with unit_of_work(session):
        accounts = demo.load(session, case_count=0, now=now(), policy=Policy()).accounts
    councillor = next(a for a in accounts if a["role"] == "councillor" and "st-matthews" in a["wards"])
    page = browser_page

    page.goto(f"{live_server}/requests/new")
    expect(page).to_have_url(f"{live_server}/sign-in?next=%2Frequests%2Fnew")
    check(page, "01-sign-in")
    # The content security policy lets GOV.UK Frontend run: the nonce'd inline script and the module.
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    expect(page.get_by_role("button", name="Show password")).to_be_visible()
    page.get_by_label("Email address").fill(councillor["email"])
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct email address and password")
    check(page, "02-sign-in-error")
    page.get_by_label("Password", exact=True).fill(councillor["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/requests/new")
    check(page, "03-request-form")

    page.get_by_role("button", name="Send request").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Select the ward")
    expect(summary).to_contain_text("Say what is wrong")
    expect(summary).to_contain_text("Enter an address or a postcode")
    expect(page).to_have_title("Error: Raise a level-one request – tasking – Walsall Council")
    check(page, "04-request-form-errors")
    summary.get_by_role("link", name="Select the ward").click()
    expect(page.locator("#ward")).to_be_focused()  # the first of the ward radios, as GOV.UK links them

    page.get_by_label("St Matthew's").check()
    page.get_by_label("Litter and dirty streets").check()
    page.get_by_label("Address or place").fill("Bins outside 14 Caldmore Road")
    page.get_by_label("What is wrong?").fill("The bins outside the shops have not been emptied for two weeks.")
    page.get_by_role("button", name="Send request").click()
    panel = page.locator(".govuk-panel")
    expect(panel).to_contain_text("Request sent")
    reference = panel.locator("strong").inner_text()
    assert reference.startswith("SW-")
    expect(page.get_by_text("Walsall Council Street Cleansing")).to_be_visible()
    check(page, "05-request-sent")

    page.get_by_role("link", name="See all your requests").click()
    row = page.locator("tr", has_text=reference)
    expect(row).to_contain_text("Walsall Council Street Cleansing")
    check(page, "06-my-requests")

    row.get_by_role("link", name=reference).click()
    check(page, "07-request-detail")
    page.get_by_role("button", name="Refer to the area manager").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why it needs the area manager")
    page.get_by_label("Why is it more complicated than it looked?").fill(
        "The shop owners say a landlord is dumping trade waste every week."
    )
    page.get_by_role("button", name="Refer to the area manager").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Referred to the area manager")
    expect(page.get_by_text("This request is with the area manager.")).to_be_visible()
    check(page, "08-request-referred")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/sign-in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    check(page, "09-signed-out")
    page.goto(f"{live_server}/requests")
    expect(page).to_have_url(f"{live_server}/sign-in?next=%2Frequests")

    # Through the API afterwards: level one, with the front-line service, then in the manager's queue.
    manager = caller("area_manager", areas=["SW"])
    history = manager.get(f"/api/v1/cases/{reference}/classification").get_json()["history"]
    assert [(h["to_level"], h["kind"]) for h in history] == [(1, "decision")]
    case = manager.get(f"/api/v1/cases/{reference}").get_json()
    assert (case["source"], case["level"], case["state"]) == ("councillor", 1, "returned")
    # Referred back, it is no longer the front-line service's: it waits for the area manager.
    assert case["owner"]["organisation"] is None
    queue = manager.get("/api/v1/triage").get_json()["items"]
    item = next(i for i in queue if i["reference"] == reference)
    assert (item["waiting_reason"], item["suggested_level"]) == ("referred", 2)
