"""The exception report page in a real headless Chromium (issue 21, acceptance 3): an area manager reads
the deadlines past and near after Christmas 2026, narrows it to one partner, and meets a refused
period; each state passes axe and keeps its wide tables in their own scrolling boxes at 320 pixels."""

from playwright.sync_api import expect

from tests.api.test_exception_reports import clock, december, people  # noqa: F401 - fixtures
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture
from tests.web.test_finance_browser import no_sideways_scroll_at_320, person, sign_in


def test_an_area_manager_reads_the_exception_report(live_server, session, browser_page, december):  # noqa: F811
    youths = december["youths"]["reference"]
    person(session, "sam@test.example", "Sam Singh", "area_manager", area_codes=["SW"])
    page = browser_page
    sign_in(page, live_server, "sam@test.example")

    page.get_by_role("link", name="Exceptions", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exception report")
    expect(page.locator("#exception-counts")).to_contain_text("3 past their target")
    expect(page.locator("#exception-counts")).to_contain_text("1 near it")
    table = page.locator("#exceptions")
    expect(table).to_contain_text(youths)
    expect(table).to_contain_text("Accept the task")
    expect(page.locator("#declines")).to_contain_text("Not a fire risk.")
    check(page, "exceptions-01-report")
    no_sideways_scroll_at_320(page, "the exception report")

    page.get_by_label("Organisation", exact=True).select_option(label="Walsall Housing Group")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#exception-counts")).to_contain_text("0 past their target")
    expect(page.locator("#exception-counts")).to_contain_text("1 near it")
    check(page, "exceptions-02-one-partner")

    page.get_by_label("From", exact=True).fill("2026-12-31")
    page.get_by_label("To", exact=True).fill("2026-12-01")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Must not be before start.")
    check(page, "exceptions-03-refused-period")
    no_sideways_scroll_at_320(page, "the refused exception report")
