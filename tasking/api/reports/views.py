"""/api/v1/reports: how the model is working, and what it saved."""

from flask import Response
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.policy import current_policy
from tasking.api.reports.schemas import (
    CapacityArgsSchema,
    CapacityReportSchema,
    TransparencyArgsSchema,
    ValueArgsSchema,
    ValueReportSchema,
)
from tasking.clock import today
from tasking.extensions import db
from tasking.services import reports, transparency, value_report

blp = require_token(Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="Reports"))


@blp.get("/capacity")
@blp.arguments(CapacityArgsSchema, location="query")
@blp.response(200, CapacityReportSchema)
def capacity(args):
    """Per area manager: open cases by level, and the level-one load that lands on them over a period
    (the current financial year by default): level-one decisions they made, referrals back, level-one
    cases they hold, level-one cases they closed for the organisation that owned them"""
    return reports.capacity(
        db.session, current_principal(), start=args.get("start"), end=args.get("end"), today=today()
    )


def value_report_for(args):
    return value_report.value_report(
        db.session,
        current_principal(),
        start=args.get("start"),
        end=args.get("end"),
        area_code=args.get("area"),
        today=today(),
        policy=current_policy(),
    )


@blp.get("/value")
@blp.arguments(ValueArgsSchema, location="query")
@blp.response(200, ValueReportSchema)
def value(args):
    """Spend against allocation; cost avoided verified (split by follow-up: confirmed, not confirmed,
    not yet checked), estimated and not supported, each gross, adjusted and net; return on spend over
    the cases that had spend; by area, level, category and area-month"""
    return value_report_for(args)


@blp.get("/value.csv")
@blp.arguments(ValueArgsSchema, location="query")
@blp.response(200, content_type="text/csv", description="The value report as CSV, one row per line")
def value_csv(args):
    """The value report as CSV (sections: total, area, level, category, month); the return-on-spend
    column's header states its definition"""
    return Response(
        value_report.csv_text(value_report_for(args)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=value-report.csv"},
    )


@blp.get("/transparency.csv")
@blp.arguments(TransparencyArgsSchema, location="query")
@blp.response(
    200,
    content_type="text/csv",
    description="Quick-win spends (and reversals) over £500 in the Local Government Transparency Code's columns",
)
def transparency_csv(args):
    """Quick-win spend over £500 for publication under the Local Government Transparency Code 2015:
    date, department (the area), beneficiary (private individuals redacted), purpose, amount,
    irrecoverable VAT, merchant category (whoever may read the budgets)"""
    lines = transparency.spend_over_500(
        db.session,
        current_principal(),
        start=args.get("start"),
        end=args.get("end"),
        area_code=args.get("area"),
        today=today(),
    )
    return Response(
        transparency.csv_text(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=quick-win-spend-over-500.csv"},
    )
