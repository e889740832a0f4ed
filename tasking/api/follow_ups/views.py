"""/api/v1/follow-ups: did the saving happen? Finance answers the follow-up checks of verified claims."""

from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.follow_ups.schemas import FollowUpArgsSchema, FollowUpOutcomeSchema, FollowUpPageSchema, FollowUpSchema
from tasking.api.schemas import page_size
from tasking.clock import now
from tasking.extensions import db
from tasking.services import follow_ups

blp = require_token(
    Blueprint("follow_ups", __name__, url_prefix="/api/v1", description="Follow-up checks of verified savings")
)


@blp.get("/follow-ups")
@blp.arguments(FollowUpArgsSchema, location="query")
@blp.response(200, FollowUpPageSchema)
def list_follow_ups(args):
    """Follow-up checks, earliest due first: pending ones by default (finance officers)"""
    filters = follow_ups.FollowUpFilters(
        state=args.get("state"), due_before=args.get("due_before"), area=args.get("area")
    )
    return follow_ups.list_follow_ups(
        db.session, current_principal(), filters, cursor=args.get("cursor"), size=page_size(args)
    )


@blp.post("/follow-ups/<int:follow_up_id>/outcome")
@blp.arguments(FollowUpOutcomeSchema)
@blp.response(200, FollowUpSchema)
def record_outcome(data, follow_up_id):
    """Record whether the saving happened: confirmed, or not_confirmed with notes saying why (finance
    officers); an answered check is final"""
    return follow_ups.record_outcome(
        db.session,
        current_principal(),
        follow_up_id,
        outcome=data["outcome"],
        notes=data.get("notes"),
        now=now(),
    )
