"""Reading If-Match for the services, and documenting it in the OpenAPI document."""

from flask import request

from tasking.domain.errors import PreconditionRequired

IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The ETag from your last read of this object.",
}


def if_match() -> str:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired("Send If-Match with the ETag you last read.")
    return header
