"""The navigation bar and each role's home page: a link shows only when the signed-in user's role
may use the page it leads to (the permissions table, tasking/domain/permissions.py)."""

from dataclasses import dataclass

from flask import current_app, request, url_for

from tasking.domain.permissions import can


@dataclass(frozen=True)
class Link:
    endpoint: str
    text: str
    action: str  # the permission the page itself requires
    also_active: tuple[str, ...] = ()


# In the order a person works: what is theirs, what is new, everything, then the money and reports.
LINKS = (
    Link("councillor.my_requests", "My requests", "request.raise", ("councillor.request_detail",)),
    Link("councillor.new_request", "Raise a request", "request.raise"),
    Link("console.my_work", "My work", "console.use"),
    Link("console.triage_page", "Triage", "triage.read"),
    Link("console.cases_list", "Cases", "console.use", ("console.case_page", "console.cases_map")),
    Link("console.meetings_page", "Meetings", "triage.read", ("console.meeting_page",)),
    Link("console.claims_queue", "Claims", "claim.decide", ("console.claim_page",)),
    Link("console.budget_page", "Budget", "budget.read"),
    Link("board_reports.value_page", "Reports", "report.value"),
    Link("console.exceptions_page", "Exceptions", "report.exceptions"),
)

# Each role's first page after signing in: the first of these it may use.
HOMES = (
    ("request.raise", "councillor.my_requests"),
    ("console.use", "console.my_work"),
    ("claim.decide", "console.claims_queue"),
    ("report.value", "board_reports.value_page"),
)


def navigation(principal) -> list[dict]:
    """The GOV.UK service navigation items for this principal (none when signed out)."""
    if principal is None:
        return []
    return [
        {
            "href": url_for(link.endpoint),
            "text": link.text,
            "active": request.endpoint in (link.endpoint, *link.also_active),
        }
        for link in LINKS
        # tests/web/test_navigation.py holds every link to a page that exists.
        if can(principal, link.action) and link.endpoint in current_app.view_functions
    ]


def home_endpoint(principal) -> str:
    for action, endpoint in HOMES:
        if can(principal, action) and endpoint in current_app.view_functions:
            return endpoint
    return "landing.index"
