"""Councillors' level-one requests: raise one, see it sent, follow it, refer it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.domain.lifecycle import STATES, is_open
from tasking.domain.permissions import can
from tasking.domain.text import summary_title
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import councillor_requests
from tasking.services.access import case_target
from tasking.unit_of_work import discard
from tasking.web.forms import ReferralForm, RequestForm, reporter_from
from tasking.web.session import permission_required, principal
from tasking.web.wording import describe_event

bp = Blueprint("councillor", __name__, url_prefix="/requests")
PAGE_SIZE = 25


@bp.get("")
@permission_required("request.raise")
def my_requests():
    ward, state = request.args.get("ward") or None, request.args.get("state") or None
    if state not in (None, *STATES):
        state = None
    wards, _ = councillor_requests.form_choices(db.session, principal())
    page = councillor_requests.my_requests(
        db.session, principal(), ward=ward, state=state, cursor=request.args.get("cursor"), size=PAGE_SIZE
    )
    dates = councillor_requests.request_dates(
        db.session, principal(), [item.case for item in page.items], now=now(), policy=current_policy()
    )
    return render_template(
        "requests/list.html",
        title="My requests",
        page=page,
        dates=dates,
        wards=wards,
        ward=ward,
        state=state,
        states=STATES,
        describe_event=describe_event,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("request.raise")
def new_request():
    wards, categories = councillor_requests.form_choices(db.session, principal())
    form = RequestForm()
    form.ward.choices = [(w.code, w.name) for w in wards]
    form.category.choices = [(c.code, c.name) for c in categories]
    if form.validate_on_submit():
        category_name = dict(form.category.choices)[form.category.data]
        place = form.address.data or form.postcode.data
        data = {
            "title": summary_title(form.description.data, f"{category_name} at {place}"),
            "description": form.description.data.strip(),
            "category": form.category.data,
            "ward": form.ward.data,
            "address": form.address.data or None,
            "postcode": form.postcode.data or None,
            "latitude": float(form.latitude.data) if form.latitude.data is not None else None,
            "longitude": float(form.longitude.data) if form.longitude.data is not None else None,
            "reporter": reporter_from(form),
        }
        try:
            case = councillor_requests.raise_request(db.session, principal(), data, now=now(), policy=current_policy())
        except TaskingError as refused:
            discard()
            if status_for(refused) in (403, 404):
                abort(status_for(refused))
            field = next((getattr(form, name) for name in refused.fields if hasattr(form, name)), form.description)
            field.errors = [*field.errors, refused.message]
            return render_template("requests/new.html", title="Raise a level-one request", form=form), 400
        return redirect(url_for("councillor.request_sent", reference=case.reference))
    status = 400 if form.errors else 200
    return render_template("requests/new.html", title="Raise a level-one request", form=form), status


@bp.get("/<reference>/sent")
@permission_required("request.raise")
def request_sent(reference):
    case, _events = councillor_requests.request_history(db.session, principal(), reference)
    dates = councillor_requests.request_dates(db.session, principal(), [case], now=now(), policy=current_policy())
    return render_template("requests/sent.html", title="Request sent", case=case, dates=dates[case.id])


@bp.get("/<reference>")
@permission_required("request.raise")
def request_detail(reference):
    return _detail(reference, ReferralForm())


@bp.post("/<reference>/referral")
@permission_required("request.raise")
def refer(reference):
    form = ReferralForm()
    if form.validate_on_submit():
        try:
            councillor_requests.refer(
                db.session, principal(), reference, reason=form.reason.data, now=now(), policy=current_policy()
            )
        except TaskingError as refused:
            discard()
            if status_for(refused) == 404:
                abort(404)
            form.reason.errors = list(form.reason.errors) + [refused.message]
            return _detail(reference, form, status=400)
        flash("Referred to the area manager. They will decide what happens next.")
        return redirect(url_for("councillor.request_detail", reference=reference))
    return _detail(reference, form, status=400)


def _detail(reference, form, status=200):
    case, events = councillor_requests.request_history(db.session, principal(), reference)
    can_refer = (
        can(principal(), "case.refer", case_target(case))
        and case.level == 1
        and is_open(case.state)
        and not case.referred_back
    )
    dates = councillor_requests.request_dates(db.session, principal(), [case], now=now(), policy=current_policy())
    return render_template(
        "requests/detail.html",
        title=f"Request {case.reference}",
        case=case,
        dates=dates[case.id],
        history=[describe_event(e) for e in events],
        form=form,
        can_refer=can_refer,
    ), status
