"""What a case's history says to a councillor, in plain words."""

from dataclasses import dataclass
from datetime import datetime

_PLAIN = {
    "case.created": "Request raised",
    "case.decision": "Assessed and sent to the team that will deal with it",
    "case.confirmation": "Level confirmed",
    "case.escalation": "Moved up to level {level}",
    "case.de_escalation": "Moved down to level {level}",
    "case.referred": "Referred to the area manager",
    "case.held_for_triage": "Sent to the area manager to decide",
    "case.returned": "Returned to the area partnership",
    "case.closed": "Closed ({state})",
    "case.reopened": "Reopened",
    "case.marked_duplicate": "Closed: the same problem is already reported",
    "case.updated": "Updated",
    "note.added": "Note",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    text: str
    detail: str | None


def describe_event(event) -> HistoryLine:
    after = event.after or {}
    text = _PLAIN.get(event.action, event.action.split(".", 1)[-1].replace("_", " ").capitalize())
    text = text.format(level=after.get("level", ""), state=str(after.get("state", "")).replace("_", " "))
    if event.action == "case.updated" and after.get("state") == "in_progress":
        text = "Work started"
    detail = after.get("body") if event.action == "note.added" else after.get("reason")
    return HistoryLine(event.at, text, detail)
