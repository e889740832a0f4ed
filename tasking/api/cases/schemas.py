"""What the cases API reads and writes."""

import marshmallow as ma
from flask import g
from marshmallow import validate

from tasking.api.schemas import (
    CodeNameSchema,
    ForRoles,
    OwnerField,
    PageArgsSchema,
    Reason,
    ReasonSchema,
    page_schema,
)
from tasking.domain.deadlines import WAITING_ON
from tasking.domain.levels import LEVELS
from tasking.domain.lifecycle import MANUAL_CLOSE_TARGETS, STATES
from tasking.domain.organisations import CASE_SOURCES, NOTE_VISIBILITIES
from tasking.domain.permissions import can
from tasking.domain.references import MAX_ID
from tasking.domain.risk import RISK_FLAGS
from tasking.domain.similarity import SUBJECT_REF_PATTERN
from tasking.domain.tasks import TASK_STATES

_text = ma.fields.String


def _postcode():
    return _text(
        validate=validate.Regexp(r"^[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}$", error="Not a UK postcode."),
        allow_none=True,
    )


class _Trimmed(ma.fields.String):
    """Text checked as typed without the spaces around it; nothing left is no value (null)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip() or None


def _subject_ref():
    pattern = validate.Regexp(
        SUBJECT_REF_PATTERN, error="A pseudonym of 2 to 40 letters, digits, spaces, / or -, never a name."
    )
    return _Trimmed(
        validate=lambda value: value is None or pattern(value),
        allow_none=True,
        metadata={
            "description": "Pseudonymous reference of the household or person the case is about (never a "
            "name); for person-based categories only cases with the same subject are the same problem. "
            "Stored in upper case; null clears it. Read back only through /cases/{ref}/reporter."
        },
    )


class ReporterSchema(ma.Schema):
    """The resident who reported the problem. Kept only with their consent; seen only by area staff."""

    name = _text(validate=validate.Length(max=160), allow_none=True)
    email = ma.fields.Email(allow_none=True)
    phone = _text(validate=validate.Regexp(r"^[0-9 +()-]{6,40}$", error="Not a phone number."), allow_none=True)
    consent = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "The resident agreed to their details being kept and used about this case"},
    )

    @ma.validates_schema
    def consent_given(self, data, **_kwargs):
        if any(data.get(k) for k in ("name", "email", "phone")) and not data.get("consent"):
            raise ma.ValidationError("Keep a resident's details only with their consent.", "consent")


class CaseCreateSchema(ma.Schema):
    title = _text(required=True, validate=validate.Length(min=3, max=200))
    description = _text(required=True, validate=validate.Length(min=1, max=10_000))
    category = _text(required=True, metadata={"description": "Category code"})
    ward = _text(required=True, metadata={"description": "Ward code"})
    address = _text(validate=validate.Length(max=300), allow_none=True)
    postcode = _postcode()
    latitude = ma.fields.Float(validate=validate.Range(-90, 90), allow_none=True)
    longitude = ma.fields.Float(validate=validate.Range(-180, 180), allow_none=True)
    source = _text(validate=validate.OneOf(CASE_SOURCES))
    confidential = ma.fields.Boolean(load_default=False)
    risk_flags = ma.fields.List(_text(validate=validate.OneOf(RISK_FLAGS)), load_default=list)
    agencies_needed = ma.fields.Integer(
        validate=validate.Range(min=1, max=50),
        metadata={"description": "How many agencies the problem needs (a classification fact); default 1"},
    )
    reporter = ma.fields.Nested(ReporterSchema, allow_none=True)
    subject_ref = _subject_ref()

    @ma.validates_schema
    def coordinates_together(self, data, **_kwargs):
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ma.ValidationError("Give both latitude and longitude, or neither.", "latitude")


class CaseUpdateSchema(ma.Schema):
    title = _text(validate=validate.Length(min=3, max=200))
    description = _text(validate=validate.Length(min=1, max=10_000))
    category = _text()
    ward = _text()
    address = _text(validate=validate.Length(max=300), allow_none=True)
    postcode = _postcode()
    latitude = ma.fields.Float(validate=validate.Range(-90, 90), allow_none=True)
    longitude = ma.fields.Float(validate=validate.Range(-180, 180), allow_none=True)
    confidential = ma.fields.Boolean()
    risk_flags = ma.fields.List(_text(validate=validate.OneOf(RISK_FLAGS)))
    agencies_needed = ma.fields.Integer(validate=validate.Range(min=1, max=50))
    subject_ref = _subject_ref()
    barrier_id = ma.fields.Integer(
        allow_none=True, validate=validate.Range(1, MAX_ID), metadata={"description": "A recorded systems barrier"}
    )
    state = _text(
        validate=validate.OneOf(sorted(s.value for s in MANUAL_CLOSE_TARGETS)),
        metadata={"description": "Close the case (resolved, closed, withdrawn); needs a reason"},
    )
    reason = Reason(required=False)

    @ma.validates_schema
    def not_empty(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("Send at least one field to change.", "_schema")


class PersonalDetailsSchema(ReporterSchema):
    """What only area staff and admins read of a case (`personal.read`): the reporting resident, and
    the pseudonymous subject the case is about."""

    subject_ref = _text(allow_none=True, metadata={"description": "The household or person, as a pseudonym"})


class CaseListArgsSchema(PageArgsSchema):
    area = _text(metadata={"description": "Area code"})
    ward = _text(metadata={"description": "Ward code"})
    category = _text(metadata={"description": "Category code"})
    state = _text(validate=validate.OneOf(STATES))
    level = ma.fields.Integer(validate=validate.OneOf(LEVELS))
    ready_to_resolve = ma.fields.Boolean(metadata={"description": "Cases whose tasks are all finished"})
    updated_since = ma.fields.AwareDateTime(
        metadata={
            "description": "Only cases changed at or after this time (ISO 8601 with zone); "
            "pages then run oldest change first"
        }
    )


class CaseSchema(ma.Schema):
    id = ma.fields.Integer()
    reference = _text()
    title = _text()
    description = _text()
    category = ma.fields.Nested(CodeNameSchema)
    ward = ma.fields.Nested(CodeNameSchema)
    area = ma.fields.Nested(CodeNameSchema)
    address = _text(allow_none=True)
    postcode = _text(allow_none=True)
    latitude = ma.fields.Float(allow_none=True)
    longitude = ma.fields.Float(allow_none=True)
    source = _text()
    raised_by_id = ma.fields.Integer(allow_none=True)
    level = ma.fields.Integer(allow_none=True)
    state = _text()
    suggested_level = ForRoles(ma.fields.Integer(allow_none=True), "level.read")
    suggestion_reasons = ForRoles(ma.fields.List(ma.fields.Nested(ReasonSchema), allow_none=True), "level.read")
    owner = OwnerField(metadata={"description": "Who holds the case now"})
    lead_organisation = ma.fields.Nested(
        CodeNameSchema,
        allow_none=True,
        metadata={"description": "The lead a person named for this case in place of the category's"},
    )
    confidential = ma.fields.Boolean()
    risk_flags = ma.fields.List(_text())
    agencies_needed = ma.fields.Integer()
    barrier_id = ma.fields.Integer(allow_none=True)
    referred_back = ma.fields.Boolean()
    case_review_flag = ForRoles(
        ma.fields.Boolean(metadata={"description": "The ASB case-review threshold was met"}), "level.read"
    )
    duplicate_of_id = ma.fields.Integer(allow_none=True)
    ready_to_resolve = ma.fields.Boolean(
        metadata={"description": "Every task is finished: the owner should resolve it"}
    )
    next_review_at = ma.fields.AwareDateTime(allow_none=True)
    overdue = ma.fields.Boolean(metadata={"description": "Its last review was late: flagged for escalation"})
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    closed_at = ma.fields.AwareDateTime(allow_none=True)
    version = ma.fields.Integer()


CasePageSchema = page_schema(CaseSchema, "CasePageSchema")


class NoteCreateSchema(ma.Schema):
    body = _text(required=True, validate=validate.Length(min=1, max=10_000))
    visibility = _text(
        validate=validate.OneOf(NOTE_VISIBILITIES),
        metadata={
            "description": "internal (council staff), partners (and partner agencies), councillor (and "
            "the ward's councillors); default internal, or councillor for councillors"
        },
    )


class NoteSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    author_id = ma.fields.Integer()
    body = _text()
    visibility = _text()
    created_at = ma.fields.AwareDateTime()


class NoteListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(NoteSchema))


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.AwareDateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    action = _text()
    object_type = _text()
    object_id = _text()
    before = ma.fields.Method("_before", allow_none=True, metadata={"type": "object"})
    after = ma.fields.Method("_after", allow_none=True, metadata={"type": "object"})

    # What a case's suggestion was, and which other cases are the same problem, are for those who
    # decide levels: to anyone else they would tell whether a household has other cases.
    WORKING_KEYS = ("suggested_level", "suggestion_reasons", "case_review_flag", "similar_case_ids")

    def _shown(self, values):
        if values is None or can(g.principal, "level.read"):
            return values
        return {k: v for k, v in values.items() if k not in self.WORKING_KEYS}

    def _before(self, event):
        return self._shown(event.before)

    def _after(self, event):
        return self._shown(event.after)


AuditEventPageSchema = page_schema(AuditEventSchema, "AuditEventPageSchema")


class LeadSchema(ma.Schema):
    organisation = _text(required=True, metadata={"description": "Code of the organisation to lead the case"})
    reason = Reason(metadata={"description": "Why this organisation leads rather than the category's default"})


class ReopenSchema(ma.Schema):
    reason = Reason()


class WaitSchema(ma.Schema):
    waiting_on = _text(
        required=True,
        validate=validate.OneOf(WAITING_ON),
        metadata={"description": "Who the case waits on: the resident, a court date, another agency, or other"},
    )
    reason = Reason(metadata={"description": "Why the case waits; its deadlines pause until it is taken off hold"})


class DuplicateSchema(ma.Schema):
    of = _text(required=True, metadata={"description": "Id or reference of the case this one repeats"})


class CaseTaskSchema(ma.Schema):
    id = ma.fields.Integer()
    case_id = ma.fields.Integer()
    organisation = ma.fields.Nested(CodeNameSchema)
    role = _text()
    state = _text(validate=validate.OneOf(TASK_STATES))
    due_at = ma.fields.AwareDateTime(allow_none=True)
    decline_reason = ForRoles(_text(allow_none=True), "note.partners")
    outcome = _text(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    version = ma.fields.Integer()


class CaseTaskListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CaseTaskSchema))


class OfferTaskSchema(ma.Schema):
    organisation = _text(required=True, metadata={"description": "Organisation code of the partner offered the task"})
