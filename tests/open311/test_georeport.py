"""Every GeoReport v2 method in JSON and XML, with the specification's field names and errors."""

from datetime import datetime, timedelta, timezone

import pytest

from tasking.unit_of_work import unit_of_work
from tests.open311.conftest import children, xml

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
UPDATE_FIELDS = {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}
PLECK = {"lat": "52.5772", "long": "-1.9995"}


def post(client, key, fmt="json", **fields):
    form = {
        "api_key": key,
        "service_code": "fly-tipping",
        **PLECK,
        "description": "Mattress dumped by the canal bridge",
        "first_name": "Ann",
        "last_name": "Resident",
        "email": "ann@example.org",
        "phone": "07700 900123",
        **fields,
    }
    return client.post(f"/open311/v2/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})


def assert_error(response, status, fmt):
    assert response.status_code == status
    if fmt == "json":
        body = response.get_json()
        assert isinstance(body, list) and set(body[0]) == {"code", "description"}
        assert body[0]["code"] == status and body[0]["description"]
        return body[0]["description"]
    root = xml(response)
    assert root.tag == "errors" and root[0].tag == "error"
    error = children(root[0])
    assert error["code"] == str(status) and error["description"]
    return error["description"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, fmt):
    response = client.get(f"/open311/v2/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        endpoint = response.get_json()["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2")
        assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    else:
        root = xml(response)
        assert root.tag == "discovery"
        assert root.find("endpoints/endpoint/specification").text == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_the_public_categories(client, session, fmt):
    from sqlalchemy import select

    from tasking.models import Category

    public = set(session.scalars(select(Category.code).where(Category.is_public.is_(True))))
    response = client.get(f"/open311/v2/services.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        services = response.get_json()
        assert all(set(s) == SERVICE_FIELDS for s in services)
        assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)
    else:
        root = xml(response)
        assert root.tag == "services"
        services = [children(s) for s in root.findall("service")]
        assert all(set(s) == SERVICE_FIELDS for s in services)
        assert all(s["metadata"] == "false" for s in services)
    assert {s["service_code"] for s in services} == public
    assert "drug-dealing" not in public and "family-early-help" not in public
    litter = next(s for s in services if s["service_code"] == "litter")
    assert (litter["group"], litter["service_name"]) == ("Street scene", "Litter and dirty streets")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition_and_unknown_service(client, fmt):
    response = client.get(f"/open311/v2/services/litter.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        assert response.get_json() == {"service_code": "litter", "attributes": []}
    else:
        root = xml(response)
        assert (root.tag, root.find("service_code").text) == ("service_definition", "litter")
    assert "was not found" in assert_error(client.get(f"/open311/v2/services/drug-dealing.{fmt}"), 404, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_case_waiting_in_the_right_areas_triage_queue(client, caller, api_key, fmt):
    response = post(client, api_key, fmt)
    assert response.status_code == 201
    if fmt == "json":
        created = response.get_json()[0]
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        created = children(root.find("request"))
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    reference = created["service_request_id"]
    assert reference.startswith("SW-")

    south = caller("area_manager", areas=["SW"])
    queue = south.get("/api/v1/triage").get_json()["items"]
    assert [(i["reference"], i["source"], i["ward"]["code"], i["suggested_level"]) for i in queue] == [
        (reference, "open311", "pleck", 1)
    ]
    assert caller("area_manager", areas=["NW"]).get("/api/v1/triage").get_json()["items"] == []
    reporter = south.get(f"/api/v1/cases/{reference}/reporter").get_json()
    assert (reporter["name"], reporter["email"], reporter["consent"]) == ("Ann Resident", "ann@example.org", True)


def test_post_places_the_report_by_address_when_there_are_no_coordinates(client, caller, api_key):
    response = post(client, api_key, lat=None, long=None, address_string="Bath Street, St Matthew's, Walsall")
    assert response.status_code == 201
    case = caller("admin").get(f"/api/v1/cases/{response.get_json()[0]['service_request_id']}").get_json()
    assert case["ward"]["code"] == "st-matthews"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "fields, status, words",
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "o311_wrong_key"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "drug-dealing"}, 404, "service_code"),
        ({"lat": None, "long": None}, 400, "location"),
        ({"long": None}, 400, "lat and long"),
        ({"lat": "51.5074", "long": "-0.1278"}, 400, "ward"),
        ({"lat": None, "long": None, "address_string": "Buckingham Palace, London"}, 400, "ward"),
        ({"email": "not-an-email"}, 400, "email"),
    ],
)
def test_post_errors_in_the_specifications_format(client, api_key, count_rows, fmt, fields, status, words):
    from tasking.models import Case

    fields = dict(fields)
    key = fields.pop("api_key", api_key)
    response = post(client, key, fmt, **fields)
    assert words in assert_error(response, status, fmt)
    assert count_rows(Case) == 0


def test_a_revoked_key_is_refused(client, session, api_key):
    from tasking.services import open311_clients

    with unit_of_work(session):
        open311_clients.revoke_client(session, None, api_key.split("_")[1], now=datetime.now(timezone.utc))
    assert post(client, api_key).status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_with_the_specifications_fields_and_no_personal_data(client, api_key, fmt):
    reference = post(client, api_key).get_json()[0]["service_request_id"]
    response = client.get(f"/open311/v2/requests.{fmt}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for personal in ("Ann", "Resident", "ann@example.org", "07700"):
        assert personal not in text
    if fmt == "json":
        requests = response.get_json()
    else:
        root = xml(response)
        assert root.tag == "service_requests"
        requests = [children(r) for r in root.findall("request")]
    assert [set(r) for r in requests] == [REQUEST_FIELDS]
    assert (requests[0]["service_request_id"], requests[0]["status"]) == (reference, "open")
    single = client.get(f"/open311/v2/requests/{reference}.{fmt}")
    assert single.status_code == 200
    assert reference in single.get_data(as_text=True)
    assert "was not found" in assert_error(client.get(f"/open311/v2/requests/SW-2026-99999.{fmt}"), 404, fmt)


def test_get_requests_filters(client, api_key, caller):
    fly = post(client, api_key).get_json()[0]["service_request_id"]
    litter = post(client, api_key, service_code="litter").get_json()[0]["service_request_id"]
    manager = caller("area_manager", areas=["SW"])
    case = manager.get(f"/api/v1/cases/{litter}")
    manager.patch(
        f"/api/v1/cases/{litter}",
        json={"state": "resolved", "reason": "Swept"},
        headers={"If-Match": case.headers["ETag"]},
    )

    def ids(query):
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, response.get_json()
        return {r["service_request_id"] for r in response.get_json()}

    assert ids("") == {fly, litter}
    assert ids("status=closed") == {litter}
    assert ids("status=open") == {fly}
    assert ids("service_code=litter,potholes") == {litter}
    assert ids(f"service_request_id={fly},{litter}&status=open") == {fly, litter}  # ids override filters
    past = (datetime.now(timezone.utc) - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"start_date={past}") == set()
    assert "90 days" in assert_error(
        client.get(
            f"/open311/v2/requests.json?start_date={past}&end_date="
            f"{datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        ),
        400,
        "json",
    )
    assert assert_error(client.get("/open311/v2/requests.xml?status=pending"), 400, "xml")


def test_confidential_and_non_public_cases_are_never_listed(client, caller, api_key):
    manager = caller("area_manager", areas=["SW"])
    secret = manager.post(
        "/api/v1/cases",
        json={"title": "Hidden", "description": "d", "category": "litter", "ward": "pleck", "confidential": True},
    ).get_json()
    private = manager.post(
        "/api/v1/cases", json={"title": "Family", "description": "d", "category": "family-early-help", "ward": "pleck"}
    ).get_json()
    listed = client.get("/open311/v2/requests.json").get_data(as_text=True)
    for case in (secret, private):
        assert case["reference"] not in listed
        assert client.get(f"/open311/v2/requests/{case['reference']}.json").status_code == 404


def test_jurisdiction_must_be_ours(client):
    assert client.get("/open311/v2/services.json?jurisdiction_id=walsall.gov.uk").status_code == 200
    assert "jurisdiction_id" in assert_error(
        client.get("/open311/v2/services.json?jurisdiction_id=leeds.gov.uk"), 404, "json"
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_updates_show_status_changes_and_public_notes_only(client, caller, api_key, fmt):
    reference = post(client, api_key).get_json()[0]["service_request_id"]
    manager = caller("area_manager", areas=["SW"])
    manager.post(f"/api/v1/cases/{reference}/classification", json={"level": 1})
    manager.post(f"/api/v1/cases/{reference}/notes", json={"body": "Crew booked for Tuesday", "visibility": "public"})
    manager.post(f"/api/v1/cases/{reference}/notes", json={"body": "Landlord known to us", "visibility": "internal"})
    response = client.get(f"/open311/v2/servicerequestupdates.{fmt}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Landlord known to us" not in text
    if fmt == "json":
        found = response.get_json()
    else:
        root = xml(response)
        assert root.tag == "service_request_updates"
        found = [children(u) for u in root.findall("request_update")]
    assert all(set(u) == UPDATE_FIELDS for u in found)
    assert [(u["service_request_id"], u["status"], u["description"]) for u in found] == [
        (reference, "ACTION_SCHEDULED", "Passed to the team that will deal with it."),
        (reference, "ACTION_SCHEDULED", "Crew booked for Tuesday"),
    ]


def test_unknown_open311_paths_answer_in_the_open311_format(client):
    assert_error(client.get("/open311/v2/nothing.xml"), 404, "xml")
    assert_error(client.delete("/open311/v2/requests.json"), 405, "json")
