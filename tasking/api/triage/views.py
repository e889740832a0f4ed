"""/api/v1/triage: the caller's areas' cases waiting for a decision."""

from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.schemas import page_size
from tasking.api.triage.schemas import TriageArgsSchema, TriagePageSchema
from tasking.extensions import db
from tasking.services import triage

blp = require_token(Blueprint("triage", __name__, url_prefix="/api/v1", description="Triage queue"))


@blp.get("/triage")
@blp.arguments(TriageArgsSchema, location="query")
@blp.response(200, TriagePageSchema)
def queue(args):
    """Cases waiting for a level decision, riskiest first and then oldest"""
    filters = triage.TriageFilters(**{k: v for k, v in args.items() if k not in ("cursor", "page_size")})
    return triage.triage_queue(
        db.session, current_principal(), filters, cursor=args.get("cursor"), size=page_size(args)
    )
