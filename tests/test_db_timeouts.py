"""Finding 7: with the database hung, requests waited until gunicorn killed the worker (an HTML 500).
Every PostgreSQL connection now carries connect, statement and lock timeouts, so a statement held up
by another transaction's lock gives the JSON 503 within DATABASE_LOCK_TIMEOUT_MS, and /healthz says
the database is unreachable. The blocking checks need PostgreSQL (the PostgreSQL run of the suite);
on SQLite each test checks what SQLite has instead: its busy timeout, and no PostgreSQL options."""

from sqlalchemy import text

from tasking import config
from tasking.extensions import db

UNAVAILABLE = {
    "error": {
        "code": "unavailable",
        "message": "The service is temporarily unavailable; try again shortly.",
        "fields": {},
    }
}
POSTGRES_ARGS = {
    "connect_timeout": 5,
    "options": "-c statement_timeout=15000 -c lock_timeout=5000",
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_postgres_connections_get_the_three_timeouts_by_default(monkeypatch):
    for name in ("DATABASE_CONNECT_TIMEOUT_SECONDS", "DATABASE_STATEMENT_TIMEOUT_MS", "DATABASE_LOCK_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("DATABASE_POOL_SIZE", raising=False)
    assert config.engine_options("postgresql+psycopg://u@db.internal/tasking") == {
        "pool_size": 5,
        "pool_use_lifo": True,
        "pool_timeout": 5,
        "connect_args": POSTGRES_ARGS,
    }


def test_the_timeouts_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT_MS", "3000")
    monkeypatch.setenv("DATABASE_LOCK_TIMEOUT_MS", "1000")
    options = config.engine_options("postgresql+psycopg://u@db.internal/tasking")
    assert options["pool_timeout"] == 2
    assert options["connect_args"]["connect_timeout"] == 2
    assert options["connect_args"]["options"] == "-c statement_timeout=3000 -c lock_timeout=1000"


def test_every_connection_of_the_app_carries_the_timeouts(app):
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            # SQLite: one file, no server to hang; writers wait out the busy timeout, no more.
            assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"connect_args": {"timeout": 15}}
            return
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "15s"
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "5s"


def _locked(app, table: str):
    """Another transaction holding `table` in ACCESS EXCLUSIVE mode, as a stuck migration or a
    forgotten psql session would: every statement reading it waits."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    connection.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
    return connection


def test_a_request_blocked_by_another_transactions_lock_gets_the_json_503(app, caller):
    admin = caller("admin")
    if _dialect(app) != "postgresql":
        # SQLite has no lock timeout of its own to set: a reader is never blocked under WAL.
        assert admin.get("/api/v1/cases").status_code == 200
        return
    holder = _locked(app, "cases")
    try:
        response = admin.get("/api/v1/cases")
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == UNAVAILABLE
    assert admin.get("/api/v1/cases").status_code == 200  # the lock gone, the service is back


def test_healthz_says_unreachable_while_the_database_does_not_answer(app, client):
    if _dialect(app) != "postgresql":
        assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
        return
    holder = _locked(app, "alembic_version")
    try:
        response = client.get("/healthz")
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert client.get("/healthz").status_code == 200
