"""Issue 22: a pooled PostgreSQL connection is pinged before use only when it sat idle past
database.PING_AFTER_IDLE_SECONDS (docs/performance.md, "Connections"), not on every request as
pool_pre_ping did; one the server closed meanwhile is replaced, and the caller never sees it.
SQLite has no server to close a connection: its run checks that no ping is ever sent."""

import time

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tasking import database
from tasking.extensions import db


class Clock:
    def __init__(self):
        self.now = time.monotonic()

    def __call__(self):
        return self.now


def _engine(app):
    with app.app_context():
        return db.engine


def _pings(monkeypatch, engine) -> list:
    sent = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection):
        sent.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return sent


def _close_the_pools_connections(engine, session) -> int:
    """What a server restart does to the pool: every connection in it is ended, the test session's
    too (given back first), from a connection outside the pool, so the next request gets a dead one.
    Only this database's connections of the test role: each run of the suite has a database of its own."""
    session.close()
    outside = create_engine(engine.url, poolclass=NullPool)
    try:
        with outside.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND usename = current_user "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            ).scalar()
    finally:
        outside.dispose()
    return ended


def test_requests_a_moment_apart_send_no_ping(app, caller, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(database, "monotonic", clock)
    engine = _engine(app)
    pings = _pings(monkeypatch, engine)
    admin = caller("admin")
    # A connection left in the pool by an earlier test may be pinged once (idle since before the clock).
    assert admin.get("/api/v1/cases").status_code == 200
    pings.clear()
    for _ in range(5):
        clock.now += database.PING_AFTER_IDLE_SECONDS / 2
        assert admin.get("/api/v1/cases").status_code == 200
    assert pings == []


def test_a_connection_closed_by_the_server_while_idle_is_replaced_before_use(app, caller, session, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(database, "monotonic", clock)
    engine = _engine(app)
    pings = _pings(monkeypatch, engine)
    admin = caller("admin")
    assert admin.get("/api/v1/cases").status_code == 200  # a connection of the pool, back in it, idle
    if engine.dialect.name != "postgresql":
        clock.now += database.PING_AFTER_IDLE_SECONDS * 10
        assert admin.get("/api/v1/cases").status_code == 200
        assert pings == []  # SQLite: no listener, nothing to ping
        return
    pings.clear()  # the first request may have pinged a connection an earlier test left idle
    assert _close_the_pools_connections(engine, session) >= 1
    clock.now += database.PING_AFTER_IDLE_SECONDS + 1

    try:
        response = admin.get("/api/v1/cases")

        assert response.status_code == 200, response.get_json()
        assert len(pings) == 1  # the dead connection was found by the ping, not by the request's query
        # The ping threw the whole pool away: a second connection, used a moment ago, is new too.
        assert admin.get("/api/v1/cases").status_code == 200
    finally:
        engine.dispose()  # nothing dead left for the next test, whatever happened here
