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
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.domain.text import required_reason
from tasking.domain.visibility import note_audiences
from tasking.models import Case, CaseNote, Task
from tasking.services import audit, cases, clocks, notifications
from tasking.services.pagination import Page, paginate
from tasking.services.routing import hand_back, task_snapshot


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


def task_scope_organisation(principal: Principal) -> tuple[bool, int | None]:
    """Whether the principal's tasks are one organisation's, and whose ((False, None): a role that
    reads every organisation's). A partner with no organisation is refused here by the table."""
    require(principal, "task.read", message="Tasks are pulled by partner organisations.")
    if covers_all(principal, "task.read"):
        return False, None
    return True, principal.organisation_id


def task_scope(principal: Principal):
    scoped, organisation_id = task_scope_organisation(principal)
    return Task.organisation_id == organisation_id if scoped else None


def _query(principal: Principal):
    stmt = select(Task).options(
        joinedload(Task.organisation),
        joinedload(Task.case).options(joinedload(Case.category), joinedload(Case.ward), joinedload(Case.area)),
    )
    scope = task_scope(principal)
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
    policy: Policy,
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
    if action == "decline":
        text = required_reason(text, "declining a task")
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
        _keep_clocks(clocks.Clocks(session, policy, now), case, task, action)
        if action == "complete":
            _resolve_if_done(session, principal, case, task, text, now=now, policy=policy)
        session.flush()
    return get_task(session, principal, task.id)


def _effect_on_case(session, principal, case: Case, task: Task, action: str, text: str | None, now) -> None:
    before = {"state": case.state, "ready_to_resolve": case.ready_to_resolve, "triage_reason": case.triage_reason}
    if action == "progress":
        session.add(
            CaseNote(case_id=case.id, author_id=principal.user_id, body=text, visibility="partners", created_at=now)
        )
    if action in ("accept", "progress") and case.state == lifecycle.State.ASSIGNED:
        case.state = lifecycle.State.IN_PROGRESS.value
    declined = action == "decline" and lifecycle.is_open(case.state)
    hands_back = declined and rules.hands_case_back(task.role)
    if hands_back:
        # The organisation holding the case will not do it: back to the area's triage queue, saying
        # who declined and why (docs/routing.md, "The level-one loop").
        if case.lead_organisation_id == task.organisation_id:
            case.lead_organisation_id = None  # a named lead that declines is no longer the one named
        hand_back(session, case, reason=rules.declined_to_lead_reason(task.organisation.name, task.role, text or ""))
    elif action in ("complete", "decline"):
        # A supporting partner's decline leaves the case with its lead: only what is left to do changes.
        states = session.scalars(select(Task.state).where(Task.case_id == case.id, Task.id != task.id)).all()
        case.ready_to_resolve = rules.ready_to_resolve([*states, task.state])
    after = {"state": case.state, "ready_to_resolve": case.ready_to_resolve, "triage_reason": case.triage_reason}
    if after != before:
        case.updated_at = now
        changed_before, changed_after = audit.changes(before, after)
        audit.record(
            session,
            principal,
            "case.returned" if hands_back else "case.updated",
            "case",
            case.id,
            now=now,
            case_id=case.id,
            before=changed_before,
            after={**changed_after, **({"reason": text} if hands_back else {})},
            # A partner's reasons are for staff and partners, not councillors (note audiences, docs/roles.md).
            audience="partners" if declined else None,
        )
    if hands_back:
        _tell_area_managers(session, case, task, now)
    elif declined:
        _tell_owner(session, principal, case, task, text or "", now)


def _keep_clocks(keeper: clocks.Clocks, case: Case, task: Task, action: str) -> None:
    """Accepting answers the offer (and is the case's first response); declining answers it too;
    completing ends the work (docs/deadlines.md)."""
    if action == "accept":
        keeper.stop_task(task.id, [clocks.TASK_ACCEPT])
        keeper.stop_case(case.id, clocks.ACKNOWLEDGED)
        keeper.start(clocks.TASK_COMPLETE, case, task)
    elif action in ("decline", "complete"):
        keeper.stop_task(task.id)


def _resolve_if_done(
    session: Session,
    principal: Principal,
    case: Case,
    task: Task,
    outcome: str | None,
    *,
    now: datetime,
    policy: Policy,
) -> None:
    """The level-one loop: the organisation that owns a level-one case resolves it by finishing its
    work, with the outcome as the reason, unless it asked the area manager to check first."""
    if rules.completion_resolves(
        level=case.level,
        case_open=lifecycle.is_open(case.state),
        task_organisation_id=task.organisation_id,
        owner_organisation_id=case.owner_organisation_id,
        all_finished=case.ready_to_resolve,
        organisation_resolves=task.organisation.resolves_on_completion,
    ):
        reason = rules.completion_reason(outcome, task.organisation.name)
        session.flush()  # the task is done in the database before closing looks for work still active
        cases.close_case(
            session, principal, case, state=lifecycle.State.RESOLVED.value, reason=reason, now=now, policy=policy
        )


def _tell_owner(session: Session, principal: Principal, case: Case, task: Task, reason: str, now: datetime) -> None:
    """A supporting partner declined: its owner and coordinator may offer the task to another organisation."""
    owners = notifications.case_owners(session, [case])[case.id]
    people = dict([*owners, *notifications.active_person(session, case.coordinator_user_id)])
    people.pop(principal.user_id, None)
    organisation = task.organisation.name
    notifications.queue(
        session,
        [
            notifications.message(
                "task_declined",
                f"task_declined:{task.id}:{user_id}",
                (user_id, email),
                f"Task declined: {case.reference} {case.title}"[:200],
                f"{organisation} declined its {task.role} task on case {case.reference} ({case.title}): {reason}\n\n"
                "The case stays with its lead. The area manager may offer the task to another organisation.",
                case.id,
                now,
            )
            for user_id, email in people.items()
        ],
    )


def _tell_area_managers(session: Session, case: Case, task: Task, now: datetime) -> None:
    """The organisation holding the case declined: it waits in the area's triage queue for a person."""
    notifications.queue(
        session,
        [
            notifications.message(
                "case_returned",
                f"case_returned:{task.id}:{person[0]}",
                person,
                f"Back in triage: {case.reference} {case.title}"[:200],
                f"{case.triage_reason}\n\nCase {case.reference} ({case.title}) is back in the triage queue: "
                "decide its level again or name another lead.",
                case.id,
                now,
            )
            for person in notifications.area_managers(session, case.area_id)
        ],
    )
