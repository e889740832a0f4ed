"""Every role has a home and a navigation bar that shows only what it may use (issue 19, finding 5:
finance landed on a page with no navigation)."""

import re

import pytest

from tasking.web.navigation import HOMES, LINKS
from tests.web.test_console_pages import web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import HTML

NAV = re.compile(r'<a class="govuk-service-navigation__link" href="([^"]+)"[^>]*>(.*?)</a>', re.S)
TAG = re.compile(r"<[^>]+>")

# role (with what it covers) -> (where signing in lands, the navigation bar in order)
EXPECTED = {
    "councillor": ({"ward_codes": ["pleck"]}, "/requests", ["My requests", "Raise a request"]),
    "area_manager": (
        {"area_codes": ["SW"]},
        "/my-work",
        ["My work", "Triage", "Cases", "Meetings", "Budget", "Reports", "Exceptions"],
    ),
    "support_officer": (
        {"area_codes": ["SW"]},
        "/my-work",
        ["My work", "Triage", "Cases", "Meetings", "Budget", "Reports", "Exceptions"],
    ),
    "admin": ({}, "/my-work", ["My work", "Triage", "Cases", "Meetings", "Budget", "Reports", "Exceptions"]),
    "finance": ({}, "/claims", ["Claims", "Budget", "Reports"]),
    "borough_officer": ({}, "/reports", ["Budget", "Reports", "Exceptions"]),
    # A partner signed in reads its own organisation's exceptions (its tasks come through the API).
    "partner": ({"organisation_code": "whg"}, "/", ["Exceptions"]),
}


def test_every_link_and_home_names_a_page_that_exists(app):
    # navigation.py leaves out a link whose page is missing; this keeps that from ever hiding one.
    assert {link.endpoint for link in LINKS} | {endpoint for _, endpoint in HOMES} <= set(app.view_functions)


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_lands_on_its_home_and_sees_only_the_pages_it_may_use(app, web_user, role):
    covers, home, links = EXPECTED[role]
    client = web_user(role, **covers)
    landed = client.get("/sign-in", headers=HTML)
    assert landed.status_code == 302 and landed.headers["Location"] == home
    page = client.get(home, headers=HTML)
    assert page.status_code == 200
    shown = [(href, TAG.sub("", inner).strip()) for href, inner in NAV.findall(page.get_data(as_text=True))]
    assert [text for _, text in shown] == links
    # Every link it is shown opens for it.
    for href, text in shown:
        assert client.get(href, headers=HTML).status_code == 200, text
