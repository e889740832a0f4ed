"""Admins issue and revoke tokens through the API; nobody else can."""

from datetime import datetime, timedelta, timezone


def test_admin_issues_a_token_that_works_and_revokes_it(caller, make_user, client):
    admin = caller("admin")
    make_user("partner", organisation="whg", email="whg.api@test.example")
    expires = (datetime.now(timezone.utc) + timedelta(days=30)).isoformat()
    issued = admin.post(
        "/api/v1/tokens", json={"email": "whg.api@test.example", "name": "whg sync", "expires_at": expires}
    )
    assert issued.status_code == 201
    secret = issued.json["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    listed = admin.get("/api/v1/tokens").json["items"]
    mine = next(t for t in listed if t["prefix"] == issued.json["prefix"])
    assert mine["last_used_at"] is not None and "token" not in mine
    assert secret not in admin.get("/api/v1/tokens").get_data(as_text=True)
    assert (
        admin.client.delete(
            f"/api/v1/tokens/{issued.json['prefix']}", headers={"Authorization": f"Bearer {admin.token}"}
        ).status_code
        == 204
    )
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401


def test_token_requests_are_validated(caller):
    admin = caller("admin")
    assert admin.post("/api/v1/tokens", json={"email": "nobody@test.example"}).status_code == 422
    past = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    admin_email = admin.user.email
    assert admin.post("/api/v1/tokens", json={"email": admin_email, "expires_at": past}).status_code == 422
    assert (
        admin.client.delete("/api/v1/tokens/ffffffff", headers={"Authorization": f"Bearer {admin.token}"}).status_code
        == 404
    )


def test_only_admins_manage_tokens(caller):
    manager = caller("area_manager", areas=["SW"])
    assert manager.get("/api/v1/tokens").status_code == 403
    assert manager.post("/api/v1/tokens", json={"email": manager.user.email}).status_code == 403
    assert (
        manager.client.delete(
            f"/api/v1/tokens/{manager.token.split('_')[1]}", headers={"Authorization": f"Bearer {manager.token}"}
        ).status_code
        == 403
    )


def test_a_token_issued_without_an_expiry_gets_the_default_lifetime_and_null_means_never(caller):
    admin = caller("admin")
    issued_at = datetime.now(timezone.utc)
    default = admin.post("/api/v1/tokens", json={"email": admin.user.email, "name": "default"})
    assert default.status_code == 201
    expires = datetime.fromisoformat(default.json["expires_at"])
    assert timedelta(days=364) < expires - issued_at < timedelta(days=366)
    never = admin.post("/api/v1/tokens", json={"email": admin.user.email, "name": "never", "expires_at": None})
    assert never.status_code == 201 and never.json["expires_at"] is None
