"""The web forms, validated server-side and drawn with GOV.UK Frontend widgets."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    PasswordField,
    RadioField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, StopValidation

POSTCODE = r"^\s*[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\s*$"


class Finite:
    """A decimal that is a real number: "NaN" and "Infinity" parse as decimals but are not places."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is not None and not field.data.is_finite():
            raise StopValidation(self.message)


class SignInForm(FlaskForm):
    # No format check: the account lookup decides, with one message for any wrong email or password.
    email = EmailField(
        "Email address", widget=GovTextInput(), validators=[InputRequired("Enter your email address"), Length(max=254)]
    )
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())


class RequestForm(FlaskForm):
    ward = RadioField(
        "Which ward is it in?", widget=GovRadioInput(), coerce=str, validators=[InputRequired("Select the ward")]
    )
    category = RadioField(
        "What kind of problem is it?",
        widget=GovRadioInput(),
        coerce=str,
        validators=[InputRequired("Select the kind of problem")],
    )
    address = StringField(
        "Address or place",
        widget=GovTextInput(),
        description="For example, 12 Caldmore Road, or the alley behind the shops on Bath Street",
        validators=[Optional(), Length(max=300, message="Address must be 300 characters or fewer")],
    )
    postcode = StringField(
        "Postcode (optional)",
        widget=GovTextInput(),
        validators=[Optional(), Regexp(POSTCODE, message="Enter a real postcode, like WS1 3AA")],
    )
    latitude = DecimalField(
        "Latitude (optional)",
        widget=GovTextInput(),
        places=None,
        validators=[
            Optional(),
            Finite("Latitude must be a number"),
            NumberRange(-90, 90, "Latitude must be between -90 and 90"),
        ],
    )
    longitude = DecimalField(
        "Longitude (optional)",
        widget=GovTextInput(),
        places=None,
        validators=[
            Optional(),
            Finite("Longitude must be a number"),
            NumberRange(-180, 180, "Longitude must be between -180 and 180"),
        ],
    )
    description = TextAreaField(
        "What is wrong?",
        widget=GovTextArea(),
        description="Say what you have seen, where exactly, and since when",
        validators=[
            InputRequired("Say what is wrong"),
            Length(min=10, max=4000, message="Describe the problem in 10 to 4000 characters"),
        ],
    )
    resident_name = StringField(
        "Resident's name (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=160)]
    )
    resident_contact = StringField(
        "Resident's email or phone (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=254)]
    )
    consent = BooleanField(
        "The resident agrees to their details being kept and used about this request", widget=GovCheckboxInput()
    )
    submit = SubmitField("Send request", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        # Rules across fields: Optional() stops a field's own chain when it is empty.
        valid = super().validate(extra_validators)
        checks = [
            (
                self.address,
                not (self.address.data or "").strip() and not (self.postcode.data or "").strip(),
                "Enter an address or a postcode",
            ),
            (
                self.latitude,
                (self.latitude.data is None) != (self.longitude.data is None)
                and not self.latitude.errors
                and not self.longitude.errors,
                "Give both latitude and longitude, or neither",
            ),
            (
                self.consent,
                bool(self.resident_name.data or self.resident_contact.data) and not self.consent.data,
                "Confirm the resident agrees, or remove their details",
            ),
        ]
        for field, failed, message in checks:
            if failed:
                field.errors = [*field.errors, message]
                valid = False
        return valid


def trimmed(value):
    """Reasons and notes as typed, without the spaces around them: only spaces is nothing."""
    return value.strip() if isinstance(value, str) else value


class ReferralForm(FlaskForm):
    reason = TextAreaField(
        "Why is it more complicated than it looked?",
        widget=GovTextArea(),
        filters=[trimmed],
        validators=[
            DataRequired("Say why it needs the area manager"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )
    submit = SubmitField("Refer to the area manager", widget=GovSubmitInput())


def reporter_from(form: RequestForm) -> dict | None:
    """The resident's details as the case service takes them, split into email or phone."""
    name, contact = (form.resident_name.data or "").strip(), (form.resident_contact.data or "").strip()
    if not (name or contact):
        return None
    is_email = "@" in contact
    return {
        "name": name or None,
        "email": contact if is_email else None,
        "phone": contact if contact and not is_email else None,
        "consent": bool(form.consent.data),
    }
