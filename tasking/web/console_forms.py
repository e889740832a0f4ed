"""Forms of the area manager's console."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from tasking.domain.deadlines import WAITING_ON, WAITING_WORDS
from tasking.domain.errors import TaskingError
from tasking.domain.money import parse_pounds
from tasking.domain.shares import parse_share
from tasking.web.forms import trimmed

LEVEL_CHOICES = [
    ("1", "Level 1: simple action"),
    ("2", "Level 2: partnership problem solving"),
    ("3", "Level 3: multi-agency intervention"),
    ("4", "Level 4: borough systems change"),
]
NOTE_AUDIENCES = [
    ("internal", "Council staff only"),
    ("partners", "Staff and partner agencies"),
    ("councillor", "Staff, partners and the ward's councillors"),
    ("public", "Everyone, including residents (Open311)"),
]


class Pounds(StringField):
    """Pounds as typed; `pence` holds the exact integer once validated."""

    pence: int | None = None

    def pre_validate(self, form):
        self.pence = None
        if (self.data or "").strip():
            try:
                self.pence = parse_pounds(self.data)
            except TaskingError as problem:
                raise ValidationError(problem.message) from None


class GovDateField(DateField):
    """A date posted as day, month and year. The GOV.UK widget redraws the three parts, so a post
    without exactly three (never a browser's, but anyone can post) becomes an empty date, which
    the form then refuses, rather than an error when the form is shown again."""

    def process_formdata(self, valuelist):
        if len(valuelist) != 3:
            self.raw_data, self.data = ["", "", ""], None
            return
        super().process_formdata(valuelist)


class ConfirmLevelForm(FlaskForm):
    level = HiddenField(validators=[InputRequired(), AnyOf(["1", "2", "3", "4"], "Choose a level from 1 to 4")])
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class LevelForm(FlaskForm):
    level = SelectField(
        "Level", choices=LEVEL_CHOICES, widget=GovSelect(), validators=[InputRequired("Choose a level")]
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description="Needed to move the case up or down a level, and when the level differs from the suggestion",
        filters=[trimmed],
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField("Set level", widget=GovSubmitInput())


class OfferTaskForm(FlaskForm):
    organisation = SelectField("Partner", widget=GovSelect(), validators=[InputRequired("Choose a partner")])
    submit = SubmitField("Offer task", widget=GovSubmitInput())


class LeadForm(FlaskForm):
    organisation = SelectField("Lead organisation", widget=GovSelect(), validators=[InputRequired("Choose a partner")])
    reason = StringField(
        "Why this organisation leads",
        widget=GovTextInput(),
        filters=[trimmed],
        validators=[DataRequired("Say why this organisation leads"), Length(max=2000)],
    )
    submit = SubmitField("Name the lead", widget=GovSubmitInput())


class SpendForm(FlaskForm):
    amount = Pounds("Amount in pounds", widget=GovTextInput(), validators=[InputRequired("Enter the amount")])
    description = StringField(
        "What it paid for", widget=GovTextInput(), validators=[InputRequired("Say what it paid for"), Length(max=500)]
    )
    supplier = StringField("Supplier (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    # For the Local Government Transparency Code export (docs/money.md, "Transparency").
    supplier_is_individual = BooleanField(
        "The supplier is a private individual (named to area staff only, never published)",
        widget=GovCheckboxInput(),
    )
    merchant_category = StringField(
        "Merchant category (optional)",
        widget=GovTextInput(),
        filters=[trimmed],
        validators=[Optional(), Length(max=120)],
    )
    irrecoverable_vat = Pounds(
        "VAT that cannot be recovered, in pounds (optional)", widget=GovTextInput(), validators=[Optional()]
    )
    spent_on = GovDateField(
        "Date of the spend",
        widget=GovDateInput(),
        format="%d %m %Y",
        validators=[InputRequired("Enter the date of the spend")],
    )
    submit = SubmitField("Record spend", widget=GovSubmitInput())


class ReversalForm(FlaskForm):
    reason = StringField(
        "Why reverse it",
        widget=GovTextInput(),
        filters=[trimmed],
        validators=[DataRequired("Say why it is reversed"), Length(max=2000)],
    )
    submit = SubmitField("Reverse", widget=GovSubmitInput())


class ClaimForm(FlaskForm):
    outcome = StringField(
        "Outcome avoided", widget=GovTextInput(), validators=[InputRequired("Say what was avoided"), Length(max=500)]
    )
    unit_cost = Pounds("Its cost in pounds", widget=GovTextInput(), validators=[InputRequired("Enter its cost")])
    probability = StringField(
        "Chance it would have happened (0 to 1)",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the chance, like 0.1 or 1/10 for one in ten")],
    )
    incurred = Pounds("Other costs incurred in pounds (optional)", widget=GovTextInput(), validators=[Optional()])
    submit = SubmitField("Add claim", widget=GovSubmitInput())

    def validate_probability(self, field):
        # Exact, as the API takes it: "1/6", or a decimal of up to six places; finer is refused, never
        # rounded (docs/money.md, "Exact inputs").
        try:
            parse_share(field.data or "", "probability")
        except TaskingError as problem:
            if problem.code == "too_precise":
                raise ValidationError(problem.message) from None
            raise ValidationError(
                "Enter the chance as a number from 0 to 1, like 0.1, or a fraction, like 1/6"
            ) from None


class NoteForm(FlaskForm):
    body = TextAreaField("Note", widget=GovTextArea(), validators=[InputRequired("Write the note"), Length(max=10_000)])
    visibility = SelectField("Who may see it", choices=NOTE_AUDIENCES, widget=GovSelect(), default="internal")
    submit = SubmitField("Add note", widget=GovSubmitInput())


class Confirmed(FlaskForm):
    """A form that asks "are you sure?" first: the first post shows a confirmation page, which posts
    the same values again with `confirmed` set to "yes"; only that post acts."""

    confirmed = HiddenField(validators=[Optional(), AnyOf(["yes"], "Reload the case and try again")])

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class StateForm(Confirmed):
    state = SelectField(
        "Close as",
        choices=[("resolved", "Resolved"), ("closed", "Closed"), ("withdrawn", "Withdrawn")],
        widget=GovSelect(),
    )
    reason = StringField(
        "Reason", widget=GovTextInput(), filters=[trimmed], validators=[DataRequired("Give a reason"), Length(max=2000)]
    )
    version = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$", message="Reload the case and try again")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ReopenForm(Confirmed):
    reason = StringField(
        "Why reopen it",
        widget=GovTextInput(),
        filters=[trimmed],
        validators=[DataRequired("Give a reason"), Length(max=2000)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


OTHER_CASE = "other"


class DuplicateForm(Confirmed):
    """The case it repeats, picked from the similar cases (`choice`, a reference) or typed (`of`,
    with `choice` "other" or, when no similar case is offered, alone)."""

    choice = StringField("The case it repeats", filters=[trimmed], validators=[Optional(), Length(max=40)])
    of = StringField(
        "Reference of the case it repeats",
        widget=GovTextInput(),
        filters=[trimmed],
        validators=[Length(max=40)],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    @property
    def reference(self) -> str:
        chosen = self.choice.data or ""
        return (self.of.data or "") if chosen in ("", OTHER_CASE) else chosen

    def validate_of(self, field):
        if not self.reference:
            raise ValidationError("Choose the case it repeats, or enter its reference")


class WaitForm(FlaskForm):
    """Put a case on hold while it waits on someone outside (docs/deadlines.md, "Paused clocks")."""

    waiting_on = RadioField(
        "Who is the case waiting on",
        choices=[(key, WAITING_WORDS[key].capitalize()) for key in WAITING_ON],
        widget=GovRadioInput(),
        validators=[InputRequired("Choose who the case is waiting on")],
    )
    reason = TextAreaField(
        "Why it is waiting",
        widget=GovTextArea(),
        filters=[trimmed],
        validators=[InputRequired("Say why the case is waiting"), Length(max=2000)],
    )
    submit = SubmitField("Put on hold", widget=GovSubmitInput())


class ResumeForm(FlaskForm):
    submit = SubmitField("Take off hold", widget=GovSubmitInput())


class ReviewDecisionForm(FlaskForm):
    outcome = SelectField(
        "Decision",
        choices=[
            ("continue", "Continue"),
            ("escalate", "Escalate"),
            ("de_escalate", "De-escalate"),
            ("close", "Close"),
        ],
        widget=GovSelect(),
    )
    level = SelectField(
        "New level (to escalate or de-escalate)",
        choices=[("", "Keep the level")] + LEVEL_CHOICES,
        widget=GovSelect(),
        validators=[Optional()],
    )
    reason = StringField("Reason", widget=GovTextInput(), filters=[trimmed], validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record decision", widget=GovSubmitInput())


# == finance: the claims queue and a claim's decision ==
# Imported here rather than at the top: this section is appended by the finance console's owner.
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput  # noqa: E402
from wtforms import RadioField  # noqa: E402

CLAIM_DECISIONS = [("verified", "Verify"), ("not_supported", "Not supported")]
CLAIM_LISTS = [("waiting", "Waiting for a decision"), ("decided", "Decided")]


class ClaimFilterForm(FlaskForm):
    """The queue's filters, read from the query string (a GET form: nothing to protect with CSRF)."""

    class Meta:
        csrf = False

    show = HiddenField(default="waiting", validators=[Optional(), AnyOf([c for c, _ in CLAIM_LISTS])])
    area = SelectField("Area", widget=GovSelect(), choices=[("", "All areas")], default="")
    submit = SubmitField("Filter", widget=GovSubmitInput())


class ClaimDecisionForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        choices=CLAIM_DECISIONS,
        widget=GovRadioInput(),
        validators=[InputRequired("Choose Verify or Not supported")],
    )
    reason = TextAreaField(
        "Reason",
        widget=GovTextArea(),
        description="Needed when the claim is not supported; the area's staff will read it",
        filters=[trimmed],
        validators=[Length(max=2000)],
    )
    # The version of the claim the officer saw: a claim changed since is refused and shown again.
    # The page always sends it; without one the decision is taken as the API takes it (no If-Match).
    version = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$", message="Reload the claim and decide again")])
    submit = SubmitField("Record decision", widget=GovSubmitInput())

    def validate_reason(self, field):
        if self.decision.data == "not_supported" and not field.data:
            raise ValidationError("Say why the claim is not supported")


class TriageFilterForm(FlaskForm):
    """The triage page's filter panel: read from the query string, never posted, so no CSRF token.
    Choices are the user's own areas and wards (set by the view from triage.filter_choices)."""

    class Meta:
        csrf = False

    area = SelectField("Area", widget=GovSelect(), validate_choice=False)
    ward = SelectField("Ward", widget=GovSelect(), validate_choice=False)
    category = SelectField("Category", widget=GovSelect(), validate_choice=False)
    source = SelectField("Source", widget=GovSelect(), validate_choice=False)
    level = SelectField(
        "Suggested level", choices=[("", "Any level")] + LEVEL_CHOICES, widget=GovSelect(), validate_choice=False
    )
    flags = SelectMultipleField("Flags", widget=GovCheckboxesInput(), validate_choice=False)


class BulkConfirmForm(FlaskForm):
    """The triage rows a person ticked, each as "reference:level shown", and the page to go back to."""

    cases = SelectMultipleField(
        "Select cases",
        validate_choice=False,
        validators=[DataRequired("Select at least one case to confirm")],
    )
    back = HiddenField(validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Confirm selected suggestions", widget=GovSubmitInput())

    def validate_cases(self, field):
        if any(not re.fullmatch(r"[A-Za-z0-9-]{1,20}:[1-4]", value or "") for value in field.data):
            raise ValidationError("Reload the triage page and select the cases again")
