"""Cost-avoided claims: what acting early saved, estimated by area staff, verified by finance."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from tasking.domain import cost_avoided as rules
from tasking.domain.errors import NotFound, PreconditionFailed, ValidationFailed
from tasking.domain.etags import if_match_allows
from tasking.domain.money import financial_year
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.references import id_from_key
from tasking.models import Case, CostAvoidedClaim
from tasking.services import audit, budget, claim_costs, claim_lines, claim_queue
from tasking.services.access import case_target, claim_scope
from tasking.services.pagination import Page, paginate


def claim_snapshot(claim: CostAvoidedClaim) -> dict:
    return {
        "case_id": claim.case_id,
        "state": claim.state,
        "gross_pence": claim.gross_pence,
        "quick_win_pence": claim.quick_win_pence,
        "other_costs_pence": claim.other_costs_pence,
        "net_pence": claim.net_pence,
        "adjusted_pence": claim.adjusted_pence,
        "low_pence": claim.low_pence,
        "high_pence": claim.high_pence,
        "cashable_pence": claim.cashable_pence,
        "decision_reason": claim.decision_reason,
        "outcomes": [
            {
                "description": o.description,
                "unit_cost_pence": o.unit_cost_pence,
                "quantity": str(o.quantity),
                "probability": str(o.probability),
                "expected_pence": o.expected_pence,
                "deadweight": str(o.deadweight),
                "deadweight_reason": o.deadweight_reason,
                "attribution": str(o.attribution),
                "confidence_grade": o.confidence_grade,
                "price_year": o.price_year,
                "benefit_years": o.benefit_years,
                "drop_off": str(o.drop_off),
                "cashable": o.cashable,
                "adjusted_pence": o.adjusted_pence,
                "low_pence": o.low_pence,
                "high_pence": o.high_pence,
            }
            for o in claim.outcomes
        ],
        "costs": [{"description": c.description, "amount_pence": c.amount_pence} for c in claim.costs],
    }


def create_claim(
    session: Session, principal: Principal, case_key, data: dict, *, now: datetime, policy: Policy
) -> CostAvoidedClaim:
    case = _claim_case(session, principal, case_key)
    require(principal, "claim.write", case_target(case), "Claims are made by the area's staff.")
    budget.closed_case_refuses(case, "make a cost-avoided claim on it")
    # Catalogue costs are brought to the prices of the financial year the claim is made in.
    outcomes, costs, rule_outcomes, rule_costs = claim_lines.lines(
        session, data, policy=policy, reporting_year=financial_year(now.date())
    )
    claim_lines.check_attribution(session, case, outcomes, None)
    claim = CostAvoidedClaim(
        case_id=case.id,
        state="estimated",
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
        outcomes=outcomes,
        costs=costs,
    )
    claim.quick_win_pence = 0  # until count_once gives it the case's spend, if it carries it
    claim_lines.reckon_into(session, claim, case, rule_outcomes, rule_costs)
    session.add(claim)
    session.flush()
    claim_costs.count_once(session, principal, case.id, now=now, acting_on=claim.id)
    audit.record(
        session,
        principal,
        "claim.created",
        "cost_avoided_claim",
        claim.id,
        now=now,
        case_id=case.id,
        after=claim_snapshot(claim),
    )
    session.flush()
    return get_claim(session, principal, claim.id)


def _claims():
    """Claims with their lines and the summary of their case (reference, area, level, category)."""
    return select(CostAvoidedClaim).options(
        selectinload(CostAvoidedClaim.outcomes),
        selectinload(CostAvoidedClaim.costs),
        selectinload(CostAvoidedClaim.case).options(joinedload(Case.area), joinedload(Case.category)),
    )


def _claim_case(session: Session, principal: Principal, key: str | int) -> Case:
    """The case of a claim, by id or reference, inside the principal's "claim.read" scope (finance:
    every case, confidential ones included), or NotFound as if it did not exist. Only the claims
    services use it: it gives finance no way into the case itself (docs/roles.md)."""
    stmt = select(Case).where(claim_scope(principal))
    case_id = id_from_key(str(key))
    stmt = stmt.where(Case.id == case_id) if case_id is not None else stmt.where(Case.reference == str(key).upper())
    case = session.scalar(stmt)
    if case is None:
        raise NotFound("No such case.")
    return case


def get_claim(session: Session, principal: Principal, claim_id: int) -> CostAvoidedClaim:
    """A claim seen by those who may read the claims of its case ("claim.read"): finance every
    claim, confidential cases included; the others those of the cases they read; 404 otherwise."""
    claim = session.scalar(
        _claims()
        .join(Case, Case.id == CostAvoidedClaim.case_id)
        .where(CostAvoidedClaim.id == claim_id, claim_scope(principal))
        .execution_options(populate_existing=True)
    )
    if claim is None:
        raise NotFound("No such claim.")
    return claim


def case_claims(session: Session, principal: Principal, case_key) -> list[CostAvoidedClaim]:
    case = _claim_case(session, principal, case_key)
    return list(session.scalars(_claims().where(CostAvoidedClaim.case_id == case.id).order_by(CostAvoidedClaim.id)))


def list_claims(
    session: Session,
    principal: Principal,
    *,
    state: str | None = None,
    decided: bool = False,
    area: str | None = None,
    cursor: str | None,
    size: int,
) -> Page:
    """The claims the principal may read, oldest first: with state=estimated, finance's queue of
    claims waiting for a decision (every area, confidential cases included); area staff see their
    areas'. With decided, only verified and not supported claims, most recently decided first (what
    finance has just done is what it looks for). An area the principal may not filter by is 404, as
    if it did not exist."""
    require(principal, "claim.read", message="Your role cannot see cost-avoided claims.")
    conditions = claim_queue.queue_conditions(session, principal, state=state, decided=decided, area=area)
    stmt = _claims().join(Case, Case.id == CostAvoidedClaim.case_id).where(*conditions)
    if decided:
        # A decided claim always has its decision time (the table's decided_has_time check).
        order = [(CostAvoidedClaim.decided_at, True), (CostAvoidedClaim.id, True)]
    else:
        order = [(CostAvoidedClaim.created_at, False), (CostAvoidedClaim.id, False)]
    return paginate(session, stmt, order, cursor=cursor, size=size)


def edit_claim(
    session: Session, principal: Principal, claim_id: int, data: dict, *, if_match: str, now: datetime, policy: Policy
) -> CostAvoidedClaim:
    claim = get_claim(session, principal, claim_id)
    case = claim.case
    require(principal, "claim.write", case_target(case), "Claims are made by the area's staff.")
    rules.check_editable(claim.state)
    if not if_match_allows(if_match, "claim", claim.id, claim.version):
        raise PreconditionFailed("The claim has changed since you read it; fetch it again.")
    outcomes, costs, rule_outcomes, rule_costs = claim_lines.lines(
        session, data, policy=policy, reporting_year=financial_year(claim.created_at.date())
    )
    claim_lines.check_attribution(session, case, outcomes, claim.id)
    before = claim_snapshot(claim)
    claim.outcomes, claim.costs, claim.updated_at = outcomes, costs, now
    claim_lines.reckon_into(session, claim, case, rule_outcomes, rule_costs)
    session.flush()
    claim_costs.count_once(session, principal, case.id, now=now, acting_on=claim.id)
    audit.record(
        session,
        principal,
        "claim.changed",
        "cost_avoided_claim",
        claim.id,
        now=now,
        case_id=case.id,
        before=before,
        after=claim_snapshot(claim),
    )
    session.flush()
    return get_claim(session, principal, claim.id)


def decide(
    session: Session,
    principal: Principal,
    claim_id: int,
    *,
    decision: str,
    reason: str | None,
    now: datetime,
    if_match: str | None = None,
) -> CostAvoidedClaim:
    """Finance verifies a claim (its figures are then final) or finds it not supported, with a reason.
    With if_match (the console's form sends the version it showed), a claim changed since it was
    read (its lines edited, or the case's quick-win spend moved onto it) is refused, so nobody
    verifies figures they did not see. A claim already decided is refused as such, before that."""
    require(principal, "claim.decide", message="Only a finance officer verifies cost-avoided claims.")
    claim = get_claim(session, principal, claim_id)
    if decision == "not_supported" and not (reason and reason.strip()):
        raise ValidationFailed("Say why the claim is not supported.", {"reason": ["Required when not supported."]})
    rules.check_decision(claim.state, decision, reason)
    if if_match is not None and not if_match_allows(if_match, "claim", claim.id, claim.version):
        raise PreconditionFailed("The claim has changed since you opened it; check its figures and decide again.")
    case = claim.case
    require(principal, "claim.decide", case_target(case), "Only a finance officer verifies cost-avoided claims.")
    before = claim_snapshot(claim)
    # The case's quick-win spend as it stands now, on the claim that carries it; the decided claim's
    # figures are then final (the database checks net = adjusted - quick win - other costs).
    claim_costs.count_once(
        session,
        principal,
        case.id,
        now=now,
        acting_on=claim.id,
        verifying=claim.id if decision == "verified" else None,
    )
    claim.state, claim.decision_reason = decision, (reason or "").strip() or None
    claim.decided_by_id, claim.decided_at, claim.updated_at = principal.user_id, now, now
    session.flush()
    audit.record(
        session,
        principal,
        f"claim.{decision}",
        "cost_avoided_claim",
        claim.id,
        now=now,
        case_id=case.id,
        before=before,
        after=claim_snapshot(claim),
    )
    # A claim found not supported counts in no total: the spend it carried moves to the earliest
    # estimated claim of the case, with an audit event of its own.
    claim_costs.count_once(session, principal, case.id, now=now)
    session.flush()
    return get_claim(session, principal, claim.id)
