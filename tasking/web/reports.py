"""The value report for area partnership boards: a chart and its table."""

from datetime import date

from flask import Blueprint, Response, render_template, request

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.money import pounds
from tasking.domain.permissions import can
from tasking.extensions import db
from tasking.services import reports, transparency, value_report
from tasking.web.session import permission_required, principal
from tasking.web.value_chart import value_chart_svg

bp = Blueprint("board_reports", __name__, url_prefix="/reports")


def _day(name):
    try:
        return date.fromisoformat(request.args[name]) if request.args.get(name) else None
    except ValueError:
        return None


def _report():
    return value_report.value_report(
        db.session,
        principal(),
        start=_day("start"),
        end=_day("end"),
        area_code=request.args.get("area") or None,
        today=now().date(),
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
        today=now().date(),
    )
    return Response(
        transparency.csv_text(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=quick-win-spend-over-500.csv"},
    )


@bp.get("")
@permission_required("report.value")
def value_page():
    report = _report()
    capacity = (
        reports.capacity(db.session, principal(), start=report.start, end=report.end, today=now().date()).items
        if can(principal(), "report.capacity")
        else []
    )
    return render_template(
        "reports/value.html",
        title="Value report",
        report=report,
        pounds=pounds,
        query=request.query_string.decode(),
        capacity=capacity,
        can_read_budgets=can(principal(), "budget.read"),
        definitions=value_report.DEFINITIONS,
    )
