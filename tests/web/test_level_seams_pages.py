"""The same seams on the pages (issue 17): a councillor's request the rules say is more than a simple
job is sent to the area manager and the confirmation page says why; the triage queue and the case page
show why a case waits; the area manager names another lead from the case page; reasons of only
spaces are refused on the forms."""

import pytest

from tests.web.test_console_pages import csrf, web_user  # noqa: F401 - the fixture
from tests.web.test_councillor_pages import HTML


@pytest.fixture
def signed_in(web_user):
    return web_user


def request_pothole(client):
    token = csrf(client.get("/requests/new"))
    return client.post(
        "/requests/new",
        data={
            "csrf_token": token,
            "ward": "st-matthews",
            "category": "potholes",
            "address": "Vicarage Street",
            "postcode": "WS1 3AB",
            "description": "A deep pothole by the crossing.",
        },
    )


def test_a_repeat_request_is_sent_to_the_area_manager_and_the_councillor_is_told_why(signed_in):
    councillor = signed_in("councillor", ward_codes=["st-matthews"])
    manager = signed_in("area_manager", area_codes=["SW"])

    first = councillor.get(request_pothole(councillor).headers["Location"]).get_data(as_text=True)
    assert "Highways" in first and "level-one job" in first

    second_sent = request_pothole(councillor)
    assert second_sent.status_code == 302
    page = councillor.get(second_sent.headers["Location"]).get_data(as_text=True)
    assert "area manager" in page and 'id="held-reason"' in page
    assert "The rules suggest level 2" in page and "A repeat problem: 2 reports" in page
    reference = second_sent.headers["Location"].split("/")[2]

    queue = manager.get("/triage", headers=HTML).get_data(as_text=True)
    assert reference in queue and "Why it is here" in queue and "The rules suggest level 2" in queue
    detail = councillor.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Sent to the area manager to decide" in detail


def test_the_case_page_shows_a_declined_lead_and_names_another(signed_in, app, session, caller):
    manager_api = caller("area_manager", areas=["SW"])
    police = caller("partner", organisation="wm-police")
    case = manager_api.post(
        "/api/v1/cases",
        json={
            "title": "Dealing by the shops",
            "description": "Every evening.",
            "category": "drug-dealing",
            "ward": "pleck",
        },
    ).json
    manager_api.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 3, "reason": "Multi-agency"})
    task = police.get("/api/v1/tasks").json["items"][0]
    police.post(
        f"/api/v1/tasks/{task['id']}/decline",
        json={"reason": "Housing should lead on the tenancy"},
        headers={"If-Match": "*"},
    )

    manager = signed_in("area_manager", area_codes=["SW"])
    page = manager.get(f"/cases/{case['reference']}", headers=HTML).get_data(as_text=True)
    assert "Why it waits in triage" in page and "Housing should lead on the tenancy" in page
    # Naming a lead has its own page, linked from the case page (issue 19, finding 4).
    assert f'href="/cases/{case["reference"]}/lead"' in page
    lead_page = manager.get(f"/cases/{case['reference']}/lead", headers=HTML).get_data(as_text=True)
    assert "Name another lead for this case" in lead_page

    blank = manager.post(
        f"/cases/{case['reference']}/lead",
        data={
            "lead-csrf_token": csrf(manager.get(f"/cases/{case['reference']}")),
            "lead-organisation": "whg",
            "lead-reason": "   ",
        },
        headers=HTML,
    )
    assert blank.status_code == 400 and "Say why this organisation leads" in blank.get_data(as_text=True)
    assert manager_api.get(f"/api/v1/cases/{case['id']}").json["lead_organisation"] is None

    named = manager.post(
        f"/cases/{case['reference']}/lead",
        data={
            "lead-csrf_token": csrf(manager.get(f"/cases/{case['reference']}")),
            "lead-organisation": "whg",
            "lead-reason": "Tenancy enforcement",
        },
    )
    assert named.status_code == 302
    after = manager_api.get(f"/api/v1/cases/{case['id']}").json
    assert (after["state"], after["owner"]["organisation"]["code"], after["lead_organisation"]["code"]) == (
        "assigned",
        "whg",
        "whg",
    )
    page = manager.get(f"/cases/{case['reference']}", headers=HTML).get_data(as_text=True)
    assert "Named lead" in page and "Why it waits in triage" not in page


def test_a_councillors_referral_of_only_spaces_is_refused_on_the_page(signed_in, caller):
    councillor = signed_in("councillor", ward_codes=["st-matthews"])
    reference = request_pothole(councillor).headers["Location"].split("/")[2]
    token = csrf(councillor.get(f"/requests/{reference}"))
    refused = councillor.post(
        f"/requests/{reference}/referral", data={"csrf_token": token, "reason": "   "}, headers=HTML
    )
    assert refused.status_code == 400 and "Say why it needs the area manager" in refused.get_data(as_text=True)
    page = councillor.get(f"/requests/{reference}").get_data(as_text=True)
    assert "Referred to the area manager" not in page
