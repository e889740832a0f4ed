"""`column IN (ids)` for a set of ids of any size."""

from collections.abc import Collection

from sqlalchemy import Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def among(session: Session, column, ids: Collection[int], *, name: str = "ids"):
    """On PostgreSQL one array parameter (`= ANY(:ids)`): the statement's text stays the same whatever
    the number of ids, so it is prepared once, and thousands of ids are not thousands of parameters to
    send and plan. SQLite has no arrays: an expanding IN."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(name, sorted(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def among_parameter(postgres: bool, column, name: str = "ids"):
    """`among` for a statement built once: the ids arrive as the parameter `name` when it runs, as
    the list `id_list` makes (an array on PostgreSQL, an expanding IN on SQLite)."""
    if postgres:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


def id_list(ids: Collection[int]) -> list[int]:
    return sorted(ids)
