"""Schemas shared by every API feature: pagination and small reference summaries."""

import marshmallow as ma
from flask import current_app, g
from marshmallow import validate

from tasking.domain.permissions import can


class PageArgsSchema(ma.Schema):
    cursor = ma.fields.String(metadata={"description": "next_cursor from the previous page"})
    page_size = ma.fields.Integer(
        validate=validate.Range(min=1, max=100),
        metadata={"description": "Items per page, 1 to 100 (default 25)"},
    )


def page_size(args: dict) -> int:
    return min(
        args.get("page_size") or current_app.config["API_PAGE_SIZE_DEFAULT"], current_app.config["API_PAGE_SIZE_MAX"]
    )


class Reason(ma.fields.String):
    """A reason as a person typed it, trimmed: one of only spaces is no reason (docs/routing.md,
    "Declines and leads"). A required reason must have words left; an optional one left empty is None."""

    def __init__(self, *, required: bool = True, max_length: int = 2000, **kwargs):
        super().__init__(required=required, allow_none=not required, **kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if len(text) > self.max_length:
            raise ma.ValidationError(f"Longer than maximum length {self.max_length}.")
        if text:
            return text
        if self.required:
            raise ma.ValidationError("Give a reason: it cannot be empty or only spaces.")
        return None


class ForRoles(ma.fields.Field):
    """A field only callers whose role may do `action` (the permissions table) are shown; to the
    others it is null. The suggestion and the partners' reasons on a case are for those who work it,
    not for every reader (docs/roles.md, "What each reader sees of a case")."""

    def __init__(self, inner: ma.fields.Field, action: str, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {**inner.metadata, **kwargs["metadata"]}
        kwargs["metadata"]["description"] = (
            kwargs["metadata"].get("description", "") + f" (null unless your role may {action})"
        ).strip()
        super().__init__(dump_only=True, allow_none=True, **kwargs)
        self.inner, self.action = inner, action

    def _bind_to_schema(self, field_name, parent):
        super()._bind_to_schema(field_name, parent)
        self.inner._bind_to_schema(field_name, parent)

    def serialize(self, attr, obj, accessor=None, **kwargs):
        if not can(g.principal, self.action):
            return None
        return self.inner.serialize(attr, obj, accessor, **kwargs)


class CodeNameSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A page of items with the cursor for the next one (null on the last page)."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema)),
            "next_cursor": ma.fields.String(allow_none=True),
        },
    )


class ReasonSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String()


class OwnerSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "organisation, user, or triage_queue (not yet routed)"})
    organisation = ma.fields.Nested(CodeNameSchema, allow_none=True)
    user_id = ma.fields.Integer(allow_none=True)
    coordinator_user_id = ma.fields.Integer(allow_none=True)
    area = ma.fields.Nested(CodeNameSchema, allow_none=True)
    reason = ma.fields.String(allow_none=True, metadata={"description": "Why it waits in the triage queue"})


def owner_of(case) -> dict:
    if case.owner_organisation_id is not None or case.owner_user_id is not None:
        kind = "user" if case.owner_user_id is not None and case.owner_organisation_id is None else "organisation"
        return {
            "kind": kind,
            "organisation": case.owner_organisation,
            "user_id": case.owner_user_id,
            "coordinator_user_id": case.coordinator_user_id,
            "area": None,
            "reason": None,
        }
    return {
        "kind": "triage_queue",
        "organisation": None,
        "user_id": None,
        "coordinator_user_id": None,
        "area": case.area,
        "reason": case.routing_reason,
    }


class Derived(ma.fields.Nested):
    """A nested object worked out from the whole object being dumped rather than one attribute."""

    def __init__(self, nested, derive=lambda obj: obj, **kwargs):
        super().__init__(nested, **kwargs)
        self._derive = derive

    def serialize(self, attr, obj, accessor=None, **kwargs):
        return self.schema.dump(self._derive(obj))


def OwnerField(case_of=lambda obj: obj, **kwargs):  # noqa: N802 - reads as a field type
    """Who holds a case (`case_of` finds the case inside what is dumped)."""
    return Derived(OwnerSchema, derive=lambda obj: owner_of(case_of(obj)), **kwargs)


class CaseSummarySchema(ma.Schema):
    id = ma.fields.Integer()
    reference = ma.fields.String()
    title = ma.fields.String()
    state = ma.fields.String()
    level = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
