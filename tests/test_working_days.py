"""The working-day calendar the deadlines count in (issue 21, acceptance 1; docs/deadlines.md): bank
holidays of the division across Christmas 2026 and Easter 2027, the clocks changing, local holidays
an admin adds, and the other divisions' own days. Times given here are UK local time."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tasking.domain.working_days import WorkingCalendar, WorkingHours
from tasking.services.calendar import bank_holidays_between

UK = ZoneInfo("Europe/London")
HOUR = 3600
DAY = 8 * HOUR


def uk(year, month, day, hour=10, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UK)


def calendar(division="england-and-wales", extra=(), hours=None) -> WorkingCalendar:
    days = {day for day, _ in bank_holidays_between(division, date(2026, 1, 1), date(2027, 12, 31))}
    return WorkingCalendar(days | set(extra), hours)


def test_christmas_2026_boxing_day_is_observed_on_the_monday_and_new_year_is_a_friday():
    found = dict(bank_holidays_between("england-and-wales", date(2026, 12, 20), date(2027, 1, 5)))
    assert set(found) == {date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28), date(2027, 1, 1)}
    assert found[date(2026, 12, 28)] == "Boxing Day (observed)"
    working = [d for d in (date(2026, 12, day) for day in range(23, 32)) if calendar().is_working_day(d)]
    assert working == [
        date(2026, 12, 23),
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
    ]


def test_ten_working_days_from_23_december_2026_fall_on_11_january_2027():
    # 24, 29, 30, 31 Dec; 4, 5, 6, 7, 8, 11 Jan: Christmas, Boxing Day observed and New Year skipped.
    due = calendar().due(uk(2026, 12, 23), 10)
    assert due.astimezone(UK) == uk(2027, 1, 11)
    assert calendar().working_days_after(date(2026, 12, 23), 10) == date(2027, 1, 11)
    assert calendar().working_days_between(date(2026, 12, 23), date(2027, 1, 11)) == 10


def test_easter_2027_skips_good_friday_and_easter_monday_and_the_clocks_going_forward():
    assert dict(bank_holidays_between("england-and-wales", date(2027, 3, 20), date(2027, 4, 5))) == {
        date(2027, 3, 26): "Good Friday",
        date(2027, 3, 29): "Easter Monday",
    }
    # Raised on Maundy Thursday at 10:00 GMT; the clocks go forward on Sunday 28 March; one working day
    # later is Tuesday 30 March at 10:00 BST, which is 09:00 UTC: whole working hours, in UK time.
    due = calendar().due(uk(2027, 3, 25), 1)
    assert due.astimezone(UK) == uk(2027, 3, 30)
    assert due == datetime(2027, 3, 30, 9, tzinfo=UTC)
    assert calendar().working_seconds_between(uk(2027, 3, 25), due) == DAY


def test_the_clocks_going_back_count_working_hours_not_elapsed_hours():
    # BST ends on Sunday 25 October 2026: 73 hours pass, 8 of them working hours.
    start, due = uk(2026, 10, 23, 16), calendar().due(uk(2026, 10, 23, 16), 1)
    assert due.astimezone(UK) == uk(2026, 10, 26, 16)
    assert (due - start).total_seconds() == 73 * HOUR
    assert calendar().working_seconds_between(start, due) == DAY


def test_a_request_raised_out_of_hours_starts_counting_at_the_next_opening():
    # Two full working days from Monday's opening: by Tuesday's close.
    assert calendar().due(uk(2026, 11, 6, 18), 2).astimezone(UK) == uk(2026, 11, 10, 17)  # Friday evening
    assert calendar().due(uk(2026, 11, 7, 12), 1).astimezone(UK) == uk(2026, 11, 9, 17)  # Saturday
    assert calendar().due(uk(2026, 11, 9, 7), 1).astimezone(UK) == uk(2026, 11, 9, 17)  # before opening


def test_a_local_holiday_is_not_a_working_day():
    closed = date(2027, 1, 4)  # the council's offices stay shut after New Year
    assert calendar().due(uk(2026, 12, 23), 10).astimezone(UK) == uk(2027, 1, 11)
    assert calendar(extra=[closed]).due(uk(2026, 12, 23), 10).astimezone(UK) == uk(2027, 1, 12)
    assert not calendar(extra=[closed]).is_working_day(closed)


def test_scotland_keeps_2_january_and_northern_ireland_st_patricks_day():
    assert date(2026, 1, 2) in dict(bank_holidays_between("scotland", date(2026, 1, 1), date(2026, 1, 5)))
    assert date(2026, 1, 2) not in dict(bank_holidays_between("england-and-wales", date(2026, 1, 1), date(2026, 1, 5)))
    # 2 January 2027 is a Saturday: Scotland has Monday 4 January instead, England works it.
    assert calendar().due(uk(2026, 12, 31), 1).astimezone(UK) == uk(2027, 1, 4)
    assert calendar("scotland").due(uk(2026, 12, 31), 1).astimezone(UK) == uk(2027, 1, 5)
    # No Easter Monday in Scotland; St Patrick's Day in Northern Ireland.
    assert calendar("scotland").is_working_day(date(2027, 3, 29))
    assert not calendar("northern-ireland").is_working_day(date(2027, 3, 17))
    assert calendar().is_working_day(date(2027, 3, 17))


def test_a_pause_moves_the_due_time_by_exactly_the_working_time_paused():
    cal = calendar()
    start = uk(2026, 12, 23)
    # On hold from Wednesday 6 January 10:00 to Monday 11 January 10:00: 3 working days, a weekend between.
    paused = cal.working_seconds_between(uk(2027, 1, 6), uk(2027, 1, 11))
    assert paused == 3 * DAY
    moved = cal.due(start, 10, paused_seconds=paused)
    assert moved.astimezone(UK) == uk(2027, 1, 14)
    assert cal.working_seconds_between(cal.due(start, 10), moved) == paused


def test_warnings_come_the_configured_working_days_before_and_not_for_short_targets():
    cal = calendar()
    assert cal.warn_at(uk(2026, 12, 23), 10, warning_days=1).astimezone(UK) == uk(2027, 1, 8)
    assert cal.warn_at(uk(2026, 12, 23), 10, warning_days=2, paused_seconds=3 * DAY).astimezone(UK) == uk(2027, 1, 12)
    assert cal.warn_at(uk(2026, 12, 23), 1, warning_days=1) is None


def test_other_working_hours():
    cal = calendar(hours=WorkingHours(time(8, 30), time(16, 30)))
    assert cal.due(uk(2026, 11, 6, 18), 1).astimezone(UK) == uk(2026, 11, 9, 16, 30)
    with pytest.raises(ValueError):
        WorkingHours(time(17), time(9))
