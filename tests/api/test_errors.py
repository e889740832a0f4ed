"""Every failure answers in the one error body, and a refused request leaves nothing behind."""

from contextlib import contextmanager

import pytest

from tasking.models import Case

NEW_CASE = {
    "title": "Broken glass in the play area",
    "description": "By the swings.",
    "category": "litter",
    "ward": "palfrey",
}


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body["error"]


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def nothing_written(count_rows, count_changes):
    """`with nothing_written():` asserts the block wrote no case and no audit event."""

    @contextmanager
    def check():
        before = (count_rows(Case), count_changes())
        yield
        assert (count_rows(Case), count_changes()) == before

    return check


def test_400_for_a_body_that_is_not_json(manager, nothing_written):
    with nothing_written():
        response = manager.post("/api/v1/cases", data="{not json", content_type="application/json")
    assert_error(response, 400, "bad_request")


def test_401_without_a_token(client, nothing_written):
    with nothing_written():
        error = assert_error(client.post("/api/v1/cases", json=NEW_CASE), 401, "unauthorized")
    assert "Bearer" in error["message"]


def test_401_for_an_unknown_token(client, nothing_written):
    with nothing_written():
        response = client.get("/api/v1/cases", headers={"Authorization": "Bearer tsk_00000000_nope"})
    assert_error(response, 401, "unauthorized")


def test_403_for_a_role_that_cannot_raise_cases(caller, nothing_written):
    finance = caller("finance")
    with nothing_written():
        assert_error(finance.post("/api/v1/cases", json=NEW_CASE), 403, "forbidden")


def test_403_for_a_manager_raising_a_case_outside_their_area(manager, nothing_written):
    with nothing_written():
        response = manager.post("/api/v1/cases", json={**NEW_CASE, "ward": "streetly"})
    assert_error(response, 403, "forbidden")


def test_404_for_a_case_that_does_not_exist(manager):
    assert_error(manager.get("/api/v1/cases/999999"), 404, "not_found")
    assert_error(manager.get("/api/v1/cases/SW-2026-99999"), 404, "not_found")


def test_404_for_an_unknown_path(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_409_for_editing_a_closed_case(manager, count_rows, count_changes):
    created = manager.post("/api/v1/cases", json=NEW_CASE)
    closed = manager.patch(
        f"/api/v1/cases/{created.json['id']}",
        json={"state": "closed", "reason": "done"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert closed.status_code == 200
    events = count_changes()
    response = manager.patch(
        f"/api/v1/cases/{created.json['id']}",
        json={"title": "Something else"},
        headers={"If-Match": closed.headers["ETag"]},
    )
    error = assert_error(response, 409, "conflict")
    assert "reopen" in error["message"]
    assert count_changes() == events
    assert manager.get(f"/api/v1/cases/{created.json['id']}").json["title"] == NEW_CASE["title"]


def test_422_naming_the_reason_for_closing_without_one(manager, count_rows, count_changes):
    created = manager.post("/api/v1/cases", json=NEW_CASE)
    events = count_changes()
    response = manager.patch(
        f"/api/v1/cases/{created.json['id']}",
        json={"state": "resolved", "title": "New title"},
        headers={"If-Match": created.headers["ETag"]},
    )
    error = assert_error(response, 422, "reason_required")
    assert error["fields"] == {"reason": ["Closing a case needs a reason."]}
    after = manager.get(f"/api/v1/cases/{created.json['id']}").json
    assert (after["state"], after["title"]) == ("new", NEW_CASE["title"])
    assert count_changes() == events


def test_409_when_a_rule_refuses_closing_a_closed_case(manager, count_rows, count_changes):
    created = manager.post("/api/v1/cases", json=NEW_CASE)
    closed = manager.patch(
        f"/api/v1/cases/{created.json['id']}",
        json={"state": "withdrawn", "reason": "Raised twice"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.json
    events = count_changes()
    response = manager.patch(
        f"/api/v1/cases/{created.json['id']}",
        json={"state": "resolved", "reason": "Done"},
        headers={"If-Match": closed.headers["ETag"]},
    )
    error = assert_error(response, 409, "case_state")
    assert error["fields"] == {} and "reopen it first" in error["message"]
    assert manager.get(f"/api/v1/cases/{created.json['id']}").json["state"] == "withdrawn"
    assert count_changes() == events


def test_412_for_a_stale_if_match(manager, count_rows, count_changes):
    created = manager.post("/api/v1/cases", json=NEW_CASE)
    path, first_etag = f"/api/v1/cases/{created.json['id']}", created.headers["ETag"]
    assert manager.patch(path, json={"title": "First edit"}, headers={"If-Match": first_etag}).status_code == 200
    events = count_changes()
    response = manager.patch(path, json={"title": "Second edit from an old read"}, headers={"If-Match": first_etag})
    assert_error(response, 412, "precondition_failed")
    assert manager.get(path).json["title"] == "First edit"
    assert count_changes() == events


def test_428_when_if_match_is_missing(manager):
    created = manager.post("/api/v1/cases", json=NEW_CASE)
    response = manager.patch(f"/api/v1/cases/{created.json['id']}", json={"title": "No precondition"})
    assert_error(response, 428, "precondition_required")


def test_413_for_a_body_over_the_limit(app, manager, nothing_written):
    limit = app.config["MAX_CONTENT_LENGTH"]
    with nothing_written():
        response = manager.post("/api/v1/cases", json={**NEW_CASE, "description": "x" * (limit + 1)})
    assert_error(response, 413, "payload_too_large")


def test_422_lists_each_invalid_field(manager, nothing_written):
    with nothing_written():
        response = manager.post(
            "/api/v1/cases",
            json={"title": "ab", "category": "litter", "ward": "palfrey", "latitude": 123, "risk_flags": ["bad"]},
        )
    error = assert_error(response, 422, "validation_error")
    assert {"title", "description", "latitude", "risk_flags"} <= set(error["fields"])


def test_422_for_an_unknown_category(manager, nothing_written):
    with nothing_written():
        error = assert_error(
            manager.post("/api/v1/cases", json={**NEW_CASE, "category": "dragons"}), 422, "validation_error"
        )
    assert "category" in error["fields"]


def test_422_for_a_page_size_over_the_maximum(manager):
    error = assert_error(manager.get("/api/v1/cases?page_size=1000"), 422, "validation_error")
    assert "page_size" in error["fields"]


def test_405_names_the_allowed_methods(manager):
    response = manager.client.delete("/api/v1/cases", headers={"Authorization": f"Bearer {manager.token}"})
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_500_hides_what_went_wrong_inside(manager, monkeypatch):
    from tasking.services import reference_data

    def broken(*_args, **_kwargs):
        raise RuntimeError("password=hunter2 in /srv/secret.py")

    monkeypatch.setattr(reference_data, "list_areas", broken)
    response = manager.get("/api/v1/areas")
    error = assert_error(response, 500, "internal_error")
    assert "hunter2" not in response.get_data(as_text=True)
    assert "RuntimeError" not in error["message"]


def test_503_when_the_database_is_unreachable(app, manager, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from tasking.services import reference_data

    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(reference_data, "list_areas", unreachable)
    response = manager.get("/api/v1/areas")
    assert_error(response, 503, "unavailable")
    assert response.headers["Retry-After"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/99999999999999999999999",
        "/api/v1/cases/%C2%B2",
        "/api/v1/tasks/99999999999999999999999",
        "/api/v1/claims/99999999999999999999999",
        "/api/v1/spend/99999999999999999999999/reversal",
    ],
)
def test_404_for_ids_no_database_could_hold(manager, path):
    response = manager.post(path, json={"reason": "x"}) if path.endswith("reversal") else manager.get(path)
    assert_error(response, 404, "not_found")
