"""Triage: the area's new and returned cases, each confirmed or set to a level."""

from flask import abort, render_template, request, url_for

from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import (
    triage,
)
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import act, case_or_404, decide_level
from tasking.web.session import permission_required, principal


@bp.get("/triage")
@permission_required("triage.read")
def triage_page():
    return _triage(None)


FILTERS = ("area", "ward", "category", "source")


def _triage(failed_form, status=200):
    chosen = {k: (request.args.get(k) or "").strip() or None for k in FILTERS}
    try:
        page = triage.triage_queue(
            db.session, principal(), triage.TriageFilters(**chosen), cursor=request.args.get("cursor"), size=20
        )
    except TaskingError as error:
        if status_for(error) not in (404, 422):
            abort(status_for(error))
        # A filter naming no place or category the user may use: say so on the page, show nothing.
        return render_template(
            "console/triage.html",
            title="Error: Triage",
            items=[],
            page=None,
            args=chosen,
            filter_error=f"{error.message} Use a code, such as SW for an area or st-matthews for a ward.",
            next_args={},
            form=failed_form,
        ), 400
    items = []
    for item in page.items:
        case = item["case"]
        confirm = forms.ConfirmLevelForm(
            prefix=f"confirm-{case.id}", data={"level": case.suggested_level}, formdata=None
        )
        choose = forms.LevelForm(
            prefix=f"level-{case.id}", data={"level": str(case.suggested_level or 1)}, formdata=None
        )
        if failed_form is not None and failed_form._prefix in (f"level-{case.id}-", f"confirm-{case.id}-"):
            choose = failed_form if failed_form._prefix.startswith("level") else choose
        items.append({**item, "confirm": confirm, "choose": choose, "age_days": (now() - case.created_at).days})
    # The next page keeps the filters; the cursor is the page's own, never the one this page came with.
    next_args = {k: v for k, v in chosen.items() if v}
    return render_template(
        "console/triage.html",
        title="Triage",
        items=items,
        page=page,
        args=chosen,
        next_args=next_args,
        filter_error=None,
        form=failed_form,
    ), status


@bp.post("/triage/<reference>/confirm")
@permission_required("console.use")
def triage_confirm(reference):
    case = case_or_404(reference)
    form = forms.ConfirmLevelForm(prefix=f"confirm-{case.id}")
    return act(
        form,
        lambda: decide_level(reference, form, None),
        done=f"{reference} confirmed at level {form.level.data} and routed.",
        back=url_for(".triage_page"),
        render=lambda f: _triage(f, 400)[0],
    )


@bp.post("/triage/<reference>/level")
@permission_required("console.use")
def triage_level(reference):
    case = case_or_404(reference)
    form = forms.LevelForm(prefix=f"level-{case.id}")
    return act(
        form,
        lambda: decide_level(reference, form, form.reason.data),
        done=f"{reference} set to level {form.level.data} and routed.",
        back=url_for(".triage_page"),
        render=lambda f: _triage(f, 400)[0],
    )
