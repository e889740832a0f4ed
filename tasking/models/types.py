"""Column types shared by the models."""

from datetime import datetime, timezone
from fractions import Fraction

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

# JSONB on PostgreSQL (indexable, compact); plain JSON text on SQLite.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, whatever the database keeps.

    SQLite has no time zones, so values are stored as naive UTC there; a naive value coming in
    from code is a bug, so it is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self):
        return datetime

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: tasking stores UTC and needs an aware value")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class FractionText(TypeDecorator):
    """An exact rational number (a probability, a share) kept as its lowest terms, "1/6" or "1":
    a decimal column would round one in six (docs/money.md, "Exact inputs")."""

    impl = String(40)
    cache_ok = True

    @property
    def python_type(self):
        return Fraction

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Fraction):
            raise TypeError(f"a share is a Fraction, not {type(value).__name__}")
        return str(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Fraction(value)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
