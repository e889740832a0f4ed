from tasking.api.deadlines.views import blp

__all__ = ["blp"]
