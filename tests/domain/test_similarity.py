"""What "the same problem" means (docs/levels.md, "The same problem"): per category, the same place
(coordinates within the radius, else the postcode, else the address in the same ward) or the same
subject; duplicates, withdrawn reports and the same incident never count; subject references are
pseudonyms, checked, stored in upper case and never written to the audit trail."""

from datetime import datetime, timezone

import pytest

from tasking.domain.errors import ValidationFailed
from tasking.domain.similarity import (
    NEVER_COUNTED_STATES,
    PERSON,
    PLACE,
    SIMILARITY_BASES,
    Report,
    bounding_box,
    counts_as_another_report,
    distance_m,
    months_before,
    normal_address,
    normal_postcode,
    normal_subject,
    radius_for,
    same_incident,
    same_problem,
    subject_change,
    subject_ref,
    within_window,
)

NOW = datetime(2026, 8, 31, 12, 0, tzinfo=timezone.utc)
# 0.001 degrees of latitude is about 111 m.
HERE = (52.5800, -1.9800)
NEAR = (52.5805, -1.9800)  # about 56 m north
FAR = (52.5830, -1.9800)  # about 334 m north


def report(category=1, ward=1, at=None, postcode=None, address=None, subject=None, **extra):
    lat, lon = at or (None, None)
    return Report(category, ward, NOW, lat, lon, postcode=postcode, address=address, subject_ref=subject, **extra)


def place(a, b, radius_m=100.0):
    """Both ways round: the rule is symmetric."""
    there, back = (
        same_problem(a, b, basis=PLACE, radius_m=radius_m),
        same_problem(b, a, basis=PLACE, radius_m=radius_m),
    )
    assert there == back
    return there


def person(a, b):
    there, back = (same_problem(a, b, basis=PERSON, radius_m=0), same_problem(b, a, basis=PERSON, radius_m=0))
    assert there == back
    return there


def test_the_bases_a_category_may_choose():
    assert SIMILARITY_BASES == ("place", "person") and (PLACE, PERSON) == SIMILARITY_BASES


# Place: the most precise place both reports give decides.


def test_the_same_ward_alone_is_not_the_same_problem():
    assert not place(report(ward=1), report(ward=1), radius_m=10_000)


def test_another_category_is_never_the_same_problem():
    assert not place(report(category=1, at=HERE), report(category=2, at=HERE))
    assert not place(report(category=1, postcode="WS1 1AA"), report(category=2, postcode="WS1 1AA"))
    assert not person(report(category=1, subject="HH-1"), report(category=2, subject="HH-1"))


def test_located_reports_within_the_radius_are_the_same_problem_and_beyond_it_are_not():
    gap = distance_m(*HERE, *NEAR)
    assert 55 < gap < 57
    assert place(report(ward=1, at=HERE), report(ward=2, at=NEAR), radius_m=gap)  # exactly at the radius
    assert not place(report(ward=1, at=HERE), report(ward=1, at=NEAR), radius_m=gap - 0.01)
    assert not place(report(at=HERE), report(at=FAR), radius_m=100)


def test_the_radius_is_the_categorys_own():
    assert place(report(at=HERE), report(at=FAR), radius_m=400)
    assert not place(report(at=HERE), report(at=FAR), radius_m=300)


def test_reports_at_the_origin_are_located():
    assert place(report(at=(0.0, 0.0)), report(at=(0.0, 0.0)), radius_m=0)


def test_when_both_are_located_the_distance_decides_not_the_postcode_or_address():
    same_street = {"postcode": "WS1 1AA", "address": "1 High Street"}
    assert not place(report(at=HERE, **same_street), report(at=FAR, **same_street))
    assert place(report(at=HERE, postcode="WS1 1AA"), report(at=NEAR, postcode="WS2 9ZZ"))


def test_without_both_locations_the_same_postcode_is_the_same_problem():
    assert place(report(postcode="WS1 1AA"), report(ward=2, postcode="ws1  1aa"))
    assert place(report(at=HERE, postcode="WS1 1AA"), report(postcode="WS1 1AA"))
    assert not place(report(at=HERE, postcode="WS1 1AA"), report(postcode="WS1 1AB"))


def test_different_postcodes_are_not_the_same_problem_whatever_the_address():
    assert not place(
        report(postcode="WS1 1AA", address="1 High Street"), report(postcode="WS9 1AA", address="1 High Street")
    )


def test_without_both_postcodes_the_same_address_in_the_same_ward_is_the_same_problem():
    assert place(report(address="12  High Street, Walsall"), report(address="12 high street, walsall"))
    assert place(report(postcode="WS1 1AA", address="12 High Street"), report(address="12 HIGH STREET"))
    assert place(report(at=HERE, address="12 High Street"), report(address="12 High Street"))
    assert not place(report(address="12 High Street"), report(address="14 High Street"))


def test_the_same_address_in_another_ward_is_another_street():
    # Walsall has a High Street in several towns.
    assert not place(report(ward=1, address="1 High Street"), report(ward=2, address="1 High Street"))


@pytest.mark.parametrize(
    "a, b",
    [
        (report(at=HERE), report()),
        (report(at=HERE), report(postcode="WS1 1AA")),
        (report(postcode="WS1 1AA"), report(address="1 High Street")),
        (report(address="1 High Street"), report()),
        (report(address="   "), report(address="  ")),
        (report(postcode=" "), report(postcode="")),
    ],
)
def test_reports_with_no_place_in_common_are_not_the_same_problem(a, b):
    assert not place(a, b, radius_m=10_000)


@pytest.mark.parametrize(
    "missing",
    [dict(at=(None, -1.98)), dict(at=(52.58, None)), dict(at=None)],
)
def test_a_report_without_both_coordinates_is_not_located(missing):
    partial = report(ward=2, **missing)
    assert partial.point is None and not partial.located
    assert not place(report(at=HERE), partial, radius_m=10_000)


def test_a_located_report_has_its_point():
    assert report(at=HERE).point == HERE and report(at=HERE).located


def test_an_unknown_basis_is_a_programming_error():
    with pytest.raises(ValueError, match=r"^unknown similarity basis 'time'$"):
        same_problem(report(at=HERE), report(at=HERE), basis="time", radius_m=100)


# Person: the same subject reference.


def test_the_same_subject_is_the_same_problem_wherever_it_is_reported():
    assert person(report(ward=1, at=HERE, subject="SM-HH-0001"), report(ward=2, at=FAR, subject="sm-hh-0001"))
    assert person(report(subject="SM HH  1"), report(subject="sm hh 1"))


def test_two_households_in_the_same_place_are_not_the_same_problem():
    one, two = (
        report(at=HERE, postcode="WS1 1AA", subject="SM-HH-0001"),
        report(at=HERE, postcode="WS1 1AA", subject="SM-HH-0002"),
    )
    assert not person(one, two)


@pytest.mark.parametrize("a, b", [(None, None), ("SM-HH-0001", None), ("", ""), (" ", " ")])
def test_a_case_without_a_subject_is_not_the_same_problem_as_any(a, b):
    assert not person(report(at=HERE, subject=a), report(at=HERE, subject=b))


# What never counts.


@pytest.mark.parametrize("state", ["duplicate", "withdrawn"])
def test_duplicates_and_withdrawn_reports_never_count(state):
    assert state in NEVER_COUNTED_STATES
    this, other = report(postcode="WS1 1AA", id=1), report(postcode="WS1 1AA", id=2, state=state)
    assert not counts_as_another_report(this, other, basis=PLACE, radius_m=100)


@pytest.mark.parametrize("state", ["new", "assigned", "returned", "resolved", "closed"])
def test_open_resolved_and_closed_reports_count(state):
    this, other = report(postcode="WS1 1AA", id=1), report(postcode="WS1 1AA", id=2, state=state)
    assert counts_as_another_report(this, other, basis=PLACE, radius_m=100)
    assert not counts_as_another_report(this, report(postcode="WS9 9ZZ", id=2, state=state), basis=PLACE, radius_m=100)


def test_the_basis_and_radius_are_passed_on():
    this, other = report(at=HERE, subject="HH-1", id=1), report(at=FAR, subject="HH-1", id=2)
    assert counts_as_another_report(this, other, basis=PERSON, radius_m=0)
    assert not counts_as_another_report(this, other, basis=PLACE, radius_m=300)
    assert counts_as_another_report(this, other, basis=PLACE, radius_m=400)


def test_the_two_halves_of_one_incident_never_count_twice():
    original, repeat = report(postcode="WS1 1AA", id=1), report(postcode="WS1 1AA", id=2, duplicate_of_id=1)
    assert same_incident(original, repeat) and same_incident(repeat, original)
    assert not counts_as_another_report(repeat, original, basis=PLACE, radius_m=100)
    assert not counts_as_another_report(original, repeat, basis=PLACE, radius_m=100)


def test_reports_not_duplicating_each_other_are_separate_incidents():
    assert not same_incident(report(id=1), report(id=2, duplicate_of_id=3))
    assert not same_incident(report(id=1, duplicate_of_id=3), report(id=2))
    # A report not yet written has no id: nothing duplicates it, though neither duplicates anything.
    assert not same_incident(report(), report())
    assert not same_incident(report(), report(id=2))


# Normal forms.


@pytest.mark.parametrize(
    "normal, value, expected",
    [
        (normal_postcode, " ws1  4aa ", "WS1 4AA"),
        (normal_postcode, None, ""),
        (normal_address, " 12  High\tStreet ", "12 high street"),
        (normal_address, "STRASSE", "strasse"),
        (normal_address, "Straße", "strasse"),  # case folded, not just lower case
        (normal_address, None, ""),
        (normal_subject, " sm-hh  0001 ", "SM-HH 0001"),
        (normal_subject, None, ""),
    ],
)
def test_normal_forms(normal, value, expected):
    assert normal(value) == expected


# Subject references.


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("sm-hh-0001", "SM-HH-0001"),
        ("  Case 2011/17  ", "CASE 2011/17"),
        ("hh  42", "HH 42"),
        ("A1", "A1"),
        ("9" * 40, "9" * 40),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_a_subject_reference_is_stored_normalised_and_an_empty_one_clears(typed, stored):
    assert subject_ref(typed) == stored


@pytest.mark.parametrize("typed", ["A", "9" * 41, "-HH1", "/HH1", " -HH1", "O'Brien family", "HH_1", "HH.1", "HH\n1"])
def test_a_subject_reference_that_is_not_a_pseudonym_is_refused(typed):
    with pytest.raises(ValidationFailed) as refused:
        subject_ref(typed)
    problem = refused.value
    assert problem.code == "bad_subject_ref"
    message = "A subject reference is a pseudonym (2 to 40 letters, digits, spaces, / or -), never a name."
    assert problem.message == message and problem.fields == {"subject_ref": [message]}


@pytest.mark.parametrize(
    "old, new, recorded",
    [
        (None, None, None),
        (None, "", None),
        ("HH-1", "HH-1", None),
        ("HH-1", "hh-1", None),
        (None, "HH-1", "set"),
        ("", "HH-1", "set"),
        ("HH-1", "HH-2", "changed"),
        ("HH-1", None, "cleared"),
        ("HH-1", "", "cleared"),
    ],
)
def test_the_audit_records_that_the_subject_changed_never_its_value(old, new, recorded):
    assert subject_change(old, new) == recorded


@pytest.mark.parametrize("category_radius, radius", [(None, 250.0), (100.0, 100.0), (400.0, 400.0)])
def test_the_radius_is_the_categorys_or_else_the_policys(category_radius, radius):
    assert radius_for(category_radius, 250.0) == radius


# The window and the box.


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
