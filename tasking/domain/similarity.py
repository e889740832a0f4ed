"""When two reports are of the same problem: same category, and the same ward or close together."""

import math
from dataclasses import dataclass
from datetime import datetime

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Report:
    category_id: int
    ward_id: int
    created_at: datetime
    latitude: float | None = None
    longitude: float | None = None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


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


def same_problem(a: Report, b: Report, radius_m: float) -> bool:
    if a.category_id != b.category_id:
        return False
    if a.ward_id == b.ward_id:
        return True
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return False
    return distance_m(a.latitude, a.longitude, b.latitude, b.longitude) <= radius_m


def bounding_box(latitude: float, longitude: float, radius_m: float) -> tuple[float, float, float, float]:
    """A box that holds the circle, for an indexed pre-filter before the exact distance."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = math.degrees(radius_m / (EARTH_RADIUS_M * max(math.cos(math.radians(latitude)), 1e-6)))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon
