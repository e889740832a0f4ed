"""/api/v1/reviews and the tasking meeting agenda."""

from flask_smorest import Blueprint

from tasking.api import lean
from tasking.api.auth import current_principal, require_token
from tasking.api.conditional_docs import ETAG_HEADER, NOT_MODIFIED
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
@blp.response(200, ReviewPageSchema, headers=ETAG_HEADER)
@blp.alt_response(304, description=NOT_MODIFIED)
def list_reviews(args):
    """Reviews of the cases you own or cover, earliest due first: area staff their areas', a partner
    those of the cases its organisation owns, the borough officer level-four ones"""
    filters = reviews.ReviewFilters(**{k: args.get(k) for k in ("area", "due_before", "level", "overdue", "state")})
    principal = current_principal()
    page = reviews.review_rows(db.session, principal, filters, cursor=args.get("cursor"), size=page_size(args))

    def body():
        return {"items": [reviews.review_item(principal, row) for row in page.items], "next_cursor": page.next_cursor}

    # The tag is over the page's rows as read (every column the body is made of), so a repeat pull
    # of an unchanged page is answered 304 without shaping or serialising it.
    return lean.conditional(
        lean.etag_for("reviews", [tuple(row.values()) for row in page.items], page.next_cursor), body
    )


@blp.post("/reviews/<int:review_id>/decision")
@blp.arguments(ReviewDecisionSchema)
@blp.response(200, ReviewSchema)
def decide(data, review_id):
    """Continue, escalate or de-escalate (with the new level and a reason: re-routes), or close (with a
    reason). Closing needs the right to close the case, changing its level the right to decide it"""
    principal = current_principal()
    review = reviews.decide(
        db.session,
        principal,
        review_id,
        outcome=data["outcome"],
        level=data.get("level"),
        reason=data.get("reason"),
        notes=data.get("notes"),
        now=now(),
        policy=current_policy(),
    )
    return reviews.as_seen_by(principal, review)


@blp.get("/areas/<code>/agenda")
@blp.arguments(AgendaArgsSchema, location="query")
@blp.response(200, AgendaSchema)
def agenda(args, code):
    """A tasking meeting's agenda: level 2 and 3 cases with reviews due by the meeting, by level and lead"""
    groups = reviews.agenda(db.session, current_principal(), code, args["meeting"])
    return {"area": code.upper(), "meeting": args["meeting"], "groups": groups}
