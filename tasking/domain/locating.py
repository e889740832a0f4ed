"""Placing a report in a ward from its coordinates or the words of its address."""

import re
from dataclasses import dataclass

from tasking.domain.similarity import distance_m


@dataclass(frozen=True)
class WardPlace:
    ward_id: int
    name: str
    latitude: float | None
    longitude: float | None


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'", "")).strip() + " "


def nearest_ward(latitude: float, longitude: float, wards: list[WardPlace], max_distance_m: float) -> int | None:
    """The ward whose centre is nearest, if it is close enough to be inside the borough."""
    placed = [
        (distance_m(latitude, longitude, w.latitude, w.longitude), w.ward_id)
        for w in wards
        if w.latitude is not None and w.longitude is not None
    ]
    if not placed:
        return None
    distance, ward_id = min(placed)
    return ward_id if distance <= max_distance_m else None


def ward_named_in(address: str, wards: list[WardPlace]) -> int | None:
    """A ward whose name appears in the address; the longest name wins ("Willenhall South")."""
    haystack = _words(address)
    found = [w for w in wards if _words(w.name) in haystack]
    return max(found, key=lambda w: len(w.name)).ward_id if found else None
