"""One case: its page (key facts, what can be done, a timeline), a page for each action on it, and
the actions. Closing, marking a duplicate and reopening ask first: the form's post shows a
confirmation page, whose post (the same values and `confirmed=yes`) acts (docs/console.md, "The
case page")."""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for

from tasking.api.policy import current_policy
from tasking.clock import now, today
from tasking.domain.cost_avoided import costs_carried
from tasking.domain.deadlines import KIND_WORDS, WAITING_WORDS
from tasking.domain.errors import NotFound, PreconditionFailed, TaskingError, ValidationFailed
from tasking.domain.etags import etag_for
from tasking.domain.money import financial_year, pounds
from tasking.domain.permissions import can
from tasking.domain.risk import RISK_FLAGS
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import (
    budget,
    case_actions,
    case_work,
    cases,
    claims,
    classification,
    leads,
    notes,
    reference_data,
    waits,
)
from tasking.services.access import case_target
from tasking.services.case_page import case_page as read_case_page
from tasking.unit_of_work import discard
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import act, attach, case_or_404, decide_level
from tasking.web.session import permission_required, principal
from tasking.web.wording import describe_for_staff

CLOSED_STATES = ("resolved", "closed", "duplicate", "withdrawn")
CHANGED = "This case changed while you were working: check it and send again"


@dataclass(frozen=True)
class Action:
    """One thing done to a case, on its own page: the path (the GET shows the form, the POST acts),
    the form's prefix and class, the permission the page needs, and the cases it applies to."""

    title: str
    prefix: str
    form: type
    permission: str
    applies_to: str  # "open", "closed", "any", or "not_waiting" / "waiting" (open, on hold or not)
    menu: str  # the case page's link to it


ACTIONS = {
    "level": Action("Change the level", "level", forms.LevelForm, "console.use", "open", "Change level"),
    "tasks": Action("Offer a task to a partner", "offer", forms.OfferTaskForm, "case.edit", "open", "Offer task"),
    "lead": Action("Name the lead", "lead", forms.LeadForm, "case.edit", "open", "Name the lead"),
    "notes": Action("Add a note", "note", forms.NoteForm, "console.use", "any", "Add a note"),
    "spend": Action("Record quick-win spend", "spend", forms.SpendForm, "budget.spend", "open", "Record spend"),
    "claims": Action("Add a cost-avoided claim", "claim", forms.ClaimForm, "claim.write", "open", "Add a claim"),
    "state": Action("Close the case", "state", forms.StateForm, "case.edit", "open", "Close the case"),
    "duplicate": Action(
        "Mark as a duplicate", "duplicate", forms.DuplicateForm, "case.edit", "open", "Mark as a duplicate"
    ),
    "reopen": Action("Reopen the case", "reopen", forms.ReopenForm, "case.edit", "closed", "Reopen the case"),
    "wait": Action("Put the case on hold", "wait", forms.WaitForm, "case.wait", "not_waiting", "Put on hold"),
    "resume": Action("Take the case off hold", "resume", forms.ResumeForm, "case.wait", "waiting", "Take off hold"),
}
# What `state` names on a confirmation page ("Close SW-2026-0001 as resolved?").
STATE_WORDS = {"resolved": "resolved", "closed": "closed", "withdrawn": "withdrawn"}


def _partners():
    return [(o.code, o.name) for o in reference_data.partner_organisations(db.session)]


def _applies(action: Action, case, waiting: bool | None = None) -> bool:
    """Whether the action fits the case's state; `waiting` when the caller knows if it is on hold."""
    closed = case.state in CLOSED_STATES
    if action.applies_to in ("waiting", "not_waiting"):
        if waiting is None:
            waiting = waits.open_wait(db.session, case.id) is not None
        return not closed and waiting == (action.applies_to == "waiting")
    return action.applies_to == "any" or (action.applies_to == "closed") == closed


def _available(case, waiting: bool) -> list[tuple[str, Action]]:
    """The actions the case page offers: those this person may take on this case in its state."""
    p, target = principal(), case_target(case)
    return [
        (name, action)
        for name, action in ACTIONS.items()
        if _applies(action, case, waiting)
        and can(p, action.permission, target)
        and (name != "level" or can(p, "triage.decide", target))
    ]


def _ledger(case):
    today = now()
    return budget.budget(
        db.session,
        principal(),
        area_code=case.area.code,
        year=financial_year(today.date()),
        today=today.date(),
        policy=current_policy(),
    )


@bp.get("/cases/<reference>")
@permission_required("console.use")
def case_page(reference):
    p = principal()
    try:
        page = read_case_page(db.session, p, reference, now=now(), policy=current_policy())
    except NotFound:
        abort(404)
    case = page.case
    timeline = page.timeline
    note = forms.NoteForm(prefix="note", formdata=None)
    return render_template(
        "console/case.html",
        title=f"{case.reference}: {case.title}",
        case=case,
        view=page.view,
        risk_flags=[flag.replace("_", " ") for flag in RISK_FLAGS if getattr(case, f"risk_{flag}", False)],
        original=page.original,
        repeats=page.repeats,
        reporter=page.reporter,
        tasks=page.tasks,
        spends=page.spends,
        ledger=page.ledger,
        claims=page.claims,
        costs_carried=costs_carried,
        case_reviews=page.reviews,
        events=[describe_for_staff(e, timeline.actors, timeline.organisations) for e in timeline.events],
        more_events=timeline.more,
        actions=_available(case, page.waiting),
        note_form=note if can(p, "note.write", case_target(case)) else None,
        pounds=pounds,
        closed=case.state in CLOSED_STATES,
        deadlines=page.deadlines,
        kind_words=KIND_WORDS,
        waiting_words=WAITING_WORDS,
    )


def action_page(case, name, form, status=200, unavailable=None):
    """The page of one action: its form (as typed, after a refusal) and what the decider needs to see."""
    p = principal()
    extra = {}
    if name in ("level", "duplicate"):
        extra["view"] = classification.view(db.session, p, case.id, now=now(), policy=current_policy())
    if name == "spend":
        extra["ledger"] = _ledger(case)
    if name in ("tasks", "lead"):
        form.organisation.choices = _partners()
    if name == "resume":
        extra["wait"] = waits.open_wait(db.session, case.id)
        extra["waiting_words"] = WAITING_WORDS
    return render_template(
        "console/case_action.html",
        title=f"{ACTIONS[name].title}: {case.reference}",
        case=case,
        name=name,
        action=ACTIONS[name],
        form=form,
        unavailable=unavailable,
        other_case=forms.OTHER_CASE,
        pounds=pounds,
        **extra,
    ), status


def _fresh_form(case, name):
    action = ACTIONS[name]
    data = {}
    if name == "level":
        data = {"level": str(case.level or case.suggested_level or 1)}
    elif name == "spend":
        data = {"spent_on": today()}
    elif name == "state":
        data = {"version": case.version}
    return action.form(prefix=action.prefix, data=data, formdata=None)


def _show_action(reference, name):
    case = case_or_404(reference)
    action = ACTIONS[name]
    if not can(principal(), action.permission, case_target(case)):
        abort(403)
    if not _applies(action, case):
        said = "open: there is nothing to reopen" if action.applies_to == "closed" else f"{case.state}: reopen it first"
        if action.applies_to in ("waiting", "not_waiting") and case.state not in CLOSED_STATES:
            said = "on hold already" if action.applies_to == "not_waiting" else "not on hold"
        return action_page(case, name, _fresh_form(case, name), 409, unavailable=f"The case is {said}.")
    return action_page(case, name, _fresh_form(case, name))


# One GET page per action, at the address its form posts to. Each view is declared with the
# permission its action needs; the service checks the case itself when the form is sent.
for _name, _action in ACTIONS.items():

    def _page(reference, _name=_name):
        return _show_action(reference, _name)

    bp.add_url_rule(
        f"/cases/<reference>/{_name}",
        endpoint=f"case_{_name}_page",
        view_func=permission_required(_action.permission)(_page),
        methods=["GET"],
    )


def case_action(reference, name, form, action, done):
    case_or_404(reference)  # 404 before anything is read from the form
    back = url_for(".case_page", reference=reference)
    return act(form, action, done=done, back=back, render=lambda f: action_page(case_or_404(reference), name, f)[0])


@bp.post("/cases/<reference>/level")
@permission_required("console.use")
def case_level(reference):
    form = forms.LevelForm(prefix="level")
    return case_action(
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
    return case_action(
        reference,
        "tasks",
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
    return case_action(
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
    return case_action(
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

    return case_action(reference, "claims", form, add, "Cost-avoided claim added; Finance will verify it.")


@bp.post("/cases/<reference>/notes")
@permission_required("console.use")
def case_note(reference):
    form = forms.NoteForm(prefix="note")
    return case_action(
        reference,
        "notes",
        form,
        lambda: notes.add_note(
            db.session, principal(), reference, body=form.body.data, visibility=form.visibility.data, now=now()
        ),
        "Note added.",
    )


# Closing, marking a duplicate and reopening: ask first, then act.


def _changed_while_working(reference, name, form):
    """The case moved on (another person, a partner, the sweep) since the form was shown: the form
    again, as typed, carrying the case's current version, so that sending it again works."""
    case = case_or_404(reference)
    if hasattr(form, "version"):
        form.version.data = str(case.version)
    form.confirmed.data = ""
    attach(form, TaskingError(CHANGED))
    return action_page(case, name, form, 409)


def _stale(case, form) -> bool:
    return hasattr(form, "version") and str(form.version.data or "") != str(case.version)


def _confirm_then_act(reference, name, form, *, question, action, done):
    case = case_or_404(reference)
    if not form.validate_on_submit():
        return action_page(case, name, form, 400)
    if not _applies(ACTIONS[name], case):
        attach(form, TaskingError(f"The case is {case.state.replace('_', ' ')} now; reload it."))
        return action_page(case, name, form, 409)
    if _stale(case, form):
        return _changed_while_working(reference, name, form)
    if not form.is_confirmed:
        try:
            asked = question(case)
        except TaskingError as refused:
            attach(form, refused)
            return action_page(case, name, form, 400)
        return render_template(
            "console/case_confirm.html",
            title=asked["question"],
            case=case,
            name=name,
            form=None,
            confirm_form=form,
            **asked,
        ), 200
    try:
        action()
    except PreconditionFailed:
        discard()
        return _changed_while_working(reference, name, form)
    except TaskingError as refused:
        discard()
        status = status_for(refused)
        if status in (403, 404):
            abort(status)
        form.confirmed.data = ""
        attach(form, refused)
        return action_page(case_or_404(reference), name, form, 409 if status == 409 else 400)
    flash(done)
    return redirect(url_for(".case_page", reference=reference))


@bp.post("/cases/<reference>/state")
@permission_required("case.edit")
def case_close(reference):
    form = forms.StateForm(prefix="state")

    def question(case):
        return {
            "question": f"Close {case.reference} as {STATE_WORDS.get(form.state.data, form.state.data)}?",
            "facts": [("Case", case.title), ("Reason", form.reason.data)],
            "warning": "Tasks still offered or in progress are withdrawn from the partners.",
            "yes": "Yes, close the case",
            "fields": [("state", form.state.data), ("reason", form.reason.data), ("version", form.version.data)],
        }

    return _confirm_then_act(
        reference,
        "state",
        form,
        question=question,
        action=lambda: cases.update_case(
            db.session,
            principal(),
            reference,
            {"state": form.state.data, "reason": form.reason.data},
            if_match=etag_for("case", case_or_404(reference).id, int(form.version.data or 0)),
            now=now(),
            policy=current_policy(),
        ),
        done="Case closed.",
    )


@bp.post("/cases/<reference>/reopen")
@permission_required("case.edit")
def case_reopen(reference):
    form = forms.ReopenForm(prefix="reopen")

    def question(case):
        return {
            "question": f"Reopen {case.reference}?",
            "facts": [("Case", case.title), ("Reason", form.reason.data)],
            "warning": "It goes back to the area's triage queue for its level and owner to be decided again.",
            "yes": "Yes, reopen the case",
            "fields": [("reason", form.reason.data)],
        }

    return _confirm_then_act(
        reference,
        "reopen",
        form,
        question=question,
        action=lambda: case_actions.reopen_case(
            db.session, principal(), reference, reason=form.reason.data, now=now(), policy=current_policy()
        ),
        done="Case reopened; it is back in triage.",
    )


@bp.post("/cases/<reference>/duplicate")
@permission_required("case.edit")
def case_duplicate(reference):
    form = forms.DuplicateForm(prefix="duplicate")

    def question(case):
        try:
            original = cases.get_case(db.session, principal(), form.reference)
        except TaskingError:
            raise ValidationFailed(
                "No such case to be a duplicate of.", {"of": ["No case has that reference."]}
            ) from None
        if original.id == case.id:
            raise ValidationFailed("A case cannot duplicate itself.", {"of": ["That is this case."]})
        return {
            "question": f"Mark {case.reference} as a duplicate of {original.reference}?",
            "facts": [("This case", case.title), ("The case it repeats", f"{original.reference}: {original.title}")],
            "warning": (
                f"{case.reference} is closed as a duplicate: its tasks still offered or in progress are withdrawn, "
                "and its cost-avoided claims no longer count in the value report."
            ),
            "yes": "Yes, mark as a duplicate",
            "fields": [("of", original.reference)],
        }

    return _confirm_then_act(
        reference,
        "duplicate",
        form,
        question=question,
        action=lambda: case_actions.mark_duplicate(
            db.session, principal(), reference, of=form.reference, now=now(), policy=current_policy()
        ),
        done="Marked as a duplicate.",
    )
