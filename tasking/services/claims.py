"""Cost-avoided claims: what acting early saved, estimated by area staff, verified by finance."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.domain import cost_avoided as rules
from tasking.domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tasking.domain.etags import if_match_allows
from tasking.domain.permissions import require
from tasking.domain.principal import Principal
from tasking.models import ClaimCost, ClaimOutcome, CostAvoidedClaim, UnitCost
from tasking.services import audit
from tasking.services.access import case_target
from tasking.services.budget import spend_on_case
from tasking.services.cases import get_case


def claim_snapshot(claim: CostAvoidedClaim) -> dict:
    return {
        "case_id": claim.case_id,
        "state": claim.state,
        "gross_pence": claim.gross_pence,
        "quick_win_pence": claim.quick_win_pence,
        "other_costs_pence": claim.other_costs_pence,
        "net_pence": claim.net_pence,
        "decision_reason": claim.decision_reason,
        "outcomes": [
            {
                "description": o.description,
                "unit_cost_pence": o.unit_cost_pence,
                "quantity": str(o.quantity),
                "probability": str(o.probability),
                "expected_pence": o.expected_pence,
            }
            for o in claim.outcomes
        ],
        "costs": [{"description": c.description, "amount_pence": c.amount_pence} for c in claim.costs],
    }


def _lines(session: Session, data: dict) -> tuple[list[ClaimOutcome], list[ClaimCost], list, list]:
    outcomes, costs, rule_outcomes, rule_costs = [], [], [], []
    for i, item in enumerate(data["outcomes"]):
        unit_pence = item.get("unit_cost_pence")
        if item.get("unit_cost_id") is not None:
            unit = session.get(UnitCost, item["unit_cost_id"])
            if unit is None:
                raise ValidationFailed(
                    "Unknown unit cost.", {"outcomes": {i: {"unit_cost_id": ["No such unit cost."]}}}
                )
            unit_pence = unit.amount_pence
        rule = rules.Outcome(
            item["description"],
            unit_pence,
            Decimal(1 if item.get("quantity") is None else item["quantity"]),
            Decimal(item["probability"]),
        )
        rule_outcomes.append(rule)
        outcomes.append(
            ClaimOutcome(
                description=rule.description,
                unit_cost_id=item.get("unit_cost_id"),
                unit_cost_pence=unit_pence,
                quantity=rule.quantity,
                probability=Fraction(rule.probability),
                expected_pence=rule.expected_pence,
                adjusted_pence=rule.expected_pence,
                low_pence=rule.expected_pence,
                high_pence=rule.expected_pence,
            )
        )
    for item in data.get("costs", []):
        cost = rules.Cost(
            item["description"],
            amount_pence=item.get("amount_pence"),
            hours=item.get("hours"),
            rate_pence=item.get("rate_pence"),
        )
        rule_costs.append(cost)
        costs.append(
            ClaimCost(
                description=cost.description,
                amount_pence=cost.total_pence,
                hours=cost.hours,
                rate_pence=cost.rate_pence,
            )
        )
    return outcomes, costs, rule_outcomes, rule_costs


def _reckon_into(session: Session, claim: CostAvoidedClaim, case, rule_outcomes, rule_costs) -> None:
    result = rules.reckon(rule_outcomes, rule_costs, quick_win_pence=spend_on_case(session, case))
    claim.gross_pence, claim.quick_win_pence = result.gross_pence, result.quick_win_pence
    claim.adjusted_pence = claim.low_pence = claim.high_pence = result.gross_pence
    claim.other_costs_pence, claim.net_pence = result.other_costs_pence, result.net_pence


def create_claim(session: Session, principal: Principal, case_key, data: dict, *, now: datetime) -> CostAvoidedClaim:
    case = get_case(session, principal, case_key)
    require(principal, "claim.write", case_target(case), "Claims are made by the area's staff.")
    outcomes, costs, rule_outcomes, rule_costs = _lines(session, data)
    claim = CostAvoidedClaim(
        case_id=case.id,
        state="estimated",
        created_by_id=principal.user_id,
        created_at=now,
        updated_at=now,
        outcomes=outcomes,
        costs=costs,
    )
    _reckon_into(session, claim, case, rule_outcomes, rule_costs)
    session.add(claim)
    session.flush()
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


def get_claim(session: Session, principal: Principal, claim_id: int) -> CostAvoidedClaim:
    claim = session.scalar(
        select(CostAvoidedClaim)
        .options(selectinload(CostAvoidedClaim.outcomes), selectinload(CostAvoidedClaim.costs))
        .where(CostAvoidedClaim.id == claim_id)
        .execution_options(populate_existing=True)
    )
    if claim is None:
        raise NotFound("No such claim.")
    get_case(session, principal, claim.case_id)  # a claim is seen by those who see its case
    return claim


def case_claims(session: Session, principal: Principal, case_key) -> list[CostAvoidedClaim]:
    case = get_case(session, principal, case_key)
    return list(
        session.scalars(
            select(CostAvoidedClaim)
            .options(selectinload(CostAvoidedClaim.outcomes), selectinload(CostAvoidedClaim.costs))
            .where(CostAvoidedClaim.case_id == case.id)
            .order_by(CostAvoidedClaim.id)
        )
    )


def edit_claim(
    session: Session, principal: Principal, claim_id: int, data: dict, *, if_match: str, now: datetime
) -> CostAvoidedClaim:
    claim = get_claim(session, principal, claim_id)
    case = get_case(session, principal, claim.case_id)
    require(principal, "claim.write", case_target(case), "Claims are made by the area's staff.")
    rules.check_editable(claim.state)
    if not if_match_allows(if_match, "claim", claim.id, claim.version):
        raise PreconditionFailed("The claim has changed since you read it; fetch it again.")
    outcomes, costs, rule_outcomes, rule_costs = _lines(session, data)
    before = claim_snapshot(claim)
    claim.outcomes, claim.costs, claim.updated_at = outcomes, costs, now
    _reckon_into(session, claim, case, rule_outcomes, rule_costs)
    session.flush()
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
    session: Session, principal: Principal, claim_id: int, *, decision: str, reason: str | None, now: datetime
) -> CostAvoidedClaim:
    """Finance verifies a claim (its figures are then final) or finds it not supported, with a reason."""
    require(principal, "claim.decide", message="Only a finance officer verifies cost-avoided claims.")
    claim = get_claim(session, principal, claim_id)
    if decision == "not_supported" and not (reason and reason.strip()):
        raise ValidationFailed("Say why the claim is not supported.", {"reason": ["Required when not supported."]})
    rules.check_decision(claim.state, decision, reason)
    case = get_case(session, principal, claim.case_id)
    require(principal, "claim.decide", case_target(case), "Only a finance officer verifies cost-avoided claims.")
    before = claim_snapshot(claim)
    if decision == "verified":
        # The quick-win spend is counted as it stands when the figures are fixed.
        result = rules.Reckoning(claim.gross_pence, spend_on_case(session, case), claim.other_costs_pence)
        claim.quick_win_pence, claim.net_pence = result.quick_win_pence, result.net_pence
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
    session.flush()
    return get_claim(session, principal, claim.id)


# The unit-cost catalogue
def list_unit_costs(session: Session, principal: Principal) -> list[UnitCost]:
    require(principal, "unit_cost.read", message="The unit-cost catalogue is for council staff.")
    return list(session.scalars(select(UnitCost).order_by(UnitCost.name)))


def save_unit_cost(
    session: Session, principal: Principal, data: dict, *, now: datetime, unit_cost_id: int | None = None
) -> UnitCost:
    require(principal, "unit_cost.write", message="Finance officers and admins manage the unit-cost catalogue.")
    if (
        "name" in data
        and session.scalar(select(UnitCost.id).where(UnitCost.name == data["name"], UnitCost.id != (unit_cost_id or 0)))
        is not None
    ):
        raise Conflict("A unit cost with this name exists; change that one.")
    unit: UnitCost | None
    if unit_cost_id is None:
        unit = UnitCost(updated_at=now, **data)
        session.add(unit)
        before = None
    else:
        unit = session.get(UnitCost, unit_cost_id)
        if unit is None:
            raise NotFound("No such unit cost.")
        before = {k: getattr(unit, k) for k in data}
        for key, value in data.items():
            setattr(unit, key, value)
        unit.updated_at = now
    session.flush()
    audit.record(
        session,
        principal,
        "unit_cost.saved",
        "unit_cost",
        unit.id,
        now=now,
        before=before,
        after={k: getattr(unit, k) for k in ("name", "amount_pence", "unit", "source", "year")},
    )
    session.flush()
    return unit
