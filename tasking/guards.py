"""Checks every request passes before any view: text no database can store is refused up front."""

from flask import Flask, request

from tasking.domain.errors import ValidationFailed

_NUL_IN_JSON = b"\\u0000"


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


def _any_nul(values) -> bool:
    return any("\x00" in value for listed in values.listvalues() for value in listed)


def register(app: Flask) -> None:
    app.before_request(reject_nul_characters)
