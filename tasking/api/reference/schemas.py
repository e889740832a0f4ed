"""Reference data as the API shows it."""

import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CodeNameSchema
from tasking.domain.organisations import ORGANISATION_KINDS


class WardSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    area = ma.fields.Nested(CodeNameSchema)


class AreaSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    wards = ma.fields.List(ma.fields.Nested(CodeNameSchema))


class OrganisationSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()


class CategorySchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    default_level = ma.fields.Integer()
    frontline_organisation = ma.fields.Nested(CodeNameSchema, allow_none=True)
    lead_organisation = ma.fields.Nested(CodeNameSchema, allow_none=True)
    support_organisations = ma.fields.List(ma.fields.Nested(CodeNameSchema))
    is_public = ma.fields.Boolean()
    case_review = ma.fields.Boolean(
        metadata={"description": "Three reports in six months meet the ASB case-review threshold"}
    )


def _list_of(schema, name):
    return type(name, (ma.Schema,), {"items": ma.fields.List(ma.fields.Nested(schema))})


AreaListSchema = _list_of(AreaSchema, "AreaListSchema")
WardListSchema = _list_of(WardSchema, "WardListSchema")
OrganisationListSchema = _list_of(OrganisationSchema, "OrganisationListSchema")
CategoryListSchema = _list_of(CategorySchema, "CategoryListSchema")


class WardArgsSchema(ma.Schema):
    area = ma.fields.String(metadata={"description": "Area code"})


class OrganisationArgsSchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(ORGANISATION_KINDS))


class CategoryArgsSchema(ma.Schema):
    public = ma.fields.Boolean(metadata={"description": "Only categories residents can report"})
