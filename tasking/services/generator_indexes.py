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

The foreign keys go back NOT VALID in that transaction, which PostgreSQL enforces on every row
written from then on, and validate() checks the loaded rows against them after the commit, two
tables at a time on connections of their own: PostgreSQL runs each check (one anti-join) on a
single core, and a million-case load has 18 of them, 10 s one after another on this machine's two
cores. Until a check has passed its constraint stays NOT VALID, so a load whose checks are
interrupted leaves constraints that still hold for new rows and say they were not checked.
"""

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tasking.domain.errors import TaskingError

# Opens a unit of work on a connection of its own and commits it on leaving (the caller's: a
# command passes its engine's begin).
ConnectionUnits = Callable[[], AbstractContextManager[Connection]]

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


# The planner's count of each table's rows, by the names _CONSTRAINTS gives them.
_ROWS = text(
    "SELECT t, (SELECT reltuples FROM pg_class WHERE oid = CAST(t AS regclass)) FROM unnest(CAST(:tables AS text[])) t"
)
FOREIGN_KEY = "f"
# Checks of the loaded rows against their foreign keys that run at once (validate()): one per core.
VALIDATORS = 2


@dataclass(frozen=True)
class Deferred:
    """What was dropped, as the statements that make it again, in order."""

    indexes: list[tuple[str, str]]  # (qualified name, CREATE INDEX ...)
    constraints: list[tuple[str, str, str, str]]  # (qualified table, quoted name, definition, kind)

    def index_statements(self) -> list[str]:
        return [definition for _, definition in self.indexes]

    def constraint_statements(self) -> list[str]:
        """Unique constraints as they were; foreign keys NOT VALID, for validate() to check."""
        return [
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" + (" NOT VALID" if kind == FOREIGN_KEY else "")
            for table, name, definition, kind in self.constraints
        ]

    def foreign_keys(self) -> dict[str, list[str]]:
        """The foreign keys to validate, by qualified table."""
        found: dict[str, list[str]] = {}
        for table, name, _, kind in self.constraints:
            if kind == FOREIGN_KEY:
                found.setdefault(table, []).append(name)
        return found


def schema_of(session: Session, tables: Sequence[str]) -> Deferred:
    """The secondary indexes, unique constraints and foreign keys of these tables, as they stand."""
    indexes = [(name, definition) for name, definition in session.execute(_INDEXES, {"tables": list(tables)})]
    constraints = [
        (table, name, definition.removesuffix(" NOT VALID"), kind)
        for table, name, definition, kind in session.execute(_CONSTRAINTS, {"tables": list(tables)})
    ]
    return Deferred(indexes, constraints)


@contextmanager
def deferred(session: Session, tables: Sequence[str]) -> Iterator[Deferred]:
    """Drop the tables' secondary indexes and foreign keys for the block, then build the indexes
    again, refresh the planner's statistics and add the constraints back, the foreign keys NOT VALID
    (validate() checks them once the caller has committed). The statistics come before the
    constraints because each constraint's check is a query planned on them: on the statistics of
    before the load, checking the audit events' key to a million cases took 2.2 s, on fresh ones 1.2 s.
    Only the caller's transaction makes this safe: if the block raises, nothing is rebuilt here and
    the rollback brings everything back."""
    found = schema_of(session, tables)
    for table, name, _, _ in reversed(found.constraints):
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


def validate(units: ConnectionUnits, found: Deferred, workers: int = VALIDATORS) -> None:
    """Check the committed rows against the foreign keys deferred() added NOT VALID, each check in a
    unit of work of its own (`units()` opens one on a connection of its own and commits it), `workers`
    tables at a time: the largest first, one table's keys after another on one connection (a check
    locks its table against another check of it). Every key is checked; if any fails, raises one
    error naming each key that stays NOT VALID."""
    pending = found.foreign_keys()
    if not pending:
        return
    with units() as connection:
        rows: dict[str, float] = dict(connection.execute(_ROWS, {"tables": list(pending)}).tuples().all())
    # Longest first: the work is shared out as evenly as a greedy queue can.
    order = sorted(pending, key=lambda table: rows.get(table, 0) * len(pending[table]), reverse=True)

    def check(table: str) -> dict[str, str]:
        failed = {}
        for name in pending[table]:
            try:
                with units() as connection:
                    connection.execute(text("SET LOCAL statement_timeout = 0"))
                    connection.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
                    connection.execute(text(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}"))
            except DBAPIError as error:  # the rest are still checked
                failed[f"{table}.{name}"] = str(error.orig).strip()
        return failed

    with ThreadPoolExecutor(max_workers=workers) as pool:
        checks = [pool.submit(check, table) for table in order]
    failed = {key: reason for done in checks for key, reason in done.result().items()}
    if failed:
        raise TaskingError(
            "The generated rows were written, but these foreign keys do not hold for all of them and stay "
            "NOT VALID (still enforced for every new row): " + ", ".join(sorted(failed)),
            {key: [reason] for key, reason in failed.items()},
            code="foreign_keys_not_valid",
        )
