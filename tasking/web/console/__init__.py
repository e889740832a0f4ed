"""The staff console: triage, the case list and my work, one page per case, the budget, finance's
claims and tasking meetings. Each action calls the same service as the API and comes back by
post/redirect/get.

One blueprint; each module below adds the pages of one part of the work to it."""

from flask import Blueprint

bp = Blueprint("console", __name__)

from tasking.web.console import (  # noqa: E402, F401 - their pages join bp
    budget,
    case_list,
    cases,
    claims,
    exceptions,
    holds,
    meetings,
    my_work,
    triage,
)
