"""Who sees which cases and notes, checked through the HTTP API as each role."""

import pytest
from sqlalchemy import update

from tasking.models import Case


@pytest.fixture
def admin(caller):
    return caller("admin")


@pytest.fixture
def raise_case(admin):
    def make(ward, **fields):
        body = {"title": f"Problem in {ward}", "description": "Details.", "category": "litter", "ward": ward}
        response = admin.post("/api/v1/cases", json={**body, **fields})
        assert response.status_code == 201, response.json
        return response.json

    return make


@pytest.fixture
def cases(raise_case):
    """A case in St Matthew's and one in Pleck (South Walsall), one in Streetly (Aldridge and Beacon),
    and a confidential one in Palfrey (South Walsall)."""
    return {
        "st-matthews": raise_case("st-matthews"),
        "pleck": raise_case("pleck"),
        "streetly": raise_case("streetly"),
        "confidential": raise_case("palfrey", confidential=True),
    }


def listed(caller_, query=""):
    response = caller_.get(f"/api/v1/cases{query}")
    assert response.status_code == 200, response.json
    return {item["reference"] for item in response.json["items"]}


def refs(cases, *names):
    return {cases[name]["reference"] for name in names}


def test_admin_sees_every_case(admin, cases):
    assert listed(admin) == refs(cases, "st-matthews", "pleck", "streetly", "confidential")


@pytest.mark.parametrize("role", ["area_manager", "support_officer"])
def test_area_staff_see_their_areas_cases_including_confidential(caller, cases, role):
    staff = caller(role, areas=["SW"])
    assert listed(staff) == refs(cases, "st-matthews", "pleck", "confidential")
    assert staff.get(f"/api/v1/cases/{cases['confidential']['id']}").status_code == 200


def test_another_areas_manager_gets_404_for_a_case_and_its_parts(caller, cases):
    other = caller("area_manager", areas=["AB"])
    assert listed(other) == refs(cases, "streetly")
    for name in ("st-matthews", "confidential"):
        case_id = cases[name]["id"]
        for path in ("", "/notes", "/history"):
            assert other.get(f"/api/v1/cases/{case_id}{path}").status_code == 404
        assert other.get(f"/api/v1/cases/{cases[name]['reference']}").status_code == 404
        assert other.post(f"/api/v1/cases/{case_id}/notes", json={"body": "hello"}).status_code == 404
        assert (
            other.patch(f"/api/v1/cases/{case_id}", json={"title": "Hijacked"}, headers={"If-Match": "*"}).status_code
            == 404
        )


def test_another_areas_manager_cannot_filter_by_a_ward_or_area_they_do_not_cover(caller, cases):
    other = caller("area_manager", areas=["AB"])
    assert other.get("/api/v1/cases?ward=st-matthews").status_code == 404
    assert other.get("/api/v1/cases?area=SW").status_code == 404
    assert listed(other, "?area=AB") == refs(cases, "streetly")


def test_councillor_sees_only_their_wards_and_no_confidential_case(caller, cases):
    councillor = caller("councillor", wards=["st-matthews", "palfrey"])
    assert listed(councillor) == refs(cases, "st-matthews")
    assert councillor.get(f"/api/v1/cases/{cases['pleck']['id']}").status_code == 404
    assert councillor.get(f"/api/v1/cases/{cases['confidential']['id']}").status_code == 404


def test_councillor_asking_for_a_ward_that_is_not_theirs_gets_404(caller, cases):
    councillor = caller("councillor", wards=["st-matthews"])
    response = councillor.get("/api/v1/cases?ward=pleck")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    assert councillor.get("/api/v1/cases?ward=no-such-ward").status_code == 404
    assert councillor.get("/api/v1/cases?area=AB").status_code == 404
    assert listed(councillor, "?ward=st-matthews") == refs(cases, "st-matthews")
    assert listed(councillor, "?area=SW") == refs(cases, "st-matthews")


def test_councillor_reads_councillor_notes_but_never_internal_ones(caller, admin, cases):
    case_id = cases["st-matthews"]["id"]
    admin.post(f"/api/v1/cases/{case_id}/notes", json={"body": "Known to police: internal", "visibility": "internal"})
    admin.post(f"/api/v1/cases/{case_id}/notes", json={"body": "Crew booked for Tuesday", "visibility": "councillor"})
    admin.post(f"/api/v1/cases/{case_id}/notes", json={"body": "Partner briefing", "visibility": "partners"})
    councillor = caller("councillor", wards=["st-matthews"])

    notes = councillor.get(f"/api/v1/cases/{case_id}/notes").json["items"]
    assert [n["body"] for n in notes] == ["Crew booked for Tuesday"]
    history = councillor.get(f"/api/v1/cases/{case_id}/history").json["items"]
    assert "Known to police: internal" not in str(history)
    assert "Partner briefing" not in str(history)
    assert [e["action"] for e in history] == ["case.created", "note.added"]

    staff_notes = admin.get(f"/api/v1/cases/{case_id}/notes").json["items"]
    assert len(staff_notes) == 3


def test_councillor_cannot_write_an_internal_note_or_edit_a_case(caller, cases):
    councillor = caller("councillor", wards=["st-matthews"])
    case_id = cases["st-matthews"]["id"]
    assert (
        councillor.post(f"/api/v1/cases/{case_id}/notes", json={"body": "x", "visibility": "internal"}).status_code
        == 403
    )
    default = councillor.post(f"/api/v1/cases/{case_id}/notes", json={"body": "Residents still waiting"})
    assert default.status_code == 201 and default.json["visibility"] == "councillor"
    assert (
        councillor.patch(f"/api/v1/cases/{case_id}", json={"title": "Renamed"}, headers={"If-Match": "*"}).status_code
        == 403
    )


def test_partners_see_no_cases_through_the_cases_api(caller, cases):
    partner = caller("partner", organisation="wm-police")
    assert listed(partner) == set()
    assert partner.get(f"/api/v1/cases/{cases['st-matthews']['id']}").status_code == 404


def test_confidential_case_is_visible_to_its_owner(caller, session, cases):
    owner = caller("borough_officer")
    confidential = cases["confidential"]
    assert owner.get(f"/api/v1/cases/{confidential['id']}").status_code == 404
    session.execute(update(Case).where(Case.id == confidential["id"]).values(owner_user_id=owner.user.id))
    session.commit()
    assert owner.get(f"/api/v1/cases/{confidential['id']}").status_code == 200


def test_borough_officers_see_level_four_cases(caller, session, cases):
    borough = caller("borough_officer")
    assert listed(borough) == set()
    session.execute(
        update(Case)
        .where(Case.id == cases["streetly"]["id"])
        .values(level=4, routing_reason="Waiting for the Operations Group.")
    )
    session.commit()
    assert listed(borough) == refs(cases, "streetly")


def test_finance_sees_cases_but_not_confidential_ones(caller, cases):
    finance = caller("finance")
    assert listed(finance) == refs(cases, "st-matthews", "pleck", "streetly")


def test_councillor_cannot_mark_a_case_confidential(caller):
    councillor = caller("councillor", wards=["st-matthews"])
    body = {"title": "Sensitive", "description": "d", "category": "litter", "ward": "st-matthews", "confidential": True}
    assert councillor.post("/api/v1/cases", json=body).status_code == 403


def test_councillor_raises_cases_only_in_their_wards(caller):
    councillor = caller("councillor", wards=["st-matthews"])
    body = {"title": "Bins not emptied", "description": "d", "category": "litter"}
    assert councillor.post("/api/v1/cases", json={**body, "ward": "pleck"}).status_code == 403
    created = councillor.post("/api/v1/cases", json={**body, "ward": "st-matthews"})
    assert created.status_code == 201
    assert created.json["source"] == "councillor"
    assert created.json["raised_by_id"] == councillor.user.id
