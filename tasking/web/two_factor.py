"""Two-factor sign-in pages: enrolment (/account/two-factor) and the second step of signing in
(/sign-in/code, or /sign-in/recovery-code). The rules are tasking/services/two_factor.py's.

After a right password, auth.sign_in hands an enrolled user to `begin_second_step`: the session
then holds only who is half signed in (with their session version and when), never a signed-in
user, until a code is accepted. Someone in a role of TWO_FACTOR_ROLES who has not enrolled is
signed in and sent to enrolment, and every page but enrolment and signing out sends them back there.
"""

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from tasking.clock import now
from tasking.extensions import db
from tasking.services import sign_in as sign_in_service
from tasking.services import two_factor
from tasking.unit_of_work import keep_refusal
from tasking.web.navigation import home_endpoint
from tasking.web.session import SignedIn
from tasking.web.session import begin as begin_session

bp = Blueprint("two_factor", __name__)

PENDING_USER = "two_factor_user"
PENDING_VERSION = "two_factor_session_version"
PENDING_SINCE = "two_factor_since"  # whole seconds since the epoch, UTC
PENDING_NEXT = "two_factor_next"
# The code must follow the password within this long, or the password is asked for again.
PENDING_SECONDS = 5 * 60
# What someone who must enrol may still reach.
ENROLMENT_ENDPOINTS = frozenset({"two_factor.enrol", "auth.sign_out", "static"})
MACHINE_PATHS = ("/api/", "/open311/", "/healthz")


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the 6-digit code from your authenticator app"), Length(max=20)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a recovery code"), Length(max=40)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


def roles() -> frozenset[str]:
    return two_factor.required_roles(current_app.config.get("TWO_FACTOR_ROLES", ""))


@bp.record_once
def _check_setting(state) -> None:
    from tasking.config import ConfigurationError

    try:
        two_factor.required_roles(state.app.config.get("TWO_FACTOR_ROLES", ""))
    except two_factor.UnknownRole as error:
        raise ConfigurationError(str(error)) from None


# --- after the password (called by auth.sign_in) ---


def needed_for(user) -> bool:
    """Whether signing in needs a code after the password."""
    return two_factor.is_enrolled(user)


def must_enrol(user) -> bool:
    return two_factor.must_enrol(user, roles())


def begin_second_step(user, next_path: str | None):
    """The password was right; the session remembers who, and the code page asks for the code."""
    session.clear()
    session[PENDING_USER] = user.id
    session[PENDING_VERSION] = user.session_version
    session[PENDING_SINCE] = int(now().timestamp())
    if next_path:
        session[PENDING_NEXT] = next_path
    return redirect(url_for("two_factor.code"))


def _pending_user():
    user_id, since, version = session.get(PENDING_USER), session.get(PENDING_SINCE), session.get(PENDING_VERSION)
    if not isinstance(user_id, int) or not isinstance(since, int) or not isinstance(version, int):
        return None
    if int(now().timestamp()) - since >= PENDING_SECONDS:
        return None
    return sign_in_service.session_user(db.session, user_id, version)


def _finish(user, message: str | None = None):
    next_path = session.get(PENDING_NEXT)
    session.clear()
    if message:
        flash(message, "info")
    signed_in = SignedIn(user)
    login_user(signed_in)
    begin_session(user, now())
    session.permanent = True
    return redirect(next_path or url_for(home_endpoint(signed_in.principal)))


def _start_again():
    session.clear()
    flash("Sign in again: the code must follow your password within 5 minutes.", "info")
    return redirect(url_for("auth.sign_in"))


def _second_step(form, check, template: str, title: str):
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.principal)))
    user = _pending_user()
    if user is None:
        return _start_again()
    if form.validate_on_submit():
        outcome = check(db.session, user, form.code.data, now=now())
        if outcome.accepted:
            left = outcome.recovery_codes_left
            return _finish(user, None if left is None else f"You used a recovery code. You have {left} left.")
        keep_refusal()  # the wrong code is audited and counted
        form.code.errors = [*form.code.errors, outcome.refusal]
        form.code.data = ""
    return render_template(template, form=form, title=title), 400 if form.errors else 200


@bp.route("/sign-in/code", methods=["GET", "POST"])
def code():
    return _second_step(CodeForm(), two_factor.check_code, "auth/two_factor_code.html", "Enter your code")


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
def recovery_code():
    return _second_step(
        RecoveryCodeForm(),
        two_factor.check_recovery_code,
        "auth/two_factor_recovery_code.html",
        "Enter a recovery code",
    )


# --- enrolment ---


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def enrol():
    user = current_user.user
    if two_factor.is_enrolled(user):
        return render_template(
            "auth/two_factor_on.html",
            title="Two-factor sign-in",
            since=user.two_factor_enabled_at,
            left=two_factor.recovery_codes_left(user),
        )
    form = CodeForm()
    if form.validate_on_submit():
        outcome = two_factor.confirm_enrolment(db.session, user, form.code.data, now=now())
        if outcome.accepted:
            return render_template(
                "auth/two_factor_recovery_codes.html",
                title="Save your recovery codes",
                codes=outcome.recovery_codes,
            )
        keep_refusal()
        form.code.errors = [*form.code.errors, outcome.refusal]
        form.code.data = ""
    enrolment = two_factor.start_enrolment(db.session, user)
    required = user.role in roles()
    return render_template(
        "auth/two_factor_enrol.html",
        form=form,
        enrolment=enrolment,
        required=required,
        title="Set up two-factor sign-in",
    ), 400 if form.errors else 200


@bp.before_app_request
def _enrol_first():
    """Someone whose role needs a second factor uses nothing else until they have one."""
    if request.endpoint in ENROLMENT_ENDPOINTS or request.path.startswith(MACHINE_PATHS):
        return None
    if request.endpoint is None:
        return None
    if current_user.is_authenticated and must_enrol(current_user.user):
        if request.method == "GET":
            flash("Set up two-factor sign-in before you continue.", "info")
        return redirect(url_for("two_factor.enrol"))
    return None
