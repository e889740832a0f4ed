"""Tasks: a piece of a case offered to one organisation."""

from enum import StrEnum

from tasking.domain.errors import TaskRefused


class TaskState(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


TASK_STATES = tuple(s.value for s in TaskState)
ACTIVE_TASK_STATES = frozenset({TaskState.OFFERED, TaskState.ACCEPTED, TaskState.IN_PROGRESS})


class TaskRole(StrEnum):
    FRONTLINE = "frontline"  # does the level-one job
    LEAD = "lead"  # leads a level-three intervention
    SUPPORT = "support"  # another agency named for the category


TASK_ROLES = tuple(r.value for r in TaskRole)


# What each partner action does from each state: the state it leads to, or None when the action
# already happened (a retry after a network fault must change nothing). Missing: refused.
_ACTIONS: dict[str, dict[TaskState, TaskState | None]] = {
    "accept": {
        TaskState.OFFERED: TaskState.ACCEPTED,
        TaskState.ACCEPTED: None,
        TaskState.IN_PROGRESS: None,
        TaskState.DONE: None,
    },
    "decline": {
        TaskState.OFFERED: TaskState.DECLINED,
        TaskState.ACCEPTED: TaskState.DECLINED,
        TaskState.IN_PROGRESS: TaskState.DECLINED,
        TaskState.DECLINED: None,
    },
    "progress": {TaskState.ACCEPTED: TaskState.IN_PROGRESS, TaskState.IN_PROGRESS: TaskState.IN_PROGRESS},
    "complete": {
        TaskState.OFFERED: TaskState.DONE,
        TaskState.ACCEPTED: TaskState.DONE,
        TaskState.IN_PROGRESS: TaskState.DONE,
        TaskState.DONE: None,
    },
}


def plan(action: str, current: str) -> TaskState | None:
    """The state `action` moves a task to, None if it is a repeat, or TaskRefused."""
    moves = _ACTIONS[action]
    state = TaskState(current)
    if state not in moves:
        hint = " Accept it first." if action == "progress" and state == TaskState.OFFERED else ""
        raise TaskRefused(f"A {state.value.replace('_', ' ')} task cannot be {_PAST[action]}.{hint}")
    return moves[state]


_PAST = {"accept": "accepted", "decline": "declined", "progress": "updated", "complete": "completed"}


def ready_to_resolve(states: list[str]) -> bool:
    """All the work offered is finished: nothing active, and something done."""
    current = [TaskState(s) for s in states]
    return bool(current) and not any(s in ACTIVE_TASK_STATES for s in current) and TaskState.DONE in current
