"""The area manager's console: triage, one page per case, the budget and tasking meetings.
Each action calls the same service as the API and comes back by post/redirect/get."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.domain.etags import etag_for
from tasking.domain.money import financial_year, pounds
from tasking.domain.permissions import Target, can
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import (
    budget,
    case_actions,
    cases,
    claims,
    classification,
    history,
    notes,
    reference_data,
    reviews,
    triage,
)
from tasking.unit_of_work import discard
from tasking.web import console_forms as forms
from tasking.web.session import permission_required, principal
from tasking.web.wording import describe_event

bp = Blueprint("console", __name__)


def _attach(form, error: TaskingError) -> None:
    """A service's refusal shown on the form: on the fields it names, else on the first field."""
    placed = False
    for name, problems in error.fields.items():
        # Services name money fields in pence (amount_pence); the forms take pounds (amount).
        field = getattr(form, name, None) or getattr(form, name.removesuffix("_pence"), None)
        if field is not None:
            field.errors = [*field.errors, *(problems if isinstance(problems, list) else [str(problems)])]
            placed = True
    if not placed:
        # A form of hidden fields only (triage's confirm button) still needs somewhere to say it.
        shown = [f for f in form if f.type not in ("CSRFTokenField", "HiddenField", "SubmitField")]
        first = shown[0] if shown else next(f for f in form if f.type == "HiddenField")
        first.errors = [*first.errors, error.message]


def _act(form, action, *, done: str, back: str, render):
    if form.validate_on_submit():
        try:
            action()
        except TaskingError as error:
            discard()
            if status_for(error) in (403, 404):
                abort(status_for(error))
            _attach(form, error)
            return render(form), 409 if status_for(error) == 409 else 400
        flash(done)
        return redirect(back)
    return render(form), 400


# Triage ---------------------------------------------------------------------------------------


@bp.get("/triage")
@permission_required("triage.read")
def triage_page():
    return _triage(None)


def _triage(failed_form, status=200):
    filters = triage.TriageFilters(**{k: request.args.get(k) or None for k in ("area", "ward", "category", "source")})
    try:
        page = triage.triage_queue(db.session, principal(), filters, cursor=request.args.get("cursor"), size=20)
    except TaskingError as error:
        abort(status_for(error))
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
    return render_template(
        "console/triage.html", title="Triage", items=items, page=page, args=request.args, form=failed_form
    ), status


@bp.post("/triage/<reference>/confirm")
@permission_required("triage.decide")
def triage_confirm(reference):
    case = _case_or_404(reference)
    form = forms.ConfirmLevelForm(prefix=f"confirm-{case.id}")
    return _act(
        form,
        lambda: classification.decide(
            db.session,
            principal(),
            reference,
            level=int(form.level.data),
            reason=None,
            now=now(),
            policy=current_policy(),
        ),
        done=f"{reference} confirmed at level {form.level.data} and routed.",
        back=url_for(".triage_page"),
        render=lambda f: _triage(f, 400)[0],
    )


@bp.post("/triage/<reference>/level")
@permission_required("triage.decide")
def triage_level(reference):
    case = _case_or_404(reference)
    form = forms.LevelForm(prefix=f"level-{case.id}")
    return _act(
        form,
        lambda: classification.decide(
            db.session,
            principal(),
            reference,
            level=int(form.level.data),
            reason=form.reason.data,
            now=now(),
            policy=current_policy(),
        ),
        done=f"{reference} set to level {form.level.data} and routed.",
        back=url_for(".triage_page"),
        render=lambda f: _triage(f, 400)[0],
    )


# One case -------------------------------------------------------------------------------------


def _case_or_404(reference):
    try:
        return cases.get_case(db.session, principal(), reference)
    except TaskingError:
        abort(404)


def _partners():
    return [(o.code, o.name) for o in reference_data.list_organisations(db.session) if o.kind != "borough"]


def _case_page(reference, failed=None, status=200):
    p = principal()
    case = _case_or_404(reference)
    today = now()
    view = classification.view(db.session, p, case.id, now=today, policy=current_policy())
    ledger = budget.budget(
        db.session,
        p,
        area_code=case.area.code,
        year=financial_year(today.date()),
        today=today.date(),
        policy=current_policy(),
    )
    # Each form has its own prefix, so no two fields on the page share an id; none reads the request,
    # which after a refused action holds another form's data.
    blank = {"formdata": None}
    fresh = {
        "level": forms.LevelForm(prefix="level", data={"level": str(case.level or view.suggestion.level)}, **blank),
        "offer": forms.OfferTaskForm(prefix="offer", **blank),
        "spend": forms.SpendForm(prefix="spend", data={"spent_on": today.date()}, **blank),
        "claim": forms.ClaimForm(prefix="claim", **blank),
        "note": forms.NoteForm(prefix="note", **blank),
        "state": forms.StateForm(prefix="state", data={"version": case.version}, **blank),
        "reopen": forms.ReopenForm(prefix="reopen", **blank),
        "duplicate": forms.DuplicateForm(prefix="duplicate", **blank),
    }
    fresh["offer"].organisation.choices = _partners()
    if failed is not None:
        name, form = failed
        if name == "offer":
            form.organisation.choices = _partners()
        fresh[name] = form
    events = history.case_history(db.session, p, case.id, cursor=None, size=100).items
    return render_template(
        "console/case.html",
        title=f"{case.reference}: {case.title}",
        case=case,
        view=view,
        tasks=cases.case_tasks(db.session, p, case.id),
        notes=notes.list_notes(db.session, p, case.id),
        spends=[e for e in ledger.entries if e.case_id == case.id],
        ledger=ledger,
        claims=claims.case_claims(db.session, p, case.id),
        events=[describe_event(e) for e in events],
        case_reviews=reviews.case_reviews(db.session, p, case.id),
        forms=fresh,
        pounds=pounds,
        can_spend=can(p, "budget.spend", Target(area_id=case.area_id)),
        form=failed[1] if failed else None,
    ), status


@bp.get("/cases/<reference>")
@permission_required("console.use")
def case_page(reference):
    return _case_page(reference)


def _case_action(reference, name, form, action, done):
    _case_or_404(reference)
    back = url_for(".case_page", reference=reference)
    return _act(form, action, done=done, back=back, render=lambda f: _case_page(reference, (name, f))[0])


@bp.post("/cases/<reference>/level")
@permission_required("triage.decide")
def case_level(reference):
    form = forms.LevelForm(prefix="level")
    return _case_action(
        reference,
        "level",
        form,
        lambda: classification.decide(
            db.session,
            principal(),
            reference,
            level=int(form.level.data),
            reason=form.reason.data,
            now=now(),
            policy=current_policy(),
        ),
        "Level changed and the case re-routed.",
    )


@bp.post("/cases/<reference>/tasks")
@permission_required("case.edit")
def case_offer(reference):
    form = forms.OfferTaskForm(prefix="offer")
    form.organisation.choices = _partners()
    return _case_action(
        reference,
        "offer",
        form,
        lambda: cases.offer_task(
            db.session, principal(), reference, form.organisation.data, now=now(), policy=current_policy()
        ),
        "Task offered.",
    )


@bp.post("/cases/<reference>/spend")
@permission_required("budget.spend")
def case_spend(reference):
    form = forms.SpendForm(prefix="spend")
    return _case_action(
        reference,
        "spend",
        form,
        lambda: budget.record_spend(
            db.session,
            principal(),
            reference,
            {
                "amount_pence": form.amount.pence,
                "description": form.description.data,
                "supplier": form.supplier.data or None,
                "spent_on": form.spent_on.data,
            },
            now=now(),
            policy=current_policy(),
        ),
        "Spend recorded.",
    )


@bp.post("/cases/<reference>/claims")
@permission_required("claim.write")
def case_claim(reference):
    form = forms.ClaimForm(prefix="claim")

    def add():
        costs = (
            [{"description": "Other costs incurred", "amount_pence": form.incurred.pence}]
            if form.incurred.pence
            else []
        )
        claims.create_claim(
            db.session,
            principal(),
            reference,
            {
                "outcomes": [
                    {
                        "description": form.outcome.data,
                        "unit_cost_pence": form.unit_cost.pence,
                        "probability": form.probability.data.strip(),
                    }
                ],
                "costs": costs,
            },
            now=now(),
        )

    return _case_action(reference, "claim", form, add, "Cost-avoided claim added; Finance will verify it.")


@bp.post("/cases/<reference>/notes")
@permission_required("console.use")
def case_note(reference):
    form = forms.NoteForm(prefix="note")
    return _case_action(
        reference,
        "note",
        form,
        lambda: notes.add_note(
            db.session, principal(), reference, body=form.body.data, visibility=form.visibility.data, now=now()
        ),
        "Note added.",
    )


@bp.post("/cases/<reference>/state")
@permission_required("case.edit")
def case_close(reference):
    form = forms.StateForm(prefix="state")
    return _case_action(
        reference,
        "state",
        form,
        lambda: cases.update_case(
            db.session,
            principal(),
            reference,
            {"state": form.state.data, "reason": form.reason.data},
            if_match=etag_for("case", _case_or_404(reference).id, int(form.version.data or 0)),
            now=now(),
            policy=current_policy(),
        ),
        "Case closed.",
    )


@bp.post("/cases/<reference>/reopen")
@permission_required("case.edit")
def case_reopen(reference):
    form = forms.ReopenForm(prefix="reopen")
    return _case_action(
        reference,
        "reopen",
        form,
        lambda: case_actions.reopen_case(
            db.session, principal(), reference, reason=form.reason.data, now=now(), policy=current_policy()
        ),
        "Case reopened; it is back in triage.",
    )


@bp.post("/cases/<reference>/duplicate")
@permission_required("case.edit")
def case_duplicate(reference):
    form = forms.DuplicateForm(prefix="duplicate")
    return _case_action(
        reference,
        "duplicate",
        form,
        lambda: case_actions.mark_duplicate(db.session, principal(), reference, of=form.of.data.strip(), now=now()),
        "Marked as a duplicate.",
    )


# Budget ---------------------------------------------------------------------------------------


def _budget_page(failed=None, status=200):
    today = now().date()
    try:
        year = int(request.args.get("year") or financial_year(today))
        ledger = budget.budget(
            db.session,
            principal(),
            area_code=request.args.get("area") or None,
            year=year,
            today=today,
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
        form=failed,
    ), status


@bp.get("/budget")
@permission_required("console.use")
def budget_page():
    return _budget_page()


@bp.post("/budget/spend/<int:spend_id>/reversal")
@permission_required("budget.spend")
def budget_reversal(spend_id):
    form = forms.ReversalForm()
    return _act(
        form,
        lambda: budget.reverse_spend(
            db.session, principal(), spend_id, reason=form.reason.data, now=now(), policy=current_policy()
        ),
        done="Spend reversed.",
        back=url_for(".budget_page", **request.args),
        render=lambda f: _budget_page(f)[0],
    )


# Tasking meetings -----------------------------------------------------------------------------


def _meeting_page(area, meeting_date, failed=None, status=200):
    try:
        meeting = date.fromisoformat(meeting_date)
        groups = reviews.agenda(db.session, principal(), area, meeting)
    except ValueError:
        abort(404)
    except TaskingError as error:
        abort(status_for(error))
    decisions = {
        item.review.id: forms.ReviewDecisionForm(prefix=f"review-{item.review.id}", formdata=None)
        for group in groups
        for item in group.items
        if item.review
    }
    if failed is not None:
        decisions[failed[0]] = failed[1]
    return render_template(
        "console/meeting.html",
        title=f"Tasking meeting, {meeting:%-d %B %Y}",
        groups=groups,
        meeting=meeting,
        area=area.upper(),
        pounds=pounds,
        decisions=decisions,
        describe_event=describe_event,
        form=failed[1] if failed else None,
    ), status


@bp.get("/meetings/<area>/<meeting_date>")
@permission_required("review.decide")
def meeting_page(area, meeting_date):
    return _meeting_page(area, meeting_date)


@bp.post("/meetings/<area>/<meeting_date>/reviews/<int:review_id>")
@permission_required("review.decide")
def meeting_decision(area, meeting_date, review_id):
    form = forms.ReviewDecisionForm(prefix=f"review-{review_id}")
    return _act(
        form,
        lambda: reviews.decide(
            db.session,
            principal(),
            review_id,
            outcome=form.outcome.data,
            level=int(form.level.data) if form.level.data else None,
            reason=form.reason.data or None,
            notes=None,
            now=now(),
            policy=current_policy(),
        ),
        done="Decision recorded.",
        back=url_for(".meeting_page", area=area, meeting_date=meeting_date),
        render=lambda f: _meeting_page(area, meeting_date, (review_id, f))[0],
    )
