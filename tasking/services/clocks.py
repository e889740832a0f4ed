"""Keeping the clocks (docs/deadlines.md): started and stopped by the use cases whose events they
time, paused while their case waits on someone outside the service, and swept for warnings and
breaches, each recorded once however many sweeps run at once."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from tasking.domain.deadlines import (
    COUNCILLOR_ACKNOWLEDGE,
    COUNCILLOR_ANSWER,
    FIRST_RESPONSE,
    KIND_WORDS,
    TASK_ACCEPT,
    TASK_COMPLETE,
    TASK_KINDS,
    TargetRow,
)
from tasking.domain.policy import Policy
from tasking.domain.working_days import UK, WorkingCalendar
from tasking.models import Case, CaseWait, Clock, Task
from tasking.services import audit, notifications, targets
from tasking.services.calendar import working_calendar
from tasking.services.units import Units

# The case events that answer each kind of case clock (the task clocks stop with their task).
ACKNOWLEDGED = (FIRST_RESPONSE, COUNCILLOR_ACKNOWLEDGE)
FINISHED = (FIRST_RESPONSE, COUNCILLOR_ACKNOWLEDGE, COUNCILLOR_ANSWER)


class Clocks:
    """The clocks of one use case: the calendar and the targets read once, when first needed."""

    def __init__(self, session: Session, policy: Policy, now: datetime):
        self.session, self.policy, self.now = session, policy, now
        self._calendar: WorkingCalendar | None = None
        self._targets: list[TargetRow] | None = None

    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            self._calendar = working_calendar(self.session, self.policy)
        return self._calendar

    @property
    def known_targets(self) -> list[TargetRow]:
        if self._targets is None:
            self._targets = targets.rows(self.session)
        return self._targets

    def start(self, kind: str, case: Case, task: Task | None = None, *, new_case: bool = False) -> Clock | None:
        """Start a clock of `kind` for the case (or its task) unless one of that kind is already
        running for it. None when the kind has no target. A case raised in this transaction has no
        clocks and no hold yet (`new_case`): nothing to look up."""
        organisation_id = task.organisation_id if task is not None else None
        level = case.level or case.suggested_level
        days = targets.working_days(
            self.session,
            kind,
            level=level,
            category_id=case.category_id,
            organisation_id=organisation_id,
            known=self.known_targets,
        )
        if days is None or (not new_case and self._running(kind, case.id, task.id if task is not None else None)):
            return None
        waiting = (
            None
            if new_case
            else self.session.scalar(
                select(CaseWait.id).where(CaseWait.case_id == case.id, CaseWait.ended_at.is_(None)).limit(1)
            )
        )
        clock = Clock(
            kind=kind,
            case_id=case.id,
            task_id=task.id if task is not None else None,
            organisation_id=organisation_id,
            area_id=case.area_id,
            level=level,
            target_working_days=days,
            started_at=self.now,
            due_at=self.calendar.due(self.now, days),
            warn_at=self.calendar.warn_at(self.now, days, warning_days=self.policy.deadline_warning_days),
            paused_at=self.now if waiting is not None else None,
            paused_seconds=0,
        )
        self.session.add(clock)
        return clock

    def _running(self, kind: str, case_id: int, task_id: int | None) -> bool:
        query = select(Clock.id).where(Clock.kind == kind, Clock.case_id == case_id, Clock.stopped_at.is_(None))
        query = query.where(Clock.task_id.is_(None) if task_id is None else Clock.task_id == task_id)
        return self.session.scalar(query.limit(1)) is not None

    def stop_case(self, case_id: int, kinds: Iterable[str]) -> list[Clock]:
        """Stop the case's own running clocks of these kinds (the event they were timing happened)."""
        found = self.session.scalars(
            select(Clock).where(
                Clock.case_id == case_id,
                Clock.task_id.is_(None),
                Clock.kind.in_(list(kinds)),
                Clock.stopped_at.is_(None),
            )
        ).all()
        return [self._stop(clock) for clock in found]

    def stop_task(self, task_id: int, kinds: Iterable[str] = TASK_KINDS) -> list[Clock]:
        found = self.session.scalars(
            select(Clock).where(Clock.task_id == task_id, Clock.kind.in_(list(kinds)), Clock.stopped_at.is_(None))
        ).all()
        return [self._stop(clock) for clock in found]

    def stop_all(self, case_id: int) -> list[Clock]:
        """A case closed, resolved or withdrawn: nothing more is owed on any of its clocks."""
        found = self.session.scalars(select(Clock).where(Clock.case_id == case_id, Clock.stopped_at.is_(None))).all()
        return [self._stop(clock) for clock in found]

    def _stop(self, clock: Clock) -> Clock:
        if clock.paused_at is not None:
            clock.paused_seconds += self.calendar.working_seconds_between(clock.paused_at, self.now)
            clock.paused_at = None
        clock.stopped_at = self.now
        clock.elapsed_seconds = max(
            0, self.calendar.working_seconds_between(clock.started_at, self.now) - clock.paused_seconds
        )
        return clock

    def pause_case(self, case_id: int) -> None:
        """The case waits on someone outside: its running clocks (its tasks' too) stop counting."""
        self.session.execute(
            update(Clock)
            .where(Clock.case_id == case_id, Clock.stopped_at.is_(None), Clock.paused_at.is_(None))
            .values(paused_at=self.now)
            .execution_options(synchronize_session=False)
        )

    def resume_case(self, case_id: int) -> list[Clock]:
        """The wait is over: each paused clock's due time moves on by exactly the working time it
        spent paused."""
        found = self.session.scalars(
            select(Clock)
            .where(Clock.case_id == case_id, Clock.stopped_at.is_(None), Clock.paused_at.is_not(None))
            .execution_options(populate_existing=True)
        ).all()
        for clock in found:
            assert clock.paused_at is not None
            clock.paused_seconds += self.calendar.working_seconds_between(clock.paused_at, self.now)
            clock.paused_at = None
            self._set_times(clock)
        return list(found)

    def _set_times(self, clock: Clock) -> None:
        clock.due_at = self.calendar.due(
            clock.started_at, clock.target_working_days, paused_seconds=clock.paused_seconds
        )
        clock.warn_at = self.calendar.warn_at(
            clock.started_at,
            clock.target_working_days,
            warning_days=self.policy.deadline_warning_days,
            paused_seconds=clock.paused_seconds,
        )


def case_ended(session: Session, case_id: int, *, actor_id: int | None, now: datetime, policy: Policy) -> None:
    """A case closed, resolved, withdrawn or marked a duplicate: a hold on it ends, and every clock
    still running stops (counting the pause so far)."""
    session.execute(
        update(CaseWait)
        .where(CaseWait.case_id == case_id, CaseWait.ended_at.is_(None))
        .values(ended_at=now, ended_by_id=actor_id)
        .execution_options(synchronize_session=False)
    )
    Clocks(session, policy, now).stop_all(case_id)


def cancel_task_clocks(session: Session, task_id: int, *, now: datetime) -> None:
    """The task was cancelled (the case re-routed, closed or a duplicate): its clocks stop, neither
    met nor missed."""
    session.execute(
        update(Clock)
        .where(Clock.task_id == task_id, Clock.stopped_at.is_(None))
        .values(stopped_at=now, paused_at=None, cancelled=True)
        .execution_options(synchronize_session=False)
    )


@dataclass
class ClockSweep:
    warned: int = 0
    breached: int = 0


def _mark(session: Session, column, at_column, now: datetime, size: int) -> list[int]:
    """Set `column` to now on up to `size` running clocks whose `at_column` has come and that have
    none yet, and return their ids. The condition is in the UPDATE itself, so of several sweeps at
    once each clock is marked by exactly one (PostgreSQL re-checks it after waiting on the row)."""
    running: list[ColumnElement[bool]] = [
        Clock.stopped_at.is_(None),
        Clock.paused_at.is_(None),
        column.is_(None),
        at_column <= now,
    ]
    if column is Clock.warned_at:
        # A clock the sweep first reaches after it fell due is breached, not warned and breached at once.
        running.append(Clock.due_at > now)
    chosen = select(Clock.id).where(*running).order_by(Clock.id).limit(size).scalar_subquery()
    return list(
        session.scalars(
            update(Clock)
            .where(Clock.id.in_(chosen), *running)
            .values({column.key: now})
            .returning(Clock.id)
            .execution_options(synchronize_session=False)
        )
    )


def _notices(session: Session, clock_ids: list[int], event: str, now: datetime) -> None:
    """Tell the clock's owner, and for a partner's task the area managers too; audit each once."""
    rows = []
    for clock, case in session.execute(
        select(Clock, Case).join(Case, Case.id == Clock.case_id).where(Clock.id.in_(clock_ids))
    ):
        when = "is near" if event == "warned" else "has passed"
        words = KIND_WORDS[clock.kind]
        subject = f"{case.reference}: the deadline to {words} {when}"
        body = (
            f"The deadline to {words} on {case.reference} ({case.title}) is {clock.target_working_days} "
            f"working days; it falls due at {clock.due_at.astimezone(UK):%H:%M on %A %-d %B %Y} (UK time)."
        )
        if clock.organisation_id is not None:
            people = notifications.organisation_people(session, clock.organisation_id)
            if event == "breached":
                people = people + notifications.area_managers(session, case.area_id)
        else:
            people = notifications.case_owners(session, [case])[case.id]
        seen = set()
        for person in people:
            if person[0] in seen:
                continue
            seen.add(person[0])
            rows.append(
                notifications.message(
                    f"clock_{event}", f"clock:{clock.id}:{event}:{person[0]}", person, subject, body, case.id, now
                )
            )
        audit.record(
            session,
            None,
            f"clock.{event}",
            "clock",
            clock.id,
            now=now,
            case_id=case.id,
            after={"kind": clock.kind, "due_at": clock.due_at.isoformat(), "task_id": clock.task_id},
            # Deadline bookkeeping is for staff and partners, not a councillor's history (docs/deadlines.md).
            audience="partners",
        )
    notifications.queue(session, rows)


def sweep(session: Session, *, units: Units, now: datetime, policy: Policy) -> ClockSweep:
    """Warnings first, then breaches, each in batches that are units of work of their own."""
    result = ClockSweep()
    size = policy.sweep_batch_size
    for column, at_column, event in (
        (Clock.warned_at, Clock.warn_at, "warned"),
        (Clock.breached_at, Clock.due_at, "breached"),
    ):
        while True:
            with units():
                ids = _mark(session, column, at_column, now, size)
                if ids:
                    _notices(session, ids, event, now)
            setattr(result, event, getattr(result, event) + len(ids))
            if len(ids) < size:
                break
    return result


def start_on_reopening(session: Session, case: Case, *, now: datetime, policy: Policy) -> None:
    """A reopened councillor's request: a new answer clock, from the reopening, on today's target."""
    if case.source == "councillor":
        Clocks(session, policy, now).start(COUNCILLOR_ANSWER, case)


def prepared(session: Session, policy: Policy, now: datetime) -> Clocks:
    """Clocks with the calendar and targets read now: a raiser reads them before it takes the area's
    reference counter, which is locked until the commit (services/cases.py)."""
    clocks = Clocks(session, policy, now)
    clocks._calendar, clocks._targets = working_calendar(session, policy), targets.rows(session)
    return clocks


def start_for_new_case(
    session: Session, case: Case, *, now: datetime, policy: Policy, clocks: Clocks | None = None
) -> None:
    clocks = clocks or Clocks(session, policy, now)
    clocks.start(FIRST_RESPONSE, case, new_case=True)
    if case.source == "councillor":
        clocks.start(COUNCILLOR_ACKNOWLEDGE, case, new_case=True)
        clocks.start(COUNCILLOR_ANSWER, case, new_case=True)


__all__ = [
    "ACKNOWLEDGED",
    "FINISHED",
    "TASK_ACCEPT",
    "TASK_COMPLETE",
    "Clocks",
    "prepared",
    "start_for_new_case",
    "sweep",
]
