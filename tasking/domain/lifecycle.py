"""Case states and which changes between them a person may make directly.

States carry a type (open or closed) as in FixMyStreet. Triage, tasks and reviews move cases
between open states through their own use cases; here are the moves a member of staff makes by
hand: closing a case one way or another, and reopening it.
"""

from enum import StrEnum

from tasking.domain.errors import TransitionRefused, ValidationFailed


class State(StrEnum):
    NEW = "new"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"


OPEN_STATES = frozenset({State.NEW, State.TRIAGED, State.ASSIGNED, State.IN_PROGRESS, State.RETURNED})
CLOSED_STATES = frozenset({State.RESOLVED, State.CLOSED, State.DUPLICATE, State.WITHDRAWN})
STATES = tuple(s.value for s in State)

# The area's triage queue: cases waiting for a person to decide their level or route.
TRIAGE_STATES = frozenset({State.NEW, State.RETURNED})

# Closing by hand: `duplicate` needs the case it duplicates, so it has its own use case.
MANUAL_CLOSE_TARGETS = frozenset({State.RESOLVED, State.CLOSED, State.WITHDRAWN})


def is_open(state: str) -> bool:
    return State(state) in OPEN_STATES


def reopen_state(level: int | None) -> State:
    """A reopened case goes back to triage if nobody has set its level yet, else to its owner."""
    return State.NEW if level is None else State.RETURNED


def _needs_reason(reason: str | None, doing: str) -> None:
    if not (reason and reason.strip()):
        raise ValidationFailed(f"{doing.capitalize()} a case needs a reason.", field="reason", code="reason_required")


def check_close(current: str, target: str, reason: str | None) -> State:
    """Closing by hand: an open case becomes resolved, closed or withdrawn, with a reason."""
    current_state, target_state = State(current), State(target)
    if current_state in CLOSED_STATES:
        raise TransitionRefused(f"The case is already {current_state.value}; reopen it first.")
    if target_state not in MANUAL_CLOSE_TARGETS:
        raise ValidationFailed(
            f"A case can be set to {', '.join(sorted(MANUAL_CLOSE_TARGETS))} by hand, not {target_state.value}.",
            field="state",
            code="not_a_manual_state",
        )
    _needs_reason(reason, "closing")
    return target_state


def check_reopen(current: str, level: int | None, reason: str | None) -> State:
    """Reopening: a closed case goes back to triage, with a reason."""
    if State(current) in OPEN_STATES:
        raise TransitionRefused(f"The case is {current}, not closed.")
    _needs_reason(reason, "reopening")
    return reopen_state(level)


def awaiting_triage(state: str) -> bool:
    return State(state) in TRIAGE_STATES


def edits_allowed(state: str) -> bool:
    """Details of a closed case are a record; reopen it to change them."""
    return is_open(state)
