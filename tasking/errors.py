"""The one place that turns any failure into a response.

Every error leaves as {"error": {"code", "message", "fields"}}. Messages are written for the
caller; nothing internal (stack traces, SQL, class names) ever leaves the process. The refusal
types themselves live in tasking/domain/errors.py, which imports no Flask; which status each kind
of refusal gets is decided here and only here.
"""

import logging

from flask import Flask, current_app, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from tasking import log_redaction
from tasking.domain.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    TaskingError,
    Unauthorized,
    ValidationFailed,
)

log = logging.getLogger(__name__)


# Codes and messages for HTTP errors raised by Flask, werkzeug, webargs and flask-smorest.
_HTTP_CODES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "Authentication is required."),
    403: ("forbidden", "You do not have the right to do this."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed here."),
    409: ("conflict", "The request conflicts with the current state."),
    412: ("precondition_failed", "The object has changed since you read it; fetch it again."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    422: ("validation_error", "The request has invalid fields."),
    428: ("precondition_required", "Send If-Match with the ETag you last read."),
    429: ("too_many_requests", "Too many requests; slow down."),
    500: ("internal_error", "Something went wrong on our side; it has been logged."),
    503: ("unavailable", "The service is temporarily unavailable; try again shortly."),
}


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


_FORMATS = "tasking.error_formats"


def register_format(app: Flask, applies, renderer) -> None:
    """Requests that are not API calls get errors in their own format (Open311's, or pages for
    browsers): for each request where applies() is true, renderer(status, message) -> response."""
    app.extensions.setdefault(_FORMATS, []).append((applies, renderer))


def _respond(status: int, code: str, message: str, fields=None, headers=None):
    formats = current_app.extensions.get(_FORMATS, [])
    renderer = next((r for applies, r in formats if applies()), None)
    if renderer is not None:
        detail = "; ".join(f"{k}: {v}" for k, v in (fields or {}).items())
        response = renderer(status, f"{message} ({detail})" if detail else message)
    else:
        response = jsonify(error_body(code, message, fields))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten_webargs(messages: dict) -> dict:
    """webargs groups messages by location ({"json": {...}, "query": {...}}); callers want fields."""
    fields: dict = {}
    for location, errors in messages.items():
        if isinstance(errors, dict):
            for name, problem in errors.items():
                fields[name if location in ("json", "query", "form") else f"{location}.{name}"] = problem
        else:
            fields[location] = errors
    return fields


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    code, message = _HTTP_CODES.get(status, ("http_error", error.name))
    data = getattr(error, "data", None) or {}
    fields = _flatten_webargs(data["messages"]) if "messages" in data else {}
    if status == 400 and fields:
        # webargs reports an unparseable JSON body as a 400 with a message under "json".
        message = "The request body is not valid JSON."
        fields = {}
    if data.get("message"):
        message = data["message"]
    if status == 400 and "CSRF" in (error.description or ""):
        message = "The form has expired or did not come from this site (CSRF); reload the page and try again."
    if status == 405 and error.valid_methods:
        data.setdefault("headers", {})["Allow"] = ", ".join(error.valid_methods)
    return _respond(status, code, message, fields, data.get("headers"))


# The status of each kind of refusal. A refusal of no more particular kind is about an input when
# it names a field (422), else a rule of the service said no (409).
_STATUS = [
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (PreconditionFailed, 412),
    (PreconditionRequired, 428),
    (ValidationFailed, 422),
    (Conflict, 409),
]


def status_for(error: TaskingError) -> int:
    fixed = getattr(error, "status", None)  # a protocol that names its own statuses (GeoReport's)
    if isinstance(fixed, int):
        return fixed
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 422 if error.fields else 409


def handle_tasking_error(error: TaskingError):
    return _respond(status_for(error), error.code, error.message, error.fields)


def handle_stale_data(_error: StaleDataError):
    code, message = _HTTP_CODES[412]
    return _respond(412, code, message)


def handle_database_unavailable(error: DBAPIError):
    if isinstance(error, OperationalError) or error.connection_invalidated:
        log.warning("database unavailable: %s", error.__class__.__name__)
        return _respond(503, *_HTTP_CODES[503], headers={"Retry-After": "5"})
    return handle_unexpected(error)


def handle_unexpected(error: Exception):
    log.exception("unhandled error", exc_info=error)
    return _respond(500, *_HTTP_CODES[500])


def register_error_handlers(app: Flask) -> None:
    # What is logged about a request never carries its API key or token (tasking/log_redaction.py).
    log_redaction.install(app.logger, log)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(TaskingError, handle_tasking_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(DBAPIError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
