"""Case references such as SW-2026-00042: area code, year raised, sequence within both."""

import re

_PATTERN = re.compile(r"^(?P<area>[A-Z]{2,4})-(?P<year>\d{4})-(?P<seq>\d{5,})$")


def format_reference(area_code: str, year: int, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{area_code.upper()}-{year:04d}-{sequence:05d}"


def looks_like_reference(text: str) -> bool:
    return bool(_PATTERN.match(text))


# The largest id the tables hold: their keys are INTEGER, 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1


def id_from_key(key: str) -> int | None:
    """The id a key names when it is one (plain ASCII digits within a stored integer), else None:
    '²' and a 30-digit number are not ids, and must not reach the database as if they were."""
    if not (key.isascii() and key.isdigit()):
        return None
    value = int(key)
    return value if value <= MAX_ID else None
