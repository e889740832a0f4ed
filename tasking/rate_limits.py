"""The limits themselves, read from configuration when a request is counted."""

from flask import current_app

from tasking.extensions import limiter


def _setting(name):
    return lambda: current_app.config[name]


def sign_in(view):
    return limiter.limit(_setting("SIGN_IN_RATE_LIMIT"), methods=["POST"])(view)


def open311_post(view):
    return limiter.limit(_setting("OPEN311_POST_RATE_LIMIT"), methods=["POST"])(view)


def token_failures(blueprint) -> None:
    """Only refused tokens count, so guessing tokens is slow while honest clients are untouched."""
    limiter.shared_limit(
        _setting("TOKEN_FAILURE_RATE_LIMIT"),
        scope="api-token-failures",
        deduct_when=lambda response: response.status_code == 401,
    )(blueprint)
