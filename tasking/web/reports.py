"""The value report for area partnership boards: a chart and its table."""

from datetime import date

from flask import Blueprint, Response, render_template, request, url_for

from tasking.api.policy import current_policy
from tasking.clock import today
from tasking.domain.errors import ValidationFailed
from tasking.domain.money import pounds
from tasking.domain.permissions import can
from tasking.extensions import db
from tasking.services import reports, transparency, value_report
from tasking.web.session import permission_required, principal
from tasking.web.value_chart import value_chart_svg

bp = Blueprint("board_reports", __name__, url_prefix="/reports")


# The query keys the report pages read; their links carry these and nothing else, so a stray key
# (`_external`, `_method`, `endpoint`...) is never handed to url_for (issue 20, finding 6).
REPORT_KEYS = ("start", "end", "area")


def report_args() -> dict[str, str]:
    return {name: request.args[name] for name in REPORT_KEYS if request.args.get(name)}


def _day(name):
    try:
        return date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        raise ValidationFailed("Give dates as YYYY-MM-DD, like 2026-04-01.", field=name, code="not_a_date") from None


def _report():
    return value_report.value_report(
        db.session,
        principal(),
        start=_day("start"),
        end=_day("end"),
        area_code=request.args.get("area") or None,
        today=today(),
        policy=current_policy(),
    )


@bp.get("/value.svg")
@permission_required("report.value")
def value_svg():
    return Response(value_chart_svg(_report()), mimetype="image/svg+xml")


@bp.get("/value.csv")
@permission_required("report.value")
def value_csv():
    return Response(
        value_report.csv_text(_report()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=value-report.csv"},
    )


@bp.get("/transparency.csv")
@permission_required("budget.read")
def transparency_csv():
    """Quick-win spend over £500 in the Local Government Transparency Code's columns (docs/money.md)."""
    lines = transparency.spend_over_500(
        db.session,
        principal(),
        start=_day("start"),
        end=_day("end"),
        area_code=request.args.get("area") or None,
        today=today(),
    )
    return Response(
        transparency.csv_text(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=quick-win-spend-over-500.csv"},
    )


@bp.get("")
@permission_required("report.value")
def value_page():
    try:
        report = _report()
    except ValidationFailed as refused:
        # A period the report cannot answer (off the calendar, or not a date): an error summary
        # naming the date and a way back to this year's report, not a 500 (issue 20, finding 6).
        names = {"start": "Start date", "end": "End date"}
        return render_template(
            "reports/period_error.html",
            title="Error: Value report",
            errors=[
                {"text": f"{names.get(field, field)}: {' '.join(problems)}"}
                for field, problems in refused.fields.items()
            ],
            back=url_for(".value_page", **{k: v for k, v in report_args().items() if k == "area"}),
        ), 422
    capacity = (
        reports.capacity(db.session, principal(), start=report.start, end=report.end, today=today()).items
        if can(principal(), "report.capacity")
        else []
    )
    return render_template(
        "reports/value.html",
        title="Value report",
        report=report,
        pounds=pounds,
        report_args=report_args(),
        capacity=capacity,
        can_read_budgets=can(principal(), "budget.read"),
        definitions=value_report.DEFINITIONS,
    )
