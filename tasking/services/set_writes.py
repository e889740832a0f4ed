"""Many rows of one table written as one statement: on PostgreSQL the rows travel as one JSON
document (serialised by orjson) that `json_to_recordset` turns back into typed rows, so a batch of
500 costs one parse, one plan and one round trip instead of 500 (an executemany, even pipelined,
executes every row as its own statement: about a tenth of a millisecond each on the server, which
was most of a 10,000-review sweep; arrays per column cost as much again in the driver's quoting).
SQLite keeps the executemany, which costs it nothing like as much.

Values must be what JSON carries or orjson writes as the column expects: numbers, strings, booleans,
None, aware datetimes (RFC 3339 with their offset), dates, and dicts or lists for JSON columns. All
rows of one call must have the same keys."""

from collections.abc import Sequence

import orjson
from sqlalchemy import Table, bindparam, text, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _recordset(session: Session, table: Table, names: Sequence[str], rows: Sequence[dict]) -> tuple[str, dict]:
    """`json_to_recordset(...) AS new(column type, ...)` over the rows, and its one parameter."""
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(f"{quote(name)} {table.c[name].type.compile(dialect=dialect)}" for name in names)
    document = orjson.dumps([{name: row[name] for name in names} for row in rows]).decode()
    return f"json_to_recordset(CAST(:rows AS json)) AS new({columns})", {"rows": document}


def insert_all(session: Session, table: Table, rows: Sequence[dict], *, skip_conflicts_on: str | None = None) -> None:
    """Insert the rows in the caller's transaction; with `skip_conflicts_on`, a row whose value of
    that uniquely indexed column is already there is left out (ON CONFLICT DO NOTHING)."""
    if not rows:
        return
    if not _postgresql(session):
        statement = sqlite.insert(table)
        if skip_conflicts_on:
            statement = statement.on_conflict_do_nothing(index_elements=[skip_conflicts_on])
        session.execute(statement, list(rows))
        return
    quote = session.get_bind().dialect.identifier_preparer.quote
    names = list(rows[0])
    source, params = _recordset(session, table, names, rows)
    listed = ", ".join(quote(n) for n in names)
    sql = f"INSERT INTO {quote(table.name)} ({listed}) SELECT {listed} FROM {source}"
    if skip_conflicts_on:
        sql += f" ON CONFLICT ({quote(skip_conflicts_on)}) DO NOTHING"
    session.execute(text(sql), params)


def update_all(session: Session, table: Table, key: str, rows: Sequence[dict]) -> None:
    """Set each row's other columns where `key` (a unique column) has the row's value."""
    if not rows:
        return
    names = [name for name in rows[0] if name != key]
    if not _postgresql(session):
        statement = (
            update(table)
            .where(table.c[key] == bindparam("k_"))
            .values({name: bindparam(f"v_{name}") for name in names})
        )
        session.execute(statement, [{"k_": row[key], **{f"v_{n}": row[n] for n in names}} for row in rows])
        return
    quote = session.get_bind().dialect.identifier_preparer.quote
    source, params = _recordset(session, table, [key, *names], rows)
    sets = ", ".join(f"{quote(name)} = new.{quote(name)}" for name in names)
    sql = (
        f"UPDATE {quote(table.name)} SET {sets} FROM {source} WHERE {quote(table.name)}.{quote(key)} = new.{quote(key)}"
    )
    session.execute(text(sql), params)
