"""My work: what is waiting for the signed-in member of the area's staff, in four blocks (docs/console.md,
"Cases, the map and my work"): reviews due within a week or overdue, cases returned or referred back
with the reason, cases whose work is all done and ready to resolve, and tasks past their due date.

Each block holds the cases the principal reads (`case_scope`); reviews also only those the principal
decides (`review_scope`), so a manager never sees another area's work here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.lifecycle import OPEN_STATES, State
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.domain.tasks import ACTIVE_TASK_STATES
from tasking.models import Case, Review, Task
from tasking.services.access import case_scope, review_scope

# A review is listed from a week before it falls due.
DUE_WITHIN = timedelta(days=7)
# Each block shows this many and says how many more there are; the case list has the rest.
BLOCK_LIMIT = 50


@dataclass(frozen=True)
class Block:
    items: list
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class MyWork:
    reviews_due: Block
    returned: Block
    ready_to_resolve: Block
    overdue_tasks: Block


def my_work(session: Session, principal: Principal, *, now: datetime) -> MyWork:
    require(principal, "console.use", message="My work is for the area's staff.")
    reviews = (
        select(Review)
        .join(Review.case)
        .options(joinedload(Review.case).joinedload(Case.ward))
        .where(
            Review.state == "pending",
            Review.due_at <= now + DUE_WITHIN,
            Case.state.in_(OPEN_STATES),
            case_scope(principal),
            review_scope(principal),
        )
        .order_by(Review.due_at, Review.id)
    )
    returned = (
        select(Case)
        .options(joinedload(Case.ward))
        .where(
            case_scope(principal),
            Case.state.in_(OPEN_STATES),
            or_(Case.state == State.RETURNED.value, Case.referred_back.is_(True)),
        )
        .order_by(Case.updated_at, Case.id)
    )
    ready = (
        select(Case)
        .options(joinedload(Case.ward), joinedload(Case.owner_organisation))
        .where(case_scope(principal), Case.state.in_(OPEN_STATES), Case.ready_to_resolve.is_(True))
        .order_by(Case.updated_at, Case.id)
    )
    tasks = (
        select(Task)
        .join(Task.case)
        .options(joinedload(Task.case), joinedload(Task.organisation))
        .where(
            case_scope(principal),
            Case.state.in_(OPEN_STATES),
            Task.state.in_(ACTIVE_TASK_STATES),
            Task.due_at < now,
        )
        .order_by(Task.due_at, Task.id)
    )
    return MyWork(
        reviews_due=_block(session, reviews),
        returned=_block(session, returned),
        ready_to_resolve=_block(session, ready),
        overdue_tasks=_block(session, tasks),
    )


def _block(session: Session, stmt: Select) -> Block:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return Block(items=list(session.scalars(stmt.limit(BLOCK_LIMIT))), total=total)
