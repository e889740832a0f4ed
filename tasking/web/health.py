"""/healthz for load balancers and monitoring."""

from flask import Blueprint, current_app, jsonify

from tasking.extensions import db
from tasking.services.health import OK, database_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """ok only when the database answers and its schema is at the latest migration; 503 otherwise,
    with "database": "unreachable" or "not migrated"."""
    state = database_state(db.session, current_app.extensions["migrate"].directory)
    if state == OK:
        return jsonify(status="ok", database="ok"), 200
    return jsonify(status="unavailable", database=state), 503


@bp.get("/livez")
def livez():
    """The process is up; says nothing of the database (that is /healthz)."""
    return jsonify(status="ok")
