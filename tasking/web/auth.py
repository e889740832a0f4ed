"""Signing in and out of the web pages."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tasking import rate_limits
from tasking.clock import now
from tasking.extensions import db
from tasking.services import sign_in as sign_in_service
from tasking.unit_of_work import keep_refusal
from tasking.web.forms import SignInForm, SignOutForm
from tasking.web.navigation import home_endpoint
from tasking.web.session import SignedIn

bp = Blueprint("auth", __name__)


def home_for(signed_in) -> str:
    return url_for(home_endpoint(signed_in.principal))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send someone elsewhere after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


@bp.route("/sign-in", methods=["GET", "POST"])
@rate_limits.sign_in
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        user = sign_in_service.check_credentials(db.session, form.email.data, form.password.data, now=now())
        if user is not None:
            session.clear()
            signed_in = SignedIn(user)
            login_user(signed_in)
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")) or home_for(signed_in))
        keep_refusal()  # the failed attempt is audited
        # One message whatever was wrong, so the form does not reveal which accounts exist.
        form.email.errors = list(form.email.errors) + ["Enter a correct email address and password"]
    return render_template("auth/sign_in.html", form=form, title="Sign in"), 200 if not form.errors else 400


@bp.post("/sign-out")
def sign_out():
    if SignOutForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))
