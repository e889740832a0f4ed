"""Who is signed in to the web pages, and the checks the page views share."""

from functools import wraps

from flask import abort
from flask_login import UserMixin, current_user, login_required

from tasking.domain.permissions import can, roles_with
from tasking.extensions import db, login
from tasking.services import sign_in
from tasking.services.users import principal_for


class SignedIn(UserMixin):
    def __init__(self, user):
        self.user = user
        self.principal = principal_for(user)

    def get_id(self) -> str:
        return str(self.user.id)


@login.user_loader
def _load(user_id: str):
    user = sign_in.active_user(db.session, int(user_id)) if user_id.isdigit() else None
    return SignedIn(user) if user is not None else None


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
