"""Checks every request passes before any view: text no database can store is refused up front."""

import re

from flask import Flask, request

from tasking.domain.errors import TaskingError, ValidationFailed

_NUL_IN_JSON = b"\\u0000"

# No request of the service nests JSON deeper than a handful of levels; Python's parser recurses
# per level and fails (a 500) somewhere near a thousand. Bodies nested deeper are refused unread.
MAX_JSON_DEPTH = 64
# A JSON string (skipped whole, brackets inside it are text) or a bracket.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def reject_nul_characters() -> None:
    """PostgreSQL cannot store NUL in text, and no person means to type one: a clear 422, not a 500."""
    found = _any_nul(request.args)
    if request.method in ("POST", "PUT", "PATCH") and not found:
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Forms carry a NUL as %00, decoded only when the form is read.
            found = _any_nul(request.form)
        else:
            body = request.get_data(cache=True)
            found = b"\x00" in body or _NUL_IN_JSON in body.lower()
    if found:
        raise ValidationFailed(
            "Text cannot contain NUL (\\u0000) characters.", {"_request": ["Contains a NUL character."]}
        )


class JSONTooDeep(TaskingError):
    """A body the service will not parse: a 400 in the caller's error format."""

    code = "bad_request"
    status = 400


def json_depth(body: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest, counted without parsing it."""
    depth = deepest = 0
    for token in _JSON_TOKENS.finditer(body):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_JSON_DEPTH:
                    break
        elif bracket in (b"]", b"}"):
            depth -= 1
    return deepest


def bound_json_depth() -> None:
    """A body nested past MAX_JSON_DEPTH is a 400 in the error format, before any parser sees it."""
    body = (
        request.get_data(cache=True)
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.is_json
        else b""
    )
    if json_depth(body) > MAX_JSON_DEPTH:
        raise JSONTooDeep(f"The request body nests JSON more than {MAX_JSON_DEPTH} levels deep.")


def _any_nul(values) -> bool:
    return any("\x00" in value for listed in values.listvalues() for value in listed)


def register(app: Flask) -> None:
    app.before_request(bound_json_depth)
    app.before_request(reject_nul_characters)
