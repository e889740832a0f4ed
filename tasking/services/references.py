"""Numbering cases: the next value of an area's counter for a year, safe under concurrent writers."""

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasking.domain.references import format_reference
from tasking.models import Area, CaseSequence


def next_reference(session: Session, area: Area, year: int) -> str:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(CaseSequence)
        .values(area_id=area.id, year=year, last_value=0)
        .on_conflict_do_nothing(index_elements=["area_id", "year"])
    )
    # UPDATE ... RETURNING takes the row lock (PostgreSQL) or the write lock (SQLite) before it
    # reads, so two transactions can never be handed the same number.
    value = session.execute(
        update(CaseSequence)
        .where(CaseSequence.area_id == area.id, CaseSequence.year == year)
        .values(last_value=CaseSequence.last_value + 1)
        .returning(CaseSequence.last_value)
    ).scalar_one()
    return format_reference(area.code, year, value)
