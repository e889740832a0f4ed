"""The one settings object: every tunable number the rules and use cases depend on, with its default
(docs/README.md, "Configuration of the rules"). It is built once from the configuration when the app
is created and passed to the services, which never hold defaults of their own."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from fractions import Fraction
from typing import Any

from tasking.domain.appraisal import GRADES, ValueMethod
from tasking.domain.classification import Thresholds
from tasking.domain.working_days import DIVISIONS, WorkingHours

DEFAULT_REVIEW_INTERVAL_DAYS = {1: 10, 2: 20, 3: 10, 4: 40}
# The value method's optimism-bias correction per confidence grade of a unit cost, 1 (best) to 6
# (docs/money.md, "The value method", which gives their source and how sure of it we are).
DEFAULT_OPTIMISM_BIAS = {
    1: Fraction(0),
    2: Fraction(5, 100),
    3: Fraction(10, 100),
    4: Fraction(15, 100),
    5: Fraction(25, 100),
    6: Fraction(40, 100),
}


@dataclass(frozen=True)
class Policy:
    thresholds: Thresholds = field(default_factory=Thresholds)
    similar_window_months: int = 6
    # The radius of "the same problem" for place-based categories that set none of their own.
    similar_radius_m: float = 250.0
    # Links kept per new case; the count of similar reports is not capped, only the links stored.
    similar_link_limit: int = 10
    # Working days between reviews, per level (docs/deadlines.md).
    review_interval_days: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_REVIEW_INTERVAL_DAYS))
    # Past its due date by this many working days, a review is overdue and flagged for escalation.
    review_grace_days: int = 5
    # Each area's quick-win allocation for a financial year until an admin sets another (£10,000).
    quick_win_allocation_pence: int = 1_000_000
    # Cases per unit of work in the review sweep.
    sweep_batch_size: int = 500
    # Attempts to deliver a notification before giving up on it: 14, with waits doubling from 30 s to
    # at most 6 hours, put the last attempt about 26 hours after the first (a day's mail outage).
    notify_max_attempts: int = 14
    # How far from a ward's centre an Open311 report may be and still be placed in it.
    open311_max_ward_distance_m: float = 2500.0
    # Lifetime of a new API token unless another expiry is given.
    token_default_days: int = 365
    # The value method (docs/money.md): the Green Book discount rate (3.5%), the optimism-bias
    # correction per confidence grade, and the GDP deflator index per year (tasking/data/
    # gdp_deflators.toml, read by tasking/config.py; none unless configured).
    discount_rate: Fraction = Fraction(35, 1000)
    optimism_bias: dict[int, Fraction] = field(default_factory=lambda: dict(DEFAULT_OPTIMISM_BIAS))
    gdp_deflators: dict[int, Fraction] = field(default_factory=dict)
    # The working-day calendar (docs/deadlines.md): whose bank holidays, the working hours, and how
    # many working days before a deadline its owner is warned.
    holiday_division: str = "england-and-wales"
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    deadline_warning_days: int = 1

    def review_interval(self, level: int) -> int:
        return self.review_interval_days[level]

    @property
    def value_method(self) -> ValueMethod:
        return ValueMethod(self.discount_rate, self.optimism_bias, self.gdp_deflators)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Policy":
        """The policy a configuration asks for: each setting it names, the defaults above for the rest."""
        default = cls()

        def number(key: str, kind: Callable[[Any], Any], fallback: Any) -> Any:
            value = config.get(key)
            return fallback if value is None else kind(value)

        intervals = dict(default.review_interval_days)
        intervals.update({int(k): int(v) for k, v in (config.get("REVIEW_INTERVAL_DAYS") or {}).items()})
        return cls(
            thresholds=Thresholds.from_mapping(config.get("CLASSIFICATION_THRESHOLDS")),
            similar_window_months=number("SIMILAR_WINDOW_MONTHS", int, default.similar_window_months),
            similar_radius_m=number("SIMILAR_RADIUS_METRES", float, default.similar_radius_m),
            similar_link_limit=number("SIMILAR_LINK_LIMIT", int, default.similar_link_limit),
            review_interval_days=intervals,
            review_grace_days=number("REVIEW_GRACE_DAYS", int, default.review_grace_days),
            quick_win_allocation_pence=number("QUICK_WIN_ALLOCATION_PENCE", int, default.quick_win_allocation_pence),
            sweep_batch_size=number("SWEEP_BATCH_SIZE", int, default.sweep_batch_size),
            notify_max_attempts=number("NOTIFY_MAX_ATTEMPTS", int, default.notify_max_attempts),
            open311_max_ward_distance_m=number(
                "OPEN311_MAX_WARD_DISTANCE_METRES", float, default.open311_max_ward_distance_m
            ),
            token_default_days=number("TOKEN_DEFAULT_DAYS", int, default.token_default_days),
            discount_rate=number("DISCOUNT_RATE", _exact, default.discount_rate),
            optimism_bias=_optimism_bias(default.optimism_bias, config.get("OPTIMISM_BIAS_BY_GRADE")),
            gdp_deflators={int(year): _exact(index) for year, index in (config.get("GDP_DEFLATORS") or {}).items()},
            holiday_division=_division(config.get("HOLIDAY_DIVISION") or default.holiday_division),
            working_hours=_working_hours(config.get("WORKING_HOURS")) or default.working_hours,
            deadline_warning_days=number("DEADLINE_WARNING_WORKING_DAYS", int, default.deadline_warning_days),
        )


def _exact(value: Any) -> Fraction:
    """A configured rate, share or index as an exact number: "0.035", 0.035 (read as its decimal
    text, never as the float's binary value) or "7/200"."""
    return Fraction(str(value))


def _optimism_bias(defaults: Mapping[int, Fraction], configured: Mapping[Any, Any] | None) -> dict[int, Fraction]:
    """The defaults with the configured grades replaced; a correction is a share between 0 and 1."""
    corrections = dict(defaults)
    for grade, value in (configured or {}).items():
        if int(grade) not in GRADES:
            raise ValueError(f"OPTIMISM_BIAS_BY_GRADE: {grade} is not a confidence grade (1 to 6)")
        correction = _exact(value)
        if not (0 <= correction <= 1):
            raise ValueError(f"OPTIMISM_BIAS_BY_GRADE: the correction for grade {grade} is not between 0 and 1")
        corrections[int(grade)] = correction
    return corrections


def _division(name: str) -> str:
    if name not in DIVISIONS:
        raise ValueError(f"HOLIDAY_DIVISION is one of {', '.join(DIVISIONS)}, not {name!r}.")
    return name


def _working_hours(text: str | None) -> WorkingHours | None:
    """WORKING_HOURS as "09:00-17:00" (UK local time)."""
    if not text:
        return None
    try:
        opens, closes = (time.fromisoformat(part.strip()) for part in str(text).split("-"))
        return WorkingHours(opens, closes)
    except ValueError as error:
        raise ValueError(f"WORKING_HOURS is opening-closing, such as 09:00-17:00, not {text!r}.") from error
