"""Issue 21, warnings and breaches: the sweep warns a clock's owner a working day before it falls due
and records each breach once, telling the owner and, for a partner's task, the area managers too;
exactly once however many sweeps run at once (three processes, and three sweeps in threads racing
on the same rows)."""

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Clock, Notification, Task
from tasking.services import cases, classification, clocks, tasks
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.reviews.test_sweep import sweep_processes

ROOT = Path(__file__).resolve().parent.parent
# Wednesday 23 December 2026, 10:00 UK (GMT): Christmas and Boxing Day (observed Monday 28th) follow.
RAISED = datetime(2026, 12, 23, 10, 0, tzinfo=timezone.utc)


def _raise_and_offer(session, manager, *, now, title="Needles in the park"):
    """An area manager raises a litter case and decides level one: the street cleansing service is offered the task."""
    who = principal_for(manager)
    with unit_of_work(session):
        case = cases.create_case(
            session,
            who,
            {"title": title, "description": "d", "category": "litter", "ward": "pleck"},
            now=now,
            policy=Policy(),
        )
    with unit_of_work(session):
        classification.record_decision(session, who, case, level=1, reason="a quick clean", now=now, policy=Policy())
    return case


def _events(session, action):
    return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_a_task_not_accepted_is_warned_then_breached_once_and_the_area_manager_hears_of_the_breach(session, make_user):
    manager = make_user("area_manager", areas=["SW"])
    case = _raise_and_offer(session, manager, now=RAISED)
    task = session.scalar(select(Task).where(Task.case_id == case.id).order_by(Task.id))
    partner = make_user("partner", organisation=task.organisation.code)
    clock = session.scalar(select(Clock).where(Clock.task_id == task.id, Clock.kind == "task_accept"))
    # Two working days to accept (the default), counted past Christmas Day and the Boxing Day holiday;
    # the warning one working day before.
    target = clock.target_working_days
    assert target == 2
    assert clock.due_at == datetime(2026, 12, 29, 10, 0, tzinfo=timezone.utc)
    assert clock.warn_at == datetime(2026, 12, 24, 10, 0, tzinfo=timezone.utc)

    def sweep(at):
        return clocks.sweep(session, units=lambda: unit_of_work(session), now=at, policy=Policy())

    assert (sweep(RAISED + timedelta(hours=1)).warned, sweep(RAISED + timedelta(hours=1)).breached) == (0, 0)
    first = sweep(clock.warn_at)
    assert (first.warned, first.breached) == (1, 0)
    assert sweep(clock.warn_at + timedelta(minutes=5)).warned == 0  # warned once
    warned = session.scalars(
        select(Notification.recipient).where(Notification.kind == "clock_warned", Notification.case_id == case.id)
    ).all()
    assert warned == [partner.email]  # the partner whose task it is; the area manager hears of breaches
    late = sweep(clock.due_at + timedelta(minutes=1))
    assert late.breached == 1
    assert sweep(clock.due_at + timedelta(days=3)).breached == 0  # a breach is recorded once
    session.expire_all()
    clock = session.get(Clock, clock.id)
    assert clock.breached_at == clock.due_at + timedelta(minutes=1)
    breach_notices = session.scalars(
        select(Notification.recipient).where(Notification.kind == "clock_breached", Notification.case_id == case.id)
    ).all()
    # The partner whose task it is, and the area manager, each told once about this clock.
    assert breach_notices.count(partner.email) == 1
    assert manager.email in breach_notices
    assert _events(session, "clock.breached") == late.breached

    # Accepting late stops the accept clock as missed and starts the completion clock.
    with unit_of_work(session):
        tasks.act(
            session,
            principal_for(partner),
            task.id,
            "accept",
            if_match="*",
            now=clock.due_at + timedelta(days=3),
            policy=Policy(),
        )
    session.expire_all()
    accepted = session.get(Clock, clock.id)
    assert accepted.stopped_at is not None and accepted.elapsed_seconds > target * 8 * 3600
    assert session.scalar(select(Clock).where(Clock.task_id == task.id, Clock.kind == "task_complete")) is not None


def _past_due_clocks(session, manager, count):
    """Cases raised a month ago whose clocks are all past due now (real time: the processes below read it)."""
    start = datetime.now(timezone.utc) - timedelta(days=40)
    for i in range(count):
        _raise_and_offer(session, manager, now=start, title=f"Case {i}")
    return session.scalar(select(func.count()).select_from(Clock).where(Clock.stopped_at.is_(None)))


def _once_each(session, running):
    session.expire_all()
    warned = session.scalar(select(func.count()).select_from(Clock).where(Clock.warned_at.is_not(None)))
    breached = session.scalar(select(func.count()).select_from(Clock).where(Clock.breached_at.is_not(None)))
    assert breached == running
    assert _events(session, "clock.breached") == running
    assert _events(session, "clock.warned") == warned
    duplicates = session.execute(
        select(Notification.dedupe_key, func.count()).group_by(Notification.dedupe_key).having(func.count() > 1)
    ).all()
    assert duplicates == []


def test_three_sweep_processes_started_together_record_each_breach_once(app, session, make_user):
    manager = make_user("area_manager", areas=["SW"])
    running = _past_due_clocks(session, manager, 12)
    sweep_processes(app)
    _once_each(session, running)


def test_three_sweeps_racing_on_the_same_rows_record_each_breach_once(app, session, make_user):
    """No lease here: three sweeps in threads, each with its own connection, take the same clocks at
    once; the condition in each UPDATE lets one of them mark each clock."""
    manager = make_user("area_manager", areas=["SW"])
    running = _past_due_clocks(session, manager, 12)
    engine = session.get_bind()
    moment = datetime.now(timezone.utc)
    barrier, errors = threading.Barrier(3), []

    def one():
        own = Session(bind=engine)
        try:
            barrier.wait()
            clocks.sweep(own, units=lambda: unit_of_work(own), now=moment, policy=Policy(sweep_batch_size=3))
        except Exception as error:  # noqa: BLE001 - reported below, with the others
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    if engine.dialect.name == "sqlite":
        # SQLite has one writer at a time: a sweep that found the database locked gives way.
        errors = [e for e in errors if "locked" not in str(e)]
    assert errors == []
    _once_each(session, running)
