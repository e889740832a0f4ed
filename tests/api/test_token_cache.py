"""Issue 22: a worker answers a token it accepted a few seconds ago (TOKEN_CACHE_SECONDS) without a
statement, and still refuses a revoked or expired token, or a deactivated user's, within that bound
(docs/security.md, "Token cache and revocation bound"). last_used_at and the `token.used` audit row
are written once a minute per token whatever the number of workers."""

import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from flask import g
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tasking.api import auth
from tasking.config import ConfigurationError
from tasking.config import load as load_settings
from tasking.domain.errors import Unauthorized
from tasking.extensions import db
from tasking.models import ApiToken, AuditEvent, User
from tasking.services import principal_cache, tokens, users
from tasking.services.principal_cache import PrincipalCache
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def bound(app) -> float:
    """The documented bound: the app's TOKEN_CACHE_SECONDS (the suite runs with the default)."""
    seconds = app.config["TOKEN_CACHE_SECONDS"]
    assert seconds > 1  # the steps below land half a second either side of it
    return seconds


AUTH_TABLES = re.compile(r"\b(api_tokens|users|user_areas|user_wards)\b")


@pytest.fixture
def engine(app):
    with app.app_context():
        return db.engine


class Clock:
    """The cache's monotonic clock, stepped by hand."""

    def __init__(self):
        self.seconds = 1000.0

    def step(self, seconds: float) -> None:
        self.seconds += seconds


@pytest.fixture
def clock(monkeypatch):
    ticking = Clock()
    monkeypatch.setattr(principal_cache, "monotonic", lambda: ticking.seconds)
    return ticking


@pytest.fixture
def wall(monkeypatch):
    """Move the API's wall clock (what expiry and last use are judged by) to a given time."""
    return lambda at: monkeypatch.setattr(auth, "now", lambda: at)


def _now():
    return datetime.now(timezone.utc)


def _events(session, action):
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _token(session, secret) -> ApiToken:
    session.expire_all()
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens._digest(secret)))


# 1. No statement within the bound


def test_within_the_bound_a_repeat_request_runs_no_authentication_statement(app, caller, counter, clock, bound):
    admin = caller("admin")
    user_id = admin.user.id
    assert admin.get("/api/v1/areas").status_code == 200  # looks the token up and records its use
    clock.step(bound - 0.5)
    with counter() as seen:
        with app.test_request_context("/api/v1/areas", headers={"Authorization": f"Bearer {admin.token}"}):
            auth._authenticate()
            assert g.principal.user_id == user_id
    assert seen == []
    with counter() as seen:
        assert admin.get("/api/v1/areas").status_code == 200
    assert seen and not [s for s in seen if AUTH_TABLES.search(s)]


def test_past_the_bound_the_token_is_looked_up_again(app, caller, counter, clock, bound):
    admin = caller("admin")
    assert admin.get("/api/v1/areas").status_code == 200
    clock.step(bound)
    with counter() as seen:
        assert admin.get("/api/v1/areas").status_code == 200
    assert any("api_tokens" in s for s in seen)


def test_with_the_cache_off_every_request_looks_the_token_up(app, caller, counter, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_CACHE_SECONDS", 0)
    admin = caller("admin")
    assert admin.get("/api/v1/areas").status_code == 200
    with counter() as seen:
        assert admin.get("/api/v1/areas").status_code == 200
    assert any("api_tokens" in s for s in seen)


def test_the_principal_is_the_tokens_own(caller, clock):
    admin, manager = caller("admin"), caller("area_manager", areas=["SW"])
    for _ in range(2):
        assert admin.get("/api/v1/tokens").status_code == 200
        assert manager.get("/api/v1/tokens").status_code == 403


# 2. Revocation, expiry and deactivation within the bound


def test_revoked_through_the_api_in_this_process_the_token_stops_at_once(caller, make_user, client, clock):
    admin, owner = caller("admin"), caller("area_manager", areas=["SW"])
    assert owner.get("/api/v1/cases").status_code == 200
    prefix = owner.token.split("_")[1]
    assert admin.client.delete(f"/api/v1/tokens/{prefix}", headers=admin._headers(None)).status_code == 204
    assert owner.get("/api/v1/cases").status_code == 401


def test_revoked_through_the_api_on_another_worker_the_token_stops_within_the_bound(
    caller,
    session,
    clock,
    monkeypatch,
    bound,
):
    admin, owner = caller("admin"), caller("area_manager", areas=["SW"])
    assert owner.get("/api/v1/cases").status_code == 200
    # The admin's request is served by another process: its evictions never reach this worker's cache.
    monkeypatch.setattr(principal_cache, "_evict_everywhere", lambda token_id, user_id: None)
    prefix = owner.token.split("_")[1]
    assert admin.client.delete(f"/api/v1/tokens/{prefix}", headers=admin._headers(None)).status_code == 204
    clock.step(bound - 0.5)
    assert owner.get("/api/v1/cases").status_code == 200  # the documented bound, not a leak
    clock.step(0.5)
    assert owner.get("/api/v1/cases").status_code == 401
    assert [e.after["reason"] for e in _events(session, "token.refused")] == ["revoked"]


def test_revoked_by_a_direct_update_the_token_stops_within_the_bound(caller, session, clock, bound):
    owner = caller("area_manager", areas=["SW"])
    assert owner.get("/api/v1/cases").status_code == 200
    session.execute(
        update(ApiToken).where(ApiToken.token_hash == tokens._digest(owner.token)).values(revoked_at=_now())
    )
    session.commit()
    clock.step(bound - 0.5)
    assert owner.get("/api/v1/cases").status_code == 200
    clock.step(0.5)
    for _ in range(2):  # refusals are never cached: each is looked up and audited
        assert owner.get("/api/v1/cases").status_code == 401
    assert [e.after["reason"] for e in _events(session, "token.refused")] == ["revoked", "revoked"]


def test_an_expired_token_stops_at_its_expiry_not_at_the_bound(client, session, make_user, clock, wall):
    start = datetime.now(timezone.utc)
    with unit_of_work(session):
        issued = tokens.issue_token(
            session, None, make_user("admin"), name="short", now=start, expires_at=start + timedelta(minutes=10)
        )
    headers = {"Authorization": f"Bearer {issued.secret}"}
    wall(start + timedelta(minutes=10) - timedelta(seconds=1))
    assert client.get("/api/v1/areas", headers=headers).status_code == 200
    wall(start + timedelta(minutes=10))  # the cache's own clock has not moved
    assert client.get("/api/v1/areas", headers=headers).status_code == 401
    assert [e.after["reason"] for e in _events(session, "token.refused")] == ["expired"]


def test_a_user_deactivated_in_this_process_is_refused_at_once(caller, session, clock):
    manager = caller("area_manager", areas=["SW"])
    assert manager.get("/api/v1/cases").status_code == 200
    with unit_of_work(session):
        users.deactivate(session, None, session.get(User, manager.user.id), now=_now())
    assert manager.get("/api/v1/cases").status_code == 401


def test_a_user_deactivated_elsewhere_is_refused_within_the_bound(caller, session, clock, bound):
    manager = caller("area_manager", areas=["SW"])
    assert manager.get("/api/v1/cases").status_code == 200
    session.execute(update(User).where(User.id == manager.user.id).values(active=False))
    session.commit()
    clock.step(bound - 0.5)
    assert manager.get("/api/v1/cases").status_code == 200
    clock.step(0.5)
    assert manager.get("/api/v1/cases").status_code == 401
    assert [e.after["reason"] for e in _events(session, "token.refused")] == ["user inactive"]


def test_an_eviction_during_a_lookup_keeps_what_it_read_out_of_the_cache(clock):
    cache = PrincipalCache(5)
    started = cache.generation
    cache.evict(token_id=7)  # e.g. the token was revoked while this request was reading it
    principal = object()
    cache.put("d", principal=principal, token_id=7, prefix="p", expires_at=None, last_used_at=None, generation=started)
    assert cache.get("d", now=_now()) is None
    cache.put(
        "d",
        principal=principal,
        token_id=7,
        prefix="p",
        expires_at=None,
        last_used_at=None,
        generation=cache.generation,
    )
    assert cache.get("d", now=_now()).principal is principal


def test_the_cache_holds_at_most_its_size_dropping_the_least_recently_used(clock):
    cache = PrincipalCache(5, max_entries=3)
    for n in range(3):
        cache.put(str(n), principal=n, token_id=n, prefix="p", expires_at=None, last_used_at=None, generation=0)
    assert cache.get("0", now=_now()) is not None  # "1" is now the least recently used
    cache.put("3", principal=3, token_id=3, prefix="p", expires_at=None, last_used_at=None, generation=0)
    assert len(cache) == 3 and cache.get("1", now=_now()) is None
    assert all(cache.get(k, now=_now()) is not None for k in "023")


def test_threads_sharing_a_cache_see_whole_entries(clock):
    cache = PrincipalCache(5, max_entries=50)
    errors = []

    def work(n):
        try:
            for i in range(2000):
                key = str((n * 7 + i) % 80)
                cache.put(key, principal=key, token_id=i, prefix="p", expires_at=None, last_used_at=None, generation=0)
                found = cache.get(key, now=_now())
                assert found is None or found.principal == key
                if i % 97 == 0:
                    cache.evict(token_id=i)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(cache) <= 50


# 3. last_used_at and token.used once a minute across workers


def test_a_cleared_cache_does_not_record_the_use_twice_in_a_minute(caller, session, clock):
    admin = caller("admin")
    assert admin.get("/api/v1/areas").status_code == 200
    principal_cache.clear_all()  # as if the next request went to another worker
    assert admin.get("/api/v1/areas").status_code == 200
    assert len(_events(session, "token.used")) == 1


def test_a_cached_hit_records_the_use_once_the_minute_has_passed(caller, session, counter, clock, wall):
    admin = caller("admin")
    start = datetime.now(timezone.utc)
    wall(start)
    assert admin.get("/api/v1/areas").status_code == 200
    wall(start + timedelta(seconds=59))
    assert admin.get("/api/v1/areas").status_code == 200
    assert len(_events(session, "token.used")) == 1
    wall(start + timedelta(seconds=60))
    with counter() as seen:
        assert admin.get("/api/v1/areas").status_code == 200
    writes = [s for s in seen if AUTH_TABLES.search(s) or "audit_events" in s]
    assert len(writes) == 2 and writes[0].lstrip().upper().startswith("UPDATE API_TOKENS")
    assert not any("SELECT" in s.upper() and "api_tokens" in s for s in seen)  # still answered from memory
    assert admin.get("/api/v1/areas").status_code == 200
    assert len(_events(session, "token.used")) == 2
    assert _token(session, admin.token).last_used_at == start + timedelta(seconds=60)


def test_two_workers_in_the_same_minute_write_the_use_once(engine, session, make_user, clock):
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, make_user("admin"), name="ci", now=_now())
    start = datetime.now(timezone.utc)
    first, second = PrincipalCache(5), PrincipalCache(5)

    def use(cache, at):
        with Session(bind=engine) as own, unit_of_work(own):
            tokens.authenticate(own, issued.secret, now=at, request_line="GET /api/v1/areas", cache=cache)

    for seconds, cache in ((0, first), (10, second), (20, first), (30, second)):
        use(cache, start + timedelta(seconds=seconds))
    assert len(_events(session, "token.used")) == 1
    assert _token(session, issued.secret).last_used_at == start
    # A minute on, both workers still hold the token (their bound is on the stopped clock): both try, one writes.
    use(second, start + timedelta(seconds=61))
    use(first, start + timedelta(seconds=62))
    assert len(_events(session, "token.used")) == 2
    assert _token(session, issued.secret).last_used_at == start + timedelta(seconds=61)


def test_workers_racing_on_a_token_record_its_use_once(engine, session, make_user, clock):
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, make_user("admin"), name="ci", now=_now())
    at = datetime.now(timezone.utc)
    ready = threading.Barrier(4)
    errors = []

    def worker():
        try:
            with Session(bind=engine) as own, unit_of_work(own):
                ready.wait(timeout=10)
                tokens.authenticate(own, issued.secret, now=at, request_line="GET /x", cache=PrincipalCache(5))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(_events(session, "token.used")) == 1


def test_an_unknown_token_is_never_cached(app, client, clock):
    for _ in range(2):
        assert client.get("/api/v1/areas", headers={"Authorization": "Bearer tsk_bad_guess"}).status_code == 401
    with app.app_context():
        cache = auth.principal_cache()
        assert cache is not None and len(cache) == 0


def test_a_refused_token_raises_without_a_cache_entry(engine, session, make_user, clock):
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, make_user("admin"), name="ci", now=_now())
        tokens.revoke_token(session, None, issued.token.prefix, now=_now())
    cache = PrincipalCache(5)
    with Session(bind=engine) as own, unit_of_work(own), pytest.raises(Unauthorized):
        tokens.authenticate(own, issued.secret, now=_now(), cache=cache)
    assert len(cache) == 0


# The setting


@pytest.mark.parametrize("value", ["-1", "abc", "2.5", "61"])
def test_a_bad_token_cache_setting_is_refused_naming_it(monkeypatch, tmp_path, value):
    monkeypatch.setenv("TOKEN_CACHE_SECONDS", value)
    with pytest.raises(ConfigurationError, match=r"^TOKEN_CACHE_SECONDS is .*from 0 \(no cache\) to 60"):
        load_settings(str(tmp_path), {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(("value", "seconds"), [(None, 5), ("", 5), ("0", 0), ("30", 30)])
def test_the_token_cache_setting(monkeypatch, tmp_path, value, seconds):
    if value is None:
        monkeypatch.delenv("TOKEN_CACHE_SECONDS", raising=False)
    else:
        monkeypatch.setenv("TOKEN_CACHE_SECONDS", value)
    settings = load_settings(str(tmp_path), {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert settings["TOKEN_CACHE_SECONDS"] == seconds
