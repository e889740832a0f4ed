"""How tasking reads in Open311 GeoReport v2 terms (https://wiki.open311.org/GeoReport_v2/)."""

from datetime import datetime, timedelta

from tasking.domain.errors import WindowRefused
from tasking.domain.lifecycle import State, is_open
from tasking.domain.text import summary_title

MAX_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_DESCRIPTION = 4000

# The FixMyStreet servicerequestupdates extension's status words.
FMS_STATUS = {
    State.NEW: "OPEN",
    State.TRIAGED: "INVESTIGATING",
    State.RETURNED: "INVESTIGATING",
    State.ASSIGNED: "ACTION_SCHEDULED",
    State.IN_PROGRESS: "IN_PROGRESS",
    State.RESOLVED: "FIXED",
    State.CLOSED: "CLOSED",
    State.DUPLICATE: "DUPLICATE",
    State.WITHDRAWN: "NO_FURTHER_ACTION",
}

# What residents are told when a case changes state; internal reasons are never passed on.
PUBLIC_NOTES = {
    State.NEW: "Received; waiting to be assessed.",
    State.TRIAGED: "Assessed by the area partnership.",
    State.RETURNED: "Being looked at again by the area partnership.",
    State.ASSIGNED: "Passed to the team that will deal with it.",
    State.IN_PROGRESS: "Work is under way.",
    State.RESOLVED: "Fixed.",
    State.CLOSED: "Closed.",
    State.DUPLICATE: "Closed: already reported.",
    State.WITHDRAWN: "Closed: no further action.",
}


def status(state: str) -> str:
    return "open" if is_open(state) else "closed"


def request_window(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """The spec's search window: the last 90 days by default, and never wider than 90 days."""
    if end is None:
        if start is None:
            return now - MAX_WINDOW, now
        end = min(now, start + MAX_WINDOW)
    elif start is None:
        start = end - MAX_WINDOW
    if end < start:
        raise WindowRefused("end_date is before start_date")
    if end - start > MAX_WINDOW:
        raise WindowRefused("start_date and end_date may not span more than 90 days")
    return start, end


def title_from(description: str, service_name: str) -> str:
    return summary_title(description, f"{service_name} (reported through Open311)")
