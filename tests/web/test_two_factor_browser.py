"""Issue 20, acceptance 2: in a real headless Chromium an admin (whose role needs two-factor sign-in)
is sent to enrolment after the password, enrols with a code computed from the key the page shows,
signs out, signs in with a code, signs out, signs in with a recovery code, and finds that recovery
code refused the second time; axe passes on every page."""

import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from playwright.sync_api import expect

from tasking.services import users
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

PASSWORD = "correct horse battery staple"
# The pages' clock (tasking.web.two_factor.now), held at the start of a step near the real time, so
# that the enrolment's code and the next sign-in's fall in known steps.


def step_start():
    """The start of the current 30-second step, read when a test starts (never at import: the
    session's idle limit compares the pages' clock with the real one)."""
    return datetime.fromtimestamp(int(datetime.now(timezone.utc).timestamp()) // 30 * 30, timezone.utc)


STEP = timedelta(seconds=30)


@pytest.fixture
def clock(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_ROLES", "admin,finance")
    start = step_start()
    moment = {"now": start, "start": start}
    monkeypatch.setattr("tasking.web.two_factor.now", lambda: moment["now"])
    return moment


def password_step(page, server, email):
    page.goto(f"{server}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def narrow(page, name):
    """At 320 pixels wide the page does not scroll sideways, and passes axe there too."""
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    check(page, f"{name}-320")
    page.set_viewport_size({"width": 1100, "height": 900})
    assert width <= 320, f"{name} scrolls sideways at 320 pixels: {width}"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def test_an_admin_enrols_and_signs_in_with_a_code_and_then_a_recovery_code(live_server, session, browser_page, clock):
    page = browser_page
    with unit_of_work(session):
        admin = users.create_user(
            session,
            None,
            email="ada@test.example",
            name="Ada Admin",
            role="admin",
            now=datetime.now(timezone.utc),
            password=PASSWORD,
        )

    password_step(page, live_server, admin.email)
    expect(page).to_have_url(f"{live_server}/account/two-factor")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for setting up two-factor sign-in for tasking")).to_be_visible()
    check(page, "two-factor-01-enrol")
    narrow(page, "two-factor-01-enrol")
    secret = page.locator("#two-factor-secret").get_attribute("data-secret")
    assert secret is not None and re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert page.locator("#two-factor-secret").inner_text().replace(" ", "") == secret

    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the 6-digit code from your authenticator app")
    check(page, "two-factor-02-enrol-error")

    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).at(clock["now"]))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = page.locator(".tasking-recovery-code").all_inner_texts()
    assert len(codes) == 10
    check(page, "two-factor-03-recovery-codes")
    narrow(page, "two-factor-03-recovery-codes")
    page.get_by_role("link", name="I have saved my recovery codes, continue").click()
    sign_out(page)

    clock["now"] = clock["start"] + STEP
    password_step(page, live_server, admin.email)
    expect(page).to_have_url(f"{live_server}/sign-in/code")
    check(page, "two-factor-04-code")
    narrow(page, "two-factor-04-code")
    page.get_by_label("Enter your code").fill(pyotp.TOTP(secret).at(clock["now"]))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Signed in as Ada Admin")).to_be_visible()
    sign_out(page)

    password_step(page, live_server, admin.email)
    page.get_by_role("link", name="Use a recovery code instead").click()
    check(page, "two-factor-05-recovery-code")
    narrow(page, "two-factor-05-recovery-code")
    page.get_by_label("Enter a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You used a recovery code. You have 9 left.")).to_be_visible()
    check(page, "two-factor-06-signed-in-with-recovery-code")
    sign_out(page)

    password_step(page, live_server, admin.email)
    page.get_by_role("link", name="Use a recovery code instead").click()
    page.get_by_label("Enter a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct recovery code")
    expect(page.get_by_text("Signed in as Ada Admin")).to_have_count(0)
    check(page, "two-factor-07-recovery-code-refused")
