"""/api/v1/reviews and the tasking meeting agenda."""

from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.policy import current_policy
from tasking.api.reviews.schemas import (
    AgendaArgsSchema,
    AgendaSchema,
    ReviewArgsSchema,
    ReviewDecisionSchema,
    ReviewPageSchema,
    ReviewSchema,
)
from tasking.api.schemas import page_size
from tasking.clock import now
from tasking.extensions import db
from tasking.services import reviews

blp = require_token(Blueprint("reviews", __name__, url_prefix="/api/v1", description="Escalation reviews"))


@blp.get("/reviews")
@blp.arguments(ReviewArgsSchema, location="query")
@blp.response(200, ReviewPageSchema)
def list_reviews(args):
    """Reviews of your areas' cases, earliest due first"""
    filters = reviews.ReviewFilters(**{k: args.get(k) for k in ("area", "due_before", "level", "overdue", "state")})
    return reviews.list_reviews(
        db.session, current_principal(), filters, cursor=args.get("cursor"), size=page_size(args)
    )


@blp.post("/reviews/<int:review_id>/decision")
@blp.arguments(ReviewDecisionSchema)
@blp.response(200, ReviewSchema)
def decide(data, review_id):
    """Continue, escalate or de-escalate (with the new level and a reason: re-routes), or close"""
    return reviews.decide(
        db.session,
        current_principal(),
        review_id,
        outcome=data["outcome"],
        level=data.get("level"),
        reason=data.get("reason"),
        notes=data.get("notes"),
        now=now(),
        policy=current_policy(),
    )


@blp.get("/areas/<code>/agenda")
@blp.arguments(AgendaArgsSchema, location="query")
@blp.response(200, AgendaSchema)
def agenda(args, code):
    """A tasking meeting's agenda: level 2 and 3 cases with reviews due by the meeting, by level and lead"""
    groups = reviews.agenda(db.session, current_principal(), code, args["meeting"])
    return {"area": code.upper(), "meeting": args["meeting"], "groups": groups}
