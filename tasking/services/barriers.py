"""Systems barriers: what blocks cases locally, and the evidence a borough board needs."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.errors import Conflict
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.models import Barrier, Case
from tasking.services import audit
from tasking.services.access import case_scope


@dataclass
class BarrierEvidence:
    barrier: Barrier
    case_count: int
    area_count: int
    open_case_count: int


@dataclass
class SystemsBarriers:
    barriers: list[BarrierEvidence]
    level_four_cases: list[Case]


def create_barrier(
    session: Session, principal: Principal, *, title: str, description: str, borough_level: bool, now: datetime
) -> Barrier:
    require(principal, "barrier.write", message="Your role cannot record systems barriers.")
    if session.scalar(select(Barrier.id).where(func.lower(Barrier.title) == title.strip().lower())):
        raise Conflict("A barrier with this title is already recorded; use that one.")
    barrier = Barrier(
        title=title.strip(),
        description=description,
        borough_level=borough_level,
        created_by_id=principal.user_id,
        created_at=now,
    )
    session.add(barrier)
    session.flush()
    audit.record(
        session,
        principal,
        "barrier.created",
        "barrier",
        barrier.id,
        now=now,
        after={"title": barrier.title, "borough_level": borough_level},
    )
    session.flush()
    return barrier


def systems_barriers(session: Session, principal: Principal) -> SystemsBarriers:
    """Every barrier with how many cases and areas it blocks (counted over all cases: the counts
    reveal no case), and the level-four cases the reader may see."""
    require(principal, "barrier.read", message="Your role cannot see systems barriers.")
    counts = session.execute(
        select(
            Case.barrier_id,
            func.count(Case.id),
            func.count(func.distinct(Case.area_id)),
            func.count(Case.id).filter(Case.closed_at.is_(None)),
        )
        .where(Case.barrier_id.is_not(None))
        .group_by(Case.barrier_id)
    ).all()
    by_barrier = {row[0]: row[1:] for row in counts}
    barriers = list(session.scalars(select(Barrier).order_by(Barrier.title)))
    evidence = [BarrierEvidence(b, *by_barrier.get(b.id, (0, 0, 0))) for b in barriers]
    evidence.sort(key=lambda e: (-e.area_count, -e.case_count, e.barrier.title))
    level_four = list(
        session.scalars(
            select(Case)
            .options(joinedload(Case.area), joinedload(Case.category))
            .where(Case.level == 4, Case.closed_at.is_(None), case_scope(principal))
            .order_by(Case.created_at)
        )
    )
    return SystemsBarriers(evidence, level_four)
