"""Finance's queue of claims: which claims a list shows, how many there are, and what happened to one.

claims.list_claims pages through the claims these conditions pick; the console also shows their
count and, on a claim's page, who estimated, changed and decided it, from the audit trail.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from tasking.domain.errors import NotFound
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.models import AuditEvent, Case, CostAvoidedClaim, User
from tasking.services.access import claim_scope
from tasking.services.places import visible_area

DECIDED = ("verified", "not_supported")
DECISIONS = ("claim.verified", "claim.not_supported")
# The audit trail's actions on a claim, in the words of its page.
EVENTS = {
    "claim.created": "Estimated",
    "claim.changed": "Changed",
    # The case's quick-win spend moved onto or off this claim (docs/money.md, "Costs counted once").
    "claim.costs_moved": "Its share of the case's quick-win spend changed",
    "claim.verified": "Verified",
    "claim.not_supported": "Not supported",
}


def queue_conditions(
    session: Session, principal: Principal, *, state: str | None, decided: bool, area: str | None
) -> list[ColumnElement[bool]]:
    """The claims a list shows, as conditions on CostAvoidedClaim joined to its Case: those the
    principal may read ("claim.read"), of a state, decided or not, in an area the principal may
    filter by (any other area is 404, as if it did not exist)."""
    require(principal, "claim.read", message="Your role cannot see cost-avoided claims.")
    conditions = [claim_scope(principal)]
    if state:
        conditions.append(CostAvoidedClaim.state == state)
    if decided:
        conditions.append(CostAvoidedClaim.state.in_(DECIDED))
    if area:
        conditions.append(Case.area_id == visible_area(session, principal, area).id)
    return conditions


def count_claims(
    session: Session,
    principal: Principal,
    *,
    state: str | None = None,
    decided: bool = False,
    area: str | None = None,
) -> int:
    """How many claims the same filters as claims.list_claims give, over every page."""
    conditions = queue_conditions(session, principal, state=state, decided=decided, area=area)
    stmt = (
        select(func.count())
        .select_from(CostAvoidedClaim)
        .join(Case, Case.id == CostAvoidedClaim.case_id)
        .where(*conditions)
    )
    return session.scalar(stmt) or 0


@dataclass(frozen=True)
class ClaimEvent:
    at: datetime
    what: str
    who: str
    reason: str | None


def claim_history(session: Session, principal: Principal, claim_id: int) -> list[ClaimEvent]:
    """What happened to a claim, oldest first, for those who may read it ("claim.read"; 404
    otherwise): estimated, changed, verified or not supported, by whom, with the decision's reason."""
    readable = session.scalar(
        select(CostAvoidedClaim.id)
        .join(Case, Case.id == CostAvoidedClaim.case_id)
        .where(CostAvoidedClaim.id == claim_id, claim_scope(principal))
    )
    if readable is None:
        raise NotFound("No such claim.")
    rows = session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.object_type == "cost_avoided_claim",
            AuditEvent.object_id == str(claim_id),
            AuditEvent.action.in_(EVENTS),
        )
        .order_by(AuditEvent.id)
    )
    return [
        ClaimEvent(
            at=event.at,
            what=EVENTS[event.action],
            who=name or "The system",
            reason=(event.after or {}).get("decision_reason") if event.action in DECISIONS else None,
        )
        for event, name in rows
    ]
