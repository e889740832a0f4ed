"""/api/v1 money: quick-win spend, budgets, cost-avoided claims and the unit-cost catalogue."""

from flask.views import MethodView
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.etags import IF_MATCH_PARAMETER, if_match
from tasking.api.money.schemas import (
    AllocationSchema,
    BudgetArgsSchema,
    BudgetSchema,
    ClaimDecisionSchema,
    ClaimInSchema,
    ClaimListArgsSchema,
    ClaimListSchema,
    ClaimPageSchema,
    ClaimSchema,
    ReversalSchema,
    SpendCreateSchema,
    SpendSchema,
    UnitCostInSchema,
    UnitCostListSchema,
    UnitCostPatchSchema,
    UnitCostSchema,
    YearClosedSchema,
)
from tasking.api.policy import current_policy
from tasking.api.schemas import page_size
from tasking.clock import now, today
from tasking.domain.etags import etag_for
from tasking.domain.money import financial_year_label
from tasking.extensions import db
from tasking.services import budget, claims, unit_costs

blp = require_token(Blueprint("money", __name__, url_prefix="/api/v1", description="Quick wins and cost avoided"))
ETAG = {"ETag": {"schema": {"type": "string"}}}


def _claim(claim):
    return claim, {"ETag": etag_for("claim", claim.id, claim.version)}


@blp.post("/cases/<case:case_key>/spend")
@blp.arguments(SpendCreateSchema)
@blp.response(201, SpendSchema)
def record_spend(data, case_key):
    """Spend from the area's quick-win budget on this case (the area manager, no approval step)"""
    return budget.record_spend(db.session, current_principal(), case_key, data, now=now(), policy=current_policy())


@blp.post("/spend/<int:spend_id>/reversal")
@blp.arguments(ReversalSchema)
@blp.response(201, SpendSchema)
def reverse_spend(data, spend_id):
    """Correct a mistaken spend with a reversal; the ledger is never edited"""
    return budget.reverse_spend(
        db.session, current_principal(), spend_id, reason=data["reason"], now=now(), policy=current_policy()
    )


@blp.get("/budgets")
@blp.arguments(BudgetArgsSchema, location="query")
@blp.response(200, BudgetSchema)
def get_budget(args):
    """An area's allocation, spend, remaining amount and ledger for a financial year"""
    return budget.budget(
        db.session,
        current_principal(),
        area_code=args.get("area"),
        year=args.get("year"),
        today=today(),
        policy=current_policy(),
    )


@blp.put("/budgets/<area>/<int:year>")
@blp.arguments(AllocationSchema)
@blp.response(200, BudgetSchema)
def set_allocation(data, area, year):
    """Set an area's allocation for a financial year (admins)"""
    return budget.set_allocation(
        db.session,
        current_principal(),
        area_code=area,
        year=year,
        amount_pence=data["amount_pence"],
        now=now(),
        policy=current_policy(),
    )


@blp.post("/budgets/years/<int:year>/close")
@blp.response(200, YearClosedSchema)
def close_year(year):
    """Close a financial year that has ended (admins): no spend may be dated in it from now on. Until
    then the year before the current one takes spends keyed late"""
    closure = budget.close_year(db.session, current_principal(), year, now=now())
    return {"year": closure.year, "label": financial_year_label(closure.year), "closed_at": closure.closed_at}


@blp.route("/cases/<case:case_key>/cost-avoided")
class CaseClaims(MethodView):
    @blp.response(200, ClaimListSchema)
    def get(self, case_key):
        """The case's cost-avoided claims"""
        return {"items": claims.case_claims(db.session, current_principal(), case_key)}

    @blp.arguments(ClaimInSchema)
    @blp.response(201, ClaimSchema, headers=ETAG)
    def post(self, data, case_key):
        """Claim the cost avoided: outcomes avoided and costs incurred (quick-win spend counted for you)"""
        return _claim(
            claims.create_claim(db.session, current_principal(), case_key, data, now=now(), policy=current_policy())
        )


@blp.get("/claims")
@blp.arguments(ClaimListArgsSchema, location="query")
@blp.response(200, ClaimPageSchema)
def list_claims(args):
    """Claims, oldest first: with state=estimated, the queue of claims waiting for finance's decision;
    with decided=true, those decided, most recently decided first. Finance sees every case's,
    confidential ones included (of the case only its reference, area, level and category); area
    staff their areas'"""
    return claims.list_claims(
        db.session,
        current_principal(),
        state=args.get("state"),
        decided=bool(args.get("decided")),
        area=args.get("area"),
        cursor=args.get("cursor"),
        size=page_size(args),
    )


@blp.route("/claims/<int:claim_id>")
class Claim(MethodView):
    @blp.response(200, ClaimSchema, headers=ETAG)
    def get(self, claim_id):
        """One claim"""
        return _claim(claims.get_claim(db.session, current_principal(), claim_id))

    @blp.arguments(ClaimInSchema)
    @blp.doc(parameters=[IF_MATCH_PARAMETER])
    @blp.response(200, ClaimSchema, headers=ETAG)
    @blp.alt_response(412, description="The claim changed since the ETag was read")
    def patch(self, data, claim_id):
        """Replace an estimated claim's outcomes and costs"""
        return _claim(
            claims.edit_claim(
                db.session,
                current_principal(),
                claim_id,
                data,
                if_match=if_match(),
                now=now(),
                policy=current_policy(),
            )
        )


@blp.post("/claims/<int:claim_id>/decision")
@blp.arguments(ClaimDecisionSchema)
@blp.response(200, ClaimSchema, headers=ETAG)
def decide_claim(data, claim_id):
    """Finance verifies a claim (then final) or finds it not supported, with a reason"""
    return _claim(
        claims.decide(
            db.session, current_principal(), claim_id, decision=data["decision"], reason=data.get("reason"), now=now()
        )
    )


@blp.route("/unit-costs")
class UnitCosts(MethodView):
    @blp.response(200, UnitCostListSchema)
    def get(self):
        """The unit-cost catalogue"""
        return {"items": unit_costs.list_unit_costs(db.session, current_principal())}

    @blp.arguments(UnitCostInSchema)
    @blp.response(201, UnitCostSchema)
    def post(self, data):
        """Add a unit cost (finance officers and admins)"""
        return unit_costs.save_unit_cost(db.session, current_principal(), data, now=now())


@blp.patch("/unit-costs/<int:unit_cost_id>")
@blp.arguments(UnitCostPatchSchema)
@blp.response(200, UnitCostSchema)
def change_unit_cost(data, unit_cost_id):
    """Change a unit cost (finance officers and admins)"""
    return unit_costs.save_unit_cost(db.session, current_principal(), data, now=now(), unit_cost_id=unit_cost_id)
