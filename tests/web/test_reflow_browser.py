"""WCAG 2.2 reflow: every page, for the role that uses it, at 320 and 375 pixels wide, without the
page scrolling sideways. A wide table may scroll inside its own box (.tasking-table-scroll); the page
itself never does. The demo data fills the pages, as a newcomer would see them after `make run`."""

from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tasking.domain.policy import Policy
from tasking.models import Case, CaseWait, CostAvoidedClaim, User
from tasking.services import demo
from tasking.unit_of_work import unit_of_work
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

WIDTHS = (320, 375)
CLOSED = ("resolved", "closed")

# endpoint -> (the demo account that uses the page, or None for anyone; the path, filled from `facts`)
PAGES = {
    "landing.index": (None, "/"),
    "auth.sign_in": (None, "/sign-in"),
    "two_factor.enrol": ("am.sw", "/account/two-factor"),
    "councillor.my_requests": ("cllr.sw", "/requests"),
    "councillor.new_request": ("cllr.sw", "/requests/new"),
    "councillor.request_detail": ("cllr.sw", "/requests/{councillor_case}"),
    "councillor.request_sent": ("cllr.sw", "/requests/{councillor_case}/sent"),
    "console.my_work": ("am.sw", "/my-work"),
    "console.triage_page": ("am.sw", "/triage"),
    "console.cases_list": ("am.sw", "/cases"),
    "console.cases_map": ("am.sw", "/cases/map"),
    "console.case_page": ("am.sw", "/cases/{area_case}"),
    "console.case_level_page": ("am.sw", "/cases/{area_case}/level"),
    "console.case_tasks_page": ("am.sw", "/cases/{area_case}/tasks"),
    "console.case_lead_page": ("am.sw", "/cases/{area_case}/lead"),
    "console.case_notes_page": ("am.sw", "/cases/{area_case}/notes"),
    "console.case_spend_page": ("am.sw", "/cases/{area_case}/spend"),
    "console.case_claims_page": ("am.sw", "/cases/{area_case}/claims"),
    "console.case_state_page": ("am.sw", "/cases/{area_case}/state"),
    "console.case_duplicate_page": ("am.sw", "/cases/{area_case}/duplicate"),
    "console.case_reopen_page": ("am.sw", "/cases/{closed_case}/reopen"),
    "console.case_wait_page": ("am.sw", "/cases/{area_case}/wait"),
    "console.case_resume_page": ("am.sw", "/cases/{held_case}/resume"),
    "console.exceptions_page": ("am.sw", "/reports/exceptions"),
    "console.meetings_page": ("am.sw", "/meetings?area=SW"),
    "console.claims_queue": ("finance", "/claims"),
    "console.claim_page": ("finance", "/claims/{claim}"),
    "console.budget_page": ("am.sw", "/budget"),
    "board_reports.value_page": ("am.sw", "/reports"),
    "agenda.agenda_page": ("am.sw", "/areas/SW/agenda?meeting={today}"),
    "console.meeting_page": ("am.sw", "/meetings/SW/{today}"),
}
# Pages met other than at their own GET route, with the status they answer: the API documentation
# (under /api/, left out of the route walk), an error page, and the admin's choice of area for a budget.
STATES = {
    "api docs": (None, "/api/v1/docs", 200),
    "error page": ("am.sw", "/cases/SW-1999-99999", 404),
    "budget area chooser": ("admin", "/budget", 200),
}
# Pages drawn by script after loading: what to wait for before measuring.
READY = {"api docs": ".opblock"}
# Endpoints that answer with something other than a page.
NOT_PAGES = {
    "health.healthz",
    "health.livez",
    "board_reports.transparency_csv",
    "board_reports.value_csv",
    "board_reports.value_svg",
    "console.cases_csv",
    "console.exceptions_csv",
    # Shown only half way through signing in: tests/web/test_two_factor_browser.py walks them at 320 px.
    "two_factor.code",
    "two_factor.recovery_code",
}


def _page_endpoints(app) -> set[str]:
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/open311", "/static"))
    }


def test_every_page_is_in_the_reflow_walk(app):
    assert _page_endpoints(app) - NOT_PAGES == set(PAGES)


@pytest.fixture
def demo_borough(session):
    now = datetime.now(timezone.utc)
    with unit_of_work(session):
        result = demo.load(session, case_count=40, now=now, policy=Policy())
    accounts = {a["email"].split("@")[0]: a for a in result.accounts}
    councillor = session.scalar(select(User).where(User.email == accounts["cllr.sw"]["email"]))
    facts = {
        "today": now.date().isoformat(),
        "councillor_case": session.scalar(
            select(Case.reference).where(Case.raised_by_id == councillor.id).order_by(Case.id).limit(1)
        ),
        # The longest title of an open case in South Walsall: the case page at its widest.
        "area_case": max(
            session.execute(
                select(Case.reference, Case.title).where(
                    Case.area.has(code="SW"),
                    Case.state.not_in(CLOSED),
                    Case.id.not_in(select(CaseWait.case_id).where(CaseWait.ended_at.is_(None))),
                )
            ),
            key=lambda row: len(row.title),
        ).reference,
        "closed_case": session.scalar(
            select(Case.reference).where(Case.area.has(code="SW"), Case.state.in_(CLOSED)).limit(1)
        ),
        "claim": session.scalar(select(CostAvoidedClaim.id).order_by(CostAvoidedClaim.id).limit(1)),
        # The demo's case on hold, waiting on its resident.
        "held_case": session.scalar(
            select(Case.reference).join(CaseWait, CaseWait.case_id == Case.id).where(CaseWait.ended_at.is_(None))
        ),
    }
    assert all(facts.values()), facts
    return accounts, facts


def _sign_in(page, server, account):
    # Leave the last page first: a request still in flight could set the old session's cookie again.
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"{server}/sign-in")
    page.get_by_label("Email address").fill(account["email"])
    page.get_by_label("Password", exact=True).fill(account["password"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".tasking-account__name")).to_be_visible()


def test_no_page_scrolls_sideways_at_320_or_375_pixels_and_every_page_passes_axe(
    live_server, demo_borough, browser_page
):
    accounts, facts = demo_borough
    page = browser_page
    # Nothing leaves the machine (the map's tiles included): a page must hold without them.
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server) else route.abort())
    wide = []
    by_account: dict = {}
    for endpoint, (account, path) in PAGES.items():
        by_account.setdefault(account, []).append((endpoint, path.format(**facts), 200))
    for name, (account, path, status) in STATES.items():
        by_account.setdefault(account, []).append((name, path, status))
    for account, pages in by_account.items():
        if account is None:
            page.context.clear_cookies()
        else:
            page.set_viewport_size({"width": 1100, "height": 900})
            _sign_in(page, live_server, accounts[account])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for endpoint, path, status in pages:
                response = page.goto(f"{live_server}{path}")
                assert response.status == status, (endpoint, path, response.status)
                if endpoint in READY:
                    page.locator(READY[endpoint]).first.wait_for()
                scroll = page.evaluate("document.documentElement.scrollWidth")
                if scroll > width:
                    wide.append((endpoint, width, scroll))
                if width == WIDTHS[0]:
                    # Every page passes axe too, at its narrowest, where scrolling boxes appear.
                    check(page, f"reflow-{width}-{endpoint}")
    assert wide == []
