"""Money in and out of the API: always integer pence, with pounds alongside for people."""

import re
from decimal import Decimal

import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CodeNameSchema, PageArgsSchema, Reason, page_schema
from tasking.domain.appraisal import GRADES, MAX_BENEFIT_YEARS
from tasking.domain.cost_avoided import CLAIM_STATES, HOURS_PLACES, QUANTITY_PLACES, costs_carried
from tasking.domain.errors import ValidationFailed
from tasking.domain.money import financial_year, financial_year_label, pounds
from tasking.domain.references import MAX_ID
from tasking.domain.shares import parse_decimal, parse_share, share_text

PENCE = {"strict": True, "validate": validate.Range(min=0, max=10**11)}


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
    # For the Local Government Transparency Code export (docs/money.md, "Transparency").
    irrecoverable_vat_pence = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min=0, max=10**9),
        metadata={"description": "The part of the amount that is VAT the council cannot recover, in pence"},
    )
    merchant_category = ma.fields.String(
        validate=validate.Length(max=120),
        allow_none=True,
        metadata={"description": "What kind of supplier, e.g. 'Locksmiths', 'Building materials'"},
    )
    supplier_is_individual = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "The supplier is a private individual: named to area staff only, never published"},
    )


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
    supplier = ma.fields.String(
        allow_none=True, metadata={"description": "A private individual's name only to the area's staff"}
    )
    supplier_is_individual = ma.fields.Boolean()
    irrecoverable_vat_pence = ma.fields.Integer(allow_none=True)
    merchant_category = ma.fields.String(allow_none=True)
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


class YearClosedSchema(ma.Schema):
    year = ma.fields.Integer(required=True, metadata={"description": "The year the financial year starts in"})
    label = ma.fields.String(required=True, metadata={"example": "2025-26"})
    closed_at = ma.fields.AwareDateTime(required=True)


class AllocationSchema(ma.Schema):
    amount_pence = ma.fields.Integer(required=True, **PENCE)


SHARE_TEXT = r"^[0-9]+((\.[0-9]+)|(/[0-9]+))?$"


class Share(ma.fields.Field):
    """A share kept exact (tasking/domain/shares.py): "1/6", "0.25", or a JSON number read as its
    decimal text; between 0 and 1. Out, as people write it: "0.1", or "1/6" when it has no decimal."""

    def __init__(self, **kwargs):
        metadata = {
            "oneOf": [
                {"type": "string", "pattern": SHARE_TEXT, "example": "1/6"},
                {"type": "number", "minimum": 0, "maximum": 1},
            ],
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not re.fullmatch(SHARE_TEXT, value):
            raise ma.ValidationError("Give a share such as 0.25 or a fraction such as 1/6.")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ma.ValidationError("Give a share such as 0.25 or a fraction such as 1/6.")
        try:
            return parse_share(value, attr or "share")
        except ValidationFailed as refused:
            raise ma.ValidationError(refused.message) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else share_text(value)


DECIMAL_TEXT = r"^[0-9]+(\.[0-9]+)?$"


class ExactDecimal(ma.fields.Field):
    """A decimal kept exactly (tasking/domain/shares.py, parse_decimal): "2.5", or a JSON number read
    as its decimal text; with more places than the column keeps it is refused (422), never rounded."""

    def __init__(self, *, places: int, high: int, **kwargs):
        self.places, self.high = places, high
        metadata = {
            "oneOf": [
                {"type": "string", "pattern": DECIMAL_TEXT, "example": "2.5"},
                {"type": "number", "minimum": 0, "maximum": high},
            ],
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        wrong = f"Give a number from 0 to {self.high:,} with at most {self.places} decimal places."
        if isinstance(value, str) and not re.fullmatch(DECIMAL_TEXT, value):
            raise ma.ValidationError(wrong)
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ma.ValidationError(wrong)
        try:
            return parse_decimal(value, attr or "number", places=self.places, low=Decimal(0), high=Decimal(self.high))
        except ValidationFailed as refused:
            raise ma.ValidationError(refused.message) from None


class OutcomeInSchema(ma.Schema):
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    unit_cost_pence = ma.fields.Integer(**PENCE)
    unit_cost_id = ma.fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "A catalogue entry instead of unit_cost_pence"}
    )
    # Exact, never float and never rounded: more places than are kept is 422 (docs/money.md, "Exact inputs").
    quantity = ExactDecimal(places=QUANTITY_PLACES, high=10**6, metadata={"description": "Default 1"})
    probability = Share(
        required=True,
        metadata={
            "description": "Between 0 and 1, exactly: 0.1 or 1/10 for one in ten, 1/6 for one in six; a decimal "
            "has at most 6 places (more is refused, never rounded)"
        },
    )

    # The value method's adjustments (docs/money.md, "The value method"); each left out is neutral.
    deadweight = Share(
        metadata={"description": "Share of the outcome that would have happened anyway; default 0. Needs a reason."}
    )
    deadweight_reason = ma.fields.String(validate=validate.Length(max=2000), allow_none=True)
    attribution = Share(metadata={"description": "Share credited to this case's intervention; default 1"})
    confidence_grade = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(min(GRADES), max(GRADES)),
        metadata={"description": "Of a typed unit cost, 1 (best) to 6; a catalogue entry brings its own"},
    )
    price_year = ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=validate.Range(2000, 2100),
        metadata={"description": "Of a typed unit cost; a catalogue entry brings its own"},
    )
    benefit_years = ma.fields.Integer(
        strict=True,
        validate=validate.Range(1, MAX_BENEFIT_YEARS),
        metadata={"description": "Years the benefit lasts; default 1"},
    )
    drop_off = Share(metadata={"description": "Share of the benefit lost each year after the first; default 0"})
    cashable = ma.fields.Boolean(
        metadata={"description": "Money leaves a budget (true) or capacity is freed; default false"}
    )

    @ma.validates_schema
    def one_unit_cost(self, data, **_kwargs):
        if ("unit_cost_pence" in data) == ("unit_cost_id" in data):
            raise ma.ValidationError("Give unit_cost_pence or unit_cost_id, not both.", "unit_cost_pence")


class CostInSchema(ma.Schema):
    description = ma.fields.String(required=True, validate=validate.Length(min=1, max=500))
    amount_pence = ma.fields.Integer(**PENCE)
    hours = ExactDecimal(places=HOURS_PLACES, high=10**5, metadata={"description": "Up to 2 decimal places"})
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
    # The value method, line by line (docs/money.md, "The value method").
    deadweight = ma.fields.Function(lambda outcome: share_text(outcome.deadweight), metadata=SHARE)
    deadweight_reason = ma.fields.String(allow_none=True)
    attribution = ma.fields.Function(lambda outcome: share_text(outcome.attribution), metadata=SHARE)
    confidence_grade = ma.fields.Integer(allow_none=True)
    price_year = ma.fields.Integer(allow_none=True)
    benefit_years = ma.fields.Integer()
    drop_off = ma.fields.Function(lambda outcome: share_text(outcome.drop_off), metadata=SHARE)
    cashable = ma.fields.Boolean()
    adjusted_pence = ma.fields.Integer(metadata={"description": "Central: after every adjustment"})
    low_pence = ma.fields.Integer(metadata={"description": "The optimism-bias correction counted twice"})
    high_pence = ma.fields.Integer(metadata={"description": "No optimism-bias correction"})


class CostSchema(ma.Schema):
    description = ma.fields.String()
    hours = ma.fields.Decimal(as_string=True, allow_none=True, metadata=EXACT)
    rate_pence = ma.fields.Integer(allow_none=True)
    amount_pence = ma.fields.Integer()


ROUNDING_RULE = (
    "Each line is worked out exactly and rounded once to the nearest penny, halves away from "
    "zero; totals are the sums of the rounded lines."
)


class ClaimCaseSchema(ma.Schema):
    """What a claim shows of its case, to finance on a confidential case as to anyone: never its
    title, description, address, notes, resident or subject (docs/roles.md)."""

    reference = ma.fields.String()
    area = ma.fields.Nested(CodeNameSchema)
    level = ma.fields.Integer(allow_none=True)
    category = ma.fields.Nested(CodeNameSchema)


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    case = ma.fields.Nested(
        ClaimCaseSchema, metadata={"description": "The case's reference, area, level and category only"}
    )
    state = ma.fields.String(metadata={"description": "estimated, verified or not_supported"})
    gross_pence = ma.fields.Integer()
    quick_win_pence = ma.fields.Integer(
        metadata={
            "description": "The case's quick-win spend this claim carries: the case's spend is netted once across "
            "its claims, on the earliest still estimated (less what verified claims carry), 0 on the others"
        }
    )
    carries_quick_win = ma.fields.Function(
        lambda c: c.quick_win_pence != 0, metadata={"description": "Whether this claim nets the case's quick-win spend"}
    )
    costs_carried = ma.fields.Function(
        lambda c: costs_carried(c.state, c.quick_win_pence, c.other_costs_pence),
        metadata={"description": "Which of the case's costs this claim nets, in a sentence"},
    )
    other_costs_pence = ma.fields.Integer()
    incurred_pence = ma.fields.Function(lambda c: c.quick_win_pence + c.other_costs_pence)
    net_pence = ma.fields.Integer()
    gross = ma.fields.Function(lambda c: pounds(c.gross_pence))
    net = ma.fields.Function(lambda c: pounds(c.net_pence))
    # The value method's totals, the sums of the lines (docs/money.md, "The value method").
    adjusted_pence = ma.fields.Integer(metadata={"description": "Central value after the adjustments"})
    low_pence = ma.fields.Integer()
    high_pence = ma.fields.Integer()
    cashable_pence = ma.fields.Integer(metadata={"description": "The part of the central value that is cashable"})
    non_cashable_pence = ma.fields.Function(lambda c: c.adjusted_pence - c.cashable_pence)
    adjusted = ma.fields.Function(lambda c: pounds(c.adjusted_pence))
    price_base_year = ma.fields.Function(
        lambda c: financial_year(c.created_at.date()),
        metadata={"description": "Catalogue costs are in this financial year's prices (docs/money.md)"},
    )
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


ClaimPageSchema = page_schema(ClaimSchema, "ClaimPageSchema")


class ClaimListArgsSchema(PageArgsSchema):
    state = ma.fields.String(
        validate=validate.OneOf(CLAIM_STATES),
        metadata={"description": "estimated (waiting for finance's decision), verified or not_supported"},
    )
    area = ma.fields.String(validate=validate.Length(min=1, max=20), metadata={"description": "Area code"})
    decided = ma.fields.Boolean(
        metadata={"description": "true: only decided claims (verified or not supported), most recently decided first"}
    )


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
        # GMCA cost-benefit confidence grade, 1 (best) to 6; none: no optimism-bias correction.
        "confidence_grade": ma.fields.Integer(
            strict=True, allow_none=True, validate=validate.Range(min(GRADES), max(GRADES))
        ),
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
