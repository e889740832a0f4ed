"""Issue 20, finding 1: production must not start with a public secret key or without a database.

Outside development (TASKING_ENV unset or "production") create_app, and so `gunicorn wsgi:app` and
every `flask` command, refuses to start without a SECRET_KEY of at least 32 random characters (never
the old development value) and without an explicit DATABASE_URL; each refusal names the setting.
/healthz says ok only when the database holds the latest migration, not for an empty SQLite file."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from tasking import create_app
from tasking.config import ConfigurationError

ROOT = Path(__file__).resolve().parent.parent
HOW = "set it to at least 32 random bytes, e.g. python3 -c 'import secrets; print(secrets.token_hex(32))'"
NO_KEY = f"SECRET_KEY is not set: {HOW}"
NO_DATABASE = (
    "DATABASE_URL is not set: outside development tasking needs an explicit database, "
    "e.g. DATABASE_URL=postgresql+psycopg://tasking:...@db.internal/tasking (the SQLite file "
    "instance/tasking.db is the default only with TASKING_ENV=development)"
)
GOOD_KEY = secrets.token_hex(32)


@pytest.fixture
def production(monkeypatch, tmp_path):
    """The environment of a server whose operator set nothing; returns an instance folder of its own."""
    monkeypatch.setenv("TASKING_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return str(tmp_path / "instance")


def refusal(instance) -> str:
    with pytest.raises(ConfigurationError) as refused:
        create_app(instance_path=instance)
    return str(refused.value)


def test_without_a_secret_key_production_refuses_to_start_naming_it(production, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.db'}")
    assert refusal(production) == NO_KEY
    assert issubclass(ConfigurationError, RuntimeError)


def test_an_unset_tasking_env_is_production(production, monkeypatch, tmp_path):
    monkeypatch.delenv("TASKING_ENV")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.db'}")
    assert refusal(production) == NO_KEY


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("dev-only-not-secret", f"SECRET_KEY is the published development value: {HOW}"),
        ("0123456789abcdef0123456789abcde", f"SECRET_KEY is too short (31 characters): {HOW}"),
        ("a" * 64, f"SECRET_KEY is not random (a repeated pattern): {HOW}"),
        ("0123456" * 8, f"SECRET_KEY is not random (a repeated pattern): {HOW}"),
        ("9f86d081884c7d65" * 4, f"SECRET_KEY is not random (a repeated pattern): {HOW}"),
    ],
)
def test_a_weak_secret_key_is_refused_naming_it(production, monkeypatch, tmp_path, key, message):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.db'}")
    monkeypatch.setenv("SECRET_KEY", key)
    assert refusal(production) == message


def test_without_a_database_url_production_refuses_to_start_naming_it(production, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert refusal(production) == NO_DATABASE
    assert not os.path.exists(os.path.join(production, "tasking.db"))  # no empty SQLite file left behind


def test_every_missing_setting_is_named_at_once(production):
    assert refusal(production) == f"{NO_DATABASE}\n{NO_KEY}"


def test_with_a_random_key_and_a_database_url_production_starts(production, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.db'}")
    app = create_app(instance_path=production)
    assert (app.config["TASKING_ENV"], app.config["SECRET_KEY"]) == ("production", GOOD_KEY)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'tasking.db'}"
    assert app.test_client().get("/livez").status_code == 200
    assert not os.path.exists(os.path.join(production, "secret_key"))  # the operator's key, not one of ours


@pytest.mark.parametrize("command", ["flask", "gunicorn"])
def test_flask_and_gunicorn_fail_at_start_with_the_message(tmp_path, command):
    """From the outside: the processes an operator starts stop at once and say what to set."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "TASKING_ENV")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'tasking.db'}"
    binary = Path(sys.executable).parent / command
    args = {
        "flask": [str(binary), "--app", "wsgi", "tasking", "seed"],
        "gunicorn": [str(binary), "--bind", "127.0.0.1:0", "--workers", "1", "wsgi:app"],
    }[command]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert f"tasking.config.ConfigurationError: {NO_KEY}\n" in result.stderr


def test_migrations_run_with_a_database_url_alone_and_nothing_else_does(tmp_path):
    """`flask db upgrade` and `flask db check` sign nothing: a deployment step or a schema check may
    run them without SECRET_KEY; the next command that could serve or send still refuses."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "TASKING_ENV")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'tasking.db'}"
    flask = str(Path(sys.executable).parent / "flask")
    upgraded = subprocess.run(
        [flask, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert upgraded.returncode == 0, upgraded.stderr
    checked = subprocess.run(
        [flask, "--app", "wsgi", "db", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0 and "No new upgrade operations detected." in checked.stdout + checked.stderr
    seeded = subprocess.run(
        [flask, "--app", "wsgi", "tasking", "seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert seeded.returncode != 0 and f"tasking.config.ConfigurationError: {NO_KEY}\n" in seeded.stderr


def test_a_cookie_signed_with_the_old_development_key_opens_nothing(client, make_user):
    """The finding: a session cookie for an admin, signed with the published key, opened /triage."""
    admin = make_user("admin")
    forger = Flask("forger")
    forger.secret_key = "dev-only-not-secret"
    cookie = (
        SecureCookieSessionInterface().get_signing_serializer(forger).dumps({"_user_id": str(admin.id), "_fresh": True})
    )
    client.set_cookie("session", cookie)
    response = client.get("/triage")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_healthz_on_an_empty_sqlite_database_is_not_ok(production, monkeypatch, tmp_path):
    """The finding: with an empty SQLite file /healthz said ok while every call was a 503."""
    empty = tmp_path / "empty.db"
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{empty}")
    response = create_app(instance_path=production).test_client().get("/healthz")
    assert (response.status_code, response.get_json()) == (503, {"status": "unavailable", "database": "not migrated"})


def test_healthz_is_ok_only_at_the_latest_migration(production, monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tasking.db'}")
    app = create_app(instance_path=production)
    cli, client = app.test_cli_runner(), app.test_client()
    behind = cli.invoke(args=["db", "upgrade", "+1"])
    assert behind.exit_code == 0, behind.output
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()["database"]) == (503, "not migrated")
    upgraded = cli.invoke(args=["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    response = client.get("/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "database": "ok"})
