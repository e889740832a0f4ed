"""What a case's history says: to a councillor, in plain words (`describe_event`), and to council
staff on the console's timeline, saying who did what (`describe_for_staff`).

Every action the services audit has a sentence here (tests/web/test_history_wording.py finds them in
the source): nobody reads "review.created", "Created" or "barrier id". A field is named in words
(`FIELD_WORDS`); one not listed there is "details", never its column name."""

from dataclasses import dataclass
from datetime import date, datetime

from tasking.domain.deadlines import KIND_WORDS, WAITING_WORDS
from tasking.domain.money import pounds
from tasking.web.local_time import local

# The case's fields in words, in the order a change lists them. The coordinates are one location and
# the owner one owner; a ward's area moves with it, so the area is not said twice.
FIELD_WORDS = {
    "title": "the title",
    "description": "the description",
    "category": "the category",
    "ward": "the ward",
    "area": "the area",
    "address": "the address",
    "postcode": "the postcode",
    "latitude": "the location on the map",
    "longitude": "the location on the map",
    "source": "where it was reported from",
    "level": "the level",
    "suggested_level": "the suggested level",
    "state": "the state",
    "owner_organisation_id": "the owner",
    "owner_user_id": "the owner",
    "coordinator_user_id": "the coordinator",
    "routing_reason": "why it went to its owner",
    "confidential": "whether it is confidential",
    "risk_flags": "the risk flags",
    "agencies_needed": "the agencies needed",
    "barrier_id": "the borough-wide barrier",
    "referred_back": "whether it was referred back",
    "case_review_flag": "the ASB case review flag",
    "duplicate_of_id": "the case it duplicates",
    "subject_ref": "the subject reference",
    "ready_to_resolve": "whether it is ready to resolve",
    "triage_reason": "why it waits for triage",
    "lead": "the lead",
    "reference": "the reference",
}
# Kept beside a change, not changes themselves.
_NOT_CHANGES = {"reason", "similar_case_ids"}
_CLOSED_AS = {"resolved": "Resolved and closed", "withdrawn": "Withdrawn and closed", "closed": "Case closed"}
_REVIEW_OUTCOMES = {
    "continue": "carry on",
    "escalate": "move up to {level}",
    "de_escalate": "move down to {level}",
    "close": "close the case",
}
_STATE = {"in_progress": "in progress", "not_confirmed": "not confirmed", "not_supported": "not supported"}


def _state(value) -> str:
    return _STATE.get(str(value), str(value or "").replace("_", " "))


def _level(after: dict, unknown: str = "a new level") -> str:
    return f"level {after['level']}" if after.get("level") else unknown


def _times(count) -> str:
    count = count if isinstance(count, int) else 0
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _date(value) -> str | None:
    """A date or time from an audit record (a datetime, or ISO text as JSON keeps it), in UK time."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    return local(value, "%-d %b %Y") if isinstance(value, (date, datetime)) else None


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def changed_fields(after: dict) -> list[str]:
    """The fields a change names, in words; those without words are "other details"."""
    keys = [k for k in after if k not in _NOT_CHANGES]
    if "ward" in keys and "area" in keys:
        keys.remove("area")
    words: list[str] = []
    for key in keys:
        word = FIELD_WORDS.get(key, "other details")
        if word not in words:
            words.append(word)
    if "other details" in words:  # said last
        words.remove("other details")
        words.append("other details")
    return words


def _review_scheduled(after: dict, *, staff: bool) -> str:
    sequence = after.get("sequence")
    text = f"Review {sequence} scheduled" if isinstance(sequence, int) else "Review scheduled"
    due = _date(after.get("due_at"))
    if due:
        text += f", due {due}"
    if after.get("overdue") is True:
        text += ": overdue, flagged for escalation" if staff else ": overdue"
    return text


def _review_decided(after: dict, *, staff: bool) -> str:
    outcome = _REVIEW_OUTCOMES.get(str(after.get("outcome")))
    if outcome is None:
        return "Decided the review" if staff else "Reviewed"
    outcome = outcome.format(level=_level(after))
    return f"Reviewed the case: {outcome}" if staff else f"Reviewed: {outcome}"


def _stalled(after: dict) -> str:
    return f"Review missed {_times(after.get('missed_reviews'))}: the case is stalled and back with the area manager"


# ---- in plain words, for councillors (and the meeting's agenda) -------------------------------------

_PLAIN = {
    "case.created": "Request raised",
    "clock.warned": "A deadline on this case is near",
    "clock.breached": "A deadline on this case has passed",
    "case.waiting": "On hold while waiting on someone outside the council",
    "case.resumed": "No longer on hold",
    "case.decision": "Assessed and sent to the team that will deal with it",
    "case.confirmation": "Level confirmed",
    "case.escalation": "Moved up to {level}",
    "case.de_escalation": "Moved down to {level}",
    "case.referred": "Referred to the area manager",
    "case.held_for_triage": "Sent to the area manager to decide",
    "case.returned": "Returned to the area partnership",
    "case.reopened": "Case reopened",
    "case.marked_duplicate": "Closed: the same problem is already reported",
    "case.lead_named": "Lead organisation named",
    "note.added": "Note",
    "task.offered": "Work offered to a partner",
    "task.accept": "A partner took on the work",
    "task.decline": "A partner turned down the work",
    "task.progress": "A partner reported progress",
    "task.complete": "A partner finished its work",
    "task.cancelled": "Work withdrawn from a partner",
    "task.role_changed": "A partner's part in the work changed",
    "spend.recorded": "Money spent on a quick win",
    "spend.reversed": "Money spent was taken back off the case",
    "claim.created": "Savings claim made",
    "claim.changed": "Savings claim changed",
    "claim.verified": "Savings claim verified by finance",
    "claim.not_supported": "Savings claim not supported by finance",
    "claim.costs_moved": "Quick-win spending counted on a savings claim",
    "follow_up.created": "Follow-up check of a saving planned",
    "follow_up.confirmed": "Follow-up check: the saving happened",
    "follow_up.not_confirmed": "Follow-up check: the saving did not happen",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    text: str
    detail: str | None


def _plain_text(action: str, after: dict) -> str:
    if action == "case.updated":
        if after.get("state") == "in_progress":
            return "Work started"
        if after.get("ready_to_resolve") is True:
            return "The work is done: ready to be resolved"
        return "Details updated"
    if action == "case.closed":
        return _CLOSED_AS.get(str(after.get("state")), "Case closed")
    if action == "case.stalled":
        return _stalled(after)
    if action == "review.created":
        return _review_scheduled(after, staff=False)
    if action == "review.decided":
        return _review_decided(after, staff=False)
    if action in _PLAIN:
        return _PLAIN[action].format(level=_level(after))
    return "Details updated"


def describe_event(event) -> HistoryLine:
    after = event.after or {}
    text = _plain_text(event.action, after)
    if event.action == "note.added":
        detail = after.get("body")
    elif event.action == "review.decided":
        detail = after.get("reason") or after.get("notes")
    else:
        detail = after.get("reason")
    return HistoryLine(event.at, text, detail or None)


# ---- for council staff: who did what -------------------------------------------------------------


@dataclass(frozen=True)
class StaffLine:
    """One entry of the console's timeline: when, who, what, and the words they gave (reason,
    outcome, note), if any."""

    at: datetime
    who: str
    text: str
    detail: str | None


def _who(actor, after: dict) -> str:
    """A person by name; a partner (a person or an organisation's token) by its organisation; the
    service itself (the review sweep, an Open311 client's report) as that."""
    if actor is None:
        client = after.get("open311_client")
        return f"{client} (Open311)" if client else "The service"
    if actor.role == "partner" and actor.organisation is not None:
        return actor.organisation.name
    return actor.name


def _organisation(organisations, key, fallback="a partner") -> str:
    found = organisations.get(key) if key is not None else None
    return found.name if found is not None else fallback


def _money(after, key) -> str:
    value = after.get(key)
    return pounds(abs(value)) if isinstance(value, int) and not isinstance(value, bool) else "an amount"


def _named(after: dict, key: str, fallback: str) -> str:
    value = after.get(key)
    return str(value) if value else fallback


def _case_updated(after: dict, reason) -> tuple[str, str | None]:
    if after.get("state") == "in_progress":
        return "Work started", None
    if after.get("ready_to_resolve") is True:
        return "Every task is finished: ready to resolve", None
    words = changed_fields(after)
    if words == ["the subject reference"] and after.get("subject_ref") in ("set", "cleared"):
        return f"{str(after['subject_ref']).capitalize()} the subject reference", reason
    if not words or words == ["other details"]:
        return "Details changed", reason
    return f"Changed {_join(words)}", reason


def _deadline(after: dict) -> str:
    words = KIND_WORDS.get(str(after.get("kind")), "a deadline")
    due = _date(after.get("due_at"))
    return f"{words}, due {due}" if due else words


def _waiting_on(after: dict) -> str:
    return WAITING_WORDS.get(str(after.get("waiting_on")), "someone outside the service")


def _staff_text(action: str, after: dict, who: str, organisations) -> tuple[str, str | None]:
    reason = after.get("reason")
    level = _level(after, "the level")
    task_org = _organisation(organisations, after.get("organisation_id"))
    suggested = f" (suggested {after['suggested_level']})" if after.get("suggested_level") else ""
    role = f"{after['role']} " if after.get("role") else ""
    state = after.get("state")
    kind = action.split(".", 1)[0]
    simple = {
        "case.created": ("Raised the case", None),
        "case.decision": (f"Decided {level}{suggested}", reason),
        "case.confirmation": (f"Confirmed {level}{suggested}", reason),
        "case.escalation": (f"Moved the case up to {level}{suggested}", reason),
        "case.de_escalation": (f"Moved the case down to {level}{suggested}", reason),
        "case.referred": ("Referred the case back to the area manager", reason),
        "case.held_for_triage": ("Held for the area manager to decide", reason),
        "case.returned": ("Returned to the triage queue", reason),
        "case.closed": (
            "Closed the case" if state in (None, "closed") else f"Closed the case as {_state(state)}",
            reason,
        ),
        "case.reopened": ("Reopened the case", reason),
        "case.marked_duplicate": (f"Marked as a duplicate of {after.get('duplicate_of', 'another case')}", None),
        "case.lead_named": (f"Named {_organisation(organisations, after.get('lead'))} as lead", reason),
        "case.stalled": (_stalled(after), after.get("triage_reason")),
        "note.added": (f"Added a note for {_audience(after.get('visibility'))}", after.get("body")),
        "task.offered": (f"Offered a {role}task to {task_org}", None),
        "task.accept": (f"{who} accepted the task", None),
        "task.decline": (f"{who} declined the task", after.get("text")),
        "task.progress": (f"{who} reported progress", after.get("text")),
        "task.complete": (f"{who} completed the task", after.get("text")),
        "task.cancelled": (f"Withdrew the task offered to {task_org}", reason),
        "task.role_changed": (f"{task_org} now has the {role}task", None),
        "spend.recorded": (f"Spent {_money(after, 'amount_pence')}", after.get("description")),
        "spend.reversed": (f"Reversed a spend of {_money(after, 'amount_pence')}", reason),
        "claim.created": (f"Made a cost-avoided claim: net {_money(after, 'net_pence')}", None),
        "claim.changed": (f"Changed a cost-avoided claim: net {_money(after, 'net_pence')}", None),
        "claim.verified": (f"Verified a cost-avoided claim: net {_money(after, 'net_pence')}", None),
        "claim.not_supported": ("Did not support a cost-avoided claim", after.get("decision_reason")),
        "claim.costs_moved": ("The case's quick-win spend moved between its claims", after.get("carries")),
        "review.created": (_review_scheduled(after, staff=True), None),
        "review.decided": (_review_decided(after, staff=True), reason or after.get("notes")),
        "follow_up.created": (_follow_up_planned(after), None),
        "follow_up.confirmed": ("Follow-up check: the saving is confirmed", after.get("notes")),
        "follow_up.not_confirmed": ("Follow-up check: the saving is not confirmed", after.get("notes")),
        "clock.warned": (f"Deadline near: {_deadline(after)}", None),
        "clock.breached": (f"Deadline passed: {_deadline(after)}", None),
        "case.waiting": (f"Put on hold: waiting on {_waiting_on(after)}", reason),
        "case.resumed": ("Taken off hold: the deadlines run again", None),
        "financial_year.closed": (f"Closed the financial year {_named(after, 'label', '')} to spending", None),
        "holiday.added": (f"Added a local holiday: {_named(after, 'name', 'a day')}", None),
        "holiday.removed": ("Removed a local holiday", None),
        "target.created": ("Set a deadline target", None),
        "target.updated": ("Changed a deadline target", None),
        "target.removed": ("Removed a deadline target", None),
        # Outside a case's history: accounts, tokens, reference data and the like.
        "user.created": (f"Created the account of {_named(after, 'name', 'a user')}", None),
        "user.password_set": ("Set a new password", None),
        "user.signed_in": ("Signed in to the console", None),
        "user.sign_in_failed": ("Failed to sign in", None),
        "token.created": (f"Issued an API token ({_named(after, 'name', 'unnamed')})", None),
        "token.revoked": (f"Revoked an API token ({_named(after, 'name', 'unnamed')})", None),
        "token.refused": (f"Refused an API token starting {_named(after, 'prefix', '?')}", reason),
        "token.used": (f"Used an API token starting {_named(after, 'prefix', '?')}", None),
        "open311_client.created": (f"Registered the Open311 client {_named(after, 'name', '')}".strip(), None),
        "open311_client.revoked": ("Revoked an Open311 client's key", None),
        "unit_cost.saved": (f"Saved the unit cost {_named(after, 'name', '')}".strip(), after.get("source")),
        "budget.allocated": (_allocated(after), None),
        "meeting.recorded": (f"Recorded the tasking meeting of {_date(after.get('held_on')) or 'a day'}", None),
        "barrier.created": (
            f"Recorded the {'borough-wide ' if after.get('borough_level') else ''}barrier "
            f"“{_named(after, 'title', 'untitled')}”",
            None,
        ),
    }
    if action in simple:
        return simple[action]
    if action == "case.updated":
        return _case_updated(after, reason)
    if kind in _REFERENCE and action.endswith(".created"):
        return f"Added the {_REFERENCE[kind]} {_named(after, 'name', _named(after, 'code', ''))}".strip(), None
    if kind in _REFERENCE and action.endswith(".updated"):
        return f"Changed the {_REFERENCE[kind]}'s details from the reference data", None
    return "Details changed", reason


# Reference data loaded from the TOML file (services/reference_data.py).
_REFERENCE = {"area": "area", "ward": "ward", "organisation": "organisation", "category": "category"}


def _follow_up_planned(after: dict) -> str:
    due = _date(after.get("due_on"))
    return f"Planned a follow-up check of the saving, due {due}" if due else "Planned a follow-up check of the saving"


def _allocated(after: dict) -> str:
    where = f" to area {after['area']}" if after.get("area") else ""
    year = f" for {after['year']}" if after.get("year") else ""
    return f"Allocated {_money(after, 'amount_pence')}{where}{year}"


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
    after = event.after or {}
    who = _who(actors.get(event.actor_id), after)
    text, detail = _staff_text(event.action, after, who, organisations)
    return StaffLine(event.at, who, text, detail if detail else None)
