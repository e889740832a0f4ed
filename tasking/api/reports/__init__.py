from tasking.api.reports.views import blp

__all__ = ["blp"]
