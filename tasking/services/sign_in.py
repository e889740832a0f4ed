"""Signing people in with email and password."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.models import User
from tasking.services import audit
from tasking.services.passwords import hash_password, verify_password
from tasking.services.users import principal_for

# Checked when the email is unknown, so that a wrong email takes as long as a wrong password.
_DUMMY_HASH = hash_password("not a real password")


def check_credentials(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The active user with this email and password, or None, saying nothing of which was wrong."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is not None and valid and user.active:
        audit.record(session, principal_for(user), "user.signed_in", "user", user.id, now=now)
        return user
    audit.record(
        session,
        principal_for(user) if user else None,
        "user.sign_in_failed",
        "user",
        user.id if user else "unknown",
        now=now,
    )
    session.flush()
    return None


def active_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None
