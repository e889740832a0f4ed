"""/api/v1/reports/exceptions and /api/v1/organisations/<code>/exceptions: the cases and tasks past
or near their targets, and how partners are doing against theirs (issue 21, docs/deadlines.md).
Reading only: nothing here changes anything, so no unit of work is opened."""

from flask import Response
from flask_smorest import Blueprint

from tasking.api import lean
from tasking.api.auth import current_principal, require_token
from tasking.api.conditional_docs import ETAG_HEADER
from tasking.api.exceptions.lean_body import fingerprint, report_body
from tasking.api.exceptions.schemas import (
    ExceptionArgsSchema,
    ExceptionReportSchema,
    OrganisationExceptionArgsSchema,
)
from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.extensions import db
from tasking.services import exception_csv, exceptions

blp = require_token(
    Blueprint("exceptions", __name__, url_prefix="/api/v1", description="Exception reports: deadlines past or near")
)


def report_for(args, organisation=None):
    return exceptions.exception_report(
        db.session,
        current_principal(),
        area_code=args.get("area"),
        organisation_code=organisation or args.get("organisation"),
        level=args.get("level"),
        start=args.get("start"),
        end=args.get("end"),
        now=now(),
        policy=current_policy(),
    )


NOT_MODIFIED = "Every figure of the report is as it was in the copy whose ETag was sent in If-None-Match"


def _json(report):
    # A weak tag: two copies with the same figures differ in generated_at, the moment each was made.
    return lean.conditional("W/" + lean.etag_for("exceptions", fingerprint(report)), lambda: report_body(report))


def _csv(report, filename):
    return Response(
        exception_csv.csv_text(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )


@blp.get("/reports/exceptions")
@blp.arguments(ExceptionArgsSchema, location="query")
@blp.response(200, ExceptionReportSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description=NOT_MODIFIED)
def exception_report(args):
    """Running clocks past or near their targets, with counts per area, per partner organisation and
    per level (running past and near; met and missed in the period), time-to-accept and
    time-to-complete distributions, and declines by reason. Area staff see their areas, a partner
    its own organisation's tasks, admins and borough officers everything"""
    return _json(report_for(args))


@blp.get("/reports/exceptions.csv")
@blp.arguments(ExceptionArgsSchema, location="query")
@blp.response(200, content_type="text/csv", description="The exception report as CSV")
def exception_report_csv(args):
    """The exception report as CSV: one row per exception (section "exception"), then the sections
    total, area, organisation, level, time_to_accept, time_to_complete and decline"""
    return _csv(report_for(args), "exception-report.csv")


@blp.get("/organisations/<code>/exceptions")
@blp.arguments(OrganisationExceptionArgsSchema, location="query")
@blp.response(200, ExceptionReportSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description=NOT_MODIFIED)
def organisation_exception_report(args, code):
    """One partner organisation's exception report: its tasks past or near their targets, its times
    to accept and complete, its declines. A partner reads its own; another organisation's is 404"""
    return _json(report_for(args, organisation=code))


@blp.get("/organisations/<code>/exceptions.csv")
@blp.arguments(OrganisationExceptionArgsSchema, location="query")
@blp.response(200, content_type="text/csv", description="One organisation's exception report as CSV")
def organisation_exception_report_csv(args, code):
    """One partner organisation's exception report as CSV (the sections of /reports/exceptions.csv)"""
    report = report_for(args, organisation=code)
    return _csv(report, f"exception-report-{report.organisation}.csv")
