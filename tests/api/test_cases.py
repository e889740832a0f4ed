"""Raising, reading, listing and changing cases through the API."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from tasking.models import AuditEvent

BODY = {
    "title": "Fly-tipping behind the shops",
    "description": "Sofas and bags of rubbish.",
    "category": "fly-tipping",
    "ward": "pleck",
    "address": "12 Pleck Road",
    "postcode": "ws2  9ha",
    "latitude": 52.5768,
    "longitude": -1.9945,
    "risk_flags": ["vulnerable_person"],
}


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


def test_raising_a_case_numbers_it_and_places_it_in_the_wards_area(manager, count_rows):
    response = manager.post("/api/v1/cases", json=BODY)
    assert response.status_code == 201
    case = response.json
    year = datetime.now(timezone.utc).year
    assert re.fullmatch(rf"SW-{year}-\d{{5}}", case["reference"])
    assert case["area"] == {"code": "SW", "name": "South Walsall"}
    assert case["ward"]["code"] == "pleck"
    assert (case["state"], case["level"], case["source"]) == ("new", None, "staff")
    assert case["postcode"] == "WS2 9HA"
    assert case["risk_flags"] == ["vulnerable_person"]
    assert case["created_at"].endswith("+00:00")
    assert response.headers["ETag"] == f'"case-{case["id"]}-v1"'
    assert count_rows(AuditEvent, AuditEvent.action == "case.created", AuditEvent.case_id == case["id"]) == 1


def test_references_count_up_per_area(manager, caller):
    first = manager.post("/api/v1/cases", json=BODY).json["reference"]
    second = manager.post("/api/v1/cases", json=BODY).json["reference"]
    other_area = (
        caller("area_manager", areas=["NW"]).post("/api/v1/cases", json={**BODY, "ward": "blakenall"}).json["reference"]
    )
    assert int(second[-5:]) == int(first[-5:]) + 1
    assert other_area.startswith("NW-") and other_area.endswith("-00001")


def test_a_case_can_be_fetched_by_reference(manager):
    created = manager.post("/api/v1/cases", json=BODY).json
    fetched = manager.get(f"/api/v1/cases/{created['reference'].lower()}")
    assert fetched.status_code == 200 and fetched.json["id"] == created["id"]


def test_coordinates_come_in_pairs(manager):
    response = manager.post("/api/v1/cases", json={**BODY, "longitude": None})
    assert response.status_code == 422
    assert "latitude" in response.json["error"]["fields"]


def test_patch_changes_details_records_before_and_after_and_moves_the_version(manager):
    created = manager.post("/api/v1/cases", json=BODY)
    path = f"/api/v1/cases/{created.json['id']}"
    response = manager.patch(
        path,
        json={"title": "Fly-tipping: now cleared partly", "ward": "palfrey", "risk_flags": []},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 200
    assert response.json["version"] == 2
    assert response.headers["ETag"] == f'"case-{created.json["id"]}-v2"'
    assert response.json["ward"]["code"] == "palfrey"
    assert response.json["reference"] == created.json["reference"]
    history = manager.get(f"{path}/history").json["items"]
    assert history[-1]["action"] == "case.updated"
    assert history[-1]["before"] == {"title": BODY["title"], "ward": "pleck", "risk_flags": ["vulnerable_person"]}
    assert history[-1]["after"] == {"title": "Fly-tipping: now cleared partly", "ward": "palfrey", "risk_flags": []}


def test_patch_that_changes_nothing_writes_no_history(manager, count_rows, count_changes):
    created = manager.post("/api/v1/cases", json=BODY)
    events = count_changes()
    response = manager.patch(
        f"/api/v1/cases/{created.json['id']}",
        json={"title": BODY["title"]},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 200 and response.json["version"] == 1
    assert count_changes() == events


def test_manager_cannot_move_a_case_out_of_their_areas(manager):
    created = manager.post("/api/v1/cases", json=BODY)
    response = manager.patch(
        f"/api/v1/cases/{created.json['id']}", json={"ward": "streetly"}, headers={"If-Match": created.headers["ETag"]}
    )
    assert response.status_code == 403
    assert manager.get(f"/api/v1/cases/{created.json['id']}").json["ward"]["code"] == "pleck"


def test_close_and_reopen_with_reasons(manager):
    created = manager.post("/api/v1/cases", json=BODY)
    path = f"/api/v1/cases/{created.json['id']}"
    closed = manager.patch(
        path,
        json={"state": "resolved", "reason": "Cleared by street cleansing"},
        headers={"If-Match": created.headers["ETag"]},
    )
    assert closed.status_code == 200
    assert closed.json["state"] == "resolved" and closed.json["closed_at"]
    assert (
        manager.patch(
            path, json={"state": "new", "reason": "Dumped again"}, headers={"If-Match": closed.headers["ETag"]}
        ).status_code
        == 422
    )
    assert manager.post(f"{path}/reopen", json={}).status_code == 422
    reopened = manager.post(f"{path}/reopen", json={"reason": "Dumped again"})
    assert reopened.status_code == 200
    assert (reopened.json["state"], reopened.json["closed_at"]) == ("new", None)
    assert manager.post(f"{path}/reopen", json={"reason": "Again"}).status_code == 409
    actions = [(e["action"], e["after"].get("reason")) for e in manager.get(f"{path}/history").json["items"]]
    assert actions[1:] == [("case.closed", "Cleared by street cleansing"), ("case.reopened", "Dumped again")]


def test_listing_pages_with_a_cursor_until_the_end(manager):
    references = [manager.post("/api/v1/cases", json=BODY).json["reference"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        query = "?page_size=2" + (f"&cursor={cursor}" if cursor else "")
        page = manager.get(f"/api/v1/cases{query}").json
        assert len(page["items"]) <= 2
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(references))


def test_an_invented_cursor_is_a_validation_error(manager):
    response = manager.get("/api/v1/cases?cursor=not-a-cursor")
    assert response.status_code == 422
    assert "cursor" in response.json["error"]["fields"]


def test_updated_since_returns_changes_in_order_of_change(manager):
    first = manager.post("/api/v1/cases", json=BODY)
    second = manager.post("/api/v1/cases", json=BODY)
    since = datetime.now(timezone.utc)
    # The second report re-suggested the first (a repeat), so its ETag moved: read it again.
    current = manager.get(f"/api/v1/cases/{first.json['id']}")
    assert current.headers["ETag"] != first.headers["ETag"]
    edited = manager.patch(
        f"/api/v1/cases/{first.json['id']}",
        json={"title": "First, edited"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert edited.status_code == 200
    page = manager.get("/api/v1/cases", query_string={"updated_since": since.isoformat()}).json
    assert [item["id"] for item in page["items"]] == [first.json["id"]]
    earlier = (since - timedelta(hours=1)).isoformat()
    page = manager.get("/api/v1/cases", query_string={"updated_since": earlier}).json
    assert [item["id"] for item in page["items"]] == [second.json["id"], first.json["id"]]


def test_updated_since_needs_a_time_zone(manager):
    response = manager.get("/api/v1/cases", query_string={"updated_since": "2026-01-01T00:00:00"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?state=resolved", {"closed"}),
        ("?state=new", {"open", "litter"}),
        ("?category=litter", {"litter"}),
        ("?ward=palfrey", {"litter"}),
        ("?area=SW", {"open", "closed", "litter"}),
        ("?level=2", set()),
    ],
)
def test_filters(manager, query, expected):
    made = {}
    made["open"] = manager.post("/api/v1/cases", json=BODY)
    made["closed"] = manager.post("/api/v1/cases", json=BODY)
    made["litter"] = manager.post("/api/v1/cases", json={**BODY, "category": "litter", "ward": "palfrey"})
    manager.patch(
        f"/api/v1/cases/{made['closed'].json['id']}",
        json={"state": "resolved", "reason": "done"},
        headers={"If-Match": made["closed"].headers["ETag"]},
    )
    ids = {item["id"] for item in manager.get(f"/api/v1/cases{query}").json["items"]}
    assert ids == {made[name].json["id"] for name in expected}


def test_notes_are_audited_with_the_case(manager):
    created = manager.post("/api/v1/cases", json=BODY).json
    note = manager.post(f"/api/v1/cases/{created['id']}/notes", json={"body": "Called the landowner"})
    assert note.status_code == 201
    assert (note.json["visibility"], note.json["author_id"]) == ("internal", manager.user.id)
    history = manager.get(f"/api/v1/cases/{created['id']}/history").json["items"]
    assert history[-1]["action"] == "note.added"
    assert history[-1]["after"]["body"] == "Called the landowner"
