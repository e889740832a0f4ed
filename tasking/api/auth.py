"""Bearer-token authentication for the API blueprints."""

from flask import current_app, g, request
from flask_smorest import Blueprint

from tasking import rate_limits
from tasking.clock import now
from tasking.domain.errors import Unauthorized
from tasking.domain.principal import Principal
from tasking.extensions import db
from tasking.services import tokens
from tasking.services.principal_cache import DEFAULT_SECONDS, PrincipalCache
from tasking.unit_of_work import keep_refusal

_CACHE = "tasking.principal_cache"


def principal_cache() -> PrincipalCache | None:
    """This app's cache of accepted tokens (one per worker process), or None when
    TOKEN_CACHE_SECONDS is 0. Made on first use; made again if a test changes the setting."""
    seconds = current_app.config.get("TOKEN_CACHE_SECONDS", DEFAULT_SECONDS)
    cache = current_app.extensions.get(_CACHE)
    if cache is None or cache.seconds != seconds:
        cache = current_app.extensions[_CACHE] = PrincipalCache(seconds)
    return cache if cache.enabled else None


def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send Authorization: Bearer <token>.")
    try:
        g.principal = tokens.authenticate(
            db.session,
            secret.strip(),
            now=now(),
            request_line=f"{request.method} {request.path}"[:300],
            cache=principal_cache(),
        )
    except Unauthorized:
        keep_refusal()  # a known token refused is audited, and that record must outlast the 401
        rate_limits.count_token_failure()  # 429 instead once the address is over its limit
        raise


def require_token(blueprint: Blueprint) -> Blueprint:
    """Every request to the blueprint needs a bearer token; refused tokens are rate limited (only
    refusals count, and a valid token always passes). Called once, when the blueprint is made,
    however many apps are created."""
    blueprint.before_request(_authenticate)
    return blueprint


def current_principal() -> Principal:
    return g.principal
