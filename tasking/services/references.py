"""Numbering cases: the next value of an area's counter for a year, safe under concurrent writers."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasking.domain.references import format_reference
from tasking.models import Area, CaseSequence


def next_reference(session: Session, area: Area, year: int) -> str:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(CaseSequence).values(area_id=area.id, year=year, last_value=1)
    # One statement: the upsert takes the row lock (PostgreSQL) or the write lock (SQLite) before it
    # reads, so two transactions can never be handed the same number, and the lock is taken as late
    # and held as briefly as the raiser allows (it lasts until the commit).
    value = session.execute(
        statement.on_conflict_do_update(
            index_elements=["area_id", "year"], set_={"last_value": CaseSequence.last_value + 1}
        ).returning(CaseSequence.last_value)
    ).scalar_one()
    return format_reference(area.code, year, value)
