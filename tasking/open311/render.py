"""GeoReport v2 bodies, in JSON or XML, with the specification's field names."""

from xml.etree import ElementTree

from flask import Response, json

from tasking.domain import open311 as spec
from tasking.domain.lifecycle import State

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MIMETYPES = {"json": "application/json", "xml": "text/xml"}


def _iso(moment):
    return moment.isoformat(timespec="seconds") if moment else None


def service(category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


def service_definition(category) -> dict:
    return {"service_code": category.code, "attributes": []}


def service_request(case, expected=None) -> dict:
    owner = (
        case.owner_organisation.name
        if case.owner_organisation
        else f"Walsall Council, {case.area.name} area partnership"
    )
    return {
        "service_request_id": case.reference,
        "status": spec.status(case.state),
        "status_notes": spec.PUBLIC_NOTES[State(case.state)],
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": owner,
        "service_notice": "",
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(expected),
        "address": case.address,
        "address_id": None,
        "zipcode": case.postcode,
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": case.media_url,
    }


def created(case) -> dict:
    return {
        "service_request_id": case.reference,
        "service_notice": "Thank you. Your report is with the area partnership for assessment.",
        "account_id": None,
    }


def update(item) -> dict:
    return {
        "update_id": str(item.event.id),
        "service_request_id": item.case.reference,
        "status": spec.FMS_STATUS[State(item.state)],
        "updated_datetime": _iso(item.event.at),
        "description": item.description,
        "media_url": None,
    }


def discovery(base_url: str, changeset, contact: str) -> dict:
    return {
        "changeset": _iso(changeset),
        "contact": contact,
        "key_service": "Ask Walsall Council's tasking administrators for an Open311 api_key.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": _iso(changeset),
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }


def _xml_value(parent, tag, value):
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, list):
        singular = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}.get(tag, "item")
        for inner in value:
            _xml_value(element, singular, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def respond(fmt: str, payload, *, root: str, item: str | None = None, status: int = 200) -> Response:
    """A list (root wraps one `item` element per entry) or one object (root is the object)."""
    if fmt == "json":
        body = json.dumps(payload)
    else:
        top = ElementTree.Element(root)
        if item is None:
            for key, value in payload.items():
                _xml_value(top, key, value)
        else:
            for entry in payload:
                _xml_value(top, item, entry)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(top, encoding="unicode")
    return Response(body, status=status, mimetype=MIMETYPES[fmt])


def error(fmt: str, status: int, description: str) -> Response:
    return respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
