"""The REST API under /api/v1: one folder per feature, each with schemas.py and views.py."""


def register(api) -> list:
    # Imported here: the blueprints use the extension objects, which import this package.
    from tasking.api import (
        barriers,
        cases,
        classification,
        deadlines,
        exceptions,
        follow_ups,
        money,
        reference,
        reports,
        reviews,
        tasks,
        tokens,
        triage,
    )

    features = (cases, classification, triage, reviews, tasks, money, follow_ups, barriers, reports, reference, tokens)
    features += (deadlines,)
    features += (exceptions,)
    for feature in features:
        api.register_blueprint(feature.blp)
    return [feature.blp for feature in features]
