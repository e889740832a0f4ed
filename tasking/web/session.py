"""Who is signed in to the web pages, and the checks the page views share.

The signed session cookie carries, besides the user's id, the user's session version at sign-in
and when the session was last used. A session ends when the version no longer matches (signing
out, a new password, deactivation, "sign out everywhere": tasking/services/users.py end_sessions),
when it has not been used for SESSION_IDLE_MINUTES, and at the latest SESSION_HOURS after sign-in.
"""

from datetime import datetime
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, session
from flask_login import UserMixin, current_user, login_required, login_url

from tasking.clock import now
from tasking.domain.permissions import can, roles_with
from tasking.extensions import db, login
from tasking.services import sign_in
from tasking.services.users import principal_for

SESSION_VERSION = "session_version"
LAST_SEEN = "last_seen"  # whole seconds since the epoch, UTC
# Flask signs a permanent session's cookie afresh on every request, so the cookie's own age
# (PERMANENT_SESSION_LIFETIME, from SESSION_HOURS) slides with use: the sign-in time makes it absolute.
SIGNED_IN_AT = "signed_in_at"  # whole seconds since the epoch, UTC
# The last-seen time is written again at most this often, so that a session's cookie does not
# change on every request.
SEEN_RESOLUTION_SECONDS = 60
_ENDED_IDLE = "tasking_session_ended_idle"


class SignedIn(UserMixin):
    def __init__(self, user):
        self.user = user
        self.principal = principal_for(user)

    def get_id(self) -> str:
        return str(self.user.id)


def begin(user, moment: datetime) -> None:
    """Called at sign-in, after login_user: the session remembers the version it was issued under."""
    session[SESSION_VERSION] = user.session_version
    session[SIGNED_IN_AT] = session[LAST_SEEN] = int(moment.timestamp())


def idle_minutes() -> int:
    return int(current_app.config["SESSION_IDLE_MINUTES"])


@login.user_loader
def _load(user_id: str):
    if not user_id.isdigit():
        return None
    moment = int(now().timestamp())
    seen = session.get(LAST_SEEN)
    if isinstance(seen, int) and moment - seen >= idle_minutes() * 60:
        session.clear()
        g.setdefault(_ENDED_IDLE, True)
        return None
    signed_in_at = session.get(SIGNED_IN_AT)
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if isinstance(signed_in_at, int) and moment - signed_in_at >= lifetime:
        session.clear()
        return None
    # A cookie without a version was issued before migration 0011, which put every user then at 1.
    version = session.get(SESSION_VERSION, 0)
    user = sign_in.session_user(db.session, int(user_id), version if isinstance(version, int) else -1)
    if user is None:
        session.clear()
        return None
    if not isinstance(seen, int) or moment - seen >= SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN] = moment
    return SignedIn(user)


@login.unauthorized_handler
def _to_sign_in():
    """flask-login's own answer (a message, then the sign-in page with the page asked for as `next`),
    saying why when the session has just ended for want of use."""
    if g.get(_ENDED_IDLE):
        flash(f"You were signed out after {idle_minutes()} minutes without activity.", "info")
    elif login.login_message:
        flash(login.login_message, login.login_message_category)
    return redirect(login_url(login.login_view, next_url=request.url))


def permission_required(action: str):
    """Signed-out visitors go to sign in; signed-in users whose role may never do the action (the
    permissions table, tasking/domain/permissions.py) get 403. Which objects they may do it to is
    the service's question."""
    roles_with(action)  # an action the table does not know fails when the view is declared

    def decorate(view):
        @wraps(view)
        @login_required
        def checked(*args, **kwargs):
            if not can(current_user.principal, action):
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorate


def principal():
    return current_user.principal
