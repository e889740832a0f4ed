"""Partners pull the tasks offered to their organisation and report back on them."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tasking.domain import lifecycle
from tasking.domain import tasks as rules
from tasking.domain.errors import NotFound, PreconditionFailed
from tasking.domain.etags import if_match_allows
from tasking.domain.permissions import Target, can, covers_all, require
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.domain.visibility import note_audiences
from tasking.models import Case, CaseNote, Task
from tasking.services import audit
from tasking.services.pagination import Page, paginate
from tasking.services.routing import task_snapshot


@dataclass(frozen=True)
class TaskFilters:
    state: str | None = None
    updated_since: datetime | None = None


@dataclass
class TaskView:
    """A task with what its organisation may know of the case."""

    task: Task
    notes: list[CaseNote]
    redacted: bool  # a confidential case the organisation does not own: details withheld


def _scope(principal: Principal):
    require(principal, "task.read", message="Tasks are pulled by partner organisations.")
    if covers_all(principal, "task.read"):
        return None
    return Task.organisation_id == principal.organisation_id


def _query(principal: Principal):
    stmt = select(Task).options(
        joinedload(Task.organisation),
        joinedload(Task.case).options(joinedload(Case.category), joinedload(Case.ward), joinedload(Case.area)),
    )
    scope = _scope(principal)
    return stmt if scope is None else stmt.where(scope)


def _views(session: Session, principal: Principal, tasks: list[Task]) -> list[TaskView]:
    redacted = {
        t.id: t.case.confidential
        and not can(principal, "task.confidential_details", Target(organisation_id=t.case.owner_organisation_id))
        for t in tasks
    }
    readable_cases = {t.case_id for t in tasks if not redacted[t.id]}
    notes: dict[int, list[CaseNote]] = {case_id: [] for case_id in readable_cases}
    if readable_cases:
        for note in session.scalars(
            select(CaseNote)
            .where(CaseNote.case_id.in_(readable_cases), CaseNote.visibility.in_(note_audiences(Role.PARTNER)))
            .order_by(CaseNote.created_at, CaseNote.id)
        ):
            notes[note.case_id].append(note)
    return [TaskView(t, notes.get(t.case_id, []), redacted[t.id]) for t in tasks]


def list_tasks(session: Session, principal: Principal, filters: TaskFilters, *, cursor: str | None, size: int) -> Page:
    stmt = _query(principal)
    if filters.state:
        stmt = stmt.where(Task.state == filters.state)
    if filters.updated_since:
        stmt = stmt.where(Task.updated_at >= filters.updated_since)
        page = paginate(session, stmt, [(Task.updated_at, False), (Task.id, False)], cursor=cursor, size=size)
    else:
        page = paginate(session, stmt, [(Task.id, True)], cursor=cursor, size=size)
    page.items = _views(session, principal, page.items)
    return page


def _task(session: Session, principal: Principal, task_id: int) -> Task:
    stmt = _query(principal).where(Task.id == task_id)
    task = session.scalar(stmt)
    if task is None:
        raise NotFound("No such task.")
    return task


def get_task(session: Session, principal: Principal, task_id: int) -> TaskView:
    return _views(session, principal, [_task(session, principal, task_id)])[0]


def act(
    session: Session,
    principal: Principal,
    task_id: int,
    action: str,
    *,
    if_match: str,
    now: datetime,
    text: str | None = None,
) -> TaskView:
    """accept, decline (text: reason), progress (text: note) or complete (text: outcome)."""
    task = _task(session, principal, task_id)
    require(
        principal,
        "task.act",
        Target(organisation_id=task.organisation_id),
        "Only the partner organisation acts on its tasks.",
    )
    target = rules.plan(action, task.state)
    if target is None:
        return get_task(session, principal, task.id)  # already done: a retry changes nothing
    if not if_match_allows(if_match, "task", task.id, task.version):
        raise PreconditionFailed("The task has changed since you read it; fetch it again.")
    case = task.case
    with session.no_autoflush:
        before = task_snapshot(task)
        task.state, task.updated_at = target.value, now
        if action == "decline":
            task.decline_reason = text
        if action == "complete":
            task.outcome = text
        after = {**task_snapshot(task), **({"text": text} if text else {})}
        audit.record(
            session,
            principal,
            f"task.{action}",
            "task",
            task.id,
            now=now,
            case_id=case.id,
            before=before,
            after=after,
            audience="partners",
        )
        _effect_on_case(session, principal, case, task, action, text, now)
        session.flush()
    return get_task(session, principal, task.id)


def _effect_on_case(session, principal, case: Case, task: Task, action: str, text: str | None, now) -> None:
    before = {"state": case.state, "ready_to_resolve": case.ready_to_resolve}
    if action == "progress":
        session.add(
            CaseNote(case_id=case.id, author_id=principal.user_id, body=text, visibility="partners", created_at=now)
        )
    if action in ("accept", "progress") and case.state == lifecycle.State.ASSIGNED:
        case.state = lifecycle.State.IN_PROGRESS.value
    if action == "decline" and lifecycle.is_open(case.state):
        # Back to the owner's triage queue with the reason: no case bounces without one.
        case.state = lifecycle.State.RETURNED.value
    if action == "complete":
        states = session.scalars(select(Task.state).where(Task.case_id == case.id, Task.id != task.id)).all()
        case.ready_to_resolve = rules.ready_to_resolve([*states, task.state])
    after = {"state": case.state, "ready_to_resolve": case.ready_to_resolve}
    if after != before:
        case.updated_at = now
        changed_before, changed_after = audit.changes(before, after)
        reason = {"decline": text} if action == "decline" else {}
        audit.record(
            session,
            principal,
            "case.returned" if action == "decline" else "case.updated",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before=changed_before,
            after={**changed_after, **({"reason": reason["decline"]} if reason else {})},
        )
