"""Putting a levelled case in the hands of its owner and offering its tasks."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.domain import routing
from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.lifecycle import State
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.roles import Role
from tasking.domain.tasks import ACTIVE_TASK_STATES, TaskRole, TaskState
from tasking.models import Case, Organisation, Task, User, user_areas
from tasking.services import audit, clocks, notifications
from tasking.services.calendar import working_calendar


def task_snapshot(task: Task) -> dict:
    return {
        "case_id": task.case_id,
        "organisation_id": task.organisation_id,
        "role": task.role,
        "state": task.state,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


def area_manager_id(session: Session, area_id: int) -> int | None:
    return session.scalar(
        select(User.id)
        .join(user_areas, user_areas.c.user_id == User.id)
        .where(user_areas.c.area_id == area_id, User.role == Role.AREA_MANAGER, User.active.is_(True))
        .order_by(User.id)
        .limit(1)
    )


def _inputs(session: Session, case: Case):
    category = case.category
    category_route = routing.CategoryRoute(
        frontline_organisation_id=category.frontline_organisation_id,
        lead_organisation_id=category.lead_organisation_id,
        support_organisation_ids=tuple(o.id for o in category.support_organisations),
    ).led_by(case.lead_organisation_id)
    borough = routing.BoroughRoute(
        organisation_id=session.scalar(
            select(Organisation.id).where(Organisation.kind == "borough").order_by(Organisation.id).limit(1)
        ),
        officer_user_id=session.scalar(
            select(User.id).where(User.role == Role.BOROUGH_OFFICER, User.active.is_(True)).order_by(User.id).limit(1)
        ),
    )
    return category_route, routing.AreaRoute(area_manager_id(session, case.area_id)), borough


def hand_back(session: Session, case: Case, *, reason: str) -> None:
    """The case waits in its area's triage queue for the area manager, who holds it until a person
    decides again: the organisation that held it (a decliner, a front line whose job was referred
    back or stalled) no longer owns it, so its reviews and its right to close it go with it
    (docs/routing.md, "Declines and leads")."""
    manager = area_manager_id(session, case.area_id)
    case.state = State.RETURNED.value
    case.triage_reason = reason
    case.owner_organisation_id = case.coordinator_user_id = None
    case.owner_user_id = manager
    if manager is None:
        case.routing_reason = "The area has no area manager to take the case back."
    session.expire(case, ["owner_organisation", "owner_user"])


def declined_organisations(session: Session, case_id: int) -> frozenset[int]:
    """Organisations whose latest task on the case is one they declined."""
    latest = (
        select(Task.organisation_id, func.max(Task.id).label("task_id"))
        .where(Task.case_id == case_id)
        .group_by(Task.organisation_id)
        .subquery()
    )
    return frozenset(
        session.scalars(
            select(Task.organisation_id)
            .join(latest, latest.c.task_id == Task.id)
            .where(Task.state == TaskState.DECLINED.value)
        )
    )


def apply_route(
    session: Session,
    actor: Principal,
    case: Case,
    *,
    now: datetime,
    policy: Policy,
    chosen: int | None = None,
) -> routing.Route:
    """Route the case by its level: set its owner and state, cancel tasks the route no longer
    offers and offer the new ones. An unroutable case goes back to its area's triage queue.
    Organisations that declined are not offered their task again unless a person `chosen` one."""
    assert case.level is not None, "a case is routed once it has a level"
    declined = declined_organisations(session, case.id) - {chosen}
    category, area, borough = _inputs(session, case)
    result = routing.route(case.level, category, area, borough, declined=declined)
    case.ready_to_resolve = False
    if result.routed:
        case.owner_organisation_id = result.owner_organisation_id
        case.owner_user_id = result.owner_user_id
        case.coordinator_user_id = result.coordinator_user_id
        case.routing_reason = case.triage_reason = None
        case.state = State.ASSIGNED.value
    else:
        case.owner_organisation_id = case.owner_user_id = case.coordinator_user_id = None
        case.routing_reason = result.queue_reason
        case.state = State.RETURNED.value
    offered = {offer.organisation_id: offer for offer in result.offers}
    active = list(session.scalars(select(Task).where(Task.case_id == case.id, Task.state.in_(ACTIVE_TASK_STATES))))
    for task in active:
        if task.organisation_id not in offered:
            cancel_task(session, actor, task, now=now, reason="The case was re-routed.")
    held = set()
    for task in active:
        offer = offered.get(task.organisation_id)
        if offer is None:
            continue
        held.add(task.organisation_id)
        if task.role != offer.role.value:
            # The organisation stays on the case in a new role; its task (and its acceptance) carries on.
            before = task_snapshot(task)
            task.role, task.updated_at = offer.role.value, now
            audit.record(
                session,
                actor,
                "task.role_changed",
                "task",
                task.id,
                now=now,
                case_id=case.id,
                before=before,
                after=task_snapshot(task),
            )
    due = working_calendar(session, policy).due(now, policy.review_interval(case.level))
    new_tasks = [
        Task(
            case_id=case.id,
            organisation_id=org_id,
            role=offer.role.value,
            state=TaskState.OFFERED.value,
            due_at=due,
            created_at=now,
            updated_at=now,
        )
        for org_id, offer in offered.items()
        if org_id not in held
    ]
    session.add_all(new_tasks)
    session.flush()
    keeper = clocks.Clocks(session, policy, now)
    for task in new_tasks:
        audit.record(
            session, actor, "task.offered", "task", task.id, now=now, case_id=case.id, after=task_snapshot(task)
        )
        _notify_offer(session, case, task, due, now)
        keeper.start(clocks.TASK_ACCEPT, case, task)
    # The owner was set by id: what the caller shows next must load the new owner, not the old one.
    session.expire(case, ["owner_organisation", "owner_user"])
    return result


def _notify_offer(session: Session, case: Case, task: Task, due: datetime, now: datetime) -> None:
    notifications.queue(
        session,
        [
            notifications.message(
                "task_offered",
                f"task_offered:{task.id}:{person[0]}",
                person,
                f"New task {case.reference}: {case.title}"[:200],
                f"Your organisation has been offered a {task.role} task on case {case.reference} "
                f"({case.title}), due {due:%-d %B %Y}. Pull it with GET /api/v1/tasks/{task.id}.",
                case.id,
                now,
            )
            for person in notifications.organisation_people(session, task.organisation_id)
        ],
    )


def cancel_task(session: Session, actor: Principal, task: Task, *, now: datetime, reason: str) -> None:
    before = task_snapshot(task)
    task.state = TaskState.CANCELLED.value
    task.updated_at = now
    clocks.cancel_task_clocks(session, task.id, now=now)
    audit.record(
        session,
        actor,
        "task.cancelled",
        "task",
        task.id,
        now=now,
        case_id=task.case_id,
        before=before,
        after={**task_snapshot(task), "reason": reason},
    )


def cancel_active_tasks(session: Session, actor: Principal, case: Case, *, now: datetime, reason: str) -> None:
    for task in session.scalars(select(Task).where(Task.case_id == case.id, Task.state.in_(ACTIVE_TASK_STATES))):
        cancel_task(session, actor, task, now=now, reason=reason)


def offer_task(
    session: Session, actor: Principal, case, organisation_code: str, *, now: datetime, policy: Policy
) -> Task:
    """A person offers part of a case to one more partner: a supporting task, due on the level's cycle."""
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
    if organisation is None:
        raise ValidationFailed("Unknown organisation.", {"organisation": [f"Unknown code {organisation_code}."]})
    active = session.scalar(
        select(Task.id).where(
            Task.case_id == case.id, Task.organisation_id == organisation.id, Task.state.in_(ACTIVE_TASK_STATES)
        )
    )
    if active is not None:
        raise Conflict(f"{organisation.name} already has a task on this case.")
    due = working_calendar(session, policy).due(now, policy.review_interval(case.level or case.suggested_level or 1))
    task = Task(
        case_id=case.id,
        organisation_id=organisation.id,
        role=TaskRole.SUPPORT.value,
        state=TaskState.OFFERED.value,
        due_at=due,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    case.ready_to_resolve = False
    session.flush()
    audit.record(session, actor, "task.offered", "task", task.id, now=now, case_id=case.id, after=task_snapshot(task))
    _notify_offer(session, case, task, due, now)
    clocks.Clocks(session, policy, now).start(clocks.TASK_ACCEPT, case, task)
    session.flush()
    return task
