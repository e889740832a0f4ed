"""How the lean reads' conditional requests are documented in the OpenAPI document (tasking/api/lean.py).

A view documents its 304 with @blp.alt_response(304, ...); the If-None-Match header is then added to
its parameters by ConditionalReads, beside those its @blp.arguments make (a @blp.doc(parameters=...)
would replace them, and the query parameters would vanish from the document)."""

from apispec import BasePlugin

IF_NONE_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of your last copy of this page: 304, with no body, if nothing on it changed.",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}}}
NOT_MODIFIED = "Nothing on the page changed since the ETag sent in If-None-Match"


class ConditionalReads(BasePlugin):
    """apispec plugin: every operation that may answer 304 takes If-None-Match."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for operation in (operations or {}).values():
            responses = operation.get("responses", {})
            if 304 in responses or "304" in responses:
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "If-None-Match" for p in parameters if isinstance(p, dict)):
                    parameters.append(dict(IF_NONE_MATCH_PARAMETER))
