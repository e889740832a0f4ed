"""/healthz for load balancers and monitoring."""

from flask import Blueprint, jsonify

from tasking.extensions import db
from tasking.services.health import database_answers

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    if database_answers(db.session):
        return jsonify(status="ok", database="ok"), 200
    return jsonify(status="unavailable", database="unreachable"), 503


@bp.get("/livez")
def livez():
    """The process is up; says nothing of the database (that is /healthz)."""
    return jsonify(status="ok")
