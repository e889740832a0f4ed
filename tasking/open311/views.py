"""/open311/v2: the GeoReport v2 endpoints, each in .json and .xml."""

import marshmallow as ma
from flask import Blueprint, current_app, request, url_for

from tasking import rate_limits
from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.extensions import db
from tasking.open311 import forms, render
from tasking.services import open311, open311_clients

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FMT = "<any(json, xml):fmt>"


def _args(schema, source):
    try:
        data = schema.load(source.to_dict() if hasattr(source, "to_dict") else dict(source))
    except ma.ValidationError as invalid:
        raise open311.Open311Error(400, forms.first_problem(invalid)) from invalid
    jurisdiction = data.get("jurisdiction_id")
    if jurisdiction and jurisdiction != current_app.config["OPEN311_JURISDICTION"]:
        raise open311.Open311Error(404, f"jurisdiction_id {jurisdiction} was not found")
    return data


def public_url(endpoint: str, **values) -> str:
    """An absolute URL of this service: from PUBLIC_BASE_URL when it is set, never from whatever Host
    header a request carried; without it, from the request's own host (README, "Settings")."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, **values, _external=True)


@bp.get(f"/discovery.{FMT}")
def discovery(fmt):
    base = public_url("open311.discovery", fmt=fmt).rsplit("/", 1)[0]
    payload = render.discovery(base, current_app.config["OPEN311_CHANGESET"], current_app.config["OPEN311_CONTACT"])
    return render.respond(fmt, payload, root="discovery")


@bp.get(f"/services.{FMT}")
def services(fmt):
    _args(forms._Open311Schema(), request.args)
    return render.respond(
        fmt, [render.service(c) for c in open311.services(db.session)], root="services", item="service"
    )


@bp.get(f"/services/<service_code>.{FMT}")
def service_definition(service_code, fmt):
    _args(forms._Open311Schema(), request.args)
    return render.respond(
        fmt, render.service_definition(open311.service(db.session, service_code)), root="service_definition"
    )


def _post_body():
    """The POST's fields: a form, as GeoReport v2 specifies, or a JSON object."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise open311.Open311Error(400, "the request body is not a JSON object")
        return body
    return request.form


@bp.post(f"/requests.{FMT}")
@rate_limits.open311_post
def post_request(fmt):
    if "api_key" in request.args:
        # GeoReport v2 sends the key in the POST body; one in the URL ends up in access logs and
        # browser histories, so it is refused and never used (issue 20, finding 5).
        raise open311.Open311Error(400, "api_key must be sent in the POST body, not in the URL")
    data = _args(forms.PostRequestSchema(), _post_body())
    client = open311_clients.client_for_key(db.session, data.get("api_key"), now=now())
    if client is None:
        raise open311.Open311Error(403, "api_key was not provided or is not valid")
    case = open311.submit(
        db.session,
        client,
        data,
        now=now(),
        policy=current_policy(),
    )
    return render.respond(fmt, [render.created(case)], root="service_requests", item="request", status=201)


@bp.get(f"/requests.{FMT}")
def get_requests(fmt):
    args = _args(forms.RequestsArgsSchema(), request.args)
    found = open311.requests(
        db.session,
        ids=args["service_request_id"],
        service_codes=args["service_code"],
        start=args.get("start_date"),
        end=args.get("end_date"),
        statuses=args["status"],
        now=now(),
    )
    return render.respond(fmt, [render.service_request(c) for c in found], root="service_requests", item="request")


@bp.get(f"/requests/<service_request_id>.{FMT}")
def get_request(service_request_id, fmt):
    _args(forms._Open311Schema(), request.args)
    case = open311.request(db.session, service_request_id)
    return render.respond(fmt, [render.service_request(case)], root="service_requests", item="request")


@bp.get(f"/servicerequestupdates.{FMT}")
def service_request_updates(fmt):
    args = _args(forms.UpdatesArgsSchema(), request.args)
    found = open311.updates(db.session, start=args.get("start_date"), end=args.get("end_date"), now=now())
    return render.respond(fmt, [render.update(u) for u in found], root="service_request_updates", item="request_update")


def error_response(status: int, message: str):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render.error(fmt, status, message)
