import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CaseSummarySchema, CodeNameSchema


class BarrierCreateSchema(ma.Schema):
    title = ma.fields.String(required=True, validate=validate.Length(min=3, max=200))
    description = ma.fields.String(load_default="", validate=validate.Length(max=10_000))
    borough_level = ma.fields.Boolean(
        load_default=False, metadata={"description": "The barrier is a borough policy or system"}
    )


class BarrierSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    borough_level = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()


class BarrierEvidenceSchema(ma.Schema):
    id = ma.fields.Integer(attribute="barrier.id")
    title = ma.fields.String(attribute="barrier.title")
    description = ma.fields.String(attribute="barrier.description")
    borough_level = ma.fields.Boolean(attribute="barrier.borough_level")
    created_at = ma.fields.AwareDateTime(attribute="barrier.created_at")
    case_count = ma.fields.Integer()
    open_case_count = ma.fields.Integer()
    area_count = ma.fields.Integer()


class LevelFourCaseSchema(CaseSummarySchema):
    area = ma.fields.Nested(CodeNameSchema)
    category = ma.fields.Nested(CodeNameSchema)
    barrier_id = ma.fields.Integer(allow_none=True)


class SystemsBarriersSchema(ma.Schema):
    barriers = ma.fields.List(ma.fields.Nested(BarrierEvidenceSchema))
    level_four_cases = ma.fields.List(ma.fields.Nested(LevelFourCaseSchema))
