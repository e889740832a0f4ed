"""What the calendar and targets API reads and writes (docs/deadlines.md)."""

import marshmallow as ma
from marshmallow import validate

from tasking.domain.deadlines import TARGET_KINDS
from tasking.domain.levels import LEVELS

_text = ma.fields.String


class CalendarArgsSchema(ma.Schema):
    start = ma.fields.Date(metadata={"description": "First day (YYYY-MM-DD); default today"})
    end = ma.fields.Date(metadata={"description": "Last day, included; default a year after the start"})


class CalendarDaySchema(ma.Schema):
    date = ma.fields.Date(attribute="day")
    name = _text()
    kind = _text(metadata={"description": "bank (a bank holiday of the division) or local (added by an admin)"})
    id = ma.fields.Integer(allow_none=True, metadata={"description": "A local holiday's id, to remove it by"})


class WorkingHoursSchema(ma.Schema):
    opens = ma.fields.Time(format="%H:%M")
    closes = ma.fields.Time(format="%H:%M")


class CalendarSchema(ma.Schema):
    division = _text(metadata={"description": "Whose bank holidays: england-and-wales, scotland or northern-ireland"})
    working_hours = ma.fields.Nested(WorkingHoursSchema, attribute="hours", metadata={"description": "UK local time"})
    start = ma.fields.Date()
    end = ma.fields.Date()
    holidays = ma.fields.List(ma.fields.Nested(CalendarDaySchema))


class HolidayCreateSchema(ma.Schema):
    date = ma.fields.Date(required=True, metadata={"description": "The day the offices close (YYYY-MM-DD)"})
    name = _text(required=True, validate=validate.Length(min=1, max=120))


class HolidaySchema(ma.Schema):
    id = ma.fields.Integer()
    date = ma.fields.Date(attribute="day")
    name = _text()
    kind = ma.fields.Constant("local")


class TargetSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = _text()
    level = ma.fields.Integer(allow_none=True)
    category = ma.fields.Function(
        lambda t: t.category.code if t.category else None,
        allow_none=True,
        metadata={"type": "string", "description": "The category's code, or null for every category"},
    )
    organisation = ma.fields.Function(
        lambda t: t.organisation.code if t.organisation else None,
        allow_none=True,
        metadata={"type": "string", "description": "The partner's code, or null for every organisation"},
    )
    working_days = ma.fields.Integer()
    updated_at = ma.fields.AwareDateTime()


class TargetListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TargetSchema))


class TargetSetSchema(ma.Schema):
    kind = _text(required=True, validate=validate.OneOf(TARGET_KINDS))
    working_days = ma.fields.Integer(
        required=True, strict=True, validate=validate.Range(1, 400), metadata={"description": "1 to 400"}
    )
    level = ma.fields.Integer(allow_none=True, strict=True, validate=validate.OneOf(LEVELS))
    category = _text(allow_none=True, metadata={"description": "A category code: a target for that category"})
    organisation = _text(
        allow_none=True, metadata={"description": "A partner organisation's code: a target for its tasks"}
    )
