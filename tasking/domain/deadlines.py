"""Deadlines: the clocks the service keeps, the targets they are set from, and when one is near or
past its target (docs/deadlines.md)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tasking.domain.errors import ValidationFailed

FIRST_RESPONSE = "first_response"
TASK_ACCEPT = "task_accept"
TASK_COMPLETE = "task_complete"
COUNCILLOR_ACKNOWLEDGE = "councillor_acknowledge"
COUNCILLOR_ANSWER = "councillor_answer"
# Not a clock: how long a councillor's answered request stays open for them to follow it up.
COUNCILLOR_FOLLOW_UP = "councillor_follow_up"
# The review interval per level is a setting (REVIEW_INTERVAL_DAYS, in working days), not a target row.
CLOCK_KINDS = (FIRST_RESPONSE, TASK_ACCEPT, TASK_COMPLETE, COUNCILLOR_ACKNOWLEDGE, COUNCILLOR_ANSWER)
TARGET_KINDS = (*CLOCK_KINDS, COUNCILLOR_FOLLOW_UP)
TASK_KINDS = (TASK_ACCEPT, TASK_COMPLETE)
KIND_WORDS = {
    FIRST_RESPONSE: "respond to the case",
    TASK_ACCEPT: "accept the task",
    TASK_COMPLETE: "complete the task",
    COUNCILLOR_ACKNOWLEDGE: "acknowledge the councillor",
    COUNCILLOR_ANSWER: "answer the councillor",
    COUNCILLOR_FOLLOW_UP: "keep the request open for the councillor to follow up",
}
WAITING_ON = ("resident", "court", "agency", "other")
WAITING_WORDS = {
    "resident": "the resident",
    "court": "a court date",
    "agency": "another agency",
    "other": "someone outside the service",
}
STANDINGS = ("on_time", "near", "past", "met", "missed")


@dataclass(frozen=True)
class TargetRow:
    kind: str
    working_days: int
    level: int | None = None
    category_id: int | None = None
    organisation_id: int | None = None

    @property
    def specificity(self) -> int:
        """Organisation rows first, then category rows, then level alone, then the kind's default;
        among equals, the one that also names the level."""
        if self.organisation_id is not None:
            return 4 + (self.level is not None)
        if self.category_id is not None:
            return 2 + (self.level is not None)
        return 1 if self.level is not None else 0


def pick_target(
    rows: Iterable[TargetRow],
    kind: str,
    *,
    level: int | None = None,
    category_id: int | None = None,
    organisation_id: int | None = None,
) -> int | None:
    """The working days of the most specific target that fits, or None when the kind has none."""
    fitting = [
        row
        for row in rows
        if row.kind == kind
        and (row.level is None or row.level == level)
        and (row.category_id is None or row.category_id == category_id)
        and (row.organisation_id is None or row.organisation_id == organisation_id)
    ]
    if not fitting:
        return None
    return max(fitting, key=lambda row: row.specificity).working_days


def check_target(
    kind: object, working_days: object, level: object = None, *, organisation: object = None, category: object = None
) -> None:
    """A target that can apply: only a partner's task clocks belong to an organisation, and a row is
    for an organisation or a category, not both (which would tie with either alone)."""
    if kind not in TARGET_KINDS:
        raise ValidationFailed(f"A target is one of {', '.join(TARGET_KINDS)}.", field="kind", code="unknown_kind")
    if not isinstance(working_days, int) or isinstance(working_days, bool) or not 1 <= working_days <= 400:
        raise ValidationFailed("A target is a whole number of working days from 1 to 400.", field="working_days")
    if level is not None and level not in (1, 2, 3, 4):
        raise ValidationFailed("A level is 1, 2, 3 or 4.", field="level")
    if organisation and kind not in TASK_KINDS:
        raise ValidationFailed(
            f"Only the targets of partners' tasks ({', '.join(TASK_KINDS)}) are set per organisation.",
            field="organisation",
            code="not_per_organisation",
        )
    if organisation and category:
        raise ValidationFailed(
            "A target is for an organisation or for a category, not both.",
            field="category",
            code="organisation_or_category",
        )


def check_wait(waiting_on: object, reason: str | None) -> None:
    if waiting_on not in WAITING_ON:
        raise ValidationFailed(
            f"Say who the case is waiting on: one of {', '.join(WAITING_ON)}.", field="waiting_on", code="unknown_wait"
        )
    if not (reason and reason.strip()):
        raise ValidationFailed("Say why the case is waiting.", field="reason", code="reason_required")


def standing(
    *,
    due_at: datetime,
    warn_at: datetime | None,
    stopped_at: datetime | None,
    breached_at: datetime | None,
    now: datetime,
) -> str:
    """Where a clock stands: met or missed once stopped; past, near or on time while running. A
    breach once recorded stays: a pause that came after it moves the due time, not the breach."""
    if stopped_at is not None:
        return "missed" if breached_at is not None or stopped_at > due_at else "met"
    if breached_at is not None or now >= due_at:
        return "past"
    if warn_at is not None and now >= warn_at:
        return "near"
    return "on_time"


def percentile(sorted_values: list[int], share: float) -> int | None:
    """The nearest-rank percentile of values already sorted (None for none): no interpolation, so
    each figure reported is one a real clock took."""
    if not sorted_values:
        return None
    rank = max(1, -int(-len(sorted_values) * share // 1))
    return sorted_values[rank - 1]
