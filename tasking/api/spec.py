"""flask-smorest's Api, taught the project's single error format and its bearer authentication."""

import marshmallow as ma
from flask_smorest import Api as SmorestApi

from tasking import errors as error_handlers
from tasking.api.conditional_docs import ConditionalReads


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Stable machine-readable code"})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong, for people"})
    fields = ma.fields.Dict(
        required=True, metadata={"description": "Per-field problems for invalid input; empty otherwise"}
    )


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


class Api(SmorestApi):
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        error_handlers.register_error_handlers(self._app)

    def init_app(self, app, *, spec_kwargs=None):
        spec_kwargs = dict(spec_kwargs or {})
        spec_kwargs["extra_plugins"] = [*spec_kwargs.get("extra_plugins", ()), ConditionalReads()]
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.spec.components.security_scheme(
            "bearer", {"type": "http", "scheme": "bearer", "description": "An API token from an admin"}
        )
