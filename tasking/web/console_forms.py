"""Forms of the area manager's console."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

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
        description="Needed when the level differs from the suggestion",
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


class StateForm(FlaskForm):
    state = SelectField(
        "Close as",
        choices=[("resolved", "Resolved"), ("closed", "Closed"), ("withdrawn", "Withdrawn")],
        widget=GovSelect(),
    )
    reason = StringField(
        "Reason", widget=GovTextInput(), filters=[trimmed], validators=[DataRequired("Give a reason"), Length(max=2000)]
    )
    version = HiddenField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$", message="Reload the case and try again")])
    submit = SubmitField("Close the case", widget=GovSubmitInput())


class ReopenForm(FlaskForm):
    reason = StringField(
        "Why reopen it",
        widget=GovTextInput(),
        filters=[trimmed],
        validators=[DataRequired("Give a reason"), Length(max=2000)],
    )
    submit = SubmitField("Reopen", widget=GovSubmitInput())


class DuplicateForm(FlaskForm):
    of = StringField(
        "Reference of the case it repeats",
        widget=GovTextInput(),
        validators=[InputRequired("Enter the other case's reference")],
    )
    submit = SubmitField("Mark as duplicate", widget=GovSubmitInput())


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
