"""What every console action shares: run the service, show a refusal on the form, or redirect."""

from flask import abort, flash, redirect

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import (
    cases,
    classification,
)
from tasking.unit_of_work import discard
from tasking.web.session import principal


def attach(form, error: TaskingError) -> None:
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


def act(form, action, *, done: str, back: str, render):
    if form.validate_on_submit():
        try:
            action()
        except TaskingError as error:
            discard()
            if status_for(error) in (403, 404):
                abort(status_for(error))
            attach(form, error)
            return render(form), 409 if status_for(error) == 409 else 400
        flash(done)
        return redirect(back)
    return render(form), 400


def case_or_404(reference):
    try:
        return cases.get_case(db.session, principal(), reference)
    except TaskingError:
        abort(404)


def decide_level(reference, form, reason):
    """The level a person chose on a triage or case form: recorded, and the case routed."""
    return classification.decide(
        db.session,
        principal(),
        reference,
        level=int(form.level.data),
        reason=reason,
        now=now(),
        policy=current_policy(),
    )
