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
        data = schema.load(source.to_dict())
    except ma.ValidationError as invalid:
        raise open311.Open311Error(400, forms.first_problem(invalid)) from invalid
    jurisdiction = data.get("jurisdiction_id")
    if jurisdiction and jurisdiction != current_app.config["OPEN311_JURISDICTION"]:
        raise open311.Open311Error(404, f"jurisdiction_id {jurisdiction} was not found")
    return data


@bp.get(f"/discovery.{FMT}")
def discovery(fmt):
    base = url_for("open311.discovery", fmt=fmt, _external=True).rsplit("/", 1)[0]
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


@bp.post(f"/requests.{FMT}")
@rate_limits.open311_post
def post_request(fmt):
    data = _args(forms.PostRequestSchema(), request.form)
    key = data.get("api_key") or request.args.get("api_key")
    client = open311_clients.client_for_key(db.session, key, now=now())
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
