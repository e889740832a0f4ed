"""Issue 19, finding 7, in a real headless Chromium: the API documentation page works with no
internet (Swagger UI is the app's own static files), and the value chart renders when opened on its
own (its content security policy lets it style itself) and stays readable in a phone-width report."""

from datetime import datetime, timezone
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from PIL import Image
from playwright.sync_api import expect

from tasking.domain.policy import Policy
from tasking.services import demo, passwords
from tasking.unit_of_work import unit_of_work
from tests.web.browser import ARTIFACTS, browser_page, check  # noqa: F401 - browser_page is a fixture


def _offline(page, live_server):
    """Abort every request to a host other than the live server, and keep the ones aborted."""
    ours = urlsplit(live_server).netloc
    refused = []

    def route(request_route):
        if urlsplit(request_route.request.url).netloc == ours:
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return refused


def _console_errors(page):
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_the_api_documentation_lists_the_operations_with_no_internet(live_server, browser_page):
    page = browser_page
    refused = _offline(page, live_server)
    errors = _console_errors(page)

    page.goto(f"{live_server}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("tasking")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    listing = page.locator(".opblock-summary", has=page.locator(".opblock-summary-path[data-path='/api/v1/cases']"))
    expect(listing.filter(has_text="GET").first).to_be_visible()

    # An operation opens, with its parameters: the interactive part works, not just the list.
    listing.filter(has_text="GET").first.click()
    expect(page.locator(".opblock.is-open .parameters-container")).to_contain_text("page_size")

    page.screenshot(path=str(ARTIFACTS / "api-docs-offline.png"))
    assert refused == []  # nothing even tried to leave the machine
    assert errors == []  # no script or policy errors


def _sign_in_manager(page, live_server, session, monkeypatch):
    """The demo's South Walsall area manager, whose area has quick-win spend and claims to draw."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with unit_of_work(session):
        demo.load(session, case_count=0, now=datetime.now(timezone.utc), policy=Policy())
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill("am.sw@demo.tasking.test")
    page.get_by_label("Password", exact=True).fill(demo.demo_password("am.sw"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_the_value_chart_renders_when_opened_on_its_own(live_server, session, browser_page, monkeypatch):
    page = browser_page
    _sign_in_manager(page, live_server, session, monkeypatch)
    errors = _console_errors(page)

    page.goto(f"{live_server}/reports/value.svg")
    # The background is white and the bars keep their colours: no style refused, no black box.
    background = page.locator("#figure_1 #patch_1 path")
    assert background.evaluate("e => getComputedStyle(e).fill") == "rgb(255, 255, 255)"
    title = page.locator("text", has_text="Quick-win spend and net cost avoided")
    expect(title).to_be_visible()
    assert title.evaluate("e => getComputedStyle(e).fill") == "rgb(11, 12, 12)"
    legend = page.locator("text", has_text="Verified, confirmed at follow-up")
    expect(legend).to_be_visible()
    swatch = page.locator("#legend_1 path").nth(1)
    assert swatch.evaluate("e => getComputedStyle(e).fill") == "rgb(0, 112, 60)"
    # South Walsall's estimated claim (the £25,900 chance of care) is a tall ochre bar; its spend a blue one.
    estimated = page.locator("#bar-SW-estimated_net_pence path")
    assert estimated.evaluate("e => getComputedStyle(e).fill") == "rgb(181, 136, 64)"
    assert estimated.evaluate("e => e.getBoundingClientRect().height") > 50
    spend = page.locator("#bar-SW-spent_pence path")
    assert spend.evaluate("e => getComputedStyle(e).fill") == "rgb(29, 112, 184)"

    shot = ARTIFACTS / "value-chart-standalone.png"
    page.screenshot(path=str(shot))
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    white = sum(n for n, colour in colours if colour == (255, 255, 255))
    dark = sum(n for n, colour in colours if sum(colour) < 60)
    total = sum(n for n, _ in colours)
    assert white > total / 2 and dark < total / 10, "mostly white with dark text, not a black box"
    assert errors == []


def test_the_value_chart_labels_are_readable_at_375_pixels(live_server, session, browser_page, monkeypatch):
    page = browser_page
    _sign_in_manager(page, live_server, session, monkeypatch)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server}/reports")
    chart = page.locator("img.tasking-chart")
    expect(chart).to_be_visible()
    chart.evaluate("e => e.decode()")
    natural, shown = chart.evaluate("e => [e.naturalWidth, e.getBoundingClientRect().width]")
    # The chart's smallest text is 12 px at its natural size (tasking/web/value_chart.py): shown at
    # no less than this share of it, it stays at 10 px or more.
    assert shown / natural >= 10 / 12, (natural, shown)
    # It scrolls inside its own frame, which fits the screen: the chart never pushes the page sideways.
    frame = page.locator(".tasking-chart-frame")
    assert frame.evaluate("e => e.scrollWidth > e.clientWidth")
    assert frame.evaluate("e => e.getBoundingClientRect().right") <= 375
    assert page.locator("figure.tasking-chart-figure").evaluate("e => e.getBoundingClientRect().right") <= 375
    expect(page.get_by_role("link", name="the same figures as a table")).to_have_attribute("href", "#net-areas")
    check(page, "value-report-375")
