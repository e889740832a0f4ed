"""A large PostgreSQL load without its secondary indexes and foreign keys: built once over the
loaded rows afterwards (a sort per index, one anti-join per foreign key) instead of maintained row
by row through COPY.

What is dropped is read from the catalogue at the time, so it is exactly what the migrations made
then, and it is made again with the same names and definitions (pg_get_indexdef,
pg_get_constraintdef). Primary keys stay (ids arrive in order, so keeping them is cheap, and other
tables' foreign keys hang on them), as do check constraints (checked per row at no real cost) and
any unique constraint another table's foreign key depends on.

PostgreSQL's DDL is transactional: the caller runs the drop, the load and the rebuild in one
transaction, so a load that fails anywhere rolls back to the schema, and the rows, it started from.
Dropping takes ACCESS EXCLUSIVE locks on the loaded tables and those their foreign keys point at
until the commit: a bulk load is for a database nobody is using.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

# Enough to sort each index of a million-case load in memory.
MAINTENANCE_WORK_MEM = "1GB"
# Enough for each foreign key's check (an anti-join of the loaded rows with the rows they point at)
# to hash the parent's ids in memory: at the default 4MB it spills to disk in batches, and checking
# the audit events' key to a million cases took 0.95 s instead of 0.74 s.
WORK_MEM = "256MB"

_INDEXES = text(
    """
    SELECT format('%I.%I', n.nspname, c.relname), pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) AND NOT i.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype <> 'f')
    ORDER BY t.relname, c.relname
    """
)
# Unique (and exclusion) constraints first, foreign keys last: dropped in reverse.
_CONSTRAINTS = text(
    """
    SELECT format('%I.%I', n.nspname, t.relname), format('%I', k.conname), pg_get_constraintdef(k.oid), k.contype
    FROM pg_constraint k
    JOIN pg_class t ON t.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = ANY(:tables) AND k.contype IN ('u', 'x', 'f')
      AND NOT (k.contype IN ('u', 'x') AND EXISTS (
          SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid))
    ORDER BY k.contype = 'f', t.relname, k.conname
    """
)


@dataclass(frozen=True)
class Deferred:
    """What was dropped, as the statements that make it again, in order."""

    indexes: list[tuple[str, str]]  # (qualified name, CREATE INDEX ...)
    constraints: list[tuple[str, str, str]]  # (qualified table, quoted name, definition)

    def index_statements(self) -> list[str]:
        return [definition for _, definition in self.indexes]

    def constraint_statements(self) -> list[str]:
        return [
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in self.constraints
        ]


def schema_of(session: Session, tables: Sequence[str]) -> Deferred:
    """The secondary indexes, unique constraints and foreign keys of these tables, as they stand."""
    indexes = [(name, definition) for name, definition in session.execute(_INDEXES, {"tables": list(tables)})]
    constraints = [
        (table, name, definition)
        for table, name, definition, _ in session.execute(_CONSTRAINTS, {"tables": list(tables)})
    ]
    return Deferred(indexes, constraints)


@contextmanager
def deferred(session: Session, tables: Sequence[str]) -> Iterator[Deferred]:
    """Drop the tables' secondary indexes and foreign keys for the block, then build the indexes
    again, refresh the planner's statistics and add the constraints back. The statistics come before
    the constraints because each constraint's check is a query planned on them: on the statistics of
    before the load, checking the audit events' key to a million cases took 2.2 s, on fresh ones 1.2 s.
    Only the caller's transaction makes this safe: if the block raises, nothing is rebuilt here and
    the rollback brings everything back."""
    found = schema_of(session, tables)
    for table, name, _ in reversed(found.constraints):
        session.execute(text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    for name, _ in found.indexes:
        session.execute(text(f"DROP INDEX {name}"))
    yield found
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'"))
    session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    for statement in found.index_statements():
        session.execute(text(statement))
    for table in tables:
        session.execute(text(f"ANALYZE {table}"))
    for statement in found.constraint_statements():
        session.execute(text(statement))
