"""Two-factor sign-in: a time-based one-time code (TOTP, RFC 6238) from an authenticator app after
the password, or one of ten one-time recovery codes.

Enrolment: the page shows a new secret (as a QR code and as text); it is kept as the user's pending
secret until a current code from it confirms it, and then ten recovery codes are made, shown once
and kept only as SHA-256 hashes (they are 50 random bits each, like a token, not a password).

A code is accepted for the current 30-second step or the one either side of it, and never twice:
the last step accepted is remembered and only a later one is accepted after it. After five wrong
codes in a row (on the code page or the enrolment page) the account's second step is held back for
30 seconds, a right code included. Enrolment, every code accepted, every recovery code used and
every wrong code are audited.

Which roles must use it is the TWO_FACTOR_ROLES setting (tasking/config.py): people in them who
have not enrolled are sent to enrolment after their password and can use nothing else until then.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import update
from sqlalchemy.orm import Session

from tasking.domain.roles import Role
from tasking.models import User
from tasking.services import audit
from tasking.services.users import principal_for

ISSUER = "tasking (Walsall)"
STEP_SECONDS = 30
DIGITS = 6
# Steps either side of the current one whose codes are accepted: a phone's clock a little out.
TOLERANCE_STEPS = 1
RECOVERY_CODE_COUNT = 10
# Wrong codes allowed in a row; the next holds the second step back for BLOCK.
FREE_FAILURES = 4
BLOCK = timedelta(seconds=30)
# Lower-case letters and digits that cannot be mistaken for one another when copied by hand.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_HALF = 5


class UnknownRole(ValueError):
    """TWO_FACTOR_ROLES names something that is not a role."""


def required_roles(setting: str) -> frozenset[str]:
    """The roles TWO_FACTOR_ROLES names ("admin,finance"); an unknown name is refused."""
    names = frozenset(part.strip() for part in (setting or "").split(",") if part.strip())
    unknown = sorted(names - {role.value for role in Role})
    if unknown:
        raise UnknownRole(f"TWO_FACTOR_ROLES names no role called {', '.join(unknown)}")
    return names


def is_enrolled(user: User) -> bool:
    return user.two_factor_enabled_at is not None


def must_enrol(user: User, roles: frozenset[str]) -> bool:
    """Signed in with a password but in a role that needs a second factor it does not have yet."""
    return user.role in roles and not is_enrolled(user)


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_data_uri: str

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, easier to type into an app by hand."""
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def start_enrolment(session: Session, user: User) -> Enrolment:
    """The secret the enrolment page shows: the pending one, or a new one."""
    if user.two_factor_pending_secret is None:
        user.two_factor_pending_secret = pyotp.random_base32(32)
        session.flush()
    secret = user.two_factor_pending_secret
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=ISSUER)
    import segno  # only enrolment draws a QR code; not loaded in every worker

    qr = segno.make(uri, error="m")
    return Enrolment(secret=secret, uri=uri, qr_data_uri=qr.svg_data_uri(scale=5, border=4))


@dataclass(frozen=True)
class Outcome:
    """What a code did: accepted (refusal None), or refused with the message for the page."""

    refusal: str | None
    recovery_codes: tuple[str, ...] = ()
    recovery_codes_left: int | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


WRONG_CODE = "Enter the 6-digit code from your authenticator app"
WRONG_RECOVERY_CODE = "Enter a correct recovery code"
HELD_BACK = "Too many wrong codes. Wait 30 seconds, then enter a new code"


def _step(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def _matching_step(secret: str, code: str, moment: datetime, after: int | None) -> int | None:
    """The step within tolerance of `moment` whose code `code` is, later than `after`; else None."""
    code = "".join((code or "").split())
    if len(code) != DIGITS or not code.isdigit():
        return None
    hotp = pyotp.HOTP(secret, digits=DIGITS)
    current = _step(moment)
    for step in range(current - TOLERANCE_STEPS, current + TOLERANCE_STEPS + 1):
        if hmac.compare_digest(hotp.at(step), code) and (after is None or step > after):
            return step
    return None


def _held_back(user: User, moment: datetime) -> bool:
    return user.two_factor_blocked_until is not None and moment < user.two_factor_blocked_until


def _fail(session: Session, user: User, moment: datetime, action: str, reason: str) -> Outcome:
    """Count a wrong code (in the database, so that two racing requests both count) and audit it."""
    if _held_back(user, moment):
        audit.record(
            session,
            principal_for(user),
            action,
            "user",
            user.id,
            now=moment,
            after={"reason": "blocked", "until": user.two_factor_blocked_until.isoformat()},  # type: ignore[union-attr]
        )
        session.flush()
        return Outcome(HELD_BACK)
    user.two_factor_failures = User.two_factor_failures + 1
    session.flush()
    session.refresh(user, ["two_factor_failures"])
    after: dict[str, str | int] = {"reason": reason, "failures": user.two_factor_failures}
    refusal = WRONG_RECOVERY_CODE if reason == "recovery_code" else WRONG_CODE
    if user.two_factor_failures > FREE_FAILURES:
        user.two_factor_blocked_until = moment + BLOCK
        user.two_factor_failures = 0
        after["blocked_until"] = (moment + BLOCK).isoformat()
        refusal = HELD_BACK
    audit.record(session, principal_for(user), action, "user", user.id, now=moment, after=after)
    session.flush()
    return Outcome(refusal)


def _succeed(user: User) -> None:
    user.two_factor_failures = 0
    user.two_factor_blocked_until = None


def _take_step(session: Session, user: User, step: int) -> bool:
    """Remember `step` as used, unless a racing request used it (or a later one) first."""
    taken = session.execute(
        update(User)
        .where(User.id == user.id)
        .where((User.two_factor_last_step.is_(None)) | (User.two_factor_last_step < step))
        .values(two_factor_last_step=step)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["two_factor_last_step"])
    return taken.rowcount == 1  # type: ignore[attr-defined]


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def normalise_recovery_code(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _new_recovery_codes() -> tuple[str, ...]:
    def half() -> str:
        return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_HALF))

    return tuple(f"{half()}-{half()}" for _ in range(RECOVERY_CODE_COUNT))


def confirm_enrolment(session: Session, user: User, code: str, *, now: datetime) -> Outcome:
    """Turn two-factor sign-in on with the pending secret if `code` is a current code from it; the
    outcome then carries the ten recovery codes, to be shown once."""
    if _held_back(user, now) or user.two_factor_pending_secret is None:
        return _fail(session, user, now, "user.two_factor_enrol_failed", "code")
    step = _matching_step(user.two_factor_pending_secret, code, now, None)
    if step is None:
        return _fail(session, user, now, "user.two_factor_enrol_failed", "code")
    codes = _new_recovery_codes()
    _succeed(user)
    user.two_factor_secret = user.two_factor_pending_secret
    user.two_factor_pending_secret = None
    user.two_factor_enabled_at = now
    user.two_factor_last_step = step
    user.two_factor_recovery_hashes = "\n".join(_hash(c) for c in codes)
    audit.record(
        session,
        principal_for(user),
        "user.two_factor_enrolled",
        "user",
        user.id,
        now=now,
        after={"recovery_codes": len(codes)},
    )
    session.flush()
    return Outcome(None, recovery_codes=codes, recovery_codes_left=len(codes))


def check_code(session: Session, user: User, code: str, *, now: datetime) -> Outcome:
    """The second step of signing in with a code from the authenticator app."""
    if not is_enrolled(user) or _held_back(user, now):
        return _fail(session, user, now, "user.two_factor_failed", "code")
    step = _matching_step(user.two_factor_secret or "", code, now, user.two_factor_last_step)
    if step is None or not _take_step(session, user, step):
        return _fail(session, user, now, "user.two_factor_failed", "code")
    _succeed(user)
    audit.record(session, principal_for(user), "user.two_factor_passed", "user", user.id, now=now)
    session.flush()
    return Outcome(None)


def recovery_codes_left(user: User) -> int:
    return len([h for h in (user.two_factor_recovery_hashes or "").split("\n") if h])


def check_recovery_code(session: Session, user: User, code: str, *, now: datetime) -> Outcome:
    """The second step of signing in with a recovery code, which then can never be used again."""
    if not is_enrolled(user) or _held_back(user, now):
        return _fail(session, user, now, "user.two_factor_failed", "recovery_code")
    kept = user.two_factor_recovery_hashes or ""
    hashes = [h for h in kept.split("\n") if h]
    given = _hash(code)
    match = next((h for h in hashes if hmac.compare_digest(h, given)), None)
    if not normalise_recovery_code(code) or match is None:
        return _fail(session, user, now, "user.two_factor_failed", "recovery_code")
    left = [h for h in hashes if h != match]
    # Compare and set: of two requests racing with the same code, one finds the list changed.
    used = session.execute(
        update(User)
        .where(User.id == user.id, User.two_factor_recovery_hashes == kept)
        .values(two_factor_recovery_hashes="\n".join(left))
        .execution_options(synchronize_session=False)
    )
    session.refresh(user, ["two_factor_recovery_hashes"])
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return _fail(session, user, now, "user.two_factor_failed", "recovery_code")
    _succeed(user)
    audit.record(
        session,
        principal_for(user),
        "user.recovery_code_used",
        "user",
        user.id,
        now=now,
        after={"recovery_codes_left": len(left)},
    )
    session.flush()
    return Outcome(None, recovery_codes_left=len(left))
