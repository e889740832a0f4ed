"""Generated rows as columns, written in bulk in the session's transaction: COPY text on PostgreSQL,
executemany on SQLite (tasking/services/generator.py makes them).

A batch holds each column whole (NumPy arrays, or codes into a short list of values), so that on
PostgreSQL a row costs one `%` formatting of a few Python ints and pre-rendered strings, not a Python
object per value: the categorical columns are rendered once per distinct value, the timestamps from
a table of days and a table of times of day.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

NULL = "\\N"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_TIMES_OF_DAY = np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86_400)], dtype=object)


@dataclass(frozen=True)
class Ints:
    """Whole numbers, none missing."""

    values: np.ndarray


@dataclass(frozen=True)
class Choice:
    """One of a few values per row (None allowed), as codes into `options`."""

    codes: np.ndarray
    options: Sequence[Any]


@dataclass(frozen=True)
class Stamps:
    """UTC instants as whole seconds since 1970; rows where `missing` is true are NULL."""

    seconds: np.ndarray
    missing: np.ndarray | None = None


@dataclass(frozen=True)
class Days:
    """Calendar days as days since 1970."""

    days: np.ndarray


@dataclass(frozen=True)
class Text:
    """A string made per row by `template % (parts...)`; each part an Ints or a Choice of strings.
    `json` marks a JSON document (COPY takes its text; SQLite is handed the parsed document)."""

    template: str
    parts: tuple[Any, ...]
    json: bool = False


@dataclass(frozen=True)
class Same:
    """One value for every row."""

    value: Any


Column = Ints | Choice | Stamps | Days | Text | Same


@dataclass
class Rows:
    """`count` rows of one table, column by column (each column one of the kinds above)."""

    table: Any  # a model's __table__
    count: int
    columns: dict[str, Any]


@dataclass(frozen=True)
class Copy:
    """One table's rows of a batch, ready to send: the COPY statement and its text."""

    statement: str
    data: bytes


Prepared = list[Rows] | list[Copy]


def prepare(batch: Sequence[Rows], dialect: str) -> Prepared:
    """What write() sends: the rows themselves for SQLite, COPY text for PostgreSQL (the slow part,
    which can run while the previous batch is being written)."""
    if dialect != "postgresql":
        return list(batch)
    return [
        Copy(f"COPY {rows.table.name} ({', '.join(rows.columns)}) FROM STDIN", copy_text(rows))
        for rows in batch
        if rows.count
    ]


def write(session: Session, prepared: Prepared) -> None:
    """A prepared batch, parents before children, in the session's transaction."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        for rows in prepared:
            assert isinstance(rows, Rows)
            if rows.count:
                session.execute(rows.table.insert(), _dicts(rows))
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # the session's connection is checked out
    with driver.cursor() as cursor:
        for item in prepared:
            assert isinstance(item, Copy)
            with cursor.copy(item.statement) as copy:
                copy.write(item.data)


def copy_text(rows: Rows) -> bytes:
    """The rows in COPY's text format. Neighbouring Choice columns go out as one piece: their
    combinations that occur are rendered once each."""
    fragments: list[str] = []
    arguments: list[list] = []
    group: list[Choice] = []

    def flush() -> None:
        if group:
            fragments.append("%s")
            arguments.append(_combined(group, rows.count))
            group.clear()

    for column in rows.columns.values():
        if isinstance(column, Choice):
            group.append(column)
            continue
        flush()
        fragment, pieces = _copy_pieces(column, rows.count)
        fragments.append(fragment)
        arguments.extend(pieces)
    flush()
    template = "\t".join(fragments)
    if not arguments:
        return ((template % ()) + "\n").encode() * rows.count
    lines = map(template.__mod__, zip(*arguments, strict=True))
    return ("\n".join(lines) + "\n").encode()


def _combined(group: list[Choice], count: int) -> list:
    """Each row's values of these Choice columns as one tab-separated piece."""
    rendered = [np.array([_copy_value(option) for option in column.options], dtype=object) for column in group]
    if len(group) == 1:
        return rendered[0][group[0].codes].tolist()
    key = np.zeros(count, dtype=np.int64)
    for column in group:
        key = key * len(column.options) + column.codes
    unique, inverse = np.unique(key, return_inverse=True)
    codes = []
    for column in reversed(group):
        unique, code = np.divmod(unique, len(column.options))
        codes.append(code)
    columns = [table[code] for table, code in zip(rendered, reversed(codes), strict=True)]
    pieces = np.array(["\t".join(values) for values in zip(*columns, strict=True)], dtype=object)
    return pieces[inverse.reshape(-1)].tolist()


def _copy_pieces(column: Column, count: int) -> tuple[str, list[list]]:
    if isinstance(column, Same):
        return _literal(column.value), []
    if isinstance(column, Ints):
        return "%d", [column.values.tolist()]
    if isinstance(column, Choice):
        rendered = np.array([_copy_value(option) for option in column.options], dtype=object)
        return "%s", [rendered[column.codes].tolist()]
    if isinstance(column, Stamps):
        days, seconds = np.divmod(column.seconds, 86_400)
        first = int(days.min()) if count else 0
        table = np.array(
            [
                (date(1970, 1, 1) + timedelta(days=first + d)).isoformat() + " "
                for d in range(int(days.max()) - first + 1)
            ]
            + [NULL],
            dtype=object,
        )
        day_codes = days - first
        times = _TIMES_OF_DAY[seconds]
        if column.missing is not None:
            day_codes = np.where(column.missing, len(table) - 1, day_codes)
            times = np.where(column.missing, "", times)
        return "%s%s", [table[day_codes].tolist(), times.tolist()]
    if isinstance(column, Days):
        first = int(column.days.min()) if count else 0
        table = np.array(
            [
                (date(1970, 1, 1) + timedelta(days=first + d)).isoformat()
                for d in range(int(column.days.max()) - first + 1)
            ],
            dtype=object,
        )
        return "%s", [table[column.days - first].tolist()]
    pieces = []
    for part in column.parts:
        if isinstance(part, Ints):
            pieces.append(part.values.tolist())
        else:
            pieces.append(np.array(part.options, dtype=object)[part.codes].tolist())
    return column.template, pieces


def _literal(value: Any) -> str:
    return _copy_value(value).replace("%", "%%")


def _copy_value(value: Any) -> str:
    """One value as COPY's text format spells it. Generated text never holds a tab, newline or
    backslash except where escaped here."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    elif isinstance(value, (datetime, date)):
        value = value.isoformat()
    elif not isinstance(value, str):
        value = str(value)  # int, Fraction
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _dicts(rows: Rows) -> list[dict[str, Any]]:
    """The rows as SQLAlchemy takes them, values typed as the models type them."""
    values = {name: _python_values(column, rows.count) for name, column in rows.columns.items()}
    return [dict(zip(values, row, strict=True)) for row in zip(*values.values(), strict=True)]


def _python_values(column: Column, count: int) -> list:
    if isinstance(column, Same):
        return [column.value] * count
    if isinstance(column, Ints):
        return column.values.tolist()
    if isinstance(column, Choice):
        return [column.options[code] for code in column.codes.tolist()]
    if isinstance(column, Stamps):
        missing = column.missing.tolist() if column.missing is not None else [False] * count
        return [
            None if gone else EPOCH + timedelta(seconds=s)
            for s, gone in zip(column.seconds.tolist(), missing, strict=True)
        ]
    if isinstance(column, Days):
        return [date(1970, 1, 1) + timedelta(days=d) for d in column.days.tolist()]
    parts = [
        part.values.tolist() if isinstance(part, Ints) else [part.options[c] for c in part.codes.tolist()]
        for part in column.parts
    ]
    texts = [column.template % row for row in zip(*parts, strict=True)] if parts else [column.template] * count
    return [json.loads(t) for t in texts] if column.json else texts


__all__ = ["Choice", "Copy", "Days", "Ints", "Rows", "Same", "Stamps", "Text", "copy_text", "prepare", "write"]
