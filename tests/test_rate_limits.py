"""Sign-in, refused tokens and Open311 reports are rate limited, answering 429 in each format."""

import re
from datetime import datetime, timezone

import pytest

from tasking.extensions import limiter
from tasking.services import open311_clients
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def limited(app, session, monkeypatch):
    """The suite's app with its limits lowered for this test only. (One limiter serves one app per
    process, so a second app would change the limits for the whole suite.)"""
    for name, value in (
        ("SIGN_IN_RATE_LIMIT", "3 per minute"),
        ("TOKEN_FAILURE_RATE_LIMIT", "4 per minute"),
        ("OPEN311_POST_RATE_LIMIT", "2 per minute"),
    ):
        monkeypatch.setitem(app.config, name, value)
    limiter.reset()
    yield app
    limiter.reset()


def test_sign_in_attempts_are_limited(limited):
    client = limited.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/sign-in").get_data(as_text=True)
    ).group(1)
    statuses = [
        client.post(
            "/sign-in",
            data={"email": "x@test.example", "password": "guess", "csrf_token": token},
            headers={"Accept": "text/html"},
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    assert client.get("/sign-in").status_code == 200  # reading the page is not limited


def test_refused_tokens_are_limited_but_good_ones_are_not_counted(limited, caller):
    good = caller("admin")
    client = limited.test_client()
    for _ in range(6):
        assert client.get("/api/v1/areas", headers={"Authorization": f"Bearer {good.token}"}).status_code == 200
    statuses = [
        client.get("/api/v1/areas", headers={"Authorization": "Bearer tsk_bad_guess"}).status_code for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    limited_response = client.get("/api/v1/areas", headers={"Authorization": "Bearer tsk_bad_guess"})
    assert limited_response.get_json()["error"]["code"] == "too_many_requests"


def test_open311_posts_are_limited_in_the_open311_format(limited, session):
    with unit_of_work(session):
        _client, key = open311_clients.create_client(session, None, name="Flood", now=datetime.now(timezone.utc))
    client = limited.test_client()
    form = {"api_key": key, "service_code": "litter", "lat": "52.5772", "long": "-1.9995", "description": "Bins"}
    statuses = [client.post("/open311/v2/requests.json", data=form).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    body = client.post("/open311/v2/requests.json", data=form).get_json()
    assert body[0]["code"] == 429 and body[0]["description"]
