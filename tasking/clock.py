"""The one place the web layers read the time; services are handed `now` instead."""

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)
