"""Whether the service can do its work: whether the database answers, and holds the schema this code
expects (the latest migration), so that an empty or not-yet-upgraded database is not reported ok."""

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

OK = "ok"
UNREACHABLE = "unreachable"
NOT_MIGRATED = "not migrated"


@cache
def migration_heads(directory: str) -> frozenset[str]:
    """The latest revisions of the migrations in `directory` (read once per process)."""
    return frozenset(ScriptDirectory(directory).get_heads())


def database_state(session: Session, migrations_directory: str) -> str:
    """OK; UNREACHABLE when the database does not answer; NOT_MIGRATED when its schema is not at the
    latest migration (an empty database, or `flask db upgrade` not yet run for this code)."""
    try:
        session.execute(text("SELECT 1"))
        # Looked up before it is read: a failed SELECT would leave PostgreSQL's transaction aborted.
        if not inspect(session.connection()).has_table("alembic_version"):
            return NOT_MIGRATED
        applied = frozenset(session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:
        return UNREACHABLE  # /healthz answers 503, and the request's unit of work rolls back
    return OK if applied == migration_heads(migrations_directory) else NOT_MIGRATED
