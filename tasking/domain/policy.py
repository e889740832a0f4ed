"""The one settings object: every tunable number the rules and use cases depend on, with its default
(docs/README.md, "Configuration of the rules"). It is built once from the configuration when the app
is created and passed to the services, which never hold defaults of their own."""

from dataclasses import dataclass, field

from tasking.domain.classification import Thresholds

DEFAULT_REVIEW_INTERVAL_DAYS = {1: 14, 2: 28, 3: 14, 4: 56}


@dataclass(frozen=True)
class Policy:
    thresholds: Thresholds = field(default_factory=Thresholds)
    similar_window_months: int = 6
    similar_radius_m: float = 250.0
    # Links kept per new case; the count of similar reports is not capped, only the links stored.
    similar_link_limit: int = 10
    review_interval_days: dict[int, int] = field(default_factory=lambda: dict(DEFAULT_REVIEW_INTERVAL_DAYS))
    # Past its due date by this much, a review is overdue and flagged for escalation.
    review_grace_days: int = 7
    # Each area's quick-win allocation for a financial year until an admin sets another (£10,000).
    quick_win_allocation_pence: int = 1_000_000
    # Cases per unit of work in the review sweep.
    sweep_batch_size: int = 500

    def review_interval(self, level: int) -> int:
        return self.review_interval_days[level]

    @classmethod
    def from_config(cls, config: dict) -> "Policy":
        intervals = dict(DEFAULT_REVIEW_INTERVAL_DAYS)
        intervals.update({int(k): int(v) for k, v in (config.get("REVIEW_INTERVAL_DAYS") or {}).items()})
        return cls(
            thresholds=Thresholds.from_mapping(config.get("CLASSIFICATION_THRESHOLDS")),
            similar_window_months=int(config.get("SIMILAR_WINDOW_MONTHS", 6)),
            similar_radius_m=float(config.get("SIMILAR_RADIUS_METRES", 250)),
            similar_link_limit=int(config.get("SIMILAR_LINK_LIMIT", 10)),
            review_interval_days=intervals,
            review_grace_days=int(config.get("REVIEW_GRACE_DAYS", 7)),
            quick_win_allocation_pence=int(config.get("QUICK_WIN_ALLOCATION_PENCE", 1_000_000)),
            sweep_batch_size=int(config.get("SWEEP_BATCH_SIZE", 500)),
        )
