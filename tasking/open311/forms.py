"""The parameters GeoReport v2 defines, validated; anything else a client sends is ignored."""

from datetime import timezone

import marshmallow as ma
from marshmallow import validate

from tasking.domain.open311 import MAX_DESCRIPTION


def _commas(text: str | None) -> list[str] | None:
    values = [v.strip() for v in (text or "").split(",") if v.strip()]
    return values or None


class _Open311Schema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    jurisdiction_id = ma.fields.String()


class PostRequestSchema(_Open311Schema):
    api_key = ma.fields.String()
    service_code = ma.fields.String(required=True)
    lat = ma.fields.Float(validate=validate.Range(-90, 90))
    long = ma.fields.Float(validate=validate.Range(-180, 180))
    address_string = ma.fields.String(validate=validate.Length(max=300))
    address_id = ma.fields.String()
    email = ma.fields.Email()
    device_id = ma.fields.String()
    account_id = ma.fields.String()
    first_name = ma.fields.String(validate=validate.Length(max=80))
    last_name = ma.fields.String(validate=validate.Length(max=80))
    phone = ma.fields.String(validate=validate.Length(max=40))
    description = ma.fields.String(validate=validate.Length(max=MAX_DESCRIPTION))
    media_url = ma.fields.Url(validate=validate.Length(max=500))

    @ma.validates_schema
    def location(self, data, **_kwargs):
        if ("lat" in data) != ("long" in data):
            raise ma.ValidationError("lat and long must be sent together", "lat")
        if "lat" not in data and not data.get("address_string") and not data.get("address_id"):
            raise ma.ValidationError("a location is required: lat and long, or address_string", "lat")


class RequestsArgsSchema(_Open311Schema):
    service_request_id = ma.fields.String()
    service_code = ma.fields.String()
    start_date = ma.fields.AwareDateTime(default_timezone=timezone.utc)
    end_date = ma.fields.AwareDateTime(default_timezone=timezone.utc)
    status = ma.fields.String()

    @ma.post_load
    def lists(self, data, **_kwargs):
        for name in ("service_request_id", "service_code", "status"):
            data[name] = _commas(data.get(name))
        unknown = set(data["status"] or []) - {"open", "closed"}
        if unknown:
            raise ma.ValidationError("status must be open or closed", "status")
        return data


class UpdatesArgsSchema(_Open311Schema):
    start_date = ma.fields.AwareDateTime(default_timezone=timezone.utc)
    end_date = ma.fields.AwareDateTime(default_timezone=timezone.utc)


def first_problem(error: ma.ValidationError) -> str:
    messages = error.normalized_messages()
    name, problems = next(iter(messages.items()))
    problem = problems[0] if isinstance(problems, list) else problems
    return problem if name == "_schema" else f"{name}: {problem}"
