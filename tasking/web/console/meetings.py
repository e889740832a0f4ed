"""Tasking meetings: each area's meetings, a meeting's agenda, who attended and the decisions taken
at it (its minutes)."""

from datetime import date

from flask import abort, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from tasking.api.policy import current_policy
from tasking.clock import now
from tasking.domain.errors import TaskingError
from tasking.domain.money import pounds
from tasking.errors import status_for
from tasking.extensions import db
from tasking.services import meetings, reviews
from tasking.web import console_forms as forms
from tasking.web.console import bp
from tasking.web.console.acting import act
from tasking.web.forms import trimmed
from tasking.web.local_time import UK
from tasking.web.session import permission_required, principal
from tasking.web.wording import describe_event

OUTCOMES = {"continue": "Continue", "escalate": "Escalate", "de_escalate": "De-escalate", "close": "Close"}


class MeetingRecordForm(FlaskForm):
    attendees = TextAreaField(
        "Who attended",
        widget=GovTextArea(),
        description="One person a line, with their organisation, for example: Sgt Jo Bell, West Midlands Police",
        validators=[InputRequired("List who attended, one a line"), Length(max=12_000)],
    )
    chaired_by = StringField(
        "Chaired by (optional)", widget=GovTextInput(), filters=[trimmed], validators=[Optional(), Length(max=200)]
    )
    notes = TextAreaField(
        "Notes (optional)", widget=GovTextArea(), filters=[trimmed], validators=[Optional(), Length(max=10_000)]
    )
    submit = SubmitField("Record the meeting", widget=GovSubmitInput())

    def validate_attendees(self, field):
        # A textarea of blank lines passes InputRequired; the service says the same, this says it first.
        if not meetings.attendee_lines(field.data or ""):
            raise ValidationError("List who attended, one a line")


class MeetingDate(forms.GovDateField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a real date, for example 27 11 2026") from None


class MeetingDateForm(FlaskForm):
    """Open the meeting of another date (a GET form: nothing is written)."""

    class Meta:
        csrf = False

    on = MeetingDate(
        "Date of the meeting", widget=GovDateInput(), format="%d %m %Y", validators=[InputRequired("Enter a date")]
    )
    submit = SubmitField("Open the meeting", widget=GovSubmitInput())


class AreaChoiceForm(FlaskForm):
    class Meta:
        csrf = False

    area = SelectField("Area partnership", widget=GovSelect())
    submit = SubmitField("Show its meetings", widget=GovSubmitInput())


def _today() -> date:
    return now().astimezone(UK).date()


def _date(text: str) -> date:
    """A meeting date from the URL: anything but YYYY-MM-DD, or one the agenda cannot count a day
    past, is a page that does not exist."""
    try:
        meeting = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if meeting == date.max:
        abort(404)
    return meeting


def _or_abort(call):
    try:
        return call()
    except TaskingError as error:
        abort(status_for(error))


# The meetings are the area staff's (evaluation rec. 3.4): "triage.read", not "review.decide",
# which also lets partners and the borough officer decide the reviews of cases they own, through the API.
@bp.get("/meetings")
@permission_required("triage.read")
def meetings_page():
    areas = _or_abort(lambda: meetings.meeting_areas(db.session, principal()))
    code = request.args.get("area") or (areas[0].code if len(areas) == 1 else None)
    chooser = AreaChoiceForm(request.args)
    chooser.area.choices = [(a.code, a.name) for a in areas]
    if not code:
        return render_template(
            "console/meetings.html", title="Tasking meetings: choose an area", area=None, chooser=chooser
        )
    area = _or_abort(lambda: meetings.meeting_area(db.session, principal(), code))
    chooser.area.data = area.code
    picker = MeetingDateForm(request.args if "on" in request.args else None)
    status = 200
    if "on" in request.args:
        if picker.validate():
            return redirect(url_for(".meeting_page", area=area.code, meeting_date=picker.on.data.isoformat()))
        status = 400
    today = _today()
    upcoming = _or_abort(lambda: meetings.next_meeting(db.session, principal(), area.code, today))
    on_agenda = (
        sum(len(g.items) for g in reviews.agenda(db.session, principal(), area.code, upcoming)) if upcoming else 0
    )
    return render_template(
        "console/meetings.html",
        title=f"Tasking meetings: {area.name}",
        area=area,
        chooser=chooser if len(areas) > 1 else None,
        picker=picker,
        form=picker if status == 400 else None,
        upcoming=upcoming,
        on_agenda=on_agenda,
        today=today,
        past=meetings.past_meetings(db.session, principal(), area.code),
    ), status


def _meeting_page(area, meeting_date, failed=None, recording=None, status=200):
    meeting = _date(meeting_date)
    where = _or_abort(lambda: meetings.meeting_area(db.session, principal(), area))
    groups = _or_abort(lambda: reviews.agenda(db.session, principal(), where.code, meeting))
    minutes = meetings.minutes(db.session, principal(), where.code, meeting)
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
        area=where.code,
        area_name=where.name,
        minutes=minutes,
        can_record=minutes is None and meeting <= _today(),
        record=recording or MeetingRecordForm(formdata=None),
        outcomes=OUTCOMES,
        pounds=pounds,
        decisions=decisions,
        describe_event=describe_event,
        form=failed[1] if failed else recording,
    ), status


@bp.get("/meetings/<area>/<meeting_date>")
@permission_required("triage.read")
def meeting_page(area, meeting_date):
    return _meeting_page(area, meeting_date)


@bp.post("/meetings/<area>/<meeting_date>")
@permission_required("triage.read")
def meeting_record(area, meeting_date):
    held_on = _date(meeting_date)
    form = MeetingRecordForm()
    return act(
        form,
        lambda: meetings.record_meeting(
            db.session,
            principal(),
            area,
            held_on,
            attendees=form.attendees.data,
            chaired_by=form.chaired_by.data,
            notes=form.notes.data,
            today=_today(),
            now=now(),
        ),
        done="Meeting recorded. Decide its reviews below; each goes into the minutes.",
        back=url_for(".meeting_page", area=area.upper(), meeting_date=held_on.isoformat()),
        render=lambda f: _meeting_page(area, meeting_date, recording=f)[0],
    )


@bp.post("/meetings/<area>/<meeting_date>/reviews/<int:review_id>")
@permission_required("triage.read")
def meeting_decision(area, meeting_date, review_id):
    held_on = _date(meeting_date)
    form = forms.ReviewDecisionForm(prefix=f"review-{review_id}")
    return act(
        form,
        lambda: meetings.decide_at_meeting(
            db.session,
            principal(),
            area,
            held_on,
            review_id,
            outcome=form.outcome.data,
            level=int(form.level.data) if form.level.data else None,
            reason=form.reason.data or None,
            now=now(),
            policy=current_policy(),
        ),
        done="Decision recorded in the minutes.",
        back=url_for(".meeting_page", area=area.upper(), meeting_date=held_on.isoformat()),
        render=lambda f: _meeting_page(area, meeting_date, (review_id, f))[0],
    )
