from tasking.api.tokens.views import blp

__all__ = ["blp"]
