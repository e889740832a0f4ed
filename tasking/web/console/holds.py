"""Putting a case on hold while it waits on someone outside the service, and taking it off hold
(docs/deadlines.md, "Paused clocks"): the two actions of the case page that pause and resume its
clocks. Their pages are the case page's action pages (cases.ACTIONS)."""

from flask import abort, flash, redirect, url_for

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import waits
from tasking.unit_of_work import discard
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import case_or_404
from tasking.web.console.cases import action_page, case_action
from tasking.web.session import permission_required, principal


@bp.post("/cases/<reference>/wait")
@permission_required("case.wait")
def case_wait(reference):
    form = forms.WaitForm(prefix="wait")
    return case_action(
        reference,
        "wait",
        form,
        lambda: waits.start_wait(
            db.session,
            principal(),
            reference,
            waiting_on=form.waiting_on.data,
            reason=form.reason.data,
            now=now(),
            policy=current_policy(),
        ),
        "Case put on hold: its deadlines are paused.",
    )


@bp.post("/cases/<reference>/resume")
@permission_required("case.wait")
def case_resume(reference):
    form = forms.ResumeForm(prefix="resume")
    case = case_or_404(reference)
    if not form.validate_on_submit():
        return action_page(case, "resume", form, 400)
    try:
        waits.end_wait(db.session, principal(), reference, now=now(), policy=current_policy())
    except TaskingError as refused:
        # A form of one button: the refusal (not on hold any more) is said in place of the form.
        discard()
        status = status_for(refused)
        if status in (403, 404):
            abort(status)
        return action_page(case_or_404(reference), "resume", form, 409 if status == 409 else 400, refused.message)
    flash("Case taken off hold: its deadlines run again, moved on by the time it waited.")
    return redirect(url_for(".case_page", reference=reference))
