import marshmallow as ma
from marshmallow import validate

from tasking.api.schemas import CaseSummarySchema, CodeNameSchema, PageArgsSchema, Reason
from tasking.domain.levels import LEVELS
from tasking.domain.reviews import REVIEW_OUTCOMES, REVIEW_STATES


class ReviewArgsSchema(PageArgsSchema):
    area = ma.fields.String(metadata={"description": "Area code"})
    due_before = ma.fields.AwareDateTime()
    level = ma.fields.Integer(validate=validate.OneOf(LEVELS))
    overdue = ma.fields.Boolean()
    state = ma.fields.String(validate=validate.OneOf(REVIEW_STATES), load_default="pending")


class ReviewCaseSchema(CaseSummarySchema):
    area = ma.fields.Nested(CodeNameSchema)
    next_review_at = ma.fields.AwareDateTime(allow_none=True)
    missed_reviews = ma.fields.Integer()


class ReviewSchema(ma.Schema):
    """A review. To a partner deciding the reviews of the cases its organisation owns, the case carries
    no more than its task shows (no case id or creation time), and decided_by_id and notes only of the
    reviews the partner decided."""

    id = ma.fields.Integer()
    case = ma.fields.Nested(ReviewCaseSchema)
    sequence = ma.fields.Integer()
    due_at = ma.fields.AwareDateTime()
    overdue = ma.fields.Boolean()
    state = ma.fields.String()
    outcome = ma.fields.String(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.AwareDateTime(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()


class ReviewPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReviewSchema))
    next_cursor = ma.fields.String(allow_none=True)


class ReviewDecisionSchema(ma.Schema):
    outcome = ma.fields.String(required=True, validate=validate.OneOf(REVIEW_OUTCOMES))
    level = ma.fields.Integer(
        validate=validate.OneOf(LEVELS), metadata={"description": "The new level, to escalate or de-escalate"}
    )
    reason = Reason(required=False)
    notes = ma.fields.String(validate=validate.Length(max=10_000), allow_none=True)


class AgendaArgsSchema(ma.Schema):
    meeting = ma.fields.Date(required=True, metadata={"description": "The tasking meeting's date"})


class AgendaEventSchema(ma.Schema):
    at = ma.fields.AwareDateTime()
    action = ma.fields.String()
    actor_id = ma.fields.Integer(allow_none=True)


class AgendaTaskSchema(ma.Schema):
    id = ma.fields.Integer()
    organisation = ma.fields.Nested(CodeNameSchema)
    role = ma.fields.String()
    state = ma.fields.String()
    due_at = ma.fields.AwareDateTime(allow_none=True)


class AgendaItemSchema(ma.Schema):
    case = ma.fields.Nested(ReviewCaseSchema)
    review_id = ma.fields.Integer(attribute="review.id", allow_none=True)
    review_due_at = ma.fields.AwareDateTime(attribute="review.due_at", allow_none=True)
    history = ma.fields.List(ma.fields.Nested(AgendaEventSchema), metadata={"description": "Since the last review"})
    spend_pence = ma.fields.Integer()
    open_tasks = ma.fields.List(ma.fields.Nested(AgendaTaskSchema))


class AgendaGroupSchema(ma.Schema):
    level = ma.fields.Integer()
    lead = ma.fields.String()
    items = ma.fields.List(ma.fields.Nested(AgendaItemSchema))


class AgendaSchema(ma.Schema):
    area = ma.fields.String()
    meeting = ma.fields.Date()
    groups = ma.fields.List(ma.fields.Nested(AgendaGroupSchema))
