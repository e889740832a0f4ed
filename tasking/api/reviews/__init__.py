from tasking.api.reviews.views import blp

__all__ = ["blp"]
