"""Independently written Open311 clients from PyPI drive the running server over HTTP:
`georeport` lists services and reads requests back (JSON and XML), `civicbot` files a request."""

from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport


def test_independent_clients_list_post_and_read_back(live_server, api_key, caller):
    live_server = f"{live_server}/open311/v2"
    services = GeoReport(live_server).get_service_list()
    codes = {s["service_code"] for s in services}
    assert {"fly-tipping", "potholes", "anti-social-behaviour"} <= codes
    xml_services = GeoReport(live_server, output_format="xml").get_service_list()
    assert {s["service_code"] for s in xml_services} == codes

    endpoint = Endpoint(id="walsall", name="Walsall", base_url=live_server, write=True)
    poster = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)))
    sent = poster.create_request(
        "potholes",
        dry_run=False,
        confirm=CONFIRM_TOKEN,
        api_key=api_key,
        lat=52.5825,
        lng=-1.9805,
        address_string="Bath Street, Walsall",
        description="Deep pothole outside the bus stop",
        email="resident@example.org",
        validate_remote=True,
    )
    reference = sent.response[0]["service_request_id"]
    assert reference.startswith("SW-")

    for fmt in ("json", "xml"):
        read = GeoReport(live_server, output_format=fmt).get_service_request(reference)
        assert (read["service_request_id"], read["status"], read["service_code"]) == (reference, "open", "potholes")
        assert "resident@example.org" not in str(read)
    listed = GeoReport(live_server).get_service_requests(status="open")
    assert reference in {r["service_request_id"] for r in listed}
    assert poster.get_request(reference)["description"] == "Deep pothole outside the bus stop"

    queue = caller("area_manager", areas=["SW"]).get("/api/v1/triage").get_json()["items"]
    assert [(i["reference"], i["ward"]["code"]) for i in queue] == [(reference, "st-matthews")]
