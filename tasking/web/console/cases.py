"""One case: its page and every action on it."""

from flask import render_template, url_for

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.cost_avoided import costs_carried
from tasking.domain.etags import etag_for
from tasking.domain.money import financial_year, pounds
from tasking.domain.permissions import Target, can
from tasking.extensions import db
from tasking.services import (
    budget,
    case_actions,
    case_work,
    cases,
    claims,
    classification,
    history,
    leads,
    notes,
    reference_data,
    reviews,
)
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import act, case_or_404, decide_level
from tasking.web.session import permission_required, principal
from tasking.web.wording import describe_event


def _partners():
    return [(o.code, o.name) for o in reference_data.partner_organisations(db.session)]


def _case_page(reference, failed=None, status=200):
    p = principal()
    case = case_or_404(reference)
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
        "lead": forms.LeadForm(prefix="lead", **blank),
        "spend": forms.SpendForm(prefix="spend", data={"spent_on": today.date()}, **blank),
        "claim": forms.ClaimForm(prefix="claim", **blank),
        "note": forms.NoteForm(prefix="note", **blank),
        "state": forms.StateForm(prefix="state", data={"version": case.version}, **blank),
        "reopen": forms.ReopenForm(prefix="reopen", **blank),
        "duplicate": forms.DuplicateForm(prefix="duplicate", **blank),
    }
    fresh["offer"].organisation.choices = fresh["lead"].organisation.choices = _partners()
    if failed is not None:
        name, form = failed
        if name in ("offer", "lead"):
            form.organisation.choices = _partners()
        fresh[name] = form
    events = history.case_history(db.session, p, case.id, cursor=None, size=100).items
    return render_template(
        "console/case.html",
        title=f"{case.reference}: {case.title}",
        case=case,
        view=view,
        tasks=case_work.case_tasks(db.session, p, case.id),
        notes=notes.list_notes(db.session, p, case.id),
        spends=[e for e in ledger.entries if e.case_id == case.id],
        ledger=ledger,
        claims=claims.case_claims(db.session, p, case.id),
        costs_carried=costs_carried,
        events=[describe_event(e) for e in events],
        case_reviews=reviews.case_reviews(db.session, p, case.id),
        forms=fresh,
        pounds=pounds,
        can_spend=can(p, "budget.spend", Target(area_id=case.area_id)),
        # The pseudonymous subject is personal: area staff and admins only (docs/levels.md, "Subject references").
        can_see_personal=can(p, "personal.read", Target(area_id=case.area_id, ward_id=case.ward_id)),
        form=failed[1] if failed else None,
    ), status


@bp.get("/cases/<reference>")
@permission_required("console.use")
def case_page(reference):
    return _case_page(reference)


def _case_action(reference, name, form, action, done):
    case_or_404(reference)
    back = url_for(".case_page", reference=reference)
    return act(form, action, done=done, back=back, render=lambda f: _case_page(reference, (name, f))[0])


@bp.post("/cases/<reference>/level")
@permission_required("console.use")
def case_level(reference):
    form = forms.LevelForm(prefix="level")
    return _case_action(
        reference,
        "level",
        form,
        lambda: decide_level(reference, form, form.reason.data),
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
        lambda: case_work.offer_task(
            db.session, principal(), reference, form.organisation.data, now=now(), policy=current_policy()
        ),
        "Task offered.",
    )


@bp.post("/cases/<reference>/lead")
@permission_required("case.edit")
def case_lead(reference):
    form = forms.LeadForm(prefix="lead")
    form.organisation.choices = _partners()
    return _case_action(
        reference,
        "lead",
        form,
        lambda: leads.name_lead(
            db.session,
            principal(),
            reference,
            organisation_code=form.organisation.data,
            reason=form.reason.data,
            now=now(),
            policy=current_policy(),
        ),
        "Lead named.",
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
                "supplier_is_individual": bool(form.supplier_is_individual.data),
                "merchant_category": form.merchant_category.data or None,
                "irrecoverable_vat_pence": form.irrecoverable_vat.pence,
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
            policy=current_policy(),
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
            if_match=etag_for("case", case_or_404(reference).id, int(form.version.data or 0)),
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
        lambda: case_actions.mark_duplicate(
            db.session, principal(), reference, of=form.of.data.strip(), now=now(), policy=current_policy()
        ),
        "Marked as a duplicate.",
    )
