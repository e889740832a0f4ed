"""The area manager's console: triage, one page per case, the budget and tasking meetings.
Each action calls the same service as the API and comes back by post/redirect/get.

One blueprint; each module below adds the pages of one part of the work to it."""

from flask import Blueprint

bp = Blueprint("console", __name__)

from tasking.web.console import budget, cases, meetings, triage  # noqa: E402, F401 - their pages join bp
