from tasking.api.money.views import blp

__all__ = ["blp"]
