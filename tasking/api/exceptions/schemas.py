import marshmallow as ma
from marshmallow import validate

from tasking.domain.deadlines import CLOCK_KINDS, TASK_KINDS
from tasking.domain.exception_report import DEFINITIONS


class ExceptionArgsSchema(ma.Schema):
    area = ma.fields.String(metadata={"description": "Area code; every area you may see by default"})
    organisation = ma.fields.String(
        metadata={"description": "Partner organisation code: its task clocks only. A partner always gets its own"}
    )
    level = ma.fields.Integer(validate=validate.Range(1, 4), metadata={"description": "The case level, 1 to 4"})
    start = ma.fields.Date(
        metadata={
            "description": "First day (UK) of the period for met, missed, distributions and declines; "
            "27 days before end by default"
        }
    )
    end = ma.fields.Date(metadata={"description": "Last day (UK) of the period; today by default"})


class OrganisationExceptionArgsSchema(ma.Schema):
    area = ma.fields.String(metadata={"description": "Area code"})
    level = ma.fields.Integer(validate=validate.Range(1, 4), metadata={"description": "The case level, 1 to 4"})
    start = ma.fields.Date(metadata={"description": "First day (UK) of the period; 27 days before end by default"})
    end = ma.fields.Date(metadata={"description": "Last day (UK) of the period; today by default"})


class ExceptionRowSchema(ma.Schema):
    case_reference = ma.fields.String(metadata={"description": "The case's reference (never its title)"})
    case_id = ma.fields.Integer()
    task_id = ma.fields.Integer(allow_none=True, metadata={"description": "The partner's task, for task clocks"})
    kind = ma.fields.String(validate=validate.OneOf(CLOCK_KINDS))
    kind_words = ma.fields.String(metadata={"description": "What the clock times, in words"})
    organisation = ma.fields.Method("_organisation", allow_none=True, metadata={"description": "Whose task"})
    area = ma.fields.Method("_area")
    level = ma.fields.Integer(allow_none=True)
    target_working_days = ma.fields.Integer()
    started_at = ma.fields.AwareDateTime()
    due_at = ma.fields.AwareDateTime(metadata={"description": "Including any time paused, so far"})
    breached_at = ma.fields.AwareDateTime(allow_none=True, metadata={"description": "When the breach was recorded"})
    paused = ma.fields.Boolean(metadata={"description": "The case waits on someone outside the service"})
    standing = ma.fields.String(validate=validate.OneOf(("past", "near")))
    working_days_over = ma.fields.Integer(allow_none=True, metadata={"description": DEFINITIONS["working_days_over"]})
    working_days_left = ma.fields.Integer(allow_none=True, metadata={"description": DEFINITIONS["working_days_left"]})

    def _organisation(self, row):
        if row.organisation_code is None:
            return None
        return {"code": row.organisation_code, "name": row.organisation_name}

    def _area(self, row):
        return {"code": row.area_code, "name": row.area_name}


class ExceptionSummarySchema(ma.Schema):
    key = ma.fields.String(metadata={"description": "Area code, organisation code, level (or none), or all"})
    name = ma.fields.String()
    running_past = ma.fields.Integer(metadata={"description": "Running clocks past their target now"})
    running_near = ma.fields.Integer(metadata={"description": "Running clocks near their target now"})
    met = ma.fields.Integer(metadata={"description": "Clocks stopped in the period by their due time"})
    missed = ma.fields.Integer(metadata={"description": "Clocks stopped in the period after their due time"})


class ExceptionDistributionSchema(ma.Schema):
    kind = ma.fields.String(validate=validate.OneOf(TASK_KINDS))
    organisation = ma.fields.Method(
        "_organisation", allow_none=True, metadata={"description": "null: every organisation in the report"}
    )
    count = ma.fields.Integer()
    median_working_seconds = ma.fields.Integer(allow_none=True)
    p90_working_seconds = ma.fields.Integer(allow_none=True)
    max_working_seconds = ma.fields.Integer(allow_none=True)
    median_working_hours = ma.fields.String(
        allow_none=True, metadata={"description": "median_working_seconds / 3600, rounded half up to two places"}
    )
    p90_working_hours = ma.fields.String(allow_none=True, metadata={"description": "As median_working_hours"})
    max_working_hours = ma.fields.String(allow_none=True, metadata={"description": "As median_working_hours"})
    within_target = ma.fields.Integer(metadata={"description": "How many of them were met"})
    within_target_percent = ma.fields.String(
        allow_none=True, metadata={"description": "within_target / count x 100, rounded half up to one place"}
    )

    def _organisation(self, distribution):
        if distribution.organisation_code is None:
            return None
        return {"code": distribution.organisation_code, "name": distribution.organisation_name}


class ExceptionDeclineSchema(ma.Schema):
    organisation = ma.fields.Method("_organisation")
    reason = ma.fields.String(metadata={"description": "The reason given, trimmed (grouped regardless of capitals)"})
    count = ma.fields.Integer()

    def _organisation(self, row):
        return {"code": row.organisation_code, "name": row.organisation_name}


class ExceptionReportSchema(ma.Schema):
    start = ma.fields.Date()
    end = ma.fields.Date()
    generated_at = ma.fields.AwareDateTime(metadata={"description": "The time the running clocks are as at"})
    area = ma.fields.String(allow_none=True, metadata={"description": "The area filter, if any"})
    organisation = ma.fields.String(allow_none=True, metadata={"description": "The organisation the report is for"})
    level = ma.fields.Integer(allow_none=True)
    exceptions = ma.fields.List(
        ma.fields.Nested(ExceptionRowSchema), metadata={"description": DEFINITIONS["exceptions"]}
    )
    total = ma.fields.Nested(ExceptionSummarySchema)
    areas = ma.fields.List(ma.fields.Nested(ExceptionSummarySchema))
    organisations = ma.fields.List(
        ma.fields.Nested(ExceptionSummarySchema), metadata={"description": "Task clocks only"}
    )
    levels = ma.fields.List(ma.fields.Nested(ExceptionSummarySchema))
    distributions = ma.fields.List(
        ma.fields.Nested(ExceptionDistributionSchema), metadata={"description": DEFINITIONS["distributions"]}
    )
    declines = ma.fields.List(
        ma.fields.Nested(ExceptionDeclineSchema), metadata={"description": DEFINITIONS["declines"]}
    )
    definitions = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), metadata={"description": "What each figure means"}
    )
