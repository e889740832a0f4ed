"""Times are stored in UTC and shown in UK local time (GMT or BST, whichever was in force then)."""

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
DEFAULT_FORMAT = "%-d %b %Y %H:%M"


def local(value: datetime | date | None, fmt: str = DEFAULT_FORMAT) -> str:
    """A stored time as UK local time; a naive datetime is taken as UTC (as SQLite returns them)."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.strftime(fmt if "%H" not in fmt else "%-d %b %Y")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(UK).strftime(fmt)
