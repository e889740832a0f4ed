import pytest

from tasking.domain.etags import etag_for, if_match_allows
from tasking.domain.references import MAX_ID, format_reference, id_from_key, looks_like_reference


def test_reference_is_area_year_and_five_digit_sequence():
    assert format_reference("sw", 2026, 42) == "SW-2026-00042"
    assert format_reference("BPR", 2027, 123456) == "BPR-2027-123456"
    assert looks_like_reference("SW-2026-00042")
    assert not looks_like_reference("42")


def test_sequence_starts_at_one():
    with pytest.raises(ValueError):
        format_reference("SW", 2026, 0)


def test_if_match_accepts_the_current_tag_only():
    current = etag_for("case", 7, 3)
    assert if_match_allows(current, "case", 7, 3)
    assert if_match_allows(f'"x", {current}', "case", 7, 3)
    assert if_match_allows("*", "case", 7, 3)
    assert not if_match_allows(etag_for("case", 7, 2), "case", 7, 3)
    assert not if_match_allows(etag_for("case", 8, 3), "case", 7, 3)
    assert not if_match_allows(f"W/{current}", "case", 7, 3)


@pytest.mark.parametrize(
    "key, expected",
    [
        ("42", 42),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9" * 30, None),
        ("²", None),
        ("٣", None),
        ("-1", None),
        ("SW-2026-00042", None),
        ("", None),
    ],
)
def test_only_plain_digits_within_a_stored_integer_are_ids(key, expected):
    assert id_from_key(key) == expected
