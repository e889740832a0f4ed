import marshmallow as ma
from marshmallow import validate


class TokenCreateSchema(ma.Schema):
    email = ma.fields.Email(required=True, metadata={"description": "The user the token acts as"})
    name = ma.fields.String(load_default="api", validate=validate.Length(min=1, max=120))
    expires_at = ma.fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "Omit for the default lifetime (TOKEN_DEFAULT_DAYS, 365 days); null for no expiry"},
    )


class TokenSchema(ma.Schema):
    prefix = ma.fields.String()
    name = ma.fields.String()
    user_email = ma.fields.String(attribute="user.email")
    created_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime(allow_none=True)
    revoked_at = ma.fields.AwareDateTime(allow_none=True)
    last_used_at = ma.fields.AwareDateTime(allow_none=True)


class IssuedTokenSchema(TokenSchema):
    prefix = ma.fields.String(attribute="token.prefix")
    name = ma.fields.String(attribute="token.name")
    user_email = ma.fields.String(attribute="token.user.email")
    created_at = ma.fields.AwareDateTime(attribute="token.created_at")
    expires_at = ma.fields.AwareDateTime(attribute="token.expires_at", allow_none=True)
    revoked_at = ma.fields.AwareDateTime(attribute="token.revoked_at", allow_none=True)
    last_used_at = ma.fields.AwareDateTime(attribute="token.last_used_at", allow_none=True)
    token = ma.fields.String(attribute="secret", metadata={"description": "Shown once; store it now"})


class TokenListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TokenSchema))
