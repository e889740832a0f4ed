"""tasking: case management for area partnerships on Walsall's four-level model."""

import os

from flask import Flask

from tasking import config


def create_app(overrides: dict | None = None, instance_path: str | None = None) -> Flask:
    """The app; raises config.ConfigurationError (naming the setting) when it must not start, e.g.
    outside development without SECRET_KEY or DATABASE_URL. `instance_path` replaces ./instance."""
    from tasking.unit_of_work import TaskingFlask

    app = TaskingFlask(__name__, instance_relative_config=True, instance_path=instance_path)
    config.private_directory(app.instance_path)  # 0700: it holds the key, the database, credentials
    app.config.from_mapping(config.load(app.instance_path, overrides))
    config.prepare_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)
    if app.config["TRUSTED_PROXIES"] > 0:
        # Behind N proxies the client's address and scheme are the Nth from the right in
        # X-Forwarded-For/-Proto; headers a client adds itself, further left, are never believed.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    from tasking import api, cli, converters, guards, open311, security, web
    from tasking.database import configure_engine
    from tasking.domain.policy import Policy
    from tasking.extensions import api as rest_api
    from tasking.extensions import csrf, db, limiter, migrate

    app.extensions["tasking.policy"] = Policy.from_config(app.config)
    db.init_app(app)
    guards.register(app)
    limiter.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "migrations")))
    rest_api.init_app(app)
    converters.register(app, rest_api)
    machine_blueprints = [*api.register(rest_api), open311.register(app)]
    web.register(app)
    security.register(app)
    csrf.init_app(app)
    # Bearer tokens and api_keys, not cookies, authenticate these: there is no forgery to stop.
    for blueprint in machine_blueprints:
        csrf.exempt(blueprint)
    cli.register(app)
    return app
