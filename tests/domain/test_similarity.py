from datetime import datetime, timezone

import pytest

from tasking.domain.similarity import Report, bounding_box, distance_m, months_before, same_problem, within_window

NOW = datetime(2026, 8, 31, 12, 0, tzinfo=timezone.utc)


def report(category=1, ward=1, lat=None, lon=None):
    return Report(category, ward, NOW, lat, lon)


def test_same_category_and_ward_is_the_same_problem():
    assert same_problem(report(), report(), 100)
    assert not same_problem(report(category=1), report(category=2), 100)


def test_radius_edge():
    # 0.001 degrees of latitude is about 111 m
    a, b = report(ward=1, lat=52.5800, lon=-1.9800), report(ward=2, lat=52.5810, lon=-1.9800)
    gap = distance_m(a.latitude, a.longitude, b.latitude, b.longitude)
    assert 110 < gap < 112
    assert same_problem(a, b, radius_m=gap + 0.01)
    assert not same_problem(a, b, radius_m=gap - 0.01)


def test_different_wards_without_coordinates_are_not_the_same_problem():
    assert not same_problem(report(ward=1), report(ward=2, lat=52.58, lon=-1.98), 10_000)


def test_six_month_window_edge():
    start = months_before(NOW, 6)
    assert start == datetime(2026, 2, 28, 12, 0, tzinfo=timezone.utc)  # 31 August -> end of February
    assert within_window(start, NOW, 6)
    assert not within_window(start.replace(second=0, minute=0, hour=11), NOW, 6)
    assert months_before(datetime(2026, 3, 15, tzinfo=timezone.utc), 6) == datetime(2025, 9, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("lat", [0.0, 52.58, 70.0])
def test_bounding_box_holds_the_circle(lat):
    south, north, west, east = bounding_box(lat, 10.0, 500)
    assert distance_m(lat, 10.0, north, 10.0) == pytest.approx(500, rel=1e-3)
    assert distance_m(lat, 10.0, lat, east) >= 499
