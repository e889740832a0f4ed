"""What an exception report holds (docs/deadlines.md, "Exception reports"): the rows, summaries,
distributions and declines that tasking/services/exceptions.py fills, and the definitions the JSON,
the CSV and the page each give beside the figures."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from tasking.domain.deadlines import KIND_WORDS, percentile

NO_LEVEL = "none"

DEFINITIONS = {
    "exceptions": "Clocks still running that are past their due time (or already recorded as breached) or "
    "near it (past the warning time, which is the configured number of working days before the due time). "
    "A paused clock's due time is moved on by the working time it has spent paused so far.",
    "working_days_over": "Working days from the day the clock fell due to today (0 when it fell due today).",
    "working_days_left": "Working days from today to the day the clock falls due (0 when it falls due today).",
    "met_missed": "Clocks stopped in the period (by UK date), not cancelled: met when stopped by the due "
    "time and never recorded as breached, missed otherwise. Cancelled clocks (a task withdrawn) count "
    "in neither.",
    "distributions": "Working time taken to accept and to complete partners' tasks, over the clocks of "
    "those kinds stopped in the period (not cancelled), less any time paused: median and 90th percentile "
    "by nearest rank (each a time a real task took), and the longest. Seconds are exact; hours are the "
    "seconds divided by 3600, rounded half up to two places.",
    "declines": "Tasks declined in the period (by the day of the decline, UK date), grouped by the reason "
    "given, trimmed and regardless of capitals. Reasons on confidential cases are shown only to those "
    "who may read their details.",
}


@dataclass
class ExceptionRow:
    clock_id: int
    case_reference: str
    case_id: int
    task_id: int | None
    kind: str
    organisation_code: str | None
    organisation_name: str | None
    area_code: str
    area_name: str
    level: int | None
    target_working_days: int
    started_at: datetime
    due_at: datetime
    breached_at: datetime | None
    paused: bool
    standing: str
    working_days_over: int | None
    working_days_left: int | None

    @property
    def kind_words(self) -> str:
        return KIND_WORDS[self.kind]


@dataclass
class Summary:
    key: str
    name: str
    running_past: int = 0
    running_near: int = 0
    met: int = 0
    missed: int = 0


def _hours(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return str((Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass
class Distribution:
    kind: str
    organisation_code: str | None  # None: every organisation in the report
    organisation_name: str | None
    seconds: list[int] = field(default_factory=list, repr=False)
    within_target: int = 0

    @property
    def count(self) -> int:
        return len(self.seconds)

    def _sorted(self) -> list[int]:
        return sorted(self.seconds)

    @property
    def median_working_seconds(self) -> int | None:
        return percentile(self._sorted(), 0.5)

    @property
    def p90_working_seconds(self) -> int | None:
        return percentile(self._sorted(), 0.9)

    @property
    def max_working_seconds(self) -> int | None:
        return max(self.seconds) if self.seconds else None

    @property
    def median_working_hours(self) -> str | None:
        return _hours(self.median_working_seconds)

    @property
    def p90_working_hours(self) -> str | None:
        return _hours(self.p90_working_seconds)

    @property
    def max_working_hours(self) -> str | None:
        return _hours(self.max_working_seconds)

    @property
    def within_target_percent(self) -> str | None:
        """The share met, as a percentage to one place (half up); None with no clocks."""
        if not self.seconds:
            return None
        share = Decimal(100 * self.within_target) / Decimal(self.count)
        return str(share.quantize(Decimal("0.1"), ROUND_HALF_UP))


@dataclass
class DeclineRow:
    organisation_code: str
    organisation_name: str
    reason: str
    count: int = 0


@dataclass
class ExceptionReport:
    start: date
    end: date
    generated_at: datetime
    area: str | None
    organisation: str | None
    level: int | None
    exceptions: list[ExceptionRow]
    total: Summary
    areas: list[Summary]
    organisations: list[Summary]
    levels: list[Summary]
    distributions: list[Distribution]
    declines: list[DeclineRow]
    definitions: dict = field(default_factory=lambda: dict(DEFINITIONS))

    @property
    def past(self) -> list[ExceptionRow]:
        return [row for row in self.exceptions if row.standing == "past"]

    @property
    def near(self) -> list[ExceptionRow]:
        return [row for row in self.exceptions if row.standing == "near"]
