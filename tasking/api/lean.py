"""Lean JSON for the reads people poll: rows already shaped like the documented schema, serialised by
orjson, behind an ETag so that a repeat pull answers 304 without building the body.

The marshmallow schemas stay the contract (the OpenAPI document and the contract tests check every
response against them); a lean view returns a Response, which flask-smorest passes through as it is.

The ETag is a digest of what the body would be built from (ids and versions of the rows, their notes'
newest ids, ...), the caller's identity and the request's path and query, so it changes whenever the
body could, and two callers who see different things never share one. See docs/performance.md.

Datetimes and dates stay in the bodies as Python values: orjson writes them exactly as isoformat()
does, which is marshmallow's AwareDateTime and Date format, in C."""

import hashlib
from collections.abc import Callable
from typing import Any

import orjson
from flask import Response, g, request

# Every lean response may differ by caller: shared caches must not keep it, a private one must ask.
CACHE_HEADERS = {"Cache-Control": "private, no-cache", "Vary": "Authorization, Cookie"}


def _caller() -> tuple:
    principal = getattr(g, "principal", None)
    if principal is None:
        return ()
    return (
        principal.user_id,
        str(principal.role),
        principal.organisation_id,
        sorted(principal.area_ids),
        sorted(principal.ward_ids),
    )


def etag_for(*parts: Any) -> str:
    """A strong entity tag over `parts`, the caller and the request's path and query."""
    raw = orjson.dumps([request.full_path, _caller(), parts], default=str, option=orjson.OPT_NON_STR_KEYS)
    return '"l-' + hashlib.blake2b(raw, digest_size=16).hexdigest() + '"'


def none_match(header: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or a list of tags compared weakly (a W/ prefix is ignored)."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",") if t.strip()]
    bare = etag.removeprefix("W/")
    return "*" in tags or any(t.removeprefix("W/") == bare for t in tags)


def dumps(body: Any) -> bytes:
    # Ends with a newline, as Flask's own JSON responses do: a terminal or a script reading several
    # responses in a row sees them one to a line.
    return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE)


def json_response(body: Any, *, status: int = 200, etag: str | None = None) -> Response:
    response = Response(dumps(body), status=status, mimetype="application/json")
    response.headers.update(CACHE_HEADERS)
    if etag:
        response.headers["ETag"] = etag
    return response


def conditional(etag: str, build: Callable[[], Any]) -> Response:
    """304 if the caller already holds `etag`, else the body `build()` makes, tagged."""
    if request.method in ("GET", "HEAD") and none_match(request.headers.get("If-None-Match"), etag):
        response = Response(status=304)
        response.headers.update(CACHE_HEADERS)
        response.headers["ETag"] = etag
        return response
    return json_response(build(), etag=etag)
