"""Keyset pagination: a page is the rows after an opaque cursor, so rows changing between pages
are never skipped (an offset would skip one for every row that moved)."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, bindparam, or_

from tasking.domain.errors import ValidationFailed


@dataclass
class Page:
    items: list
    next_cursor: str | None


def encode_cursor(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values])  # datetimes are dates too
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kinds: tuple[type, ...]) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError
        return [
            datetime.fromisoformat(v) if kind is datetime else date.fromisoformat(v) if kind is date else kind(v)
            for v, kind in zip(values, kinds, strict=True)
        ]
    except (ValueError, TypeError, RecursionError, binascii.Error, json.JSONDecodeError):  # nested too deep
        raise ValidationFailed(
            "The cursor is not one this service gave out.", {"cursor": ["Invalid cursor."]}
        ) from None


def paginate(session, stmt: Select, order: list, *, cursor: str | None, size: int) -> Page:
    """`order` is a list of (column, descending); the last column must be unique (the primary key)."""
    columns = [column for column, _ in order]
    if cursor:
        values = decode_cursor(cursor, tuple(_python_type(c) for c in columns))
        stmt = stmt.where(_after(order, values))
    rows = list(session.scalars(stmt.order_by(*[c.desc() if d else c.asc() for c, d in order]).limit(size + 1)))
    has_more = len(rows) > size
    rows = rows[:size]
    next_cursor = encode_cursor([getattr(rows[-1], c.key) for c in columns]) if has_more else None
    return Page(items=rows, next_cursor=next_cursor)


def paginate_rows(session, stmt: Select, order: list, *, cursor: str | None, size: int, keys: list[str]) -> Page:
    """`paginate` for a select of columns built afresh each time (Keyset, for one built once): the
    items are row mappings, and `keys` name the columns of each row that make its cursor (in
    `order`'s order), so that a cursor is the same whichever of the two made it."""
    keyset = Keyset(tuple(order), tuple(keys))
    # Executed as Core on the session's connection (same transaction): plain rows need none of the
    # ORM's result machinery, which cost more than the query on a polled page of 50.
    rows = session.connection().execute(keyset.statement(stmt, after=bool(cursor)), keyset.parameters(cursor, size))
    return keyset.page(rows.mappings().all(), size)


@dataclass(frozen=True, eq=False)
class Keyset:
    """A page order for statements built once and run many times (the lists people poll): the
    ORDER BY, LIMIT and "after the cursor" condition are bound parameters, not values, so the
    statement a request runs is the same object every time. SQLAlchemy then reuses its cache key,
    compiled form and result metadata instead of building and walking the statement afresh, which
    cost more than running it (docs/performance.md, "Statements built once").

    `order` is (column, descending) pairs, the last unique; `keys` name the row's columns that make
    the cursor, in `order`'s order."""

    order: tuple
    keys: tuple[str, ...]

    def statement(self, stmt: Select, *, after: bool) -> Select:
        """`stmt` ordered and limited, and narrowed to after the cursor if `after`: call once per
        shape and keep the result (each call builds a new statement)."""
        if after:
            values = [bindparam(f"after_{i}", type_=column.type) for i, (column, _) in enumerate(self.order)]
            stmt = stmt.where(_after(self.order, values))
        return stmt.order_by(*[c.desc() if d else c.asc() for c, d in self.order]).limit(bindparam("page_limit"))

    def parameters(self, cursor: str | None, size: int) -> dict:
        """The parameters of `statement(..., after=bool(cursor))` for this page."""
        params: dict = {"page_limit": size + 1}
        if cursor:
            kinds = tuple(_python_type(column) for column, _ in self.order)
            params.update((f"after_{i}", value) for i, value in enumerate(decode_cursor(cursor, kinds)))
        return params

    def page(self, rows: Sequence, size: int) -> Page:
        """The page of `rows` (fetched with parameters(..., size)) and the cursor after it."""
        items = list(rows[:size])
        next_cursor = encode_cursor([items[-1][key] for key in self.keys]) if len(rows) > size else None
        return Page(items=items, next_cursor=next_cursor)


def _after(order, values):
    # Rows strictly after the cursor in the sort order, spelled out term by term so that each
    # column may sort its own way.
    clauses = []
    for i, (column, descending) in enumerate(order):
        equal_prefix = [order[j][0] == values[j] for j in range(i)]
        beyond = column < values[i] if descending else column > values[i]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


def _python_type(column) -> type:
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    return datetime if issubclass(python_type, datetime) else python_type
