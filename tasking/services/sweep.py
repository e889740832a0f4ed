"""The review sweep: find the cases whose review is due, make one review each, tell their owners,
and flag the late ones. Safe to run twice, with several sweeps at once, and after downtime: the
database decides, not the scheduler's memory.

It claims and moves the narrow review_schedules rows only: the review bookkeeping is not a change of
the case, so the wide case row (and its indexes) is never written by it. A stalled case is handed
back to its area manager, which is a real change of the case and is written as one."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasking.domain import reviews as rules
from tasking.domain.lifecycle import OPEN_STATES, State
from tasking.domain.policy import Policy
from tasking.domain.working_days import WorkingCalendar
from tasking.models import AuditEvent, Case, Review, ReviewSchedule
from tasking.services import notifications, routing, set_writes, suggestions
from tasking.services.calendar import working_calendar
from tasking.services.id_sets import among
from tasking.services.units import Units

log = logging.getLogger(__name__)
# The tables the sweep writes in sets, without the ORM.
SCHEDULES, REVIEWS, AUDIT_EVENTS = (cast(Table, m.__table__) for m in (ReviewSchedule, Review, AuditEvent))
OPEN = [s.value for s in OPEN_STATES]
# What the sweep reads of each claimed case, and no more.
CASE_COLUMNS = (
    Case.id,
    Case.reference,
    Case.title,
    Case.state,
    Case.level,
    Case.suggested_level,
    Case.ready_to_resolve,
    Case.area_id,
    Case.owner_user_id,
    Case.owner_organisation_id,
)


@dataclass
class SweepResult:
    reviews: int = 0
    overdue: int = 0
    stalled: int = 0
    batches: int = 0
    case_ids: list = field(default_factory=list)
    # Follow-up checks of verified claims made in the same run (services/follow_ups.py).
    follow_ups: int = 0
    # Deadline warnings and breaches recorded in the same run (services/clocks.py).
    clock_warnings: int = 0
    clock_breaches: int = 0


@dataclass(frozen=True)
class _Due:
    """A claimed schedule row and the few case columns the sweep needs."""

    case: Any  # a row of CASE_COLUMNS
    next_review_at: datetime
    cycle: int
    missed_cycles: int


class _Remembering:
    """The calendar's `due`, worked out once per (start, days): a batch's cases share their next
    date (now plus their level's interval) and mostly their due dates, and each answer walks the
    calendar day by day."""

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.known: dict[tuple[datetime, int], datetime] = {}

    def due(self, start: datetime, working_days: int) -> datetime:
        key = (start, working_days)
        if key not in self.known:
            self.known[key] = self.calendar.due(start, working_days)
        return self.known[key]


def _claim_batch(session: Session, now: datetime, size: int) -> list[_Due]:
    s = SCHEDULES.c
    stmt = (
        select(s.case_id, s.next_review_at, s.cycle, s.missed_cycles)
        .where(s.next_review_at <= now)
        .order_by(s.next_review_at, s.case_id)
        .limit(size)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Each sweep takes rows no other sweep holds; they work through disjoint batches.
        stmt = stmt.with_for_update(skip_locked=True, of=SCHEDULES)
    else:
        # SQLite has one writer at a time: take the write lock first, so the rows read are current.
        session.execute(update(SCHEDULES).where(s.case_id == -1).values(cycle=0))
    claimed = session.execute(stmt).all()
    if not claimed:
        return []
    cases = {
        row.id: row
        for row in session.execute(select(*CASE_COLUMNS).where(among(session, Case.id, [c.case_id for c in claimed])))
    }
    # A schedule belongs to an open case (services/review_schedule.py); one left behind is dropped.
    stale = [c.case_id for c in claimed if c.case_id not in cases or cases[c.case_id].state not in OPEN]
    if stale:
        session.execute(delete(SCHEDULES).where(s.case_id.in_(stale)))
    return [
        _Due(cases[c.case_id], c.next_review_at, c.cycle, c.missed_cycles)
        for c in claimed
        if c.case_id in cases and cases[c.case_id].state in OPEN
    ]


def _notices(session: Session, batch: list[_Due], cycles: dict, now: datetime) -> list[dict]:
    owners = notifications.case_owners(session, cast(list[Case], [d.case for d in batch]))
    rows = []
    for due in batch:
        case = due.case
        cycle, sequence = cycles[case.id]
        for person in owners[case.id]:
            rows.append(
                notifications.message(
                    "review_due",
                    f"review_due:{case.id}:{sequence}:{person[0]}",
                    person,
                    f"Review due: {case.reference} {case.title}"[:200],
                    f"Case {case.reference} ({case.title}) is due for review (due {cycle.due_at:%-d %B %Y}). "
                    "Decide whether to continue, escalate, de-escalate or close it.",
                    case.id,
                    now,
                )
            )
            if cycle.overdue:
                rows.append(
                    notifications.message(
                        "review_overdue",
                        f"review_overdue:{case.id}:{sequence}:{person[0]}",
                        person,
                        f"Overdue: {case.reference} {case.title}"[:200],
                        f"The review of case {case.reference} was due on {cycle.due_at:%-d %B %Y} and is overdue; "
                        "it is flagged for escalation.",
                        case.id,
                        now,
                    )
                )
    return rows


def _sweep_batch(session: Session, *, now: datetime, policy: Policy, size: int, result: SweepResult) -> int:
    batch = _claim_batch(session, now, size)
    if not batch:
        return 0
    ids = [d.case.id for d in batch]
    # The state is tested on the batch's own reviews (found by the case's unique index), not by
    # scanning every pending review: the batch costs the same however many are pending elsewhere.
    earlier_pending = dict(
        session.execute(
            select(Review.case_id, func.count().filter(Review.state == "pending"))
            .where(among(session, Review.case_id, ids))
            .group_by(Review.case_id)
        ).all()
    )
    # Cycles missed in a row, counting only those in which the work was not done (docs/reviews.md).
    missed = {
        d.case.id: rules.missed_after_sweep(
            previous=d.missed_cycles or 0,
            earlier_pending=earlier_pending.get(d.case.id, 0),
            level=d.case.level,
            work_done=bool(d.case.ready_to_resolve),
        )
        for d in batch
    }
    calendar = _Remembering(working_calendar(session, policy))
    cycles = {
        d.case.id: (
            rules.cycle(
                d.next_review_at,
                now,
                policy.review_interval(d.case.level or d.case.suggested_level or 1),
                policy.review_grace_days,
                cast(WorkingCalendar, calendar),
            ),
            d.cycle + 1,
        )
        for d in batch
    }
    set_writes.insert_all(
        session,
        REVIEWS,
        [
            {
                "case_id": case_id,
                "sequence": sequence,
                "due_at": cycle.due_at,
                "created_at": now,
                "overdue": cycle.overdue,
                "state": "pending",
            }
            for case_id, (cycle, sequence) in cycles.items()
        ],
    )
    # One statement by primary key over the narrow table: no case row is touched.
    set_writes.update_all(
        session,
        SCHEDULES,
        "case_id",
        [
            {
                "case_id": case_id,
                "next_review_at": cycle.next_review_at,
                "cycle": sequence,
                "overdue": cycle.overdue,
                "missed_cycles": missed[case_id],
            }
            for case_id, (cycle, sequence) in cycles.items()
        ],
    )
    set_writes.insert_all(
        session,
        AUDIT_EVENTS,
        [
            {
                "at": now,
                "actor_id": None,
                "action": "review.created",
                "object_type": "case",
                "object_id": str(case_id),
                "case_id": case_id,
                "before": None,
                "after": {
                    "sequence": sequence,
                    "due_at": cycle.due_at.isoformat(),
                    "overdue": cycle.overdue,
                    "missed_reviews": missed[case_id],
                },
            }
            for case_id, (cycle, sequence) in cycles.items()
        ],
    )
    notifications.queue(session, _notices(session, batch, cycles, now))
    stalled = [
        d.case.id
        for d in batch
        if rules.is_stalled(
            level=d.case.level,
            returned=d.case.state == State.RETURNED,
            missed=missed[d.case.id],
            work_done=bool(d.case.ready_to_resolve),
            threshold=policy.thresholds.stalled_reviews,
        )
    ]
    for case_id in stalled:
        _put_to_area_manager(session, case_id, now, policy)
    result.reviews += len(batch)
    result.overdue += sum(1 for cycle, _ in cycles.values() if cycle.overdue)
    result.stalled += len(stalled)
    result.batches += 1
    result.case_ids += ids
    return len(batch)


def _put_to_area_manager(session: Session, case_id: int, now: datetime, policy: Policy) -> None:
    """A level-one case whose simple action keeps missing its reviews, its work not done, goes back
    to the area manager's triage queue, suggested as level two, saying why. This is a real change of
    the case (its state, owner and suggestion), so it is written to the case row, with its version."""
    # Read afresh, with the schedule row just moved, so the suggestion counts the missed cycles.
    case = session.get_one(Case, case_id, populate_existing=True)
    before = {"state": case.state, "suggested_level": case.suggested_level, "triage_reason": case.triage_reason}
    routing.hand_back(session, case, reason=rules.stall_reason(case.missed_reviews))
    suggestions.refresh(session, case, now, policy)
    case.updated_at = now
    session.add(
        AuditEvent(
            at=now,
            actor_id=None,
            action="case.stalled",
            object_type="case",
            object_id=str(case.id),
            case_id=case.id,
            before=before,
            after={
                "state": case.state,
                "suggested_level": case.suggested_level,
                "missed_reviews": case.missed_reviews,
                "triage_reason": case.triage_reason,
            },
        )
    )


def sweep(session: Session, *, units: Units, now: datetime, policy: Policy) -> SweepResult:
    """Work through every due case in batches; each batch is a unit of work of its own (opened by
    `units`, which the delivery layer supplies), so a sweep stopped part-way loses nothing and the
    next one carries on."""
    result = SweepResult()
    clashes, batch_size = 0, policy.sweep_batch_size
    while True:
        try:
            with units():
                done = _sweep_batch(session, now=now, policy=policy, size=batch_size, result=result)
        except IntegrityError:
            # Another sweep made these reviews first: the unique (case, sequence) kept one of each.
            clashes += 1
            if clashes > 20:
                raise
            log.info("sweep: a concurrent sweep got there first; carrying on")
            continue
        if done < batch_size:
            return result
