from tasking.api.triage.views import blp

__all__ = ["blp"]
