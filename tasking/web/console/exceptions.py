"""The exception report page (issue 21, docs/deadlines.md): the cases and partners' tasks past or
near their targets, the counts per area, partner and level, the times partners took, and declines
by reason. The same report as GET /api/v1/reports/exceptions and its CSV, so the three agree."""

from datetime import date

from flask import Response, abort, render_template, request, url_for

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.errors import TaskingError, ValidationFailed
from tasking.domain.exception_report import ExceptionReport
from tasking.domain.permissions import can
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import exception_csv, exceptions
from tasking.web.console import bp
from tasking.web.session import permission_required, principal

# The query keys the page reads; its links carry these and nothing else.
KEYS = ("area", "organisation", "level", "start", "end")
FIELD_NAMES = {
    "area": "Area",
    "organisation": "Organisation",
    "level": "Level",
    "start": "From",
    "end": "To",
}


def _args() -> dict[str, str]:
    return {name: request.args[name].strip() for name in KEYS if (request.args.get(name) or "").strip()}


def _day(args: dict[str, str], name: str) -> date | None:
    try:
        return date.fromisoformat(args[name]) if name in args else None
    except ValueError:
        raise ValidationFailed("Give a date as YYYY-MM-DD, like 2026-12-01.", field=name, code="not_a_date") from None


def _report(args: dict[str, str]) -> ExceptionReport:
    return exceptions.exception_report(
        db.session,
        principal(),
        area_code=args.get("area"),
        organisation_code=args.get("organisation"),
        level=args.get("level"),
        start=_day(args, "start"),
        end=_day(args, "end"),
        now=now(),
        policy=current_policy(),
    )


@bp.get("/reports/exceptions")
@permission_required("report.exceptions")
def exceptions_page():
    args = _args()
    choices = exceptions.filter_choices(db.session, principal())
    try:
        report = _report(args)
    except ValidationFailed as refused:
        # A filter the report cannot answer: the form again with an error summary naming it.
        return render_template(
            "console/exceptions.html",
            title="Error: Exception report",
            report=None,
            args=args,
            choices=choices,
            errors=refused.fields or {"filters": [refused.message]},
            field_names=FIELD_NAMES,
        ), 422
    except TaskingError as error:
        abort(status_for(error))
    return render_template(
        "console/exceptions.html",
        title="Exception report",
        report=report,
        args=args,
        choices=choices,
        errors={},
        field_names=FIELD_NAMES,
        csv_url=url_for(".exceptions_csv", **args),
        can_open_cases=can(principal(), "console.use"),
    )


@bp.get("/reports/exceptions.csv")
@permission_required("report.exceptions")
def exceptions_csv():
    try:
        report = _report(_args())
    except TaskingError as error:
        abort(status_for(error))
    return Response(
        exception_csv.csv_text(report),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=exception-report.csv"},
    )
