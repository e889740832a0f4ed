"""Systems barriers: what blocks cases locally, and the evidence a borough board needs."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from tasking.domain.principal import Principal
from tasking.domain.roles import AREA_STAFF, Role
from tasking.errors import Conflict, Forbidden
from tasking.models import Barrier, Case
from tasking.services import audit
from tasking.services.access import case_scope
from tasking.services.transaction import atomic

READERS = AREA_STAFF | {Role.ADMIN, Role.BOROUGH_OFFICER, Role.FINANCE}
WRITERS = AREA_STAFF | {Role.ADMIN, Role.BOROUGH_OFFICER}


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


def create_barrier(session: Session, principal: Principal, *, title: str, description: str,
                   borough_level: bool, now: datetime) -> Barrier:
    if principal.role not in WRITERS:
        raise Forbidden("Your role cannot record systems barriers.")
    if session.scalar(select(Barrier.id).where(func.lower(Barrier.title) == title.strip().lower())):
        raise Conflict("A barrier with this title is already recorded; use that one.")
    with atomic(session):
        barrier = Barrier(title=title.strip(), description=description, borough_level=borough_level,
                          created_by_id=principal.user_id, created_at=now)
        session.add(barrier)
        session.flush()
        audit.record(session, principal, "barrier.created", "barrier", barrier.id, now=now,
                     after={"title": barrier.title, "borough_level": borough_level})
    return barrier


def systems_barriers(session: Session, principal: Principal) -> SystemsBarriers:
    """Every barrier with how many cases and areas it blocks (counted over all cases: the counts
    reveal no case), and the level-four cases the reader may see."""
    if principal.role not in READERS:
        raise Forbidden("Your role cannot see systems barriers.")
    counts = session.execute(
        select(Case.barrier_id, func.count(Case.id), func.count(func.distinct(Case.area_id)),
               func.count(Case.id).filter(Case.closed_at.is_(None)))
        .where(Case.barrier_id.is_not(None)).group_by(Case.barrier_id)
    ).all()
    by_barrier = {row[0]: row[1:] for row in counts}
    barriers = list(session.scalars(select(Barrier).order_by(Barrier.title)))
    evidence = [BarrierEvidence(b, *by_barrier.get(b.id, (0, 0, 0))) for b in barriers]
    evidence.sort(key=lambda e: (-e.area_count, -e.case_count, e.barrier.title))
    level_four = list(session.scalars(
        select(Case).options(joinedload(Case.area), joinedload(Case.category))
        .where(Case.level == 4, Case.closed_at.is_(None), case_scope(principal)).order_by(Case.created_at)))
    return SystemsBarriers(evidence, level_four)
