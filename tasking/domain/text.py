"""Small rules about the words people type."""

from tasking.domain.errors import ValidationFailed


def summary_title(description: str, fallback: str, limit: int = 120) -> str:
    """A case title from the first line of what was typed, or the fallback when that is too short."""
    text = (description or "").strip()
    first_line = text.splitlines()[0].strip() if text else ""
    return (first_line if len(first_line) >= 3 else fallback)[:limit]


def required_reason(reason: str | None, doing: str, *, field: str = "reason") -> str:
    """A reason as typed, trimmed; one of only spaces is no reason (docs/routing.md, "Declines and leads")."""
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(f"{doing.capitalize()} needs a reason.", field=field, code="reason_required")
    return text
