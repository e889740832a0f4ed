"""Tasking meetings: the agenda and the decisions taken at it."""

from datetime import date

from flask import abort, render_template, url_for

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.domain.money import pounds
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import (
    reviews,
)
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import act
from tasking.web.session import permission_required, principal
from tasking.web.wording import describe_event


def _meeting_page(area, meeting_date, failed=None, status=200):
    try:
        meeting = date.fromisoformat(meeting_date)
        groups = reviews.agenda(db.session, principal(), area, meeting)
    except ValueError:
        abort(404)
    except TaskingError as error:
        abort(status_for(error))
    decisions = {
        item.review.id: forms.ReviewDecisionForm(prefix=f"review-{item.review.id}", formdata=None)
        for group in groups
        for item in group.items
        if item.review
    }
    if failed is not None:
        decisions[failed[0]] = failed[1]
    return render_template(
        "console/meeting.html",
        title=f"Tasking meeting, {meeting:%-d %B %Y}",
        groups=groups,
        meeting=meeting,
        area=area.upper(),
        pounds=pounds,
        decisions=decisions,
        describe_event=describe_event,
        form=failed[1] if failed else None,
    ), status


# The tasking meeting is the area staff's (evaluation rec. 3.4): "triage.read", not "review.decide",
# which also lets partners and the borough officer decide the reviews of cases they own, through the API.
@bp.get("/meetings/<area>/<meeting_date>")
@permission_required("triage.read")
def meeting_page(area, meeting_date):
    return _meeting_page(area, meeting_date)


@bp.post("/meetings/<area>/<meeting_date>/reviews/<int:review_id>")
@permission_required("triage.read")
def meeting_decision(area, meeting_date, review_id):
    form = forms.ReviewDecisionForm(prefix=f"review-{review_id}")
    return act(
        form,
        lambda: reviews.decide(
            db.session,
            principal(),
            review_id,
            outcome=form.outcome.data,
            level=int(form.level.data) if form.level.data else None,
            reason=form.reason.data or None,
            notes=None,
            now=now(),
            policy=current_policy(),
        ),
        done="Decision recorded.",
        back=url_for(".meeting_page", area=area, meeting_date=meeting_date),
        render=lambda f: _meeting_page(area, meeting_date, (review_id, f))[0],
    )
