import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CaseSummarySchema, CodeNameSchema, PageArgsSchema, ReasonSchema
from tasking.domain.organisations import CASE_SOURCES


class TriageArgsSchema(PageArgsSchema):
    area = ma.fields.String(metadata={"description": "Area code"})
    ward = ma.fields.String(metadata={"description": "Ward code"})
    category = ma.fields.String(metadata={"description": "Category code"})
    source = ma.fields.String(validate=validate.OneOf(CASE_SOURCES))


class TriageItemSchema(ma.Schema):
    id = ma.fields.Integer(attribute="case.id")
    reference = ma.fields.String(attribute="case.reference")
    title = ma.fields.String(attribute="case.title")
    category = ma.fields.Nested(CodeNameSchema, attribute="case.category")
    ward = ma.fields.Nested(CodeNameSchema, attribute="case.ward")
    area = ma.fields.Nested(CodeNameSchema, attribute="case.area")
    source = ma.fields.String(attribute="case.source")
    state = ma.fields.String(attribute="case.state")
    level = ma.fields.Integer(attribute="case.level", allow_none=True)
    waiting_reason = ma.fields.String(metadata={"description": "new, returned, referred or unroutable"})
    routing_reason = ma.fields.String(attribute="case.routing_reason", allow_none=True)
    triage_reason = ma.fields.String(
        attribute="case.triage_reason",
        allow_none=True,
        metadata={
            "description": "Why it was put in the queue, in words: a lead's decline with its reason, a "
            "councillor's request held for the area manager, a stalled level-one job, a referral"
        },
    )
    risk_flags = ma.fields.List(ma.fields.String(), attribute="case.risk_flags")
    case_review_flag = ma.fields.Boolean(attribute="case.case_review_flag")
    suggested_level = ma.fields.Integer(attribute="case.suggested_level", allow_none=True)
    suggestion_reasons = ma.fields.List(
        ma.fields.Nested(ReasonSchema), attribute="case.suggestion_reasons", allow_none=True
    )
    similar = ma.fields.List(ma.fields.Nested(CaseSummarySchema))
    created_at = ma.fields.AwareDateTime(attribute="case.created_at")


class TriagePageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TriageItemSchema))
    next_cursor = ma.fields.String(allow_none=True)
