"""/api/v1 reference data: areas, wards, organisations and categories (small, so unpaginated)."""

from flask_smorest import Blueprint

from tasking.api.auth import require_token
from tasking.api.reference.schemas import (
    AreaListSchema,
    CategoryArgsSchema,
    CategoryListSchema,
    OrganisationArgsSchema,
    OrganisationListSchema,
    WardArgsSchema,
    WardListSchema,
)
from tasking.extensions import db
from tasking.services import reference_data

blp = require_token(Blueprint("reference", __name__, url_prefix="/api/v1", description="Reference data"))


@blp.get("/areas")
@blp.response(200, AreaListSchema)
def areas():
    """The area partnerships and their wards"""
    return {"items": reference_data.list_areas(db.session)}


@blp.get("/wards")
@blp.arguments(WardArgsSchema, location="query")
@blp.response(200, WardListSchema)
def wards(args):
    """Wards, optionally of one area"""
    return {"items": reference_data.list_wards(db.session, args.get("area"))}


@blp.get("/organisations")
@blp.arguments(OrganisationArgsSchema, location="query")
@blp.response(200, OrganisationListSchema)
def organisations(args):
    """Partner organisations and council services"""
    return {"items": reference_data.list_organisations(db.session, args.get("kind"))}


@blp.get("/categories")
@blp.arguments(CategoryArgsSchema, location="query")
@blp.response(200, CategoryListSchema)
def categories(args):
    """Categories of problem with their default level and owners"""
    return {"items": reference_data.list_categories(db.session, public_only=args.get("public", False))}
