"""Working days and working time: the clock that deadlines count in (docs/deadlines.md).

A working day is a weekday that is not a bank holiday of the configured division, nor a local
holiday an admin added. Working time runs from opening to closing (09:00 to 17:00 UK time by default)
on working days; a target of N working days is N full days of working time, so a request raised at
10:00 on a Monday with a 2-working-day target is due at 10:00 on the Wednesday, and one raised in
the evening or at a weekend starts counting at the next opening. Instants are UTC; the day and the
hours are read in UK local time, so a clock across the clocks changing still counts whole hours.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
DIVISIONS = ("england-and-wales", "scotland", "northern-ireland")
# Far enough for any deadline the service sets; a target further off than this is refused.
LONGEST_SPAN_DAYS = 3660


@dataclass(frozen=True)
class WorkingHours:
    opens: time = time(9, 0)
    closes: time = time(17, 0)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("Working hours open before they close.")

    @property
    def seconds(self) -> int:
        return (self.closes.hour * 3600 + self.closes.minute * 60) - (self.opens.hour * 3600 + self.opens.minute * 60)


class WorkingCalendar:
    """Weekdays less the holidays given; working hours within them."""

    def __init__(self, holidays: Iterable[date] = (), hours: WorkingHours | None = None, zone: ZoneInfo = UK):
        self.holidays = frozenset(holidays)
        self.hours = hours or WorkingHours()
        self.zone = zone

    @property
    def day_seconds(self) -> int:
        return self.hours.seconds

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def working_days_after(self, day: date, count: int) -> date:
        """The `count`th working day after `day` (the day itself not counted)."""
        found = 0
        current = day
        for _ in range(LONGEST_SPAN_DAYS):
            current += timedelta(days=1)
            if self.is_working_day(current):
                found += 1
                if found >= count:
                    return current
        raise ValueError("That is further off than any deadline the service sets.")

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end is not after start)."""
        days = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            days += self.is_working_day(current)
        return days

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """The day's opening and closing as UTC instants."""
        opens = datetime.combine(day, self.hours.opens, tzinfo=self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.hours.closes, tzinfo=self.zone).astimezone(UTC)
        return opens, closes

    def _local_day(self, instant: datetime) -> date:
        return _aware(instant).astimezone(self.zone).date()

    def working_seconds_between(self, start: datetime, end: datetime) -> int:
        """Working time from `start` to `end` in seconds (0 when end is not after start)."""
        start, end = _aware(start), _aware(end)
        if end <= start:
            return 0
        total = 0
        day = self._local_day(start)
        last = self._local_day(end)
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                overlap = (min(closes, end) - max(opens, start)).total_seconds()
                if overlap > 0:
                    total += int(overlap)
            day += timedelta(days=1)
        return total

    def add_working_seconds(self, start: datetime, seconds: int) -> datetime:
        """The instant at which `seconds` of working time have passed since `start`. With none to add,
        the next moment working time runs (start itself when within working hours)."""
        start = _aware(start)
        remaining = max(0, seconds)
        day = self._local_day(start)
        for _ in range(LONGEST_SPAN_DAYS):
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin = max(opens, start)
                if begin < closes or (begin == closes and remaining == 0 and start <= closes):
                    available = (closes - begin).total_seconds()
                    if remaining <= available:
                        return begin + timedelta(seconds=remaining)
                    remaining -= int(available)
            day += timedelta(days=1)
        raise ValueError("That is further off than any deadline the service sets.")

    def due(self, start: datetime, working_days: int, *, paused_seconds: int = 0) -> datetime:
        """When a target of `working_days` started at `start` falls due, moved on by the working time
        it spent paused."""
        return self.add_working_seconds(start, working_days * self.day_seconds + paused_seconds)

    def warn_at(
        self, start: datetime, working_days: int, *, warning_days: int, paused_seconds: int = 0
    ) -> datetime | None:
        """When to warn that a target is near: `warning_days` of working time before it falls due.
        A target no longer than the warning period gets no warning (it would come at once): its
        breach is the notice."""
        if warning_days <= 0 or working_days <= warning_days:
            return None
        return self.add_working_seconds(start, (working_days - warning_days) * self.day_seconds + paused_seconds)


def _aware(instant: datetime) -> datetime:
    """Stored times are UTC, and SQLite hands them back without a zone."""
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
