"""The one place the web layers read the time; services are handed `now` instead."""

from datetime import date, datetime, timezone

from tasking.domain.money import uk_date


def now() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    """Today in the UK, where the council's days and financial years turn (not UTC's date, which
    lags by an hour all summer)."""
    return uk_date(now())
