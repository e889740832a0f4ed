"""Turning what area staff type into a claim's valued lines and totals: exact shares, the value
method's adjustments per line, the limits, and the cap on attribution across linked cases
(docs/money.md, "Exact inputs", "The value method")."""

from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain import appraisal
from tasking.domain import cost_avoided as rules
from tasking.domain.errors import ValidationFailed
from tasking.domain.money import check_amount
from tasking.domain.policy import Policy
from tasking.domain.shares import parse_share
from tasking.models import Case, CaseLink, ClaimCost, ClaimOutcome, CostAvoidedClaim, UnitCost

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


def lines(
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


def reckon_into(session: Session, claim: CostAvoidedClaim, case, rule_outcomes, rule_costs) -> None:
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


def check_attribution(session: Session, case: Case, outcomes: list[ClaimOutcome], claim_id: int | None) -> None:
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
