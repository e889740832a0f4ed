"""Open311 keys only from the POST body, as GeoReport v2 specifies, and no key or token in any log
(issue 20, finding 5: a POST's `api_key` was accepted from the URL and written in full to the access
log); discovery names its endpoint from PUBLIC_BASE_URL, not the Host header (finding 9)."""

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from tasking.log_redaction import RedactSecrets, redact
from tasking.models import Case
from tests.open311.conftest import xml
from tests.open311.test_georeport import PLECK, assert_error, post

ROOT = Path(__file__).resolve().parents[2]
FORM = {"service_code": "fly-tipping", **PLECK, "description": "Mattress dumped by the canal bridge"}
IN_THE_URL = "api_key must be sent in the POST body, not in the URL"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_key_in_the_url_is_refused_and_not_used(client, api_key, count_rows, fmt):
    response = client.post(f"/open311/v2/requests.{fmt}?api_key={api_key}", data=FORM)

    assert assert_error(response, 400, fmt) == IN_THE_URL
    assert count_rows(Case) == 0


def test_a_key_in_the_url_is_refused_even_beside_one_in_the_body(client, api_key, count_rows):
    response = client.post(f"/open311/v2/requests.json?api_key={api_key}", data={**FORM, "api_key": api_key})

    assert assert_error(response, 400, "json") == IN_THE_URL
    assert count_rows(Case) == 0


def test_the_key_in_a_form_body_files_the_request(client, api_key, session):
    response = post(client, api_key)

    assert response.status_code == 201
    assert len(session.scalars(select(Case)).all()) == 1


def test_the_key_in_a_json_body_files_the_request(client, api_key, session):
    response = client.post("/open311/v2/requests.json", json={**FORM, "api_key": api_key, "lat": 52.5772})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()[0]["service_request_id"].startswith("SW-")


def test_a_json_body_that_is_not_an_object_is_a_400(client, count_rows):
    response = client.post("/open311/v2/requests.json", json=["api_key", "o311_x_y"])

    assert assert_error(response, 400, "json") == "the request body is not a JSON object"
    assert count_rows(Case) == 0


# Logs


SECRET_KEY_VALUE = "o311_ab12cd_S3cr3t-Value_xyz"
TOKEN_VALUE = "tsk_ef34ab_An0ther-Secret_abc"


@pytest.mark.parametrize(
    "line, expected",
    [
        (
            f'127.0.0.1 - - [02/Nov/2026 09:30:00] "POST /open311/v2/requests.json?api_key={SECRET_KEY_VALUE}'
            '&jurisdiction_id=walsall.gov.uk HTTP/1.1" 400 -',
            '127.0.0.1 - - [02/Nov/2026 09:30:00] "POST /open311/v2/requests.json?api_key=[redacted]'
            '&jurisdiction_id=walsall.gov.uk HTTP/1.1" 400 -',
        ),
        (f"GET /api/v1/cases?access_token={TOKEN_VALUE}", "GET /api/v1/cases?access_token=[redacted]"),
        ("GET /x?token=abc123&page=2", "GET /x?token=[redacted]&page=2"),
        ("authorization: Bearer abc.def.ghi", "authorization: [redacted]"),
        (f'"Bearer {TOKEN_VALUE}" "curl/8.0"', '"Bearer [redacted]" "curl/8.0"'),
        (f"referer https://x.example/?k={SECRET_KEY_VALUE}", "referer https://x.example/?k=o311_ab12cd_[redacted]"),
        (
            '{"api_key": "o311_q_w", "service_code": "potholes"}',
            '{"api_key": "[redacted]", "service_code": "potholes"}',
        ),
        ('"GET /triage?page=2 HTTP/1.1" 200 -', '"GET /triage?page=2 HTTP/1.1" 200 -'),
    ],
)
def test_the_filter_redacts_keys_and_tokens(line, expected):
    assert redact(line) == expected


def test_a_gunicorn_style_record_with_mapping_arguments_is_redacted():
    """gunicorn's access log formats a dict of atoms into its format string."""
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', None, None)
    record.args = {
        "h": "10.0.0.1",
        "r": f"POST /open311/v2/requests.json?api_key={SECRET_KEY_VALUE} HTTP/1.1",
        "s": "400",
    }

    assert RedactSecrets().filter(record) is True
    assert record.getMessage() == '10.0.0.1 "POST /open311/v2/requests.json?api_key=[redacted] HTTP/1.1" 400'


def test_the_development_servers_access_log_never_holds_a_key(live_server, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    request = urllib.request.Request(
        f"{live_server}/open311/v2/requests.json?api_key={SECRET_KEY_VALUE}",
        data=b"service_code=potholes",
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400

    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("POST /open311/v2/requests.json?api_key=[redacted] HTTP/1.1" in line for line in lines), lines
    assert not any("S3cr3t" in line for line in lines)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorns_access_log_never_holds_a_key_or_a_bearer_token(app, session, tmp_path):
    """The README's production command, with a format that also logs the Authorization header."""
    port, log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "TASKING_ENV": "production"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "--access-logformat",
            '%(h)s "%(r)s" %(s)s "%({authorization}i)s"',
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _attempt in range(200):  # until the worker answers
            try:
                urllib.request.urlopen(f"{base}/livez", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        posted = urllib.request.Request(
            f"{base}/open311/v2/requests.json?api_key={SECRET_KEY_VALUE}", data=b"service_code=potholes", method="POST"
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(posted, timeout=30)
        assert refused.value.code == 400
        bearer = urllib.request.Request(f"{base}/api/v1/cases", headers={"Authorization": f"Bearer {TOKEN_VALUE}"})
        with pytest.raises(urllib.error.HTTPError) as unknown:
            urllib.request.urlopen(bearer, timeout=30)
        assert unknown.value.code == 401
    finally:
        server.terminate()
        server.wait(timeout=60)

    written = log.read_text()
    assert '"POST /open311/v2/requests.json?api_key=[redacted] HTTP/1.1" 400' in written, written
    assert "S3cr3t" not in written and "An0ther" not in written, written
    assert '"Bearer [redacted]"' in written, written


# Discovery


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_configured_public_address_whatever_the_host_header(app, client, fmt):
    app.config["PUBLIC_BASE_URL"] = "https://tasking.walsall.gov.uk"
    try:
        response = client.get(f"/open311/v2/discovery.{fmt}", headers={"Host": "evil.example"})
    finally:
        app.config["PUBLIC_BASE_URL"] = ""

    assert response.status_code == 200
    url = (
        response.get_json()["endpoints"][0]["url"]
        if fmt == "json"
        else xml(response).find("endpoints/endpoint/url").text
    )
    assert url == "https://tasking.walsall.gov.uk/open311/v2"
    assert "evil.example" not in response.get_data(as_text=True)


def test_discovery_without_the_setting_uses_the_requests_own_host(client):
    response = client.get("/open311/v2/discovery.json", headers={"Host": "tasking.internal:8000"})

    assert response.get_json()["endpoints"][0]["url"] == "http://tasking.internal:8000/open311/v2"
