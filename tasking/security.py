"""Security headers and the content security policy (flask-talisman) for every response."""

from flask import Flask
from flask_talisman import Talisman

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The interactive API documentation is Swagger UI from its CDN, started by an inline script.
DOCS_POLICY = {
    **POLICY,
    "script-src": "'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src": "'self' 'unsafe-inline' https://cdn.jsdelivr.net",
}


def register(app: Flask) -> None:
    development = app.config["TASKING_ENV"] == "development"
    Talisman(
        app,
        force_https=False,  # TLS ends at the load balancer; it redirects plain http
        strict_transport_security=not development,
        content_security_policy=POLICY,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
    )
    endpoint = "api-docs.openapi_swagger_ui"
    original = app.view_functions.get(endpoint)
    if original is not None:

        def docs_view(*args, **kwargs):
            return original(*args, **kwargs)

        docs_view.talisman_view_options = {
            "content_security_policy": DOCS_POLICY,
            "content_security_policy_nonce_in": [],
        }
        app.view_functions[endpoint] = docs_view
