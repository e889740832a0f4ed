"""When two reports are of the same problem (docs/levels.md, "The same problem"): the same category,
and then what the category compares: where it happens (`place`), or the household or person it is
about (`person`). Being in the same ward is not enough on its own."""

import math
import re
from dataclasses import dataclass
from datetime import datetime

from tasking.domain.errors import ValidationFailed
from tasking.domain.lifecycle import State

EARTH_RADIUS_M = 6_371_000
# What "the same problem" compares, chosen per category (docs/levels.md, "The same problem").
PLACE, PERSON = "place", "person"
SIMILARITY_BASES = (PLACE, PERSON)
# A report in one of these states never counts as another report of the problem: a duplicate is the
# same incident as its original, and a withdrawn report was not a report of the problem after all.
NEVER_COUNTED_STATES = frozenset({State.DUPLICATE.value, State.WITHDRAWN.value})
# A subject reference is a pseudonym for a household or person (a case-file or household number),
# never a name: 2 to 40 letters, digits, spaces, "/" or "-", starting with a letter or digit.
SUBJECT_REF_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9/ -]{1,39}$"


@dataclass(frozen=True)
class Report:
    category_id: int
    ward_id: int
    created_at: datetime
    latitude: float | None = None
    longitude: float | None = None
    postcode: str | None = None
    address: str | None = None
    subject_ref: str | None = None
    id: int | None = None
    state: str = State.NEW.value
    duplicate_of_id: int | None = None

    @property
    def located(self) -> bool:
        return self.point is not None

    @property
    def point(self) -> tuple[float, float] | None:
        if self.latitude is None or self.longitude is None:
            return None
        return self.latitude, self.longitude


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty accurate at neighbourhood scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` earlier, clamped to the month's last day (31 Aug -> 28/29 Feb)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    days_in_month = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def within_window(other: datetime, now: datetime, months: int) -> bool:
    return months_before(now, months) <= other <= now


def _collapsed(value: str | None) -> str:
    return " ".join((value or "").split())


def normal_postcode(value: str | None) -> str:
    """A postcode as stored and compared: upper case, spaces collapsed; "" when there is none."""
    return _collapsed(value).upper()


def normal_address(value: str | None) -> str:
    """An address as compared: case folded, spaces collapsed; "" when there is none."""
    return _collapsed(value).casefold()


def normal_subject(value: str | None) -> str:
    """A subject reference as stored and compared: upper case, spaces collapsed; "" when there is none."""
    return _collapsed(value).upper()


def subject_ref(value: str | None) -> str | None:
    """A subject reference as typed, checked and normalised; None (or only spaces) clears it."""
    text = (value or "").strip()
    if not text:
        return None
    if re.fullmatch(SUBJECT_REF_PATTERN, text) is None:
        raise ValidationFailed(
            "A subject reference is a pseudonym (2 to 40 letters, digits, spaces, / or -), never a name.",
            field="subject_ref",
            code="bad_subject_ref",
        )
    return normal_subject(text)


def subject_change(old: str | None, new: str | None) -> str | None:
    """What the audit trail records of a changed subject reference: never its value, which
    councillors reading the history must not see (docs/levels.md, "Subject references")."""
    if normal_subject(old) == normal_subject(new):
        return None
    if not old:
        return "set"
    return "changed" if new else "cleared"


def radius_for(category_radius_m: float | None, default_m: float) -> float:
    """The category's own radius, or the policy's when the category sets none."""
    return default_m if category_radius_m is None else category_radius_m


def same_problem(a: Report, b: Report, *, basis: str, radius_m: float) -> bool:
    """The same category, and then, for a place-based category, the most precise place both reports
    give: their coordinates within `radius_m`, else their postcode, else their address in the same
    ward; for a person-based one, the same subject reference. Nothing in common is not the same."""
    if a.category_id != b.category_id:
        return False
    if basis == PERSON:
        subject = normal_subject(a.subject_ref)
        return bool(subject) and subject == normal_subject(b.subject_ref)
    if basis != PLACE:
        raise ValueError(f"unknown similarity basis {basis!r}")
    here, there = a.point, b.point
    if here and there:
        return distance_m(*here, *there) <= radius_m
    postcode_a, postcode_b = normal_postcode(a.postcode), normal_postcode(b.postcode)
    if postcode_a and postcode_b:
        return postcode_a == postcode_b
    address = normal_address(a.address)
    return bool(address) and a.ward_id == b.ward_id and address == normal_address(b.address)


def same_incident(a: Report, b: Report) -> bool:
    """One was closed as a duplicate of the other: one incident, reported twice."""
    return (a.id is not None and b.duplicate_of_id == a.id) or (b.id is not None and a.duplicate_of_id == b.id)


def counts_as_another_report(this: Report, other: Report, *, basis: str, radius_m: float) -> bool:
    """Whether `other` is one more report of this case's problem: the same problem, not the same
    incident, and not a duplicate or a withdrawn report."""
    if other.state in NEVER_COUNTED_STATES or same_incident(this, other):
        return False
    return same_problem(this, other, basis=basis, radius_m=radius_m)


def bounding_box(latitude: float, longitude: float, radius_m: float) -> tuple[float, float, float, float]:
    """A box that holds the circle, for an indexed pre-filter before the exact distance."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(latitude)), 1e-6)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon
