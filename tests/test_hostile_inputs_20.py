"""Inputs never give a 500 (issue 20, finding 6): deeply nested JSON, a report period running off the
calendar, a `next` after signing in that carries a line break or a backslash, `?_method=BOGUS`, and
url_for's own keywords (`_external`, `_anchor`, `_method`, `endpoint`) in a page's query string."""

import base64
from datetime import datetime, timezone
from urllib.parse import quote

import pytest

from tasking.services import users
from tasking.unit_of_work import unit_of_work
from tests.web.test_councillor_pages import HTML, PASSWORD, csrf_from

DEEP = 100_000
HOSTILE_QUERY = "_external=1&_anchor=x&endpoint=y&_method=BOGUS&_scheme=gopher"


# Deeply nested JSON


@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a":', "}")])
def test_deeply_nested_json_is_a_400_in_the_error_format(caller, count_rows, opening, closing):
    from tasking.models import Case

    manager = caller("area_manager", areas=["SW"])
    body = opening * DEEP + "1" + closing * DEEP

    response = manager.post("/api/v1/cases", data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json == {
        "error": {
            "code": "bad_request",
            "message": "The request body nests JSON more than 64 levels deep.",
            "fields": {},
        }
    }
    assert count_rows(Case) == 0


def test_json_nested_to_the_limit_is_read_as_usual(caller):
    """64 levels is still parsed; the case schema then refuses the odd field (422), not a 400."""
    manager = caller("area_manager", areas=["SW"])
    body = '{"title": "Bins [not] {collected}", "extra": ' + "[" * 63 + "]" * 63 + "}"

    response = manager.post("/api/v1/cases", data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"


def test_brackets_inside_strings_do_not_count_as_nesting(caller):
    manager = caller("area_manager", areas=["SW"])
    title = "[" * 200 + '\\"' + "{" * 200

    response = manager.post(
        "/api/v1/cases",
        json={"title": title[:200], "description": "{" * 500, "category": "noise", "ward": "pleck"},
    )

    assert response.status_code == 201, response.json


def test_deeply_nested_json_to_open311_is_a_400_in_its_format(client):
    response = client.post(
        "/open311/v2/requests.json", data="[" * DEEP + "]" * DEEP, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert response.get_json() == [
        {"code": 400, "description": "The request body nests JSON more than 64 levels deep."}
    ]


def test_a_deeply_nested_paging_cursor_is_a_422(caller):
    manager = caller("area_manager", areas=["SW"])
    cursor = base64.urlsafe_b64encode(("[" * 5_000 + "]" * 5_000).encode()).decode().rstrip("=")

    response = manager.get(f"/api/v1/cases?cursor={cursor}")

    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"cursor": ["Invalid cursor."]}


# Report periods


@pytest.mark.parametrize("path", ["/api/v1/reports/value", "/api/v1/reports/value.csv", "/api/v1/reports/capacity"])
def test_a_report_period_ending_9999_12_31_is_a_422_from_the_api(caller, path):
    response = caller("admin").get(f"{path}?end=9999-12-31")

    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"end": ["Choose a date from 1 January 2000 to 31 December 2099."]}


# Signing in, and the pages


def _user(session, role, email, **kwargs):
    with unit_of_work(session):
        users.create_user(
            session,
            None,
            email=email,
            name=f"A {role}",
            role=role,
            now=datetime.now(timezone.utc),
            password=PASSWORD,
            **kwargs,
        )


@pytest.fixture
def manager_email(session):
    _user(session, "area_manager", "hostile.manager@test.example", area_codes=["SW"])
    return "hostile.manager@test.example"


def _sign_in(app, email, next_value=None):
    web = app.test_client()
    token = csrf_from(web.get("/sign-in"))
    query = f"?next={quote(next_value, safe='')}" if next_value is not None else ""
    return web.post(f"/sign-in{query}", data={"email": email, "password": PASSWORD, "csrf_token": token})


@pytest.mark.parametrize(
    "next_value",
    [
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "/triage\r\nSet-Cookie: x=1",
        "/triage\nLocation: https://evil.example",
        "/tri\tage",
        "//evil.example",
        "https://evil.example/triage",
        "/\x7fevil",
    ],
)
def test_a_next_with_control_characters_or_backslashes_goes_home(app, manager_email, next_value):
    home = _sign_in(app, manager_email).headers["Location"]

    response = _sign_in(app, manager_email, next_value)

    assert response.status_code == 302
    assert response.headers["Location"] == home
    assert "Set-Cookie: x" not in str(response.headers)
    assert "evil" not in response.headers["Location"]


def test_a_nul_in_next_is_refused_before_signing_in(app, manager_email):
    assert _sign_in(app, manager_email, "/triage\x00").status_code == 422


def test_a_plain_path_as_next_is_followed(app, manager_email):
    response = _sign_in(app, manager_email, "/cases?state=open")

    assert (response.status_code, response.headers["Location"]) == (302, "/cases?state=open")


def test_the_value_report_page_refuses_a_period_ending_9999_12_31(app, session):
    _user(session, "admin", "hostile.admin@test.example")
    web = app.test_client()
    web.post(
        "/sign-in",
        data={
            "email": "hostile.admin@test.example",
            "password": PASSWORD,
            "csrf_token": csrf_from(web.get("/sign-in")),
        },
    )

    response = web.get("/reports?end=9999-12-31", headers=HTML)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<title>Error: Value report" in page and 'class="govuk-error-summary"' in page
    assert "End date: Choose a date from 1 January 2000 to 31 December 2099." in page
    assert 'href="/reports"' in page


@pytest.mark.parametrize("query", [HOSTILE_QUERY, "_method=BOGUS", "endpoint=y", "_external=1&_anchor=x&endpoint=y"])
def test_the_value_report_page_takes_unexpected_keys(app, session, query):
    _user(session, "admin", "keys.admin@test.example")
    web = app.test_client()
    web.post(
        "/sign-in",
        data={"email": "keys.admin@test.example", "password": PASSWORD, "csrf_token": csrf_from(web.get("/sign-in"))},
    )

    response = web.get(f"/reports?area=SW&{query}", headers=HTML)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/reports/value.csv?area=SW"' in page
    assert 'href="/reports/transparency.csv?area=SW"' in page
    assert 'src="/reports/value.svg?area=SW"' in page
    assert "BOGUS" not in page and "gopher" not in page


def _pages(app):
    """Every page without a path argument that answers GET (not the API, Open311 or static files)."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        if rule.rule.startswith(("/api/", "/open311/", "/static/", "/swagger-ui")):
            continue
        yield rule.rule


@pytest.mark.parametrize("role, extra", [("admin", {}), ("area_manager", {"area_codes": ["SW"]}), ("finance", {})])
def test_no_page_gives_a_500_for_url_fors_own_keywords_in_its_query(app, session, role, extra):
    email = f"sweep.{role}@test.example"
    _user(session, role, email, **extra)
    web = app.test_client()
    web.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(web.get("/sign-in"))})

    answers = {path: web.get(f"{path}?{HOSTILE_QUERY}", headers=HTML).status_code for path in _pages(app)}

    assert "/reports" in answers and "/triage" in answers and "/cases" in answers
    assert {path: status for path, status in answers.items() if status >= 500} == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_method_bogus_in_the_query_is_never_a_500(client, caller, method):
    manager = caller("area_manager", areas=["SW"])
    for path in ("/api/v1/cases", "/api/v1/reports/value", "/open311/v2/services.json", "/sign-in", "/"):
        response = (manager.get if method == "GET" else manager.post)(f"{path}?_method=BOGUS")
        assert response.status_code < 500, (path, response.status_code)


def test_a_bogus_http_method_is_a_405(client):
    response = client.open("/api/v1/cases", method="BOGUS")

    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"
