"""Tasks: a piece of a case offered to one organisation."""
from enum import StrEnum


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
