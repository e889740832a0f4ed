"""/api/v1/triage: the caller's areas' cases waiting for a decision."""

from flask_smorest import Blueprint

from tasking.api import lean
from tasking.api.auth import current_principal, require_token
from tasking.api.conditional_docs import ETAG_HEADER, NOT_MODIFIED
from tasking.api.schemas import page_size
from tasking.api.triage.lean_body import triage_page
from tasking.api.triage.schemas import TriageArgsSchema, TriagePageSchema
from tasking.extensions import db
from tasking.services import triage, triage_rows

blp = require_token(Blueprint("triage", __name__, url_prefix="/api/v1", description="Triage queue"))


@blp.get("/triage")
@blp.arguments(TriageArgsSchema, location="query")
@blp.response(200, TriagePageSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description=NOT_MODIFIED)
def queue(args):
    """Cases waiting for a level decision, riskiest first and then oldest"""
    filters = triage.TriageFilters(**{k: v for k, v in args.items() if k not in ("cursor", "page_size")})
    page = triage_rows.triage_rows(
        db.session, current_principal(), filters, cursor=args.get("cursor"), size=page_size(args)
    )
    # The tag is over every row the body is made of; a repeat pull skips shaping and encoding it.
    return lean.conditional(lean.etag_for("triage", page.fingerprint()), lambda: triage_page(page))
