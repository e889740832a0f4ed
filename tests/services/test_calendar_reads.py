"""The working calendar is read once per transaction (raising a case needs it for its review date and
again for its clocks), and a local holiday added or removed in that transaction is counted at once."""

from datetime import date, datetime, timezone

from sqlalchemy import select

from tasking.domain.policy import Policy
from tasking.models import LocalHoliday
from tasking.services import calendar
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
# A Wednesday that is no bank holiday.
DAY = date(2027, 3, 10)


def _holiday_reads(seen):
    return [s for s in seen if "FROM local_holidays" in s]


def test_one_read_a_transaction_and_a_change_is_seen_at_once(session, make_user, counter):
    admin = principal_for(make_user("admin"))
    with counter() as seen, unit_of_work(session):
        first = calendar.working_calendar(session, Policy())
        again = calendar.working_calendar(session, Policy())
        assert again is first and first.is_working_day(DAY)
        assert len(_holiday_reads(seen)) == 1
        calendar.add_local_holiday(session, admin, DAY, "Borough day", now=NOW, policy=Policy())
        assert not calendar.working_calendar(session, Policy()).is_working_day(DAY)
    with counter() as seen, unit_of_work(session):
        assert not calendar.working_calendar(session, Policy()).is_working_day(DAY)  # a new transaction reads again
        assert len(_holiday_reads(seen)) == 1
        holiday = session.scalar(select(LocalHoliday).where(LocalHoliday.day == DAY))
        calendar.remove_local_holiday(session, admin, holiday.id, now=NOW)
        assert calendar.working_calendar(session, Policy()).is_working_day(DAY)
