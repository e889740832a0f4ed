"""Finance's claims: the queue of cost-avoided claims and one page per claim to decide it.

Both pages need "claim.read" and also "report.value": the claims are what the value report counts,
read by finance, borough officers and area staff; councillors read a claim only on their cases
through the API, and have no console (docs/console.md, "Finance")."""

from flask import abort, flash, redirect, render_template, request, url_for

from tasking.clock import now
from tasking.domain.cost_avoided import costs_carried
from tasking.domain.errors import PreconditionFailed, TaskingError
from tasking.domain.etags import etag_for
from tasking.domain.money import pounds
from tasking.domain.permissions import Target, can
from tasking.domain.shares import share_text
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import claim_queue, claims, report_areas
from tasking.unit_of_work import discard
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import attach
from tasking.web.session import permission_required, principal

PAGE_SIZE = 25
STATES = {"estimated": "Waiting", "verified": "Verified", "not_supported": "Not supported"}
STATE_TAGS = {"estimated": "govuk-tag--blue", "verified": "govuk-tag--green", "not_supported": "govuk-tag--red"}


def _filter_form():
    """The queue's filters from the query string, the area offered from those the reader may filter by."""
    areas = report_areas.areas_in_scope(
        db.session, principal(), "place.filter", None, "Your role cannot filter claims by area."
    )
    form = forms.ClaimFilterForm(formdata=request.args)
    form.area.choices = [("", "All areas")] + [(a.code, a.name) for a in areas]
    return form


@bp.get("/claims")
@permission_required("claim.read")
@permission_required("report.value")
def claims_queue():
    form = _filter_form()
    show = form.show.data or "waiting"
    page, count, status = None, 0, 200
    if form.validate():
        decided = show == "decided"
        filters = {"state": None if decided else "estimated", "decided": decided, "area": form.area.data or None}
        try:
            page = claims.list_claims(
                db.session, principal(), **filters, cursor=request.args.get("cursor") or None, size=PAGE_SIZE
            )
            count = claim_queue.count_claims(db.session, principal(), **filters)
        except TaskingError as error:  # a cursor this service never gave out
            attach(form, error)
            status = status_for(error) if status_for(error) in (403, 404) else 400
            if status != 400:
                abort(status)
    else:
        status = 400
    return render_template(
        "console/claims.html",
        title="Claims waiting for a decision" if show == "waiting" else "Decided claims",
        form=form if form.errors else None,
        filters=form,
        show=show,
        lists=forms.CLAIM_LISTS,
        page=page,
        count=count,
        pounds=pounds,
        states=STATES,
        state_tags=STATE_TAGS,
    ), status


def _claim_or_404(claim_id):
    try:
        return claims.get_claim(db.session, principal(), claim_id)
    except TaskingError as error:
        abort(status_for(error))


def _claim_page(claim_id, failed=None, status=200, stale=False):
    p = principal()
    claim = _claim_or_404(claim_id)
    may_decide = can(p, "claim.decide") and claim.state == "estimated"
    decision = failed or forms.ClaimDecisionForm(formdata=None)
    # The version shown with the figures on this page: after a refusal, the claim as it is now, so
    # that what was typed can be sent again against the figures now in front of the officer.
    decision.version.data = str(claim.version)
    return render_template(
        "console/claim.html",
        title=f"Claim {claim.id}",
        claim=claim,
        history=claim_queue.claim_history(db.session, p, claim.id),
        decision=decision,
        may_decide=may_decide,
        stale=stale,
        # Area staff go on to the case; finance reads only the claim (docs/roles.md).
        case_link=can(p, "console.use", Target(area_id=claim.case.area_id)),
        costs_carried=costs_carried,
        pounds=pounds,
        share=share_text,
        states=STATES,
        state_tags=STATE_TAGS,
        form=failed,
    ), status


@bp.get("/claims/<int:claim_id>")
@permission_required("claim.read")
@permission_required("report.value")
def claim_page(claim_id):
    return _claim_page(claim_id)


@bp.post("/claims/<int:claim_id>/decision")
@permission_required("claim.decide")
def claim_decision(claim_id):
    form = forms.ClaimDecisionForm()
    if not form.validate_on_submit():
        return _claim_page(claim_id, form, 400)
    try:
        claim = claims.decide(
            db.session,
            principal(),
            claim_id,
            decision=form.decision.data,
            reason=form.reason.data,
            now=now(),
            if_match=etag_for("claim", claim_id, int(form.version.data)) if form.version.data else None,
        )
    except TaskingError as error:
        discard()
        if status_for(error) in (403, 404):
            abort(status_for(error))
        attach(form, error)
        stale = isinstance(error, PreconditionFailed)
        return _claim_page(claim_id, form, 409 if stale or status_for(error) == 409 else 400, stale=stale)
    done = "verified" if claim.state == "verified" else "found not supported"
    flash(f"Claim {claim.id} {done}.")
    return redirect(url_for(".claims_queue"))
