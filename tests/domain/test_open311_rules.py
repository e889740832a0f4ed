from datetime import datetime, timedelta, timezone

import pytest

from tasking.domain.lifecycle import State
from tasking.domain.open311 import FMS_STATUS, PUBLIC_NOTES, WindowRefused, request_window, status, title_from

NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)


def test_every_state_maps_to_open_or_closed_and_to_public_words():
    assert {status(s) for s in State} == {"open", "closed"}
    assert set(FMS_STATUS) == set(State) == set(PUBLIC_NOTES)
    assert status("in_progress") == "open" and status("duplicate") == "closed"


def test_default_window_is_the_last_ninety_days():
    assert request_window(None, None, NOW) == (NOW - timedelta(days=90), NOW)


@pytest.mark.parametrize("days, ok", [(90, True), (91, False)])
def test_window_may_not_span_more_than_ninety_days(days, ok):
    start = NOW - timedelta(days=days)
    if ok:
        assert request_window(start, NOW, NOW) == (start, NOW)
    else:
        with pytest.raises(WindowRefused):
            request_window(start, NOW, NOW)


def test_open_ended_windows_and_reversed_windows():
    start = NOW - timedelta(days=10)
    assert request_window(start, None, NOW) == (start, NOW)
    assert request_window(None, NOW, NOW) == (NOW - timedelta(days=90), NOW)
    with pytest.raises(WindowRefused):
        request_window(NOW, start, NOW)


def test_title_from_the_description():
    assert title_from("Bins overflowing\nsince Monday", "Litter") == "Bins overflowing"
    assert title_from("", "Litter") == "Litter (reported through Open311)"
