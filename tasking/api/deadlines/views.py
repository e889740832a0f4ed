"""/api/v1/calendar and /api/v1/targets: the working-day calendar and the deadline targets, for all
to read and admins to change (docs/deadlines.md)."""

from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.deadlines.schemas import (
    CalendarArgsSchema,
    CalendarSchema,
    HolidayCreateSchema,
    HolidaySchema,
    TargetListSchema,
    TargetSchema,
    TargetSetSchema,
)
from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.working_days import UK
from tasking.extensions import db
from tasking.services import calendar, targets

blp = require_token(
    Blueprint("deadlines", __name__, url_prefix="/api/v1", description="Working-day calendar and deadline targets")
)


@blp.route("/calendar")
class Calendar(MethodView):
    @blp.arguments(CalendarArgsSchema, location="query")
    @blp.response(200, CalendarSchema)
    def get(self, args):
        """The days off between two dates (bank holidays of the division and local holidays) and the working hours"""
        start = args.get("start") or now().astimezone(UK).date()
        end = args.get("end") or start + timedelta(days=365)
        return calendar.calendar_between(db.session, current_principal(), start, end, policy=current_policy())


@blp.route("/calendar/holidays")
class Holidays(MethodView):
    @blp.arguments(HolidayCreateSchema)
    @blp.response(201, HolidaySchema)
    @blp.alt_response(409, description="That day is already a local holiday")
    def post(self, data):
        """Add a local holiday (admins); clocks started or resumed from now on count it"""
        return calendar.add_local_holiday(
            db.session, current_principal(), data["date"], data["name"], now=now(), policy=current_policy()
        )


@blp.route("/calendar/holidays/<int:holiday_id>")
class HolidayItem(MethodView):
    @blp.response(204)
    def delete(self, holiday_id):
        """Remove a local holiday (admins)"""
        calendar.remove_local_holiday(db.session, current_principal(), holiday_id, now=now())


@blp.route("/targets")
class Targets(MethodView):
    @blp.response(200, TargetListSchema)
    def get(self):
        """Every deadline target, in working days; the most specific that fits a clock applies"""
        return {"items": targets.list_targets(db.session, current_principal())}

    @blp.arguments(TargetSetSchema)
    @blp.response(200, TargetSchema)
    def put(self, data):
        """Set the target with this kind, level, category and organisation (admins); new clocks take it"""
        return targets.set_target(db.session, current_principal(), data, now=now())


@blp.route("/targets/<int:target_id>")
class TargetItem(MethodView):
    @blp.response(204)
    def delete(self, target_id):
        """Remove a specific target, so the more general one applies again (admins)"""
        targets.remove_target(db.session, current_principal(), target_id, now=now())
