"""The REST API under /api/v1: one blueprint per feature."""


def register(api) -> None:
    # Imported here: the blueprints use the extension objects, which import this package.
    from tasking.api import cases, reference

    api.register_blueprint(cases.blp)
    api.register_blueprint(reference.blp)
