"""Schemas shared by every API feature: pagination and small reference summaries."""
import marshmallow as ma
from flask import current_app
from marshmallow import validate


class PageArgsSchema(ma.Schema):
    cursor = ma.fields.String(metadata={"description": "next_cursor from the previous page"})
    page_size = ma.fields.Integer(
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page, 1 to 100 (default 25)"},
    )


def page_size(args: dict) -> int:
    return min(args.get("page_size") or current_app.config["API_PAGE_SIZE_DEFAULT"],
               current_app.config["API_PAGE_SIZE_MAX"])


class CodeNameSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of items with the cursor for the next one (null on the last page)."""
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item_schema)),
        "next_cursor": ma.fields.String(allow_none=True),
    })
