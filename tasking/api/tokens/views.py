"""/api/v1/tokens: admins issue and revoke API tokens."""

from flask.views import MethodView
from flask_smorest import Blueprint

from tasking.api.auth import current_principal, require_token
from tasking.api.policy import current_policy
from tasking.api.tokens.schemas import IssuedTokenSchema, TokenCreateSchema, TokenListSchema
from tasking.clock import now
from tasking.extensions import db
from tasking.services import tokens

blp = require_token(Blueprint("tokens", __name__, url_prefix="/api/v1/tokens", description="API tokens (admins)"))


@blp.route("")
class Tokens(MethodView):
    @blp.response(200, TokenListSchema)
    def get(self):
        """Every token: prefix, owner, expiry, revocation, last use (never the secret)"""
        return {"items": tokens.list_tokens(db.session, current_principal())}

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, IssuedTokenSchema)
    def post(self, data):
        """Issue a token for a user; the secret is in this response only"""
        return tokens.issue_for_email(
            db.session,
            current_principal(),
            email=data["email"],
            name=data["name"],
            now=now(),
            expires_at=data.get("expires_at", tokens.DEFAULT_LIFETIME),
            policy=current_policy(),
        )


@blp.route("/<prefix>")
class TokenItem(MethodView):
    @blp.response(204)
    def delete(self, prefix):
        """Revoke a token; it stops working at once on the worker that served this request, and within TOKEN_CACHE_SECONDS (5 by default) on the others"""
        tokens.revoke_as_admin(db.session, current_principal(), prefix, now=now())
