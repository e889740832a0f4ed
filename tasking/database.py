"""Connection-level settings that the SQLAlchemy URL cannot express."""

from sqlalchemy import event
from sqlalchemy.engine import Engine


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


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
