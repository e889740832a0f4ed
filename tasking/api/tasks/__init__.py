from tasking.api.tasks.views import blp

__all__ = ["blp"]
