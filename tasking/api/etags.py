"""Reading If-Match for the services, and documenting it in the OpenAPI document."""
from flask import request

from tasking.errors import TaskingError

IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": "The ETag from your last read of this object.",
}


class PreconditionRequired(TaskingError):
    status, code = 428, "precondition_required"


def if_match() -> str:
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired("Send If-Match with the ETag you last read.")
    return header
