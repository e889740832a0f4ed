import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CaseSummarySchema, OwnerField, Reason, ReasonSchema
from tasking.domain.levels import LEVELS


class LevelDecisionSchema(ma.Schema):
    level = ma.fields.Integer(required=True, validate=validate.OneOf(LEVELS))
    reason = Reason(required=False, metadata={"description": "Required when the level differs from the suggestion"})


class ReferralSchema(ma.Schema):
    reason = Reason()


class SuggestionSchema(ma.Schema):
    level = ma.fields.Integer()
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    case_review_threshold_met = ma.fields.Boolean()


class LevelChangeSchema(ma.Schema):
    id = ma.fields.Integer()
    from_level = ma.fields.Integer(allow_none=True)
    to_level = ma.fields.Integer()
    suggested_level = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "decision, escalation, de_escalation or confirmation"})
    reason = ma.fields.String(allow_none=True)
    decided_by_id = ma.fields.Integer()
    decided_at = ma.fields.AwareDateTime()


class ClassificationSchema(ma.Schema):
    case_id = ma.fields.Integer(attribute="case.id")
    reference = ma.fields.String(attribute="case.reference")
    level = ma.fields.Integer(attribute="case.level", allow_none=True)
    state = ma.fields.String(attribute="case.state")
    owner = OwnerField(case_of=lambda c: c.case)
    case_review_flag = ma.fields.Boolean(attribute="case.case_review_flag")
    suggestion = ma.fields.Nested(SuggestionSchema)
    history = ma.fields.List(ma.fields.Nested(LevelChangeSchema))
    similar = ma.fields.List(ma.fields.Nested(CaseSummarySchema))
