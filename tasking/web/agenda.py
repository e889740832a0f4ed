"""The tasking meeting's agenda as a printable page; the meeting's own page (console.meeting_page)
is where it is recorded."""

from datetime import date

from flask import Blueprint, abort, render_template, request

from tasking.domain.money import pounds
from tasking.extensions import db
from tasking.services import reviews
from tasking.web.session import permission_required, principal
from tasking.web.wording import describe_event

bp = Blueprint("agenda", __name__)


@bp.get("/areas/<code>/agenda")
@permission_required("triage.read")
def agenda_page(code):
    try:
        meeting = date.fromisoformat(request.args.get("meeting", ""))
    except ValueError:
        abort(400)
    if meeting == date.max:  # the agenda counts reviews due by the end of the day: there is no day after
        abort(400)
    groups = reviews.agenda(db.session, principal(), code, meeting)
    return render_template(
        "agenda.html",
        title=f"Tasking meeting agenda, {meeting:%-d %B %Y}",
        groups=groups,
        meeting=meeting,
        area=code.upper(),
        pounds=pounds,
        describe_event=describe_event,
    )
