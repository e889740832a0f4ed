"""Case states and which changes between them a person may make directly.

States carry a type (open or closed) as in FixMyStreet. Triage, tasks and reviews move cases
between open states through their own use cases; what is here are the moves a member of staff
makes by hand: closing a case one way or another, and reopening it.
"""
from enum import StrEnum


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

# Closing by hand: `duplicate` needs the case it duplicates, so it has its own use case.
MANUAL_CLOSE_TARGETS = frozenset({State.RESOLVED, State.CLOSED, State.WITHDRAWN})


class TransitionRefused(Exception):
    """The move is not allowed from the case's current state."""


def is_open(state: str) -> bool:
    return State(state) in OPEN_STATES


def reopen_state(level: int | None) -> State:
    """A reopened case goes back to triage if nobody has set its level yet, else to its owner."""
    return State.NEW if level is None else State.RETURNED


def check_manual_transition(current: str, target: str, reason: str | None) -> State:
    """Validate a state change asked for by a person; return the state the case ends in."""
    current_state, target_state = State(current), State(target)
    if current_state == target_state:
        raise TransitionRefused(f"the case is already {current_state.value}")
    if current_state in OPEN_STATES:
        if target_state not in MANUAL_CLOSE_TARGETS:
            raise TransitionRefused(
                f"an open case can be set to {', '.join(sorted(MANUAL_CLOSE_TARGETS))} by hand, "
                f"not {target_state.value}"
            )
    elif target_state not in OPEN_STATES:
        raise TransitionRefused(f"the case is {current_state.value}; reopen it before changing how it closed")
    if not (reason and reason.strip()):
        verb = "closing" if target_state in CLOSED_STATES else "reopening"
        raise TransitionRefused(f"{verb} a case needs a reason")
    return target_state


def edits_allowed(state: str) -> bool:
    """Details of a closed case are a record; reopen it to change them."""
    return is_open(state)
