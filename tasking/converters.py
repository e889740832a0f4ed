"""URL converters, each documented in the OpenAPI document exactly as it matches.

<int:...> is bounded by what the database stores, so a longer number is a 404 rather than an
overflow inside the database driver; <case:...> is a case's id or its reference (SW-2026-00042).
"""

from werkzeug.routing import BaseConverter, IntegerConverter

from tasking.domain.references import MAX_ID


class StoredId(IntegerConverter):
    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def stored_id_schema(converter: StoredId) -> dict:
    return {"type": "integer", "minimum": 0, "maximum": converter.max}


class CaseKey(BaseConverter):
    regex = r"[0-9]{1,10}|[A-Za-z]{2,4}-[0-9]{4}-[0-9]{5,9}"


def case_key_schema(_converter: CaseKey) -> dict:
    return {
        "type": "string",
        "pattern": f"^({CaseKey.regex})$",
        "description": "The case's id, or its reference such as SW-2026-00042",
    }


def register(app, rest_api) -> None:
    """Before any blueprint is registered, so every route uses them."""
    app.url_map.converters["int"] = StoredId
    app.url_map.converters["case"] = CaseKey
    rest_api.register_converter(StoredId, stored_id_schema)
    rest_api.register_converter(CaseKey, case_key_schema)
