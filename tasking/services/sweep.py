"""The review sweep: find the cases whose review is due, make one review each, tell their owners,
and flag the late ones. Safe to run twice, with several sweeps at once, and after downtime: the
database decides, not the scheduler's memory."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasking.domain import reviews as rules
from tasking.domain.lifecycle import OPEN_STATES, State
from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Case, Review
from tasking.services import notifications, routing, suggestions
from tasking.services.calendar import working_calendar
from tasking.services.units import Units

log = logging.getLogger(__name__)
# The tables the sweep writes in sets, without the ORM.
CASES, REVIEWS, AUDIT_EVENTS = (cast(Table, m.__table__) for m in (Case, Review, AuditEvent))
OPEN = [s.value for s in OPEN_STATES]


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


def _claim_batch(session: Session, now: datetime, size: int) -> list[Case]:
    stmt = (
        select(Case)
        .where(Case.next_review_at <= now, Case.state.in_(OPEN))
        .order_by(Case.next_review_at, Case.id)
        .limit(size)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Each sweep takes rows no other sweep holds; they work through disjoint batches.
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    else:
        # SQLite has one writer at a time: take the write lock first, so the rows read are current.
        session.execute(update(CASES).where(CASES.c.id == -1).values(version=1))
    return list(session.scalars(stmt.execution_options(populate_existing=True)))


def _notices(session: Session, batch: list[Case], cycles: dict, now: datetime) -> list[dict]:
    owners = notifications.case_owners(session, batch)
    rows = []
    for case in batch:
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
    ids = [c.id for c in batch]
    earlier_pending = dict(
        session.execute(
            select(Review.case_id, func.count())
            .where(Review.case_id.in_(ids), Review.state == "pending")
            .group_by(Review.case_id)
        ).all()
    )
    # Cycles missed in a row, counting only those in which the work was not done (docs/reviews.md).
    missed = {
        c.id: rules.missed_after_sweep(
            previous=c.missed_reviews or 0,
            earlier_pending=earlier_pending.get(c.id, 0),
            level=c.level,
            work_done=bool(c.ready_to_resolve),
        )
        for c in batch
    }
    # Claimed because next_review_at is due, so never None here.
    calendar = working_calendar(session, policy)
    cycles = {
        c.id: (
            rules.cycle(
                cast(datetime, c.next_review_at),
                now,
                policy.review_interval(c.level or c.suggested_level or 1),
                policy.review_grace_days,
                calendar,
            ),
            c.review_sequence + 1,
        )
        for c in batch
    }
    session.execute(
        REVIEWS.insert(),
        [
            {
                "case_id": c.id,
                "sequence": cycles[c.id][1],
                "due_at": cycles[c.id][0].due_at,
                "created_at": now,
                "overdue": cycles[c.id][0].overdue,
                "state": "pending",
            }
            for c in batch
        ],
    )
    table = CASES
    session.execute(
        update(table)
        .where(table.c.id == bindparam("case_id"))
        .values(
            next_review_at=bindparam("next_at"),
            review_sequence=bindparam("sequence"),
            overdue=bindparam("late"),
            missed_reviews=bindparam("missed"),
            version=table.c.version + 1,
        ),
        [
            {
                "case_id": c.id,
                "next_at": cycles[c.id][0].next_review_at,
                "sequence": cycles[c.id][1],
                "late": cycles[c.id][0].overdue,
                "missed": missed.get(c.id, 0),
            }
            for c in batch
        ],
    )
    session.execute(
        AUDIT_EVENTS.insert(),
        [
            {
                "at": now,
                "actor_id": None,
                "action": "review.created",
                "object_type": "case",
                "object_id": str(c.id),
                "case_id": c.id,
                "before": None,
                "after": {
                    "sequence": cycles[c.id][1],
                    "due_at": cycles[c.id][0].due_at.isoformat(),
                    "overdue": cycles[c.id][0].overdue,
                    "missed_reviews": missed.get(c.id, 0),
                },
            }
            for c in batch
        ],
    )
    notifications.queue(session, _notices(session, batch, cycles, now))
    stalled = [
        c
        for c in batch
        if rules.is_stalled(
            level=c.level,
            returned=c.state == State.RETURNED,
            missed=missed[c.id],
            work_done=bool(c.ready_to_resolve),
            threshold=policy.thresholds.stalled_reviews,
        )
    ]
    for case in stalled:
        _put_to_area_manager(session, case, now, policy)
    result.reviews += len(batch)
    result.overdue += sum(1 for c in batch if cycles[c.id][0].overdue)
    result.stalled += len(stalled)
    result.batches += 1
    result.case_ids += ids
    return len(batch)


def _put_to_area_manager(session: Session, case: Case, now: datetime, policy: Policy) -> None:
    """A level-one case whose simple action keeps missing its reviews, its work not done, goes back
    to the area manager's triage queue, suggested as level two, saying why."""
    session.refresh(case)
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
