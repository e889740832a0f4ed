"""Places and dates behind "the same problem" (docs/levels.md): distances, the radius and the
six-month window at their edges, calendar months of every length, and placing a report in a ward."""

import math
from datetime import datetime, timezone

import pytest

from tasking.domain.locating import WardPlace, nearest_ward, ward_named_in
from tasking.domain.similarity import (
    EARTH_RADIUS_M,
    PLACE,
    Report,
    bounding_box,
    distance_m,
    months_before,
    same_problem,
    within_window,
)

NOW = datetime(2026, 8, 31, 12, tzinfo=timezone.utc)
ONE_DEGREE_AT_THE_EQUATOR = 2 * math.pi * EARTH_RADIUS_M / 360  # about 111,195 m


def at(year, month, day):
    return datetime(year, month, day, 12, tzinfo=timezone.utc)


# Distances


def test_one_degree_of_longitude_along_the_equator():
    assert distance_m(0.0, 10.0, 0.0, 11.0) == pytest.approx(ONE_DEGREE_AT_THE_EQUATOR, rel=1e-9)


def test_a_degree_of_longitude_shrinks_with_latitude():
    # At 60 degrees north a parallel is half the equator's length.
    assert distance_m(60.0, 0.0, 60.0, 0.01) == pytest.approx(ONE_DEGREE_AT_THE_EQUATOR * 0.01 / 2, rel=1e-4)


def test_distance_is_the_same_both_ways_between_different_latitudes():
    there = distance_m(52.58, -1.98, 52.61, -2.05)
    back = distance_m(52.61, -2.05, 52.58, -1.98)
    assert there == pytest.approx(back, rel=1e-12)
    assert 5_000 < there < 6_000


def test_opposite_sides_of_the_earth_are_half_its_circumference_apart():
    assert distance_m(10.0, 20.0, -10.0, -160.0) == pytest.approx(math.pi * EARTH_RADIUS_M, rel=1e-6)


# The same problem


def report(ward, lat=None, lon=None, category=1, address=None):
    return Report(category, ward, NOW, lat, lon, address=address)


def test_a_report_exactly_at_the_radius_is_the_same_problem():
    a, b = report(1, 52.5800, -1.9800), report(2, 52.5810, -1.9790)
    gap = distance_m(a.latitude, a.longitude, b.latitude, b.longitude)
    assert same_problem(a, b, basis=PLACE, radius_m=gap)
    assert same_problem(b, a, basis=PLACE, radius_m=gap)


@pytest.mark.parametrize(
    "missing",
    [
        dict(lat=None, lon=-1.98),
        dict(lat=52.58, lon=None),
        dict(lat=None, lon=None),
    ],
)
def test_a_report_in_another_ward_without_full_coordinates_is_not_the_same_problem(missing):
    located = report(1, 52.58, -1.98)
    partial = report(2, **missing)
    assert not same_problem(located, partial, basis=PLACE, radius_m=10_000)
    assert not same_problem(partial, located, basis=PLACE, radius_m=10_000)


@pytest.mark.parametrize(
    "lat, lon, located", [(52.58, -1.98, True), (52.58, None, False), (None, -1.98, False), (None, None, False)]
)
def test_a_report_is_located_only_with_both_coordinates(lat, lon, located):
    assert report(1, lat, lon).located is located


def test_the_same_ward_is_not_enough_but_the_same_address_in_it_needs_no_coordinates():
    # docs/levels.md, "The same problem": being in the same ward no longer makes two reports one problem.
    assert not same_problem(report(1), report(1), basis=PLACE, radius_m=10_000)
    same_door = dict(address="4 Pleck Road")
    assert same_problem(report(1, **same_door), report(1, **same_door), basis=PLACE, radius_m=0)
    assert not same_problem(
        report(1, category=1, **same_door), report(1, category=2, **same_door), basis=PLACE, radius_m=10_000
    )


# The window


def test_a_report_made_now_is_inside_the_window():
    assert within_window(NOW, NOW, 6)


def test_a_report_after_now_is_outside_the_window():
    assert not within_window(NOW.replace(hour=13), NOW, 6)


@pytest.mark.parametrize(
    "start, months, expected",
    [
        # the last day of each short month, reached from a 31st
        (at(2026, 5, 31), 1, at(2026, 4, 30)),
        (at(2026, 7, 31), 1, at(2026, 6, 30)),
        (at(2026, 10, 31), 1, at(2026, 9, 30)),
        (at(2026, 12, 31), 1, at(2026, 11, 30)),
        # February: 29 days in a leap year (every fourth; of the centuries, every fourth), else 28
        (at(2024, 3, 31), 1, at(2024, 2, 29)),
        (at(2026, 3, 31), 1, at(2026, 2, 28)),
        (at(2100, 3, 31), 1, at(2100, 2, 28)),
        (at(2000, 3, 31), 1, at(2000, 2, 29)),
        (at(2023, 8, 30), 6, at(2023, 2, 28)),
        # months of 31 days keep the 31st
        (at(2026, 2, 28), 1, at(2026, 1, 28)),
        (at(2026, 8, 31), 1, at(2026, 7, 31)),
        (at(2026, 9, 30), 1, at(2026, 8, 30)),
        # across the new year
        (at(2027, 1, 15), 6, at(2026, 7, 15)),
    ],
)
def test_months_before_clamps_to_the_end_of_shorter_months(start, months, expected):
    assert months_before(start, months) == expected


# Placing a report in a ward

WARDS = [
    WardPlace(1, "St Matthew's", 52.582, -1.978),
    WardPlace(2, "Pleck", 52.577, -2.000),
    WardPlace(5, "Willenhall", None, None),
    WardPlace(3, "Willenhall South", 52.580, -2.060),
]


def test_the_longest_ward_name_in_an_address_wins():
    assert ward_named_in("Moat Street, Willenhall South, WV13", WARDS) == 3
    assert ward_named_in("Moat Street, Willenhall, WV13", WARDS) == 5


@pytest.mark.parametrize("lat, lon", [(52.5775, None), (None, -1.9990)])
def test_wards_without_full_coordinates_are_not_candidates_for_the_nearest(lat, lon):
    wards = [WardPlace(9, "Half placed", lat, lon), WardPlace(2, "Pleck", 52.577, -2.000)]
    assert nearest_ward(52.5775, -1.9990, wards, 2500) == 2
    assert nearest_ward(52.5775, -1.9990, wards[:1], 2500) is None


def test_a_ward_exactly_at_the_limit_is_near_enough():
    limit = distance_m(52.5775, -1.9990, 52.577, -2.000)
    assert nearest_ward(52.5775, -1.9990, WARDS, limit) == 2
    assert nearest_ward(52.5775, -1.9990, WARDS, limit * 0.999) is None


@pytest.mark.parametrize("lat", [0.0, 52.58, 70.0])
def test_the_bounding_box_is_the_radius_each_way(lat):
    south, north, west, east = bounding_box(lat, 10.0, 500)
    assert south < lat < north and west < 10.0 < east
    assert north - lat == pytest.approx(lat - south)
    assert east - 10.0 == pytest.approx(10.0 - west)
    assert distance_m(lat, 10.0, south, 10.0) == pytest.approx(500, rel=1e-6)
    assert distance_m(lat, 10.0, lat, east) == pytest.approx(500, rel=1e-3)
    assert distance_m(lat, 10.0, lat, west) == pytest.approx(500, rel=1e-3)
