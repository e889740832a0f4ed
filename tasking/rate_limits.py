"""The limits themselves, read from configuration when a request is counted.

Every count is kept in the limiter's store (RATELIMIT_STORAGE_URI): memory:// counts per process,
a shared store such as redis://... counts across every instance and worker. The client's address
is the request's remote address, which is the caller's own only when TRUSTED_PROXIES says how many
proxies in front of the app to believe (tasking/__init__.py applies ProxyFix).
"""

import math
import time

from flask import current_app, request
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.exceptions import TooManyRequests

from tasking.extensions import limiter


def _setting(name):
    return lambda: current_app.config[name]


def _account() -> str:
    """The account a sign-in names: the posted email as the accounts are looked up (trimmed, lower
    case), so "Admin@X " and "admin@x" count as one."""
    return "account:" + (request.form.get("email") or "").strip().lower()


def _refused(response) -> bool:
    return response.status_code >= 400


def sign_in(view):
    """Two limits on posted sign-ins: per address (every attempt counts), so one address cannot try
    many accounts; per account (only refused attempts count), so many addresses cannot take turns
    at one account's password. Both at SIGN_IN_RATE_LIMIT."""
    view = limiter.limit(
        _setting("SIGN_IN_RATE_LIMIT"),
        methods=["POST"],
        key_func=_account,
        deduct_when=_refused,
        scope="sign-in-account",
    )(view)
    return limiter.limit(_setting("SIGN_IN_RATE_LIMIT"), methods=["POST"])(view)


def open311_post(view):
    return limiter.limit(_setting("OPEN311_POST_RATE_LIMIT"), methods=["POST"])(view)


def count_token_failure() -> None:
    """Counts one refused token against the caller's address (TOKEN_FAILURE_RATE_LIMIT); over the
    limit, raises 429 instead of the 401. Called only after a token was refused: a valid token is
    never counted and never refused, however many bad ones its address sent (issue 20)."""
    if not limiter.enabled:
        return
    item = parse(current_app.config["TOKEN_FAILURE_RATE_LIMIT"])
    address = get_remote_address()
    if limiter.limiter.hit(item, "api-token-failures", address):
        return
    reset_at = limiter.limiter.get_window_stats(item, "api-token-failures", address).reset_time
    refusal = TooManyRequests()
    refusal.data = {"headers": {"Retry-After": str(max(1, math.ceil(reset_at - time.time())))}}
    raise refusal
