import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CodeNameSchema, Derived, PageArgsSchema, Reason
from tasking.domain.tasks import TASK_STATES


class TaskListArgsSchema(PageArgsSchema):
    state = ma.fields.String(validate=validate.OneOf(TASK_STATES))
    updated_since = ma.fields.AwareDateTime(
        metadata={"description": "Only tasks changed at or after this time; pages then run oldest change first"}
    )


class PartnerNoteSchema(ma.Schema):
    id = ma.fields.Integer()
    body = ma.fields.String()
    visibility = ma.fields.String()
    created_at = ma.fields.AwareDateTime()


class TaskCaseSchema(ma.Schema):
    """What a partner needs of the case: never residents' personal details or internal notes."""

    reference = ma.fields.String(attribute="task.case.reference")
    title = ma.fields.String(attribute="task.case.title")
    description = ma.fields.Method("_description", allow_none=True)
    category = ma.fields.Nested(CodeNameSchema, attribute="task.case.category")
    ward = ma.fields.Nested(CodeNameSchema, attribute="task.case.ward")
    area = ma.fields.Nested(CodeNameSchema, attribute="task.case.area")
    address = ma.fields.Method("_address", allow_none=True)
    level = ma.fields.Integer(attribute="task.case.level", allow_none=True)
    state = ma.fields.String(attribute="task.case.state")
    confidential = ma.fields.Boolean(attribute="task.case.confidential")
    notes = ma.fields.List(ma.fields.Nested(PartnerNoteSchema))

    def _description(self, view):
        return None if view.redacted else view.task.case.description

    def _address(self, view):
        return None if view.redacted else view.task.case.address


class TaskSchema(ma.Schema):
    id = ma.fields.Integer(attribute="task.id")
    organisation = ma.fields.Nested(CodeNameSchema, attribute="task.organisation")
    role = ma.fields.String(attribute="task.role")
    state = ma.fields.String(attribute="task.state")
    due_at = ma.fields.AwareDateTime(attribute="task.due_at", allow_none=True)
    decline_reason = ma.fields.String(attribute="task.decline_reason", allow_none=True)
    outcome = ma.fields.String(attribute="task.outcome", allow_none=True)
    created_at = ma.fields.AwareDateTime(attribute="task.created_at")
    updated_at = ma.fields.AwareDateTime(attribute="task.updated_at")
    version = ma.fields.Integer(attribute="task.version")
    case = Derived(TaskCaseSchema)


class TaskPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TaskSchema))
    next_cursor = ma.fields.String(allow_none=True)


class DeclineSchema(ma.Schema):
    reason = Reason()


class ProgressSchema(ma.Schema):
    note = ma.fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class CompleteSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=validate.Length(min=1, max=10_000))
