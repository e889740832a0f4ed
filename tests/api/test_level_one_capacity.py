"""The capacity report's level-one load (docs/routing.md, "The level-one loop"): what lands on each
area manager of the work meant for front-line services (evaluation 2.8, rec. 3.6), over a period."""

from datetime import timedelta

import pytest

import tasking.clock


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


def level_one(manager, ward, level=1):
    case = manager.post(
        "/api/v1/cases",
        json={"title": f"Litter in {ward}", "description": "Bags by the bins.", "category": "litter", "ward": ward},
    ).json
    decided = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": "test"})
    assert decided.status_code == 200, decided.json
    return case


def load_of(reader, user, **period):
    response = reader.get("/api/v1/reports/capacity", query_string=period)
    assert response.status_code == 200, response.json
    return next(r for r in response.json["items"] if r["user_id"] == user.id), response.json


def test_the_level_one_load_on_each_area_manager(manager, caller, app):
    other = caller("area_manager", areas=["NW"])
    councillor = caller("councillor", wards=["paddock"])
    street_cleansing = caller("partner", organisation="street-cleansing")

    declined = level_one(manager, "pleck")  # decided by the manager; the front line then declines it
    referred = level_one(manager, "paddock")  # decided by the manager; the councillor refers it back
    closed = level_one(manager, "palfrey")  # decided by the manager; the manager closes the front line's job
    level_one(manager, "st-matthews", level=2)  # the manager's own level-two work: not level-one load

    task = next(
        t
        for t in street_cleansing.get("/api/v1/tasks").json["items"]
        if t["case"]["reference"] == declined["reference"]
    )
    refused = street_cleansing.post(
        f"/api/v1/tasks/{task['id']}/decline", json={"reason": "Private land."}, headers={"If-Match": "*"}
    )
    assert refused.status_code == 200, refused.json
    assert (
        councillor.post(f"/api/v1/cases/{referred['id']}/referral", json={"reason": "Fly-tipping ring"}).status_code
        == 200
    )
    current = manager.get(f"/api/v1/cases/{closed['id']}")
    shut = manager.patch(
        f"/api/v1/cases/{closed['id']}",
        json={"state": "resolved", "reason": "Cleared on my way past."},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert shut.status_code == 200, shut.json

    mine, report = load_of(caller("admin"), manager.user)
    assert mine["level_one"] == {"decided": 3, "referred": 1, "held": 2, "closed_for_others": 1, "total": 7}
    assert mine["level_one_held"] == 2
    assert mine["open_by_level"]["1"] == 2 and mine["open_by_level"]["2"] == 1
    today = tasking.clock.today()
    start, end = (report["start"], report["end"])
    assert start <= today.isoformat() <= end and start.endswith("-04-01") and end.endswith("-03-31")
    theirs, _ = load_of(caller("admin"), other.user)
    assert theirs["level_one"]["total"] == 0

    # Over a period that has not begun, only what the manager holds now is left.
    tomorrow = (today + timedelta(days=1)).isoformat()
    later, _ = load_of(manager, manager.user, start=tomorrow)
    assert later["level_one"] == {"decided": 0, "referred": 0, "held": 2, "closed_for_others": 0, "total": 2}
    backwards = manager.get("/api/v1/reports/capacity", query_string={"start": tomorrow, "end": today.isoformat()})
    assert backwards.status_code == 422

    # The reports page shows the same figures.
    page_client = app.test_client()
    with page_client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = str(manager.user.id), True
    page = page_client.get("/reports").get_data(as_text=True)
    assert "Level one closed for others" in page and "Level-one load" in page
