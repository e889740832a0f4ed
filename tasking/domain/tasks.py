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


def completion_resolves(
    *,
    level: int | None,
    case_open: bool,
    task_organisation_id: int,
    owner_organisation_id: int | None,
    all_finished: bool,
    organisation_resolves: bool,
) -> bool:
    """Completing a task resolves its case when the case is an open level-one job owned by the task's
    organisation, all its work is finished, and the organisation has not asked that the area manager
    check its work first (docs/routing.md, "The level-one loop")."""
    return (
        level == 1
        and case_open
        and owner_organisation_id is not None
        and task_organisation_id == owner_organisation_id
        and all_finished
        and organisation_resolves
    )


def completion_reason(outcome: str | None, organisation_name: str) -> str:
    """The reason a completed level-one job resolves its case: the outcome as written, trimmed, or a
    sentence naming who did it when none was written."""
    text = (outcome or "").strip()
    return text or f"{organisation_name} completed the level-one job."


def declined_to_lead_reason(organisation_name: str, role: str, reason: str) -> str:
    """Why a case waits in triage after its lead or front-line organisation declined."""
    doing = "declined the front-line job" if role == TaskRole.FRONTLINE else "declined to lead"
    return f"{organisation_name} {doing}: {reason}"


def hands_case_back(role: str) -> bool:
    """A decline by the organisation that holds the case (its lead, or the front-line service of a
    level-one job) sends the case back to triage; a supporting partner's leaves it with its lead."""
    return TaskRole(role) in (TaskRole.LEAD, TaskRole.FRONTLINE)
