"""Did the saving happen? Follow-up checks on verified claims (docs/money.md, "Follow-up checks").

A verified claim is checked at 6 and at 12 months after the day it was verified: the sweep makes
each check once, on the day it falls due, and a finance officer records whether the saving was
confirmed. A claim's standing after follow-up is that of its latest answered check (the
value report, tasking/services/value_report.py).
"""

import calendar
from datetime import date, timedelta

from tasking.domain.errors import Conflict, ValidationFailed

# Months after verification at which a verified claim is checked.
FOLLOW_UP_MONTHS = (6, 12)
FOLLOW_UP_OUTCOMES = ("confirmed", "not_confirmed")


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later; the month's last day when it is shorter
    (31 August + 6 months is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(verified_on: date, months: int) -> date:
    """The day the check `months` after verification falls due."""
    return add_months(verified_on, months)


def last_verified_day_due(today: date, months: int) -> date:
    """The latest day of verification whose `months` check is due by `today`: every claim verified
    on or before it is due, none after (due_on never decreases as the day of verification grows)."""
    day = add_months(today, -months)
    while due_on(day + timedelta(days=1), months) <= today:
        day += timedelta(days=1)
    return day


def check_outcome(state: str, outcome: str, notes: str | None) -> None:
    """Only a pending check is answered, once; not confirmed needs the reason."""
    if state != "pending":
        raise Conflict(
            f"This follow-up check is already {state.replace('_', ' ')}; its outcome cannot change.",
            code="follow_up_decided",
        )
    if outcome not in FOLLOW_UP_OUTCOMES:
        raise ValidationFailed(
            "A follow-up check is confirmed or not confirmed.", field="outcome", code="unknown_outcome"
        )
    if outcome == "not_confirmed" and not (notes and notes.strip()):
        raise ValidationFailed("Say why the saving could not be confirmed.", field="notes", code="reason_required")
