from tasking.api.cases.views import blp

__all__ = ["blp"]
