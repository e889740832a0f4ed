"""Small rules about the words people type."""


def summary_title(description: str, fallback: str, limit: int = 120) -> str:
    """A case title from the first line of what was typed, or the fallback when that is too short."""
    text = (description or "").strip()
    first_line = text.splitlines()[0].strip() if text else ""
    return (first_line if len(first_line) >= 3 else fallback)[:limit]
