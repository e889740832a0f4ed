from tasking.api.barriers.views import blp

__all__ = ["blp"]
