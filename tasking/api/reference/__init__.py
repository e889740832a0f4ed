from tasking.api.reference.views import blp

__all__ = ["blp"]
