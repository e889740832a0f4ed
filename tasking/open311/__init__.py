"""The Open311 GeoReport v2 endpoint, so residents' reporting tools can file and follow reports."""

PREFIX = "/open311/"


def register(app) -> None:
    from flask import request

    from tasking import errors as error_handlers
    from tasking.open311.views import bp, error_response

    app.register_blueprint(bp)
    error_handlers.register_format(app, lambda: request.path.startswith(PREFIX), error_response)
    return bp
