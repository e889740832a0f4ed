"""Connection-level settings that the SQLAlchemy URL cannot express."""

import time

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out, so that
# one the server closed meanwhile (a restart, a failover, an idle timeout) is replaced instead of
# failing the request. One used within the bound is handed out as it is: SQLAlchemy's pool_pre_ping
# would ping on every checkout, a round trip on every request (docs/performance.md, "Connections").
PING_AFTER_IDLE_SECONDS = 2.0


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while one writer commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def postgres_connect_args(*, connect_timeout_s: int, statement_timeout_ms: int, lock_timeout_ms: int) -> dict:
    """psycopg connection arguments that bound every wait on PostgreSQL, so that a database that does
    not answer gives the caller the JSON 503 (tasking/errors.py) within seconds, before the web
    server's own worker timeout, instead of a hung request:

    - connect_timeout: a server that does not accept or finish a connection;
    - statement_timeout: a statement that runs (or waits) too long is cancelled by the server;
    - lock_timeout: a statement waiting for another transaction's lock gives up sooner;
    - TCP keepalives: a connection to a host that has gone away is noticed and dropped.

    Either timeout raises an OperationalError (QueryCanceled, LockNotAvailable), which becomes 503.
    0 turns a timeout off (PostgreSQL's own meaning of 0)."""
    return {
        "connect_timeout": connect_timeout_s,
        "options": f"-c statement_timeout={statement_timeout_ms} -c lock_timeout={lock_timeout_ms}",
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }


def monotonic() -> float:
    """The clock idleness is measured on; tests replace it to step past the bound without sleeping."""
    return time.monotonic()


def ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's "pessimistic disconnect handling" done only for connections idle past
    PING_AFTER_IDLE_SECONDS: a dead connection raises InvalidatePoolError at checkout, and the pool
    throws it and every connection older than it away and hands out a new one."""
    dialect = engine.dialect

    def checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = monotonic()

    def checked_out(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The whole pool, as pool_pre_ping does: a server that closed one idle connection
                # (a restart, a failover) closed the others too, used a moment ago or not.
                raise exc.InvalidatePoolError("The pooled connection was closed by the server.") from error
            raise

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        ping_when_idle(engine)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
