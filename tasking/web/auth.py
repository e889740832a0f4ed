"""Signing in and out of the web pages."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from tasking import rate_limits
from tasking.clock import now
from tasking.extensions import db
from tasking.services import sign_in as sign_in_service
from tasking.unit_of_work import keep_refusal
from tasking.web import two_factor as two_factor_pages
from tasking.web.forms import SignInForm, SignOutForm
from tasking.web.navigation import home_endpoint
from tasking.web.session import SignedIn
from tasking.web.session import begin as begin_session

bp = Blueprint("auth", __name__)


def home_for(signed_in) -> str:
    return url_for(home_endpoint(signed_in.principal))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never send someone elsewhere after signing in. A backslash (which
    browsers read as a slash, so "/\\evil.example" is another site), a control character (a line
    break would split the Location header) or "//" at the start: home instead (issue 20)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/sign-in", methods=["GET", "POST"])
@rate_limits.sign_in
def sign_in():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignInForm()
    if form.validate_on_submit():
        moment = now()
        user = sign_in_service.check_credentials(db.session, form.email.data, form.password.data, now=moment)
        if user is not None:
            if two_factor_pages.needed_for(user):
                # The password alone signs nobody in who has a second factor: the code page next.
                return two_factor_pages.begin_second_step(user, _safe_next(request.args.get("next")))
            session.clear()
            signed_in = SignedIn(user)
            login_user(signed_in)
            begin_session(user, moment)
            session.permanent = True
            if two_factor_pages.must_enrol(user):
                return redirect(url_for("two_factor.enrol"))
            return redirect(_safe_next(request.args.get("next")) or home_for(signed_in))
        keep_refusal()  # the failed attempt is audited, and counted against the account
        # One message whatever was wrong (an unknown email, a wrong password, an account whose
        # sign-in is held back after repeated failures), so the form does not reveal which accounts exist.
        form.email.errors = list(form.email.errors) + ["Enter a correct email address and password"]
    return render_template("auth/sign_in.html", form=form, title="Sign in"), 200 if not form.errors else 400


@bp.post("/sign-out")
def sign_out():
    if SignOutForm().validate_on_submit():
        if current_user.is_authenticated:
            # Every copy of this session's cookie stops working, not just the browser's own.
            sign_in_service.sign_out(db.session, current_user.user.id, now=now())
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))
