"""Server-rendered pages and operational endpoints."""


def register(app) -> None:
    from tasking.web import health, landing

    app.register_blueprint(landing.bp)
    app.register_blueprint(health.bp)
