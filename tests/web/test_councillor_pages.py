"""The councillor pages from the outside: CSRF, who may reach them, and whose requests they show."""

import re
from datetime import datetime, timezone

import pytest

from tasking import create_app
from tasking.services import users
from tasking.unit_of_work import unit_of_work

PASSWORD = "correct horse battery staple"
HTML = {"Accept": "text/html"}


def csrf_from(response):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def sign_in(client, email):
    token = csrf_from(client.get("/sign-in"))
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def person(session):
    count = iter(range(1, 1000))

    def make(role, **kwargs):
        with unit_of_work(session):
            return users.create_user(
                session,
                None,
                email=f"{role}.{next(count)}@test.example",
                name=f"A {role}",
                role=role,
                now=datetime.now(timezone.utc),
                password=PASSWORD,
                **kwargs,
            )

    return make


@pytest.fixture
def councillor_client(app, person):
    councillor = person("councillor", ward_codes=["st-matthews"])
    client = app.test_client()
    sign_in(client, councillor.email)
    return client


def raise_request(client, ward="st-matthews"):
    token = csrf_from(client.get("/requests/new"))
    return client.post(
        "/requests/new",
        data={
            "csrf_token": token,
            "ward": ward,
            "category": "potholes",
            "address": "Vicarage Street",
            "description": "A deep pothole by the crossing.",
        },
    )


def test_a_form_post_without_a_valid_csrf_token_is_rejected(councillor_client, count_rows):
    from tasking.models import Case

    missing = councillor_client.post(
        "/requests/new",
        headers=HTML,
        data={
            "ward": "st-matthews",
            "category": "potholes",
            "address": "Vicarage Street",
            "description": "A pothole here.",
        },
    )
    forged = councillor_client.post(
        "/requests/new",
        headers=HTML,
        data={
            "csrf_token": "forged",
            "ward": "st-matthews",
            "category": "potholes",
            "address": "Vicarage Street",
            "description": "A pothole here.",
        },
    )
    for response in (missing, forged):
        assert response.status_code == 400
        assert "The form has expired" in response.get_data(as_text=True)
    assert count_rows(Case) == 0
    assert raise_request(councillor_client).status_code == 302
    assert count_rows(Case) == 1


def test_a_councillor_asking_for_another_wards_request_gets_404(app, person, councillor_client):
    other = person("councillor", ward_codes=["pleck"])
    other_client = app.test_client()
    sign_in(other_client, other.email)
    reference = raise_request(other_client, ward="pleck").headers["Location"].split("/")[2]
    assert other_client.get(f"/requests/{reference}").status_code == 200
    for path in (f"/requests/{reference}", f"/requests/{reference}/sent"):
        response = councillor_client.get(path, headers=HTML)
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
    token = csrf_from(councillor_client.get("/requests/new"))
    refer = councillor_client.post(f"/requests/{reference}/referral", data={"csrf_token": token, "reason": "x"})
    assert refer.status_code == 404
    assert reference not in councillor_client.get("/requests").get_data(as_text=True)


def test_a_councillor_cannot_pick_a_ward_that_is_not_theirs(councillor_client, count_rows):
    from tasking.models import Case

    response = raise_request(councillor_client, ward="pleck")
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    assert count_rows(Case) == 0


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for path in ("/requests", "/requests/new", "/requests/SW-2026-00001"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/sign-in?next=")
    assert client.post("/requests/new", data={}).status_code in (302, 400)


@pytest.mark.parametrize(
    "role, kwargs", [("partner", {"organisation_code": "wm-police"}), ("area_manager", {"area_codes": ["SW"]})]
)
def test_other_roles_cannot_reach_the_form(app, person, role, kwargs):
    user = person(role, **kwargs)
    client = app.test_client()
    sign_in(client, user.email)
    for path in ("/requests/new", "/requests"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 403
        assert "You cannot see this page" in response.get_data(as_text=True)


def test_bad_credentials_get_one_message_whatever_was_wrong(client, person):
    councillor = person("councillor", ward_codes=["pleck"])
    token = csrf_from(client.get("/sign-in"))
    wrong_password = client.post("/sign-in", data={"email": councillor.email, "password": "nope", "csrf_token": token})
    unknown_email = client.post(
        "/sign-in", data={"email": "nobody@test.example", "password": PASSWORD, "csrf_token": token}
    )
    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_sign_in_is_audited(client, person, session):
    from sqlalchemy import select

    from tasking.models import AuditEvent

    councillor = person("councillor", ward_codes=["pleck"])
    sign_in(client, councillor.email)
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(councillor.id))).all()
    assert "user.signed_in" in actions


def test_session_cookies_are_httponly_samesite_and_secure_outside_development(app, person, monkeypatch):
    councillor = person("councillor", ward_codes=["pleck"])
    monkeypatch.delenv("TASKING_ENV", raising=False)
    production = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    client = production.test_client()
    cookie = client.get("/sign-in").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    monkeypatch.setenv("TASKING_ENV", "development")
    development = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert development.config["SESSION_COOKIE_SECURE"] is False
    assert councillor.email


def test_the_councillors_list_filters_by_ward_and_state(app, person):
    councillor = person("councillor", ward_codes=["st-matthews", "pleck"])
    client = app.test_client()
    sign_in(client, councillor.email)
    first = raise_request(client).headers["Location"].split("/")[2]
    second = raise_request(client, ward="pleck").headers["Location"].split("/")[2]
    page = client.get("/requests?ward=pleck").get_data(as_text=True)
    assert second in page and first not in page
    assert "No requests match these filters" in client.get("/requests?state=resolved").get_data(as_text=True)


def test_a_session_ends_after_its_lifetime_even_if_the_browser_keeps_the_cookie(app, councillor_client, monkeypatch):
    import itsdangerous.timed

    assert councillor_client.get("/requests", headers=HTML).status_code == 200
    lifetime = app.permanent_session_lifetime.total_seconds()
    signed_at = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: signed_at(self) + int(lifetime) + 60
    )
    response = councillor_client.get("/requests", headers=HTML)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
