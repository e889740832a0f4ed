"""Issue 19 review, finding A: a case's history says what happened, for every action the services
audit. The actions are read from tasking/services' source (the action of each `audit.record(...)`
call, and of the audit rows the sweeps write in sets), so an action added without wording fails here:
council staff read who did what (`describe_for_staff`), councillors and the meeting's agenda a plain
sentence (`describe_event`), and neither ever a raw action name, a bare verb or a column name."""

import ast
import re
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import pytest

from tasking.domain.follow_ups import FOLLOW_UP_OUTCOMES
from tasking.domain.tasks import _PAST as TASK_ACTIONS
from tasking.services.claim_queue import DECISIONS
from tasking.services.reference_data import _OBJECT_TYPES
from tasking.web.wording import describe_event, describe_for_staff

SERVICES = Path(__file__).resolve().parents[2] / "tasking" / "services"
AT = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)

# An action built in an f-string, and every value its placeholder takes (from the code that decides it).
TEMPLATES = {
    "case.{kind}": ("decision", "confirmation", "escalation", "de_escalation"),
    "task.{action}": tuple(TASK_ACTIONS),
    "claim.{decision}": tuple(d.split(".", 1)[1] for d in DECISIONS),
    "follow_up.{outcome}": FOLLOW_UP_OUTCOMES,
    "clock.{event}": ("warned", "breached"),
    "{object_type}.created": tuple(f"{kind}" for kind in _OBJECT_TYPES.values()),
    "{object_type}.updated": tuple(f"{kind}" for kind in _OBJECT_TYPES.values()),
}


def _template(node: ast.JoinedStr) -> str:
    return "".join(
        part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}" for part in node.values
    )


def _strings(node, function) -> list[str]:
    """The action strings an expression can be: a literal, an f-string's template, either side of a
    conditional, or what a variable of the enclosing function is set to."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [_template(node)]
    if isinstance(node, ast.IfExp):
        return _strings(node.body, function) + _strings(node.orelse, function)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Same" and node.args:
        return _strings(node.args[0], function)  # the generator's column of one value for every row
    if isinstance(node, ast.Name) and function is not None:
        return [
            value
            for assign in ast.walk(function)
            if isinstance(assign, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == node.id for t in assign.targets)
            for value in _strings(assign.value, None)
        ]
    raise AssertionError(f"cannot read an audit action from {ast.unparse(node)}")


def _enclosing(functions, node):
    """The innermost function a node is in."""
    return min(
        (f for f in functions if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)),
        key=lambda f: (f.end_lineno or f.lineno) - f.lineno,
        default=None,
    )


def _recorded() -> dict[str, bool]:
    """Each action found in the services' source, and whether it is recorded on a case (in a case's
    history) anywhere."""
    found: dict[str, bool] = {}

    def add(strings, on_case):
        for action in strings:
            expansions = [action]
            if "{" in action:
                assert action in TEMPLATES, f"say in TEMPLATES what {action!r} can be"
                expansions = [re.sub(r"\{[^}]+\}", value, action) for value in TEMPLATES[action]]
            for expanded in expansions:
                found[expanded] = found.get(expanded, False) or on_case

    for path in sorted(SERVICES.glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
        enclosing = partial(_enclosing, functions)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "audit.record":
                on_case = any(k.arg == "case_id" for k in node.keywords)
                add(_strings(node.args[2], enclosing(node)), on_case)
            elif isinstance(node, ast.Call) and ast.unparse(node.func) == "AuditEvent":
                keywords = {k.arg: k.value for k in node.keywords}
                add(_strings(keywords["action"], enclosing(node)), "case_id" in keywords)
            elif isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                if "action" in keys and "object_type" in keys:  # an audit row written in a set
                    add(_strings(node.values[keys.index("action")], enclosing(node)), "case_id" in keys)
    return found


RECORDED = _recorded()
ON_A_CASE = sorted(action for action, on_case in RECORDED.items() if on_case)

# What the events hold, as the services record them: every field of a case changed at once, amounts,
# levels, states, a review's cycle, a follow-up's date, the names of the things made.
EVERYTHING_CHANGED = {
    **dict.fromkeys(
        [
            "reference",
            "title",
            "description",
            "category",
            "ward",
            "area",
            "address",
            "postcode",
            "latitude",
            "longitude",
            "source",
            "level",
            "suggested_level",
            "state",
            "owner_organisation_id",
            "owner_user_id",
            "coordinator_user_id",
            "routing_reason",
            "confidential",
            "risk_flags",
            "agencies_needed",
            "barrier_id",
            "referred_back",
            "case_review_flag",
            "duplicate_of_id",
            "triage_reason",
            "ready_to_resolve",
            "subject_ref",
        ],
        "x",
    ),
    "similar_case_ids": [3],
    "reason": "Because.",
}
SAMPLES = [
    None,
    {},
    EVERYTHING_CHANGED,
    {
        "level": 2,
        "suggested_level": 3,
        "state": "resolved",
        "reason": "Cleared.",
        "sequence": 2,
        "overdue": True,
        "missed_reviews": 2,
        "outcome": "de_escalate",
        "amount_pence": -12_500,
        "net_pence": 2_585_000,
        "organisation_id": 1,
        "role": "lead",
        "visibility": "partners",
        "body": "A note.",
        "due_on": "2027-06-09",
        "months": 6,
        "name": "Sam",
        "code": "SW",
        "area": "SW",
        "year": 2026,
        "held_on": "2026-12-01",
        "title": "No bus",
        "borough_level": True,
        "prefix": "ab12cd34",
    },
]


def event(action, after=None, actor_id=None):
    return SimpleNamespace(at=AT, action=action, after=after, actor_id=actor_id)


STAFF = SimpleNamespace(name="Sam Singh", role="area_manager", organisation=None)
POLICE = SimpleNamespace(name="West Midlands Police")
ORGANISATIONS = {1: POLICE, "wm-police": POLICE}


def staff(action, after=None, actor=STAFF):
    return describe_for_staff(event(action, after, actor_id=1), {1: actor} if actor else {}, ORGANISATIONS)


def _unreadable(text: str, action: str) -> str | None:
    """Why a sentence does not say what happened, or None."""
    verb = action.split(".", 1)[1]
    if action in text:  # "review.created"
        return "names the action"
    if text.lower().strip() in {verb.replace("_", " "), "created", "updated", "decided", "changed"}:
        return "is a bare verb"
    if "_" in text or re.search(r"\bids?\b", text, flags=re.IGNORECASE):
        return "names a field"
    if re.search(r"\bNone\b|\{|\}", text):
        return "shows a blank"
    return None


def test_the_services_record_the_actions_this_test_knows_about():
    # The parse found them all: the literal ones, the f-string ones, those written in sets.
    assert {
        "case.created",
        "case.updated",
        "case.closed",
        "case.decision",
        "case.returned",
        "review.created",
        "case.stalled",
        "follow_up.created",
        "task.decline",
        "claim.not_supported",
        "ward.created",
        "user.signed_in",
    } <= RECORDED.keys()
    assert {"review.created", "case.stalled", "note.added", "spend.recorded"} <= set(ON_A_CASE)
    assert "user.signed_in" not in ON_A_CASE


@pytest.mark.parametrize("action", sorted(RECORDED))
def test_staff_read_who_did_what_for_every_action(action):
    for after in SAMPLES:
        line = describe_for_staff(event(action, after, actor_id=1), {1: STAFF}, ORGANISATIONS)
        why = _unreadable(line.text, action)
        assert why is None, f"{action} with {after}: {line.text!r} {why}"
        assert line.who == "Sam Singh"


@pytest.mark.parametrize("action", ON_A_CASE)
def test_a_councillor_reads_a_plain_sentence_for_every_action_in_a_case_history(action):
    for after in SAMPLES:
        line = describe_event(event(action, after))
        why = _unreadable(line.text, action)
        assert why is None, f"{action} with {after}: {line.text!r} {why}"


def test_a_review_made_by_the_sweep_says_which_review_and_whether_it_is_late():
    made = {"sequence": 2, "overdue": False, "missed_reviews": 0}
    line = describe_for_staff(event("review.created", made), {}, {})
    assert (line.who, line.text, line.detail) == ("The service", "Review 2 scheduled", None)
    late = {"sequence": 3, "overdue": True, "missed_reviews": 1}
    assert describe_for_staff(event("review.created", late), {}, {}).text == (
        "Review 3 scheduled: overdue, flagged for escalation"
    )
    assert describe_event(event("review.created", made)).text == "Review 2 scheduled"
    assert describe_event(event("review.created", late)).text == "Review 3 scheduled: overdue"
    # With its due date, when the record holds one (UK time: 00:30 UTC on 16 Dec is still 16 Dec).
    dated = {**made, "due_at": "2026-12-16T00:30:00+00:00"}
    assert describe_for_staff(event("review.created", dated), {}, {}).text == "Review 2 scheduled, due 16 Dec 2026"
    assert describe_event(event("review.created", dated)).text == "Review 2 scheduled, due 16 Dec 2026"


def test_a_councillor_reads_what_was_decided_not_a_bare_verb():
    assert describe_event(event("case.updated", {"title": "New title"})).text == "Details updated"
    assert describe_event(event("case.updated", {"state": "in_progress"})).text == "Work started"
    assert describe_event(event("case.decision", {"level": 2})).text == (
        "Assessed and sent to the team that will deal with it"
    )
    assert describe_event(event("case.escalation", {"level": 3})).text == "Moved up to level 3"
    review = describe_event(event("review.decided", {"outcome": "continue", "notes": "Carry on."}))
    assert (review.text, review.detail) == ("Reviewed: carry on", "Carry on.")
    assert describe_event(event("review.decided", {"outcome": "escalate", "level": 3})).text == (
        "Reviewed: move up to level 3"
    )
    assert describe_event(event("claim.verified", {"net_pence": 100})).text == "Savings claim verified by finance"
    assert describe_event(event("spend.recorded", {"amount_pence": 5000})).text == "Money spent on a quick win"


def test_a_change_names_its_fields_in_words():
    assert staff("case.updated", {"barrier_id": 4}).text == "Changed the borough-wide barrier"
    assert staff("case.updated", {"subject_ref": "changed"}).text == "Changed the subject reference"
    assert staff("case.updated", {"subject_ref": "set"}).text == "Set the subject reference"
    assert staff("case.updated", {"subject_ref": "cleared"}).text == "Cleared the subject reference"
    moved = staff("case.updated", {"title": "T", "ward": "pleck", "area": "SW", "latitude": 1.0, "longitude": 2.0})
    assert moved.text == "Changed the title, the ward and the location on the map"
    assert staff("case.updated", {"owner_organisation_id": 3, "owner_user_id": None}).text == "Changed the owner"
    assert staff("case.updated", {"colour": "blue"}).text == "Details changed"
    assert staff("case.updated", {"title": "T", "colour": "blue"}).text == "Changed the title and other details"
    assert staff("case.updated", {"state": "in_progress"}).text == "Work started"
    assert staff("case.updated", {"ready_to_resolve": True}).text == "Every task is finished: ready to resolve"


def test_a_stalled_case_says_the_reviews_were_missed():
    stalled = {
        "state": "returned",
        "suggested_level": 2,
        "missed_reviews": 2,
        "triage_reason": "Stalled at level one: 2 review cycles passed with the work not done and no decision; "
        "the simple action has not worked.",
    }
    line = describe_for_staff(event("case.stalled", stalled), {}, {})
    assert line.who == "The service"
    assert line.text == "Review missed twice: the case is stalled and back with the area manager"
    assert line.detail == stalled["triage_reason"]
    assert describe_event(event("case.stalled", stalled)).text == (
        "Review missed twice: the case is stalled and back with the area manager"
    )
    thrice = describe_event(event("case.stalled", {**stalled, "missed_reviews": 3})).text
    assert thrice.startswith("Review missed 3 times:")


def test_closing_says_how_the_case_was_closed():
    assert staff("case.closed", {"state": "closed", "reason": "No longer needed."}).text == "Closed the case"
    closed = staff("case.closed", {"state": "resolved", "reason": "Cleared by the crew."})
    assert (closed.text, closed.detail) == ("Closed the case as resolved", "Cleared by the crew.")
    assert staff("case.closed", {"state": "withdrawn"}).text == "Closed the case as withdrawn"
    assert describe_event(event("case.closed", {"state": "closed"})).text == "Case closed"
    assert describe_event(event("case.closed", {"state": "resolved"})).text == "Resolved and closed"
    assert describe_event(event("case.closed", {"state": "withdrawn"})).text == "Withdrawn and closed"


def test_who_did_it_a_person_a_partner_by_its_organisation_the_service_or_an_open311_client():
    partner = SimpleNamespace(name="PC Paul Ellis", role="partner", organisation=POLICE)
    accepted = staff("task.accept", {"organisation_id": 1, "role": "lead"}, actor=partner)
    assert (accepted.who, accepted.text) == ("West Midlands Police", "West Midlands Police accepted the task")
    offered = staff("task.offered", {"organisation_id": 1, "role": "lead"})
    assert (offered.who, offered.text) == ("Sam Singh", "Offered a lead task to West Midlands Police")
    reported = describe_for_staff(event("case.created", {"open311_client": "FixMyStreet"}), {}, {})
    assert (reported.who, reported.text) == ("FixMyStreet (Open311)", "Raised the case")
    assert staff("spend.reversed", {"amount_pence": -12_500}).text == "Reversed a spend of £125.00"
    assert staff("follow_up.created", {"due_on": "2027-06-09", "months": 6}).text == (
        "Planned a follow-up check of the saving, due 9 Jun 2027"
    )
    assert staff("follow_up.not_confirmed", {"notes": "Moved away."}).detail == "Moved away."
