"""Money in and out of the API: always integer pence, with pounds alongside for people."""

import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import Reason
from tasking.domain.money import financial_year_label, pounds
from tasking.domain.references import MAX_ID
from tasking.domain.shares import share_text

PENCE = {"strict": True, "validate": validate.Range(min=0, max=10**11)}


def _between(low, high):
    def check(value):
        if not (low <= value <= high):
            raise ma.ValidationError(f"Must be between {low} and {high}.")

    return check


class SpendCreateSchema(ma.Schema):
    amount_pence = ma.fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=10**9),
        metadata={"description": "Whole pence, e.g. 15000 for £150"},
    )
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    supplier = ma.fields.String(validate=validate.Length(max=200), allow_none=True)
    spent_on = ma.fields.Date(required=True, metadata={"description": "Its date decides the financial year"})


class ReversalSchema(ma.Schema):
    reason = Reason()


class SpendSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    year = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "spend, or reversal of one"})
    amount_pence = ma.fields.Integer()
    amount = ma.fields.Function(lambda s: pounds(s.amount_pence))
    description = ma.fields.String()
    supplier = ma.fields.String(allow_none=True)
    spent_on = ma.fields.Date()
    reverses_id = ma.fields.Integer(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()


class BudgetArgsSchema(ma.Schema):
    area = ma.fields.String(metadata={"description": "Area code; your own area by default"})
    year = ma.fields.Integer(
        validate=validate.Range(2000, 2100),
        metadata={"description": "The year the financial year starts in; the current one by default"},
    )


class BudgetSchema(ma.Schema):
    area = ma.fields.Function(lambda b: {"code": b.area.code, "name": b.area.name})
    year = ma.fields.Integer()
    label = ma.fields.Function(lambda b: financial_year_label(b.year))
    allocation_pence = ma.fields.Integer()
    spent_pence = ma.fields.Integer()
    remaining_pence = ma.fields.Integer()
    remaining = ma.fields.Function(lambda b: pounds(b.remaining_pence))
    entries = ma.fields.List(ma.fields.Nested(SpendSchema))


class AllocationSchema(ma.Schema):
    amount_pence = ma.fields.Integer(required=True, **PENCE)


class OutcomeInSchema(ma.Schema):
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    unit_cost_pence = ma.fields.Integer(**PENCE)
    unit_cost_id = ma.fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "A catalogue entry instead of unit_cost_pence"}
    )
    # Decimal, never float; the bounds are checked by functions so the OpenAPI numbers stay numbers.
    quantity = ma.fields.Decimal(places=4, validate=_between(0, 10**6), metadata={"description": "Default 1"})
    probability = ma.fields.Decimal(
        required=True,
        places=4,
        validate=_between(0, 1),
        metadata={"description": "Between 0 and 1, e.g. 0.1 for one in ten"},
    )

    @ma.validates_schema
    def one_unit_cost(self, data, **_kwargs):
        if ("unit_cost_pence" in data) == ("unit_cost_id" in data):
            raise ma.ValidationError("Give unit_cost_pence or unit_cost_id, not both.", "unit_cost_pence")


class CostInSchema(ma.Schema):
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    amount_pence = ma.fields.Integer(**PENCE)
    hours = ma.fields.Decimal(places=2, validate=_between(0, 10**5))
    rate_pence = ma.fields.Integer(**PENCE)

    @ma.validates_schema
    def amount_or_time(self, data, **_kwargs):
        by_time = "hours" in data and "rate_pence" in data
        if ("amount_pence" in data) == by_time or ("hours" in data) != ("rate_pence" in data):
            raise ma.ValidationError("Give amount_pence, or hours and rate_pence.", "amount_pence")


class ClaimInSchema(ma.Schema):
    outcomes = ma.fields.List(ma.fields.Nested(OutcomeInSchema), required=True, validate=validate.Length(min=1, max=50))
    costs = ma.fields.List(ma.fields.Nested(CostInSchema), load_default=list, validate=validate.Length(max=50))


# Exact decimals go out as strings ("0.2500"), so the document must say string, not number.
EXACT = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "example": "0.2500"}


SHARE = {"type": "string", "pattern": r"^[0-9]+((\.[0-9]+)|(/[0-9]+))?$", "example": "1/6"}


class OutcomeSchema(ma.Schema):
    description = ma.fields.String()
    unit_cost_id = ma.fields.Integer(allow_none=True)
    unit_cost_pence = ma.fields.Integer()
    quantity = ma.fields.Decimal(as_string=True, metadata=EXACT)
    probability = ma.fields.Function(lambda outcome: share_text(outcome.probability), metadata=SHARE)
    expected_pence = ma.fields.Integer()


class CostSchema(ma.Schema):
    description = ma.fields.String()
    hours = ma.fields.Decimal(as_string=True, allow_none=True, metadata=EXACT)
    rate_pence = ma.fields.Integer(allow_none=True)
    amount_pence = ma.fields.Integer()


ROUNDING_RULE = (
    "Each line is worked out exactly and rounded once to the nearest penny, halves away from "
    "zero; totals are the sums of the rounded lines."
)


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    state = ma.fields.String(metadata={"description": "estimated, verified or not_supported"})
    gross_pence = ma.fields.Integer()
    quick_win_pence = ma.fields.Integer(metadata={"description": "Quick-win spend on the case"})
    other_costs_pence = ma.fields.Integer()
    incurred_pence = ma.fields.Function(lambda c: c.quick_win_pence + c.other_costs_pence)
    net_pence = ma.fields.Integer()
    gross = ma.fields.Function(lambda c: pounds(c.gross_pence))
    net = ma.fields.Function(lambda c: pounds(c.net_pence))
    rounding = ma.fields.Function(lambda _c: ROUNDING_RULE)
    outcomes = ma.fields.List(ma.fields.Nested(OutcomeSchema))
    costs = ma.fields.List(ma.fields.Nested(CostSchema))
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    decision_reason = ma.fields.String(allow_none=True)
    version = ma.fields.Integer()


class ClaimListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ClaimSchema))


class ClaimDecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=validate.OneOf(["verified", "not_supported"]))
    reason = Reason(required=False)


def _unit_cost_fields(required: bool) -> dict:
    return {
        "name": ma.fields.String(required=required, validate=validate.Length(min=1, max=200)),
        "amount_pence": ma.fields.Integer(required=required, **PENCE),
        "unit": ma.fields.String(required=required, validate=validate.Length(min=1, max=80)),
        "source": ma.fields.String(required=required, validate=validate.Length(min=1, max=2000)),
        "year": ma.fields.Integer(required=required, validate=validate.Range(2000, 2100)),
    }


UnitCostInSchema = ma.Schema.from_dict(_unit_cost_fields(required=True), name="UnitCostInSchema")
# A change names only what changes; the rest keeps its value.
UnitCostPatchSchema = ma.Schema.from_dict(_unit_cost_fields(required=False), name="UnitCostPatchSchema")


class UnitCostSchema(UnitCostInSchema):
    id = ma.fields.Integer()
    amount = ma.fields.Function(lambda u: pounds(u.amount_pence))
    updated_at = ma.fields.AwareDateTime()


class UnitCostListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UnitCostSchema))
