"""A case's pseudonymous subject on the pages (docs/levels.md, "Subject references"): the area
manager's console shows it; a councillor's page about the same case, history included, never does."""

from tests.web.test_console_pages import web_user  # noqa: F401 - the fixture, shared
from tests.web.test_councillor_pages import HTML


def test_the_console_shows_the_subject_to_area_staff_and_the_councillors_page_never(caller, web_user):  # noqa: F811
    api = caller("area_manager", areas=["SW"])
    councillor_api = caller("councillor", wards=["st-matthews"])
    case = councillor_api.post(
        "/api/v1/cases",
        json={"title": "Family struggling", "description": "d", "category": "family-early-help", "ward": "st-matthews"},
    ).json
    current = api.get(f"/api/v1/cases/{case['id']}")
    changed = api.patch(
        f"/api/v1/cases/{case['id']}", json={"subject_ref": "sm-hh-0777"}, headers={"If-Match": current.headers["ETag"]}
    )
    assert changed.status_code == 200, changed.json

    console = web_user("area_manager", area_codes=["SW"]).get(f"/cases/{case['reference']}", headers=HTML)
    assert console.status_code == 200
    page = console.get_data(as_text=True)
    assert "Subject (household or person)" in page and "SM-HH-0777" in page

    councillor = web_user("councillor", ward_codes=["st-matthews"])
    detail = councillor.get(f"/requests/{case['reference']}", headers=HTML)
    assert detail.status_code == 200
    assert "SM-HH-0777" not in detail.get_data(as_text=True).upper()
