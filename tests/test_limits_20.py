"""Issue 20, finding 4: limits that fit the deployment. The client's address through a configured
number of trusted proxies; sign-in limited per account as well as per address; refused tokens
limited without ever refusing a valid token; one shared store (Redis) counting for every instance."""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import request

from tasking import create_app
from tasking.extensions import limiter
from tasking.services import users
from tasking.unit_of_work import unit_of_work
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def limited(app, session, monkeypatch):
    """The suite's app with lowered limits for this test only (as in tests/test_rate_limits.py)."""
    for name, value in (("SIGN_IN_RATE_LIMIT", "3 per hour"), ("TOKEN_FAILURE_RATE_LIMIT", "30 per hour")):
        monkeypatch.setitem(app.config, name, value)
    limiter.reset()
    yield app
    limiter.reset()


def _csrf(client) -> str:
    page = client.get("/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _sign_in(client, token, email, address, password="guess"):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token},
        headers={"Accept": "text/html"},
        environ_base={"REMOTE_ADDR": address},
    ).status_code


# Sign-in: per address and per account


def test_one_address_trying_many_accounts_is_limited(limited):
    client = limited.test_client()
    token = _csrf(client)
    statuses = [_sign_in(client, token, f"person{n}@test.example", "203.0.113.7") for n in range(4)]
    assert statuses == [400, 400, 400, 429]
    # Another address is untouched.
    assert _sign_in(client, token, "person9@test.example", "203.0.113.8") == 400


def test_one_account_tried_from_many_addresses_is_limited_however_its_email_is_written(limited):
    client = limited.test_client()
    token = _csrf(client)
    spellings = ["victim@test.example", " Victim@Test.Example", "VICTIM@TEST.EXAMPLE ", "victim@test.example"]
    statuses = [_sign_in(client, token, email, f"198.51.100.{n}") for n, email in enumerate(spellings, 1)]
    assert statuses == [400, 400, 400, 429]
    # Another account from a fresh address is untouched.
    assert _sign_in(client, token, "someone.else@test.example", "198.51.100.50") == 400


def test_successful_sign_ins_do_not_count_against_the_account(limited, session, make_user):
    user = make_user("area_manager")
    password = secrets.token_urlsafe(24)
    with unit_of_work(session):
        users.set_password(session, None, session.merge(user), password, now=NOW)
    # Three sign-ins that succeed, each from its own address and browser: the account's count is untouched.
    for n in range(1, 4):
        browser = limited.test_client()
        assert _sign_in(browser, _csrf(browser), user.email, f"192.0.2.{n}", password=password) == 302
    # Refusals count: three, from three more addresses, then the fourth is refused before it is checked.
    client = limited.test_client()
    token = _csrf(client)
    assert [_sign_in(client, token, user.email, f"192.0.2.{n}") for n in range(11, 14)] == [400, 400, 400]
    assert _sign_in(client, token, user.email, "192.0.2.99") == 429


# Refused tokens never refuse a valid one


def test_a_valid_token_passes_from_an_address_over_its_failure_limit(limited, caller):
    good = caller("admin")
    client = limited.test_client()
    address = {"REMOTE_ADDR": "203.0.113.31"}
    bad = {"Authorization": "Bearer tsk_bad_guess"}
    statuses = [client.get("/api/v1/areas", headers=bad, environ_base=address).status_code for _ in range(31)]
    assert statuses == [401] * 30 + [429]
    refused = client.get("/api/v1/areas", headers=bad, environ_base=address)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600

    valid = client.get("/api/v1/areas", headers={"Authorization": f"Bearer {good.token}"}, environ_base=address)
    assert valid.status_code == 200
    # ...and the address stays limited for bad tokens.
    assert client.get("/api/v1/areas", headers=bad, environ_base=address).status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_does_not_escape_the_limit(limited):
    client = limited.test_client()
    statuses = [
        client.get(
            "/api/v1/areas",
            headers={"Authorization": "Bearer tsk_bad_guess", "X-Forwarded-For": f"10.0.0.{n}"},
            environ_base={"REMOTE_ADDR": "203.0.113.40"},
        ).status_code
        for n in range(31)
    ]
    assert statuses == [401] * 30 + [429]


# Trusted proxies (ProxyFix)


@pytest.fixture
def app_behind_one_proxy(app, tmp_path):
    """A second app with TRUSTED_PROXIES=1 and a page that shows the address it sees. (Creating it
    rebinds the process's one limiter; the suite's app takes it back afterwards.)"""
    proxied = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TRUSTED_PROXIES": 1},
        instance_path=str(tmp_path / "instance"),
    )
    proxied.add_url_rule("/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
    try:
        yield proxied
    finally:
        limiter.init_app(app)


def test_trusted_proxies_take_the_address_and_scheme_the_proxy_saw(app_behind_one_proxy, app):
    forwarded = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}
    seen = app_behind_one_proxy.test_client().get("/_seen", headers=forwarded, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    # One trusted hop: the rightmost address (the one the proxy added), never the client's own claim.
    assert seen.get_data(as_text=True) == "203.0.113.9 https"
    assert app_behind_one_proxy.config["TRUSTED_PROXIES"] == 1
    assert app.config["TRUSTED_PROXIES"] == 0


# One shared store for every instance


def _redis_url() -> str:
    """The tests' Redis: TASKING_TEST_REDIS_URL (make test sets it), or scripts/test-redis, which
    starts one. Never skipped: no Redis is a failure that says why."""
    url = os.environ.get("TASKING_TEST_REDIS_URL", "")
    if url:
        return url
    started = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test-redis")], capture_output=True, text=True, timeout=600
    )
    if started.returncode != 0 or not started.stdout.strip():
        pytest.fail(f"scripts/test-redis could not start Redis (exit {started.returncode}):\n{started.stderr}")
    return started.stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _status(url: str, headers: dict) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_instances_on_one_redis_share_one_token_failure_limit(app, caller):
    """Two instances (each its own gunicorn process and create_app) behind one proxy, on one Redis:
    30 refused tokens split between them, then the 31st is refused on either, while a valid token
    still passes."""
    good = caller("admin")
    redis_url = _redis_url()
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TASKING_ENV": "production",
        "RATELIMIT_STORAGE_URI": redis_url,
        "TRUSTED_PROXIES": "1",
        "TOKEN_FAILURE_RATE_LIMIT": "30 per hour",
    }
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            for _attempt in range(300):  # until the worker answers
                try:
                    urllib.request.urlopen(f"{base}/livez", timeout=5)
                    break
                except OSError:
                    time.sleep(0.1)
        # A client address of this run's own, as the proxy reports it, so that earlier runs' counts
        # in the same Redis never meet this one's.
        client = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
        bad = {"Authorization": "Bearer tsk_bad_guess", "X-Forwarded-For": client}
        statuses = [_status(f"{bases[n % 2]}/api/v1/areas", bad) for n in range(30)]
        assert statuses == [401] * 30
        assert _status(f"{bases[0]}/api/v1/areas", bad) == 429
        assert _status(f"{bases[1]}/api/v1/areas", bad) == 429
        valid = {"Authorization": f"Bearer {good.token}", "X-Forwarded-For": client}
        assert _status(f"{bases[1]}/api/v1/areas", valid) == 200
        assert _status(f"{bases[0]}/api/v1/areas", valid) == 200
        # Another client behind the same proxy is untouched.
        other = {
            "Authorization": "Bearer tsk_bad_guess",
            "X-Forwarded-For": "172.16." + ".".join(client.split(".")[2:]),
        }
        assert _status(f"{bases[0]}/api/v1/areas", other) == 401
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)
