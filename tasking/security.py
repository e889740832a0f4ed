"""Security headers and the content security policy (flask-talisman) for every response."""

from urllib.parse import urlsplit

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
# The interactive API documentation: Swagger UI served by the app itself (scripts/vendor-swagger-ui)
# and started by a script file of its own (tasking/static/api-docs.js), so nothing beyond 'self'.
DOCS_POLICY = {**POLICY}
# The value chart (/reports/value.svg) is a drawing, not a page: matplotlib styles every shape with a
# style attribute and a <style> element, which 'self' alone refuses, leaving a black box when the
# chart is opened on its own. It may style itself, and may run and load nothing.
CHART_POLICY = {
    "default-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "data:",
    "script-src": "'none'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'none'",
    "frame-ancestors": "'self'",
}


def with_map_tiles(policy: dict, tile_url: str) -> dict:
    """The policy with the case map's tile server (MAP_TILE_URL's origin) allowed to serve images;
    tiles from the app itself need nothing more than 'self'."""
    parts = urlsplit(tile_url)
    if not (parts.scheme in ("http", "https") and parts.netloc):
        return policy
    host = parts.netloc.replace("{s}.", "*.")  # Leaflet's subdomain placeholder: any subdomain
    return {**policy, "img-src": f"{policy['img-src']} {parts.scheme}://{host}"}


def register(app: Flask) -> None:
    development = app.config["TASKING_ENV"] == "development"
    Talisman(
        app,
        force_https=False,  # TLS ends at the load balancer; it redirects plain http
        strict_transport_security=not development,
        content_security_policy=with_map_tiles(POLICY, app.config.get("MAP_TILE_URL", "")),
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
    )
    _with_policy(app, "api-docs.openapi_swagger_ui", DOCS_POLICY)
    _with_policy(app, "board_reports.value_svg", CHART_POLICY)


def _with_policy(app: Flask, endpoint: str, policy: dict) -> None:
    """Give one endpoint a content security policy of its own, without a nonce (it has no inline script)."""
    original = app.view_functions.get(endpoint)
    if original is None:
        return

    def view(*args, **kwargs):
        return original(*args, **kwargs)

    view.talisman_view_options = {
        "content_security_policy": policy,
        "content_security_policy_nonce_in": [],
    }
    app.view_functions[endpoint] = view
