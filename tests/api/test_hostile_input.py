"""Hostile input gets a clear 4xx and stores nothing; stored markup is shown as text."""
import pytest

from tasking.models import AuditEvent, Case

BODY = {"title": "Broken paving slabs", "description": "Trip hazard.", "category": "potholes", "ward": "pleck"}


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.mark.parametrize("change, status", [
    ({"title": "bad\u0000title"}, 422),
    ({"description": "x" * 10_001}, 422),
    ({"title": 12345}, 422),
    ({"risk_flags": "vulnerable_person"}, 422),
    ({"confidential": "yes please"}, 422),
    ({"unexpected": "field"}, 422),
    ({"latitude": "52.5"}, 201),  # numbers as strings are read as numbers, not refused
])
def test_wrong_input_is_refused_and_stores_nothing(manager, count_rows, count_changes, change, status):
    before = (count_rows(Case), count_changes())
    response = manager.post("/api/v1/cases", json={**BODY, **change, **({"longitude": -1.99} if "latitude" in change else {})})
    assert response.status_code == status, response.json
    if status != 201:
        assert response.json["error"]["code"] in ("validation_error", "bad_request")
        assert (count_rows(Case), count_changes()) == before


def test_nul_in_a_query_string_is_refused(manager):
    assert manager.get("/api/v1/cases?ward=pl%00eck").status_code == 422


@pytest.mark.parametrize("text", ["'; DROP TABLE cases; --", "<script>alert('x')</script>", "Robert'); --",
                                  "1 OR 1=1", "{{7*7}}"])
def test_injection_strings_are_stored_as_plain_text(manager, text):
    created = manager.post("/api/v1/cases", json={**BODY, "title": text, "description": text})
    assert created.status_code == 201
    assert manager.get(f"/api/v1/cases/{created.json['id']}").json["title"] == text
    assert manager.get("/api/v1/cases").status_code == 200  # the table is still there


def test_stored_html_is_escaped_on_the_pages(app, session, manager):
    from datetime import datetime, timezone

    from tasking.services import users
    from tests.web.test_councillor_pages import PASSWORD, sign_in
    created = manager.post("/api/v1/cases", json={**BODY, "title": "<script>alert('owned')</script>",
                                                  "description": "<b>bold</b>"}).json
    users.create_user(session, None, email="escape@test.example", name="E", role="area_manager",
                      now=datetime.now(timezone.utc), password=PASSWORD, area_codes=["SW"])
    client = app.test_client()
    sign_in(client, "escape@test.example")
    for path in (f"/cases/{created['reference']}", "/triage"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert('owned')</script>" not in page
        assert "&lt;script&gt;" in page
