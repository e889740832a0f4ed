"""API tokens: issued once, stored as a hash, revocable, optionally expiring."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from tasking.domain.errors import NotFound, Unauthorized, ValidationFailed
from tasking.domain.permissions import require
from tasking.domain.policy import Policy
from tasking.domain.principal import Principal
from tasking.models import ApiToken, User
from tasking.services import audit, principal_cache
from tasking.services.principal_cache import PrincipalCache
from tasking.services.users import principal_for

TOKEN_PREFIX = "tsk"
# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_GRANULARITY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_snapshot(token: ApiToken) -> dict:
    return {
        "user_id": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def issue_token(
    session: Session,
    actor: Principal | None,
    user: User,
    *,
    name: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> IssuedToken:
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=prefix,
        token_hash=_digest(secret),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "token.created", "api_token", token.id, now=now, after=token_snapshot(token))
    session.flush()
    return IssuedToken(token=token, secret=secret)


def revoke_token(session: Session, actor: Principal | None, prefix: str, *, now: datetime) -> ApiToken:
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == prefix).with_for_update())
    if token is None:
        raise NotFound(f"No token with prefix {prefix}.")
    if token.revoked_at is None:
        before = token_snapshot(token)
        token.revoked_at = now
        principal_cache.evict(session, token_id=token.id)
        audit.record(
            session,
            actor,
            "token.revoked",
            "api_token",
            token.id,
            now=now,
            before=before,
            after=token_snapshot(token),
        )
    session.flush()
    return token


def list_tokens(session: Session, actor: Principal) -> list[ApiToken]:
    require(actor, "token.manage", message="Only admins manage API tokens.")
    return list(session.scalars(select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc())))


# Passed as expires_at when the caller asked for no particular expiry (None means never).
DEFAULT_LIFETIME = object()


def issue_for_email(
    session: Session, actor: Principal, *, email: str, name: str, now: datetime, expires_at, policy: Policy
) -> IssuedToken:
    """expires_at: a time, None for never, or DEFAULT_LIFETIME for the policy's token lifetime from now."""
    require(actor, "token.manage", message="Only admins manage API tokens.")
    if expires_at is DEFAULT_LIFETIME:
        expires_at = now + timedelta(days=policy.token_default_days)
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ValidationFailed("No such user.", {"email": ["No user with this email."]})
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("The expiry is in the past.", {"expires_at": ["Must be in the future."]})
    return issue_token(session, actor, user, name=name, now=now, expires_at=expires_at)


def revoke_as_admin(session: Session, actor: Principal, prefix: str, *, now: datetime) -> ApiToken:
    require(actor, "token.manage", message="Only admins manage API tokens.")
    return revoke_token(session, actor, prefix, now=now)


def authenticate(
    session: Session,
    secret: str,
    *,
    now: datetime,
    request_line: str = "",
    cache: PrincipalCache | None = None,
) -> Principal:
    """The principal behind a bearer token, or Unauthorized with one message for every failure.

    With a `cache`, a token accepted within its bound is answered from memory without a statement
    (tasking/services/principal_cache.py); a refusal is never cached.

    Use is audited once per token per minute (with the first request of that minute), not on every
    call: an audit row per read would make every read a write and swamp the trail. A refused known
    token (revoked, expired, user deactivated) is audited every time, since it may be a stolen one.
    """
    refused = Unauthorized("The token is missing, unknown, expired or revoked.")
    if not secret or not secret.startswith(f"{TOKEN_PREFIX}_"):
        raise refused
    digest = _digest(secret)
    generation = 0
    if cache is not None:
        cached = cache.get(digest, now=now)
        if cached is not None:
            if cache.claim_use(cached, now, LAST_USED_GRANULARITY):
                _record_use(session, cached.principal, cached.token_id, cached.prefix, now, request_line)
            return cached.principal
        generation = cache.generation
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == digest)
        .options(joinedload(ApiToken.user).selectinload(User.areas), joinedload(ApiToken.user).selectinload(User.wards))
    )
    if token is None:
        raise refused
    why = _refusal(token, now)
    if why:
        audit.record(
            session,
            None,
            "token.refused",
            "api_token",
            token.id,
            now=now,
            after={"prefix": token.prefix, "reason": why, "request": request_line},
        )
        session.flush()
        raise refused
    principal = principal_for(token.user)
    last_used_at = token.last_used_at
    if last_used_at is None or now - last_used_at >= LAST_USED_GRANULARITY:
        if _record_use(session, principal, token.id, token.prefix, now, request_line):
            set_committed_value(token, "last_used_at", now)  # the tokens list in this request shows it
        last_used_at = now  # written by this request or another worker's this minute: not again soon
    if cache is not None:
        cache.put(
            digest,
            principal=principal,
            token_id=token.id,
            prefix=token.prefix,
            expires_at=token.expires_at,
            last_used_at=last_used_at,
            generation=generation,
        )
    return principal


def _record_use(
    session: Session, principal: Principal, token_id: int, prefix: str, now: datetime, request_line: str
) -> bool:
    """Write last_used_at, and audit the use, unless some worker already did within the minute.

    The condition is in the UPDATE itself, so of several workers (each with its own cache) using the
    token in the same minute exactly one changes the row, and only that one writes `token.used`."""
    written = session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_GRANULARITY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        return False
    audit.record(
        session,
        principal,
        "token.used",
        "api_token",
        token_id,
        now=now,
        after={"prefix": prefix, "request": request_line},
    )
    session.flush()
    return True


def _refusal(token: ApiToken, now: datetime) -> str | None:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    if not token.user.active:
        return "user inactive"
    return None
