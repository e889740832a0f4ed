import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CodeNameSchema, PageArgsSchema, Reason
from tasking.domain.follow_ups import FOLLOW_UP_OUTCOMES
from tasking.domain.money import pounds

FOLLOW_UP_STATES = ("pending", *FOLLOW_UP_OUTCOMES)


class FollowUpArgsSchema(PageArgsSchema):
    state = ma.fields.String(
        validate=validate.OneOf(FOLLOW_UP_STATES),
        load_default="pending",
        metadata={"description": "pending (the default), confirmed or not_confirmed"},
    )
    due_before = ma.fields.Date(metadata={"description": "Only checks due before this day"})
    area = ma.fields.String(metadata={"description": "Area code"})


class FollowUpClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    state = ma.fields.String()
    verified_at = ma.fields.AwareDateTime(allow_none=True)
    gross_pence = ma.fields.Integer()
    adjusted_pence = ma.fields.Integer()
    net_pence = ma.fields.Integer()
    net = ma.fields.Function(lambda claim: pounds(claim["net_pence"]))


class FollowUpCaseSchema(ma.Schema):
    reference = ma.fields.String()
    area = ma.fields.Nested(CodeNameSchema)
    level = ma.fields.Integer(allow_none=True)
    category = ma.fields.String()


class FollowUpSchema(ma.Schema):
    """A follow-up check of a verified claim. It shows the claim's figures and the case's reference,
    area, level and category; never the case's description, address, notes or resident."""

    id = ma.fields.Integer()
    claim_id = ma.fields.Integer()
    months = ma.fields.Integer(metadata={"description": "Months after verification: 6 or 12"})
    due_on = ma.fields.Date()
    state = ma.fields.String(metadata={"description": "pending, confirmed or not_confirmed"})
    notes = ma.fields.String(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()
    claim = ma.fields.Nested(FollowUpClaimSchema)
    case = ma.fields.Nested(FollowUpCaseSchema)


class FollowUpPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(FollowUpSchema))
    next_cursor = ma.fields.String(allow_none=True)


class FollowUpOutcomeSchema(ma.Schema):
    outcome = ma.fields.String(
        required=True,
        validate=validate.OneOf(FOLLOW_UP_OUTCOMES),
        metadata={"description": "confirmed: the saving happened; not_confirmed: it could not be confirmed"},
    )
    notes = Reason(required=False, max_length=10_000, metadata={"description": "Required when not_confirmed"})
