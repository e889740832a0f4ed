"""The service's clock, stopped for tests that date things "today".

NOW is read once, when the test run starts. A module that dates a spend or a meeting "today" takes
TODAY from here and asks for the `stopped_clock` fixture, so the service and the test agree on the
day however long the run takes:
a run that crosses midnight (or 23:00 UTC in summer, when the UK's day turns) once dated a spend
the day before its case was raised, and was refused."""

from datetime import datetime, timezone

import tasking.clock
from tasking.domain.money import uk_date

NOW = datetime.now(timezone.utc)
TODAY = uk_date(NOW)


def freeze_clock(monkeypatch, moment: datetime) -> None:
    """Every layer reads the time from tasking.clock.now(): it says `moment` until the test ends."""

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(tasking.clock, "datetime", Frozen)
