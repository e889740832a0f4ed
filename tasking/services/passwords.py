"""Passwords: hashing with Argon2id (argon2-cffi), the OWASP first choice, and the policy every new
password meets: at least 12 characters and not easily guessed, as zxcvbn (Dropbox's estimator, with
its lists of common passwords, names and words) judges it, given the person's own email and name."""

from collections.abc import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tasking.domain.errors import ValidationFailed

_hasher = PasswordHasher()

MIN_LENGTH = 12
# zxcvbn's scores run 0 to 4; 3 is "safely unguessable: moderate protection from offline slow-hash
# scenario" (10^8 guesses or more).
MIN_SCORE = 3
# Words anyone would try first against this service's accounts, besides the person's own.
SITE_WORDS = ("tasking", "walsall", "council", "partnership")
# zxcvbn's time grows with the length; the first 100 characters decide (its authors' advice).
_JUDGED_LENGTH = 100

TOO_SHORT = f"Use at least {MIN_LENGTH} characters"
TOO_COMMON = "This password is too common: choose another"


def password_problem(password: str, *, user_inputs: Sequence[str] = ()) -> str | None:
    """Why this password may not be set, or None when it may."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    words = [*SITE_WORDS, *(part for text in user_inputs if text for part in (text, *_pieces(text)))]
    # Imported here: its word lists cost every web worker 13 MB, and only setting a password needs them.
    from zxcvbn import zxcvbn

    if zxcvbn(password[:_JUDGED_LENGTH], user_inputs=words)["score"] < MIN_SCORE:
        return TOO_COMMON
    return None


def require_acceptable(password: str, *, user_inputs: Sequence[str] = ()) -> None:
    """Refuse (on the password field) a password the policy does not allow."""
    problem = password_problem(password, user_inputs=user_inputs)
    if problem is not None:
        raise ValidationFailed(problem, {"password": [problem]})


def _pieces(text: str) -> list[str]:
    """An email's or name's parts, and them run together, so that Sam Singh cannot choose `samsingh2024`."""
    local = text.split("@")[0]
    for separator in "@._- ":
        text = text.replace(separator, " ")
    pieces = text.split()
    return [local] + [piece for piece in pieces if len(piece) >= 3] + ["".join(pieces)]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
