"""Rows written in one statement (tasking/services/set_writes.py) arrive exactly as an ordinary insert
or update would have written them: the instant of an aware time in any offset, JSON documents with
nesting and non-ASCII text, None, booleans; a duplicate unique key is skipped; rows not named are
left alone. On PostgreSQL it is one statement however many rows."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tasking.models import AuditEvent, Notification, ReviewSchedule
from tasking.services import set_writes
from tasking.unit_of_work import unit_of_work
from tests.reviews.test_sweep import NOW, due_cases

# A summer time in UK local time: the stored instant must be 13:30 UTC.
BST = datetime(2026, 7, 1, 14, 30, 15, 123456, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def manager(make_user):
    return make_user("area_manager", areas=["SW"])


def _notice(key, *, case_id=None, at=NOW):
    return {
        "kind": "review_due",
        "dedupe_key": key,
        "user_id": None,
        "recipient": "someone@example.org",
        "subject": "Review due: SW-2026-00001 Café “litter”",
        "body": "Line one\nLine two\t'quoted' \\ back",
        "case_id": case_id,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }


def test_inserted_rows_keep_their_values_and_a_duplicate_key_is_skipped(session, counter):
    with unit_of_work(session):
        set_writes.insert_all(session, Notification.__table__, [_notice("first", at=NOW)])
    with counter() as seen, unit_of_work(session):
        set_writes.insert_all(
            session,
            Notification.__table__,
            [_notice("first", at=NOW + timedelta(days=1)), _notice("second", at=BST), _notice("third")],
            skip_conflicts_on="dedupe_key",
        )
    if session.get_bind().dialect.name == "postgresql":
        assert len([s for s in seen if s.lstrip().upper().startswith("INSERT")]) == 1
    session.expire_all()
    rows = {n.dedupe_key: n for n in session.scalars(select(Notification))}
    assert set(rows) == {"first", "second", "third"}
    assert rows["first"].created_at == NOW  # the earlier row stands
    assert rows["second"].created_at == BST and rows["second"].created_at.utcoffset() == timedelta(0)
    assert rows["second"].created_at.hour == 13
    assert rows["second"].subject == "Review due: SW-2026-00001 Café “litter”"
    assert rows["second"].body == "Line one\nLine two\t'quoted' \\ back"
    assert rows["second"].user_id is None and rows["second"].case_id is None


def test_json_documents_and_nulls_arrive_whole(session, manager):
    made = due_cases(session, manager, 1)
    document = {"sequence": 2, "overdue": True, "names": ["Zoë", "Ōtsuka"], "nested": {"pence": 25_850, "none": None}}
    with unit_of_work(session):
        set_writes.insert_all(
            session,
            AuditEvent.__table__,
            [
                {
                    "at": NOW,
                    "actor_id": None,
                    "action": "test.set_writes",
                    "object_type": "case",
                    "object_id": str(made[0]),
                    "case_id": made[0],
                    "before": None,
                    "after": document,
                }
            ],
        )
    session.expire_all()
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "test.set_writes"))
    assert event.after == document and event.before is None and event.case_id == made[0]


def test_updates_set_only_the_rows_named(session, manager):
    made = due_cases(session, manager, 3)
    session.expire_all()
    untouched = session.get(ReviewSchedule, made[2])
    before = (untouched.next_review_at, untouched.cycle, untouched.overdue, untouched.missed_cycles)
    with unit_of_work(session):
        set_writes.update_all(
            session,
            ReviewSchedule.__table__,
            "case_id",
            [
                {"case_id": made[0], "next_review_at": BST, "cycle": 7, "overdue": True, "missed_cycles": 2},
                {"case_id": made[1], "next_review_at": NOW, "cycle": 3, "overdue": False, "missed_cycles": 0},
            ],
        )
    session.expire_all()
    first, second, third = (session.get(ReviewSchedule, case_id) for case_id in made)
    assert (first.next_review_at, first.cycle, first.overdue, first.missed_cycles) == (BST, 7, True, 2)
    assert (second.next_review_at, second.cycle, second.overdue, second.missed_cycles) == (NOW, 3, False, 0)
    assert (third.next_review_at, third.cycle, third.overdue, third.missed_cycles) == before
    assert first.next_review_at.astimezone(timezone.utc).hour == 13


def test_no_rows_write_nothing(session, counter):
    with counter() as seen, unit_of_work(session):
        set_writes.insert_all(session, Notification.__table__, [])
        set_writes.update_all(session, ReviewSchedule.__table__, "case_id", [])
    assert not [s for s in seen if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
