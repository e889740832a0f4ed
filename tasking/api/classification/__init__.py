from tasking.api.classification.views import blp

__all__ = ["blp"]
