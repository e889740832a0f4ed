"""Cost-avoided claims: what acting early saved, estimated by area staff, verified by finance."""

from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from tasking.domain import appraisal
from tasking.domain import cost_avoided as rules
from tasking.domain.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from tasking.domain.etags import if_match_allows
from tasking.domain.money import check_amount, financial_year
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.domain.references import id_from_key
from tasking.domain.shares import parse_share
from tasking.models import Case, CaseLink, ClaimCost, ClaimOutcome, CostAvoidedClaim, UnitCost
from tasking.services import audit, claim_costs
from tasking.services.access import case_target, claim_scope
from tasking.services.cases import visible_area
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


# The value method's adjustments a claim line may give (docs/money.md, "The value method"); those
# not given keep their neutral defaults (tasking/domain/appraisal.py, Adjustments).
ADJUSTMENTS = (
    "deadweight",
    "deadweight_reason",
    "attribution",
    "confidence_grade",
    "price_year",
    "benefit_years",
    "drop_off",
    "cashable",
)
SHARES = {"deadweight", "attribution", "drop_off"}
# A catalogue entry brings its own price year and confidence grade.
FROM_THE_CATALOGUE = ("price_year", "confidence_grade")


def _adjustments(index: int, item: dict, unit: UnitCost | None) -> appraisal.Adjustments:
    given = {name: item[name] for name in ADJUSTMENTS if item.get(name) is not None}
    if unit is not None:
        clash = [name for name in FROM_THE_CATALOGUE if name in given]
        if clash:
            raise ValidationFailed(
                "A catalogue entry's price year and confidence grade are its own.",
                {"outcomes": {index: {name: ["Set by the catalogue entry."] for name in clash}}},
            )
        given.update(price_year=unit.year, confidence_grade=unit.confidence_grade)
    for share in SHARES & given.keys():  # "1/4", 0.25 or a Fraction already parsed, kept exact
        given[share] = parse_share(given[share], share)
    if "deadweight_reason" in given:
        given["deadweight_reason"] = given["deadweight_reason"].strip() or None
    return appraisal.Adjustments(**given)


def _value(
    index: int, item: dict, unit: UnitCost | None, rule: rules.Outcome, policy: Policy, reporting_year: int
) -> tuple[appraisal.Adjustments, appraisal.LineValue]:
    """The line's adjustments and its figures; a refusal names the line."""
    try:
        adjustments = _adjustments(index, item, unit)
        expected = appraisal.expected_value(rule.unit_cost_pence, rule.quantity, rule.probability)
        return adjustments, appraisal.value_line(expected, adjustments, policy.value_method, reporting_year)
    except ValidationFailed as refused:
        if "outcomes" in refused.fields:
            raise
        raise ValidationFailed(refused.message, {"outcomes": {index: refused.fields}}, code=refused.code) from None


def _probability(index: int, typed) -> Fraction:
    """The line's probability, exactly: "1/6" or a decimal of up to six places; a finer decimal is
    refused (too_precise), never rounded (docs/money.md, "Exact inputs")."""
    try:
        return parse_share(typed, "probability")
    except ValidationFailed as refused:
        raise ValidationFailed(refused.message, {"outcomes": {index: refused.fields}}, code=refused.code) from None


def _lines(
    session: Session, data: dict, *, policy: Policy, reporting_year: int
) -> tuple[list[ClaimOutcome], list[ClaimCost], list, list]:
    outcomes, costs, rule_outcomes, rule_costs = [], [], [], []
    for i, item in enumerate(data["outcomes"]):
        unit_pence = item.get("unit_cost_pence")
        unit: UnitCost | None = None
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
            _probability(i, item["probability"]),
        )
        rule_outcomes.append(rule)
        adjustments, value = _value(i, item, unit, rule, policy, reporting_year)
        # Each line's worked-out figures, not only what was typed, stay within what the service takes.
        _within_limit(rule.expected_pence, value.high_pence, field=f"outcomes.{i}")
        outcomes.append(
            ClaimOutcome(
                description=rule.description,
                unit_cost_id=item.get("unit_cost_id"),
                unit_cost_pence=unit_pence,
                quantity=rule.quantity,
                probability=Fraction(rule.probability),
                expected_pence=rule.expected_pence,
                deadweight=adjustments.deadweight,
                deadweight_reason=adjustments.deadweight_reason,
                attribution=adjustments.attribution,
                confidence_grade=adjustments.confidence_grade,
                price_year=adjustments.price_year,
                benefit_years=adjustments.benefit_years,
                drop_off=adjustments.drop_off,
                cashable=adjustments.cashable,
                adjusted_pence=value.adjusted_pence,
                low_pence=value.low_pence,
                high_pence=value.high_pence,
            )
        )
    for item in data.get("costs", []):
        cost = rules.Cost(
            item["description"],
            amount_pence=item.get("amount_pence"),
            hours=item.get("hours"),
            rate_pence=item.get("rate_pence"),
        )
        _within_limit(cost.total_pence, field="costs")
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


def _within_limit(*amounts: int, field: str) -> None:
    """Refuse (422) a worked-out figure past the largest sum the service takes (money.MAX_PENCE), so
    an absurd claim is never stored nor able to overflow the reports' sums."""
    for amount in amounts:
        check_amount(amount, field)


def _reckon_into(session: Session, claim: CostAvoidedClaim, case, rule_outcomes, rule_costs) -> None:
    # The quick-win spend the claim carries now; `claim_costs.count_once` then puts the case's spend
    # on the one claim that carries it (docs/money.md, "Costs counted once").
    result = rules.reckon(rule_outcomes, rule_costs, quick_win_pence=claim.quick_win_pence or 0)
    claim.gross_pence, claim.quick_win_pence = result.gross_pence, result.quick_win_pence
    # The value method's totals: the sums of the lines' rounded figures (docs/money.md).
    value = appraisal.total(claim.outcomes)
    claim.adjusted_pence, claim.low_pence, claim.high_pence = value.adjusted_pence, value.low_pence, value.high_pence
    claim.cashable_pence = value.cashable_pence
    claim.other_costs_pence = result.other_costs_pence
    _within_limit(claim.gross_pence, claim.high_pence, claim.other_costs_pence, field="outcomes")
    # The net is what the value method credits, less the costs (the database checks it adds up).
    claim.net_pence = claim.adjusted_pence - claim.quick_win_pence - claim.other_costs_pence


def _check_attribution(session: Session, case: Case, outcomes: list[ClaimOutcome], claim_id: int | None) -> None:
    """Claims on this case and the cases linked to it may not credit more than the whole of one
    outcome, counted around this case and around each case linked to it (docs/money.md)."""
    near = set(session.scalars(select(CaseLink.other_case_id).where(CaseLink.case_id == case.id)))
    links: dict[int, set[int]] = {case.id: near}
    if near:
        for one, other in session.execute(
            select(CaseLink.case_id, CaseLink.other_case_id).where(CaseLink.case_id.in_(near))
        ):
            links.setdefault(one, set()).add(other)
    cases = set(links) | {other for linked in links.values() for other in linked}
    lines = (
        select(CostAvoidedClaim.case_id, ClaimOutcome.unit_cost_id, ClaimOutcome.description, ClaimOutcome.attribution)
        .join(ClaimOutcome, ClaimOutcome.claim_id == CostAvoidedClaim.id)
        .where(CostAvoidedClaim.case_id.in_(cases), CostAvoidedClaim.state != "not_supported")
    )
    if claim_id is not None:
        lines = lines.where(CostAvoidedClaim.id != claim_id)
    existing = [
        appraisal.Credit(case_id, appraisal.outcome_key(unit_cost_id, description), attribution)
        for case_id, unit_cost_id, description, attribution in session.execute(lines)
    ]
    claimed = [
        appraisal.Credit(case.id, appraisal.outcome_key(o.unit_cost_id, o.description), o.attribution, o.description)
        for o in outcomes
    ]
    references = {
        case_id: reference
        for case_id, reference in session.execute(select(Case.id, Case.reference).where(Case.id.in_(near)))
    }
    appraisal.check_attribution(case.id, claimed, existing, links, references)


def create_claim(
    session: Session, principal: Principal, case_key, data: dict, *, now: datetime, policy: Policy
) -> CostAvoidedClaim:
    case = _claim_case(session, principal, case_key)
    require(principal, "claim.write", case_target(case), "Claims are made by the area's staff.")
    # Catalogue costs are brought to the prices of the financial year the claim is made in.
    outcomes, costs, rule_outcomes, rule_costs = _lines(
        session, data, policy=policy, reporting_year=financial_year(now.date())
    )
    _check_attribution(session, case, outcomes, None)
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
    _reckon_into(session, claim, case, rule_outcomes, rule_costs)
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
    area: str | None = None,
    cursor: str | None,
    size: int,
) -> Page:
    """The claims the principal may read, oldest first: with state=estimated, finance's queue of
    claims waiting for a decision (every area, confidential cases included); area staff see their
    areas'. An area the principal may not filter by is 404, as if it did not exist."""
    require(principal, "claim.read", message="Your role cannot see cost-avoided claims.")
    stmt = _claims().join(Case, Case.id == CostAvoidedClaim.case_id).where(claim_scope(principal))
    if state:
        stmt = stmt.where(CostAvoidedClaim.state == state)
    if area:
        stmt = stmt.where(Case.area_id == visible_area(session, principal, area).id)
    return paginate(
        session, stmt, [(CostAvoidedClaim.created_at, False), (CostAvoidedClaim.id, False)], cursor=cursor, size=size
    )


def edit_claim(
    session: Session, principal: Principal, claim_id: int, data: dict, *, if_match: str, now: datetime, policy: Policy
) -> CostAvoidedClaim:
    claim = get_claim(session, principal, claim_id)
    case = claim.case
    require(principal, "claim.write", case_target(case), "Claims are made by the area's staff.")
    rules.check_editable(claim.state)
    if not if_match_allows(if_match, "claim", claim.id, claim.version):
        raise PreconditionFailed("The claim has changed since you read it; fetch it again.")
    outcomes, costs, rule_outcomes, rule_costs = _lines(
        session, data, policy=policy, reporting_year=financial_year(claim.created_at.date())
    )
    _check_attribution(session, case, outcomes, claim.id)
    before = claim_snapshot(claim)
    claim.outcomes, claim.costs, claim.updated_at = outcomes, costs, now
    _reckon_into(session, claim, case, rule_outcomes, rule_costs)
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
    session: Session, principal: Principal, claim_id: int, *, decision: str, reason: str | None, now: datetime
) -> CostAvoidedClaim:
    """Finance verifies a claim (its figures are then final) or finds it not supported, with a reason."""
    require(principal, "claim.decide", message="Only a finance officer verifies cost-avoided claims.")
    claim = get_claim(session, principal, claim_id)
    if decision == "not_supported" and not (reason and reason.strip()):
        raise ValidationFailed("Say why the claim is not supported.", {"reason": ["Required when not supported."]})
    rules.check_decision(claim.state, decision, reason)
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
        after={k: getattr(unit, k) for k in ("name", "amount_pence", "unit", "source", "year", "confidence_grade")},
    )
    session.flush()
    return unit
