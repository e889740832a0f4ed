"""The quick-win budget: the ledger and reversals."""

from flask import abort, render_template, request, url_for

from tasking.api.policy import current_policy
from tasking.clock import now, today
from tasking.domain.errors import TaskingError
from tasking.domain.money import financial_year, pounds
from tasking.domain.permissions import Target, can
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import budget, report_areas
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import act
from tasking.web.session import permission_required, principal


def _choose_area():
    """Someone who reads every area's budget (an admin) first chooses one."""
    areas = report_areas.areas_in_scope(
        db.session, principal(), "budget.read", None, "Your role cannot see quick-win budgets."
    )
    return render_template("console/budget_choose.html", title="Quick-win budget: choose an area", areas=areas)


def _budget_page(failed=None, status=200):
    if not request.args.get("area") and not principal().area_ids:
        return _choose_area()
    day = today()
    try:
        year = int(request.args.get("year") or financial_year(day))
        ledger = budget.budget(
            db.session,
            principal(),
            area_code=request.args.get("area") or None,
            year=year,
            today=day,
            policy=current_policy(),
        )
    except ValueError:  # a year that is not a number
        abort(400)
    except TaskingError as error:
        abort(status_for(error))
    reversed_ids = {e.reverses_id for e in ledger.entries if e.reverses_id}
    return render_template(
        "console/budget.html",
        title="Quick-win budget",
        ledger=ledger,
        pounds=pounds,
        reversed_ids=reversed_ids,
        reversal=failed or forms.ReversalForm(formdata=None),
        can_spend=can(principal(), "budget.spend", Target(area_id=ledger.area.id)),
        # Finance and the borough officer read the ledger but have no case pages to follow.
        can_open_cases=can(principal(), "console.use", Target(area_id=ledger.area.id)),
        form=failed,
    ), status


# Finance and the borough officer read every area's ledger: they choose an area first.
@bp.get("/budget")
@permission_required("budget.read")
def budget_page():
    return _budget_page()


@bp.post("/budget/spend/<int:spend_id>/reversal")
@permission_required("budget.spend")
def budget_reversal(spend_id):
    form = forms.ReversalForm()
    return act(
        form,
        lambda: budget.reverse_spend(
            db.session, principal(), spend_id, reason=form.reason.data, now=now(), policy=current_policy()
        ),
        done="Spend reversed.",
        back=url_for(".budget_page", area=request.args.get("area") or None, year=request.args.get("year") or None),
        render=lambda f: _budget_page(f)[0],
    )
