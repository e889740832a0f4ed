from tasking.api.follow_ups.views import blp

__all__ = ["blp"]
