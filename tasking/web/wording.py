"""What a case's history says: to a councillor, in plain words (`describe_event`), and to council
staff on the console's timeline, saying who did what (`describe_for_staff`)."""

from dataclasses import dataclass
from datetime import datetime

from tasking.domain.money import pounds

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


@dataclass(frozen=True)
class StaffLine:
    """One entry of the console's timeline: when, who, what, and the words they gave (reason,
    outcome, note), if any."""

    at: datetime
    who: str
    text: str
    detail: str | None


_STATE = {"in_progress": "in progress"}


def _state(value) -> str:
    return _STATE.get(str(value), str(value or "").replace("_", " "))


def _who(actor) -> str:
    """A person by name; a partner (a person or an organisation's token) by its organisation."""
    if actor is None:
        return "The service"
    if actor.role == "partner" and actor.organisation is not None:
        return actor.organisation.name
    return actor.name


def _organisation(organisations, key, fallback="a partner") -> str:
    found = organisations.get(key) if key is not None else None
    return found.name if found is not None else fallback


def _money(after, key) -> str:
    value = after.get(key)
    return pounds(value) if isinstance(value, int) else "an amount"


def _staff_text(action: str, after: dict, who: str, organisations) -> tuple[str, str | None]:
    reason = after.get("reason")
    level, task_org = after.get("level"), _organisation(organisations, after.get("organisation_id"))
    suggested = f" (suggested {after['suggested_level']})" if after.get("suggested_level") else ""
    simple = {
        "case.created": ("Raised the case", None),
        "case.decision": (f"Decided level {level}{suggested}", reason),
        "case.confirmation": (f"Confirmed level {level}{suggested}", reason),
        "case.escalation": (f"Moved the case up to level {level}{suggested}", reason),
        "case.de_escalation": (f"Moved the case down to level {level}{suggested}", reason),
        "case.referred": ("Referred the case back to the area manager", reason),
        "case.held_for_triage": ("Held for the area manager to decide", reason),
        "case.returned": ("Returned to the triage queue", reason),
        "case.closed": (f"Closed the case as {_state(after.get('state'))}", reason),
        "case.reopened": ("Reopened the case", reason),
        "case.marked_duplicate": (f"Marked as a duplicate of {after.get('duplicate_of', 'another case')}", None),
        "case.lead_named": (f"Named {_organisation(organisations, after.get('lead'))} as lead", reason),
        "note.added": (f"Added a note for {_audience(after.get('visibility'))}", after.get("body")),
        "task.offered": (f"Offered a {after.get('role', '')} task to {task_org}".replace("a  task", "a task"), None),
        "task.accept": (f"{who} accepted the task", None),
        "task.decline": (f"{who} declined the task", after.get("text")),
        "task.progress": (f"{who} reported progress", after.get("text")),
        "task.complete": (f"{who} completed the task", after.get("text")),
        "task.cancelled": (f"Withdrew the task offered to {task_org}", reason),
        "task.role_changed": (f"{task_org} now has the {after.get('role', '')} task", None),
        "spend.recorded": (f"Spent {_money(after, 'amount_pence')}", after.get("description")),
        "spend.reversed": (f"Reversed a spend ({_money(after, 'amount_pence')})", reason),
        "claim.created": (f"Made a cost-avoided claim: net {_money(after, 'net_pence')}", None),
        "claim.changed": (f"Changed a cost-avoided claim: net {_money(after, 'net_pence')}", None),
        "claim.verified": (f"Verified a cost-avoided claim: net {_money(after, 'net_pence')}", None),
        "claim.not_supported": ("Did not support a cost-avoided claim", after.get("decision_reason")),
        "claim.costs_moved": ("The case's quick-win spend moved between its claims", after.get("carries")),
        "review.decided": (
            f"Decided the review: {_state(after.get('outcome'))}",
            after.get("reason") or after.get("notes"),
        ),
    }
    if action in simple:
        return simple[action]
    if action == "case.updated":
        if after.get("state") == "in_progress":
            return "Work started", None
        if after.get("ready_to_resolve") is True:
            return "Every task is finished: ready to resolve", None
        changed = ", ".join(k.replace("_", " ") for k in after if k not in ("reason",)) or "details"
        return f"Changed {changed}", reason
    if action.startswith("follow_up."):
        return f"Follow-up check: {_state(action.split('.', 1)[1])}", after.get("notes") or reason
    return action.split(".", 1)[-1].replace("_", " ").capitalize(), reason


_AUDIENCES = {
    "internal": "council staff",
    "partners": "staff and partners",
    "councillor": "staff, partners and councillors",
    "public": "everyone",
}


def _audience(visibility) -> str:
    return _AUDIENCES.get(str(visibility), "council staff")


def describe_for_staff(event, actors, organisations) -> StaffLine:
    """An audit event as the console's timeline says it: the actor by name (a partner by its
    organisation), what they did with the names and amounts in it, and their words."""
    who = _who(actors.get(event.actor_id))
    text, detail = _staff_text(event.action, event.after or {}, who, organisations)
    return StaffLine(event.at, who, text, detail if detail else None)
