"""People: creating users and turning a stored user into the principal the rules work with."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain.errors import Conflict, ValidationFailed
from tasking.domain.principal import Principal
from tasking.domain.roles import NEEDS_ORGANISATION, SCOPED_TO_AREAS, SCOPED_TO_WARDS, Role
from tasking.models import Area, Organisation, User, Ward
from tasking.services import audit, principal_cache
from tasking.services.passwords import hash_password, require_acceptable


def principal_for(user: User) -> Principal:
    return Principal(
        user_id=user.id,
        role=Role(user.role),
        organisation_id=user.organisation_id,
        area_ids=frozenset(a.id for a in user.areas),
        ward_ids=frozenset(w.id for w in user.wards),
    )


def user_snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "organisation": user.organisation.code if user.organisation else None,
        "areas": [a.code for a in user.areas],
        "wards": [w.code for w in user.wards],
        "active": user.active,
    }


def create_user(
    session: Session,
    actor: Principal | None,
    *,
    email: str,
    name: str,
    role: str,
    now: datetime,
    password: str | None = None,
    organisation_code: str | None = None,
    area_codes: Sequence[str] = (),
    ward_codes: Sequence[str] = (),
) -> User:
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed("Unknown role.", {"role": [f"One of: {', '.join(r.value for r in Role)}."]}) from None
    email = email.strip().lower()
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with email {email} already exists.")
    if password:
        require_acceptable(password, user_inputs=(email, name))
    organisation = _one_by_code(session, Organisation, organisation_code, "organisation")
    if role in NEEDS_ORGANISATION and organisation is None:
        raise ValidationFailed("A partner belongs to an organisation.", {"organisation": ["Required."]})
    areas = [_one_by_code(session, Area, c, "areas") for c in area_codes] if role in SCOPED_TO_AREAS else []
    wards = [_one_by_code(session, Ward, c, "wards") for c in ward_codes] if role in SCOPED_TO_WARDS else []
    user = User(
        email=email,
        name=name,
        role=role.value,
        organisation=organisation,
        password_hash=hash_password(password) if password else None,
        created_at=now,
        areas=areas,
        wards=wards,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, now=now, after=user_snapshot(user))
    session.flush()
    return user


def by_email(session: Session, email: str) -> User | None:
    """The user with this email, however it was typed (emails are stored lower-case)."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def set_password(session: Session, actor: Principal | None, user: User, password: str, *, now: datetime) -> None:
    """A new password (meeting the policy, tasking/services/passwords.py) ends every session signed in
    with the old one and lifts any block on signing in."""
    require_acceptable(password, user_inputs=(user.email, user.name))
    user.password_hash = hash_password(password)
    user.failed_sign_ins = 0
    user.sign_in_blocked_until = None
    end_sessions(user)
    audit.record(session, actor, "user.password_set", "user", user.id, now=now)
    session.flush()


def deactivate(session: Session, actor: Principal | None, user: User, *, now: datetime) -> None:
    """The user can no longer sign in or use a token, and their sessions end at once."""
    before = user_snapshot(user)
    user.active = False
    end_sessions(user)
    principal_cache.evict(session, user_id=user.id)  # other workers: within TOKEN_CACHE_SECONDS
    audit.record(session, actor, "user.deactivated", "user", user.id, now=now, before=before, after=user_snapshot(user))
    session.flush()


def sign_out_everywhere(session: Session, actor: Principal | None, user: User, *, now: datetime) -> None:
    """Every session of the user ends at once (a lost laptop, a shared cookie); their password and
    tokens are unchanged."""
    end_sessions(user)
    audit.record(session, actor, "user.signed_out_everywhere", "user", user.id, now=now)
    session.flush()


def end_sessions(user: User) -> None:
    """Every session cookie issued to the user before now stops working (tasking/web/session.py)."""
    user.session_version = (user.session_version or 0) + 1


def _one_by_code(session: Session, model, code: str | None, field: str):
    if code is None:
        return None
    found = session.scalar(select(model).where(model.code == code))
    if found is None:
        raise ValidationFailed(f"Unknown {field} code {code}.", {field: [f"Unknown code {code}."]})
    return found
