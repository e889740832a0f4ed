"""Bearer tokens: hashed at rest, revocable, expiring, and recording when they were last used."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tasking.models import ApiToken, AuditEvent
from tasking.services import tokens
from tasking.unit_of_work import unit_of_work

NOW = datetime.now(timezone.utc)


def test_only_a_hash_of_the_token_is_stored(session, make_user):
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, make_user("admin"), name="ci", now=NOW)
    stored = session.scalar(select(ApiToken).where(ApiToken.id == issued.token.id))
    assert issued.secret not in (stored.token_hash, stored.prefix)
    assert issued.secret.startswith(f"tsk_{stored.prefix}_")
    assert len(stored.token_hash) == 64


def test_a_revoked_token_is_refused_at_once(client, session, make_user):
    user = make_user("area_manager", areas=["SW"])
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, user, name="laptop", now=NOW)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    with unit_of_work(session):
        tokens.revoke_token(session, None, issued.token.prefix, now=datetime.now(timezone.utc))
    assert client.get("/api/v1/cases", headers=headers).status_code == 401
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "token.revoked")) is not None


def test_an_expired_token_is_refused(client, session, make_user):
    user = make_user("admin")
    with unit_of_work(session):
        issued = tokens.issue_token(
            session, None, user, name="old", now=NOW - timedelta(days=2), expires_at=NOW - timedelta(seconds=1)
        )
    response = client.get("/api/v1/areas", headers={"Authorization": f"Bearer {issued.secret}"})
    assert response.status_code == 401


def test_last_used_at_is_kept(client, session, make_user):
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, make_user("admin"), name="ci", now=NOW)
    assert issued.token.last_used_at is None
    before = datetime.now(timezone.utc)
    client.get("/api/v1/areas", headers={"Authorization": f"Bearer {issued.secret}"})
    session.expire_all()
    stored = session.get(ApiToken, issued.token.id)
    assert stored.last_used_at >= before - timedelta(seconds=1)


def test_an_inactive_users_token_is_refused(client, session, make_user):
    user = make_user("admin")
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, user, name="ci", now=NOW)
    user.active = False
    session.commit()
    assert client.get("/api/v1/areas", headers={"Authorization": f"Bearer {issued.secret}"}).status_code == 401


def test_other_schemes_are_refused(client, session, make_user):
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, make_user("admin"), name="ci", now=NOW)
    response = client.get("/api/v1/areas", headers={"Authorization": f"Basic {issued.secret}"})
    assert response.status_code == 401


def _events(session, action):
    session.expire_all()
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_token_use_is_audited_once_a_minute_with_the_request(client, session, make_user):
    user = make_user("area_manager", areas=["SW"])
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, user, name="laptop", now=NOW)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    for _ in range(3):
        assert client.get("/api/v1/cases", headers=headers).status_code == 200
    used = _events(session, "token.used")
    assert len(used) == 1
    assert used[0].actor_id == user.id and used[0].object_id == str(issued.token.id)
    assert used[0].after == {"prefix": issued.token.prefix, "request": "GET /api/v1/cases"}


def test_a_refused_known_token_is_audited_each_time_with_the_reason(client, session, make_user):
    with unit_of_work(session):
        issued = tokens.issue_token(session, None, make_user("admin"), name="stolen", now=NOW)
    with unit_of_work(session):
        tokens.revoke_token(session, None, issued.token.prefix, now=datetime.now(timezone.utc))
    headers = {"Authorization": f"Bearer {issued.secret}"}
    for _ in range(2):
        assert client.get("/api/v1/areas", headers=headers).status_code == 401
    refused = _events(session, "token.refused")
    assert [e.after["reason"] for e in refused] == ["revoked", "revoked"]
    assert refused[0].after["request"] == "GET /api/v1/areas"
    assert _events(session, "token.used") == []
