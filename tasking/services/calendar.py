"""The working-day calendar the deadlines count in: the bank holidays of the configured division
(from the `holidays` library, which ships its data, so nothing is fetched at run time) and the local
holidays admins add (docs/deadlines.md)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays as bank_holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain.errors import Conflict, NotFound, ValidationFailed
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.working_days import WorkingCalendar, WorkingHours
from tasking.models import LocalHoliday
from tasking.services import audit

# The library's subdivisions of the United Kingdom; England and Wales share their bank holidays.
_SUBDIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}
# Years the calendar knows: from well before any case to well after any deadline.
_FIRST_YEAR, _LAST_YEAR = 2000, 2099


@lru_cache(maxsize=4)
def _bank_holidays(division: str) -> frozenset[date]:
    found = bank_holidays.country_holidays(
        "GB", subdiv=_SUBDIVISIONS[division], years=range(_FIRST_YEAR, _LAST_YEAR + 1)
    )
    return frozenset(found.keys())


def prepare(policy: Policy) -> None:
    """Build the bank holidays now, at a worker's start, not in the first request that counts working
    days: the library imports every country's module on first use, about 100 ms of a worker's first
    raised case (issue 22, B8's p99)."""
    _bank_holidays(policy.holiday_division)


def bank_holidays_between(division: str, start: date, end: date) -> list[tuple[date, str]]:
    found = bank_holidays.country_holidays("GB", subdiv=_SUBDIVISIONS[division], years=range(start.year, end.year + 1))
    return sorted((day, name) for day, name in found.items() if start <= day <= end)


# Where a transaction keeps the calendar it has read (session.info).
_READ = "tasking.working_calendar"


def working_calendar(session: Session, policy: Policy) -> WorkingCalendar:
    """The calendar as it stands: one small query for the local holidays, once per transaction (raising
    a case asks for it twice, for its review date and for its clocks). Adding or removing a local
    holiday forgets it, so a transaction that changes the days reads them again."""
    transaction = session.connection().get_transaction()
    kept = session.info.get(_READ)
    if kept is not None and kept[0] is transaction and kept[1] == policy:
        return kept[2]
    calendar = calendar_with(session.scalars(select(LocalHoliday.day)).all(), policy)
    session.info[_READ] = (transaction, policy, calendar)
    return calendar


def calendar_with(local_holidays: Iterable[date], policy: Policy) -> WorkingCalendar:
    """The calendar from local holidays a caller has read already (the case page reads them with its
    other lists, in the same statement)."""
    return WorkingCalendar(_bank_holidays(policy.holiday_division) | set(local_holidays), policy.working_hours)


# The longest stretch one read of the calendar covers.
LONGEST_READ_DAYS = 3 * 366


@dataclass(frozen=True)
class CalendarDay:
    day: date
    name: str
    kind: str  # "bank" or "local"
    id: int | None = None  # a local holiday's, to remove it by


@dataclass(frozen=True)
class CalendarView:
    division: str
    hours: WorkingHours
    start: date
    end: date
    holidays: list[CalendarDay]


def calendar_between(session: Session, principal: Principal, start: date, end: date, *, policy: Policy) -> CalendarView:
    """The days off from `start` to `end` (both included): the division's bank holidays and the local
    holidays, in date order, with the working hours the deadlines count in."""
    require(principal, "calendar.read")
    if end < start:
        raise ValidationFailed("The end is before the start.", field="end", code="end_before_start")
    if (end - start).days > LONGEST_READ_DAYS:
        raise ValidationFailed("Ask for at most three years at a time.", field="end", code="span_too_long")
    if start.year < _FIRST_YEAR or end.year > _LAST_YEAR:
        raise ValidationFailed(
            f"The calendar covers {_FIRST_YEAR} to {_LAST_YEAR}.", field="start", code="outside_calendar"
        )
    days = [CalendarDay(day, name, "bank") for day, name in bank_holidays_between(policy.holiday_division, start, end)]
    local = session.scalars(
        select(LocalHoliday).where(LocalHoliday.day >= start, LocalHoliday.day <= end).order_by(LocalHoliday.day)
    )
    days += [CalendarDay(h.day, h.name, "local", h.id) for h in local]
    days.sort(key=lambda d: (d.day, d.kind))
    return CalendarView(policy.holiday_division, policy.working_hours, start, end, days)


def list_local_holidays(session: Session, principal: Principal) -> list[LocalHoliday]:
    require(principal, "calendar.read")
    return list(session.scalars(select(LocalHoliday).order_by(LocalHoliday.day)))


def add_local_holiday(
    session: Session, principal: Principal, day: date, name: str, *, now: datetime, policy: Policy
) -> LocalHoliday:
    """A day the offices close besides the bank holidays. Clocks already running keep the due
    times they have; clocks started or resumed from now on count it (docs/deadlines.md)."""
    require(principal, "calendar.manage")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Say what the holiday is.", field="name", code="name_required")
    if len(name) > 120:
        raise ValidationFailed("A holiday's name is at most 120 characters.", field="name")
    if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
        raise ValidationFailed(
            f"A local holiday is a day from {_FIRST_YEAR} to {_LAST_YEAR}.", field="date", code="out_of_range"
        )
    if day.weekday() >= 5:
        raise ValidationFailed(
            f"{day:%A %-d %B %Y} is a weekend day: no one works it anyway.", field="date", code="not_a_working_day"
        )
    if day in _bank_holidays(policy.holiday_division):
        raise ValidationFailed(f"{day:%-d %B %Y} is already a bank holiday.", field="date", code="bank_holiday")
    if session.scalar(select(LocalHoliday.id).where(LocalHoliday.day == day)) is not None:
        raise Conflict(f"{day:%-d %B %Y} is already a local holiday.", code="holiday_exists")
    holiday = LocalHoliday(day=day, name=name, added_by_id=principal.user_id, created_at=now)
    session.add(holiday)
    session.info.pop(_READ, None)
    session.flush()
    audit.record(
        session,
        principal,
        "holiday.added",
        "local_holiday",
        holiday.id,
        now=now,
        after={"day": day.isoformat(), "name": name},
    )
    return holiday


def remove_local_holiday(session: Session, principal: Principal, holiday_id: int, *, now: datetime) -> None:
    require(principal, "calendar.manage")
    holiday = session.get(LocalHoliday, holiday_id)
    if holiday is None:
        raise NotFound("No such local holiday.")
    audit.record(
        session,
        principal,
        "holiday.removed",
        "local_holiday",
        holiday.id,
        now=now,
        before={"day": holiday.day.isoformat(), "name": holiday.name},
    )
    session.delete(holiday)
    session.info.pop(_READ, None)
