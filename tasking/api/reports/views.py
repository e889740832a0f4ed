"""/api/v1/reports: how the model is working, and what it saved."""

from flask import Response
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.policy import current_policy
from tasking.api.reports.schemas import CapacityArgsSchema, CapacityReportSchema, ValueArgsSchema, ValueReportSchema
from tasking.clock import now
from tasking.extensions import db
from tasking.services import reports, value_report

blp = require_token(Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports"))


@blp.get("/capacity")
@blp.arguments(CapacityArgsSchema, location="query")
@blp.response(200, CapacityReportSchema)
def capacity(args):
    """Per area manager: open cases by level, and the level-one load that lands on them over a period
    (the current financial year by default): level-one decisions they made, referrals back, level-one
    cases they hold, level-one cases they closed for the organisation that owned them"""
    return reports.capacity(
        db.session, current_principal(), start=args.get("start"), end=args.get("end"), today=now().date()
    )


def value_report_for(args):
    return value_report.value_report(
        db.session,
        current_principal(),
        start=args.get("start"),
        end=args.get("end"),
        area_code=args.get("area"),
        today=now().date(),
        policy=current_policy(),
    )


@blp.get("/value")
@blp.arguments(ValueArgsSchema, location="query")
@blp.response(200, ValueReportSchema)
def value(args):
    """Spend against allocation, cost avoided (verified and estimated apart), return on spend; by area,
    level, category and month"""
    return value_report_for(args)


@blp.get("/value.csv")
@blp.arguments(ValueArgsSchema, location="query")
@blp.response(200, content_type="text/csv", description="The value report as CSV, one row per line")
def value_csv(args):
    """The value report as CSV (sections: total, area, level, category, month)"""
    return Response(
        value_report.csv_text(value_report_for(args)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=value-report.csv"},
    )
