"""The model's numbers as this app is configured, for the views to hand to services."""

from flask import current_app

from tasking.domain.policy import Policy


def current_policy() -> Policy:
    return current_app.extensions["tasking.policy"]
