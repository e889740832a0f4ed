"""Signing people in with email and password, signing them out, and holding an account's sign-in
back after repeated failures."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from tasking.models import User
from tasking.services import audit
from tasking.services.passwords import hash_password, verify_password
from tasking.services.users import end_sessions, principal_for

# Checked when the email is unknown, so that a wrong email takes as long as a wrong password.
_DUMMY_HASH = hash_password("not a real password")

# Failures allowed before the account's sign-in is held back; then each further failure holds it
# back twice as long as the last, from FIRST_BLOCK up to LONGEST_BLOCK. A success resets the count.
FREE_FAILURES = 4
FIRST_BLOCK = timedelta(seconds=30)
LONGEST_BLOCK = timedelta(minutes=15)


def block_after(failures: int) -> timedelta | None:
    """How long sign-in is held back after this many failures in a row (None: not at all)."""
    if failures <= FREE_FAILURES:
        return None
    doublings = failures - FREE_FAILURES - 1
    if doublings >= 10:  # 30 s doubled ten times is far past the cap
        return LONGEST_BLOCK
    return min(FIRST_BLOCK * 2**doublings, LONGEST_BLOCK)


def check_credentials(session: Session, email: str, password: str, *, now: datetime) -> User | None:
    """The active user with this email and password, or None, saying nothing of which was wrong,
    nor that the account's sign-in is held back: the answer, and the work done to reach it (a
    password hash checked), are the same for an unknown email, a wrong password and a blocked
    account."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    valid = verify_password(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None:
        audit.record(session, None, "user.sign_in_failed", "user", "unknown", now=now)
        session.flush()
        return None
    held_back = user.sign_in_blocked_until
    if held_back is not None and now >= held_back:
        held_back = None
    if valid and user.active and held_back is None:
        user.failed_sign_ins = 0
        user.sign_in_blocked_until = None
        audit.record(session, principal_for(user), "user.signed_in", "user", user.id, now=now)
        session.flush()
        return user
    reason: dict[str, str | int]
    if held_back is not None:
        # Tries while held back neither count nor lengthen the block, so that someone guessing at
        # another's account cannot keep them out for longer than the longest block at a time.
        reason = {"reason": "blocked", "until": held_back.isoformat()}
    else:
        # Counted in the database (UPDATE ... SET failed_sign_ins = failed_sign_ins + 1), so that
        # failures racing each other in two requests are both counted.
        user.failed_sign_ins = User.failed_sign_ins + 1
        session.flush()
        session.refresh(user, ["failed_sign_ins"])
        hold = block_after(user.failed_sign_ins)
        user.sign_in_blocked_until = now + hold if hold is not None else None
        reason = {"reason": "inactive" if valid else "password", "failures": user.failed_sign_ins}
        if hold is not None:
            reason["blocked_until"] = (now + hold).isoformat()
    audit.record(session, principal_for(user), "user.sign_in_failed", "user", user.id, now=now, after=reason)
    session.flush()
    return None


def sign_out(session: Session, user_id: int, *, now: datetime) -> None:
    """Signing out ends the session for good: a copy of its cookie stops working too (as does every
    other session of the user, which shares the version the cookie carries)."""
    user = session.get(User, user_id)
    if user is None:
        return
    end_sessions(user)
    audit.record(session, principal_for(user), "user.signed_out", "user", user.id, now=now)
    session.flush()


def active_user(session: Session, user_id: int) -> User | None:
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def session_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The active user a session cookie names, if the cookie was issued since the user's sessions
    were last ended (its version is the user's)."""
    # The user with the areas and wards their principal is made of, in one statement: a signed-in
    # page pays for its session once, not three times.
    user = (
        session.execute(select(User).options(joinedload(User.areas), joinedload(User.wards)).where(User.id == user_id))
        .unique()
        .scalar_one_or_none()
    )
    if user is None or not user.active:
        return None
    return user if user.session_version == session_version else None
