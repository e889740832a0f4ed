"""The value report for area partnership boards: a chart and its table."""
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request

from tasking.clock import now
from tasking.domain.money import pounds
from tasking.domain.roles import AREA_STAFF, Role
from tasking.extensions import db
from tasking.services import reports, value_report
from tasking.web.session import principal, roles_required
from tasking.web.value_chart import value_chart_svg

bp = Blueprint("board_reports", __name__, url_prefix="/reports")
READERS = (*AREA_STAFF, Role.ADMIN, Role.FINANCE, Role.BOROUGH_OFFICER)


def _report():
    def day(name):
        try:
            return date.fromisoformat(request.args[name]) if request.args.get(name) else None
        except ValueError:
            return None

    return value_report.value_report(db.session, principal(), start=day("start"), end=day("end"),
                                     area_code=request.args.get("area") or None, today=now().date(),
                                     default_allocation_pence=current_app.config["QUICK_WIN_ALLOCATION_PENCE"])


@bp.get("/value.svg")
@roles_required(*READERS)
def value_svg():
    return Response(value_chart_svg(_report()), mimetype="image/svg+xml")


@bp.get("/value.csv")
@roles_required(*READERS)
def value_csv():
    return Response(value_report.csv_text(_report()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=value-report.csv"})


@bp.get("")
@roles_required(*READERS)
def value_page():
    report = _report()
    capacity = reports.capacity(db.session, principal()) if principal().role != Role.FINANCE else []
    return render_template("reports/value.html", title="Value report", report=report, pounds=pounds,
                           query=request.query_string.decode(), capacity=capacity)
