"""Systems barriers as level-four evidence, and the area managers' capacity report."""

import pytest


@pytest.fixture
def admin(caller):
    return caller("admin")


def raise_case(who, ward, **fields):
    body = {
        "title": "No bus to the industrial estate",
        "description": "Residents cannot reach jobs.",
        "category": "litter",
        "ward": ward,
        **fields,
    }
    response = who.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.json
    return response.json


def set_barrier(who, case, barrier_id):
    current = who.get(f"/api/v1/cases/{case['id']}")
    response = who.patch(
        f"/api/v1/cases/{case['id']}", json={"barrier_id": barrier_id}, headers={"If-Match": current.headers["ETag"]}
    )
    assert response.status_code == 200, response.json
    return response.json


def test_a_borough_policy_barrier_suggests_level_four(admin):
    barrier = admin.post(
        "/api/v1/systems-barriers",
        json={"title": "Housing allocation policy excludes under-18s", "borough_level": True},
    )
    assert barrier.status_code == 201
    case = set_barrier(admin, raise_case(admin, "pleck"), barrier.json["id"])
    assert case["suggested_level"] == 4
    assert case["suggestion_reasons"][0]["code"] == "L4_BOROUGH_BARRIER"


def test_the_same_barrier_in_two_areas_suggests_level_four_and_is_counted(admin, caller):
    barrier = admin.post("/api/v1/systems-barriers", json={"title": "No evening bus route"}).json
    first = set_barrier(admin, raise_case(admin, "pleck"), barrier["id"])
    assert first["suggested_level"] == 1
    set_barrier(admin, raise_case(admin, "palfrey"), barrier["id"])
    second_area = set_barrier(admin, raise_case(admin, "blakenall"), barrier["id"])
    assert second_area["suggested_level"] == 4
    assert second_area["suggestion_reasons"][0]["code"] == "L4_BARRIER_IN_AREAS"

    borough = caller("borough_officer")
    report = borough.get("/api/v1/systems-barriers").json
    assert [(b["title"], b["case_count"], b["area_count"], b["open_case_count"]) for b in report["barriers"]] == [
        ("No evening bus route", 3, 2, 3)
    ]
    admin.post(f"/api/v1/cases/{second_area['id']}/classification", json={"level": 4})
    assert [c["id"] for c in borough.get("/api/v1/systems-barriers").json["level_four_cases"]] == [second_area["id"]]


def test_an_unknown_barrier_is_a_field_error(admin):
    case = raise_case(admin, "pleck")
    response = admin.patch(
        f"/api/v1/cases/{case['id']}", json={"barrier_id": 999999}, headers={"If-Match": f'"case-{case["id"]}-v1"'}
    )
    assert response.status_code == 422 and "barrier_id" in response.json["error"]["fields"]


def test_duplicate_barrier_titles_are_refused(admin):
    admin.post("/api/v1/systems-barriers", json={"title": "Benefit sanctions"})
    assert admin.post("/api/v1/systems-barriers", json={"title": "benefit SANCTIONS"}).status_code == 409


@pytest.mark.parametrize("role, extra", [("partner", {"organisation": "whg"}), ("councillor", {"wards": ["pleck"]})])
def test_partners_and_councillors_cannot_see_barriers_or_capacity(caller, role, extra):
    other = caller(role, **extra)
    assert other.get("/api/v1/systems-barriers").status_code == 403
    assert other.post("/api/v1/systems-barriers", json={"title": "Anything at all"}).status_code == 403
    assert other.get("/api/v1/reports/capacity").status_code == 403


def test_capacity_counts_open_cases_by_level_and_level_one_held_by_the_manager(caller, session):
    manager = caller("area_manager", areas=["SW"])
    other_manager = caller("area_manager", areas=["NW"])
    for level in (1, 2, 2):
        case = raise_case(manager, "pleck")
        manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": "test"})
    raise_case(manager, "pleck")  # untriaged
    held = raise_case(manager, "pleck")
    manager.post(f"/api/v1/cases/{held['id']}/classification", json={"level": 2, "reason": "test"})
    # The manager then keeps a level-one job themselves: the warning sign the report is for.
    from sqlalchemy import update

    from tasking.models import Case

    session.execute(update(Case).where(Case.id == held["id"]).values(level=1))
    session.commit()

    rows = {r["user_id"]: r for r in caller("admin").get("/api/v1/reports/capacity").json["items"]}
    mine = rows[manager.user.id]
    assert mine["open_by_level"] == {"untriaged": 1, "1": 2, "2": 2, "3": 0, "4": 0}
    assert (mine["open_total"], mine["level_one_held"], mine["areas"]) == (5, 1, ["SW"])
    assert rows[other_manager.user.id]["open_total"] == 0
    own_view = manager.get("/api/v1/reports/capacity").json["items"]
    assert [r["user_id"] for r in own_view] == [manager.user.id]
