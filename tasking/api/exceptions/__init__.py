from tasking.api.exceptions.views import blp

__all__ = ["blp"]
