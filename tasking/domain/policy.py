"""The tunable numbers of the model, with their defaults (docs/README.md, "Configuration of the rules");
configuration may override each."""
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
        )
