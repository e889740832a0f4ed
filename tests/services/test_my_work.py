"""My work: each block lists the right cases for this manager, and none of another area's."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tasking.models import Case, Review
from tasking.services import my_work
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.services.test_case_search import NOW, make_case, offer_task


def add_review(session, reference, *, due_in_days, state="pending", sequence=1, at=NOW):
    with unit_of_work(session):
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        session.add(
            Review(
                case_id=case_id,
                sequence=sequence,
                due_at=at + timedelta(days=due_in_days),
                state=state,
                outcome=None if state == "pending" else "continue",
                created_at=NOW,
            )
        )


@pytest.fixture
def work(session, make_user):
    return build_work(session, principal_for(make_user("admin")), NOW)


def build_work(session, admin, at):
    """Work for South Walsall's manager in each block, and as much in Streetly (another area)."""
    ref = {}
    for name, ward in (
        ("soon", "pleck"),
        ("late", "paddock"),
        ("later", "pleck"),
        ("decided", "pleck"),
        ("x", "streetly"),
    ):
        ref[f"review-{name}"] = make_case(
            session,
            admin,
            f"Review {name}",
            at=at,
            ward=ward,
            state="in_progress",
            level=2,
            owner_user_id=admin.user_id,
        )
    add_review(session, ref["review-soon"], due_in_days=3, at=at)
    add_review(session, ref["review-late"], due_in_days=-2, at=at)
    add_review(session, ref["review-later"], due_in_days=10, at=at)
    add_review(session, ref["review-decided"], due_in_days=-1, state="decided", at=at)
    add_review(session, ref["review-x"], due_in_days=-5, at=at)
    ref["returned"] = make_case(
        session,
        admin,
        "Declined lead",
        at=at,
        state="returned",
        level=3,
        triage_reason="WHG declined to lead: not housing.",
        routing_reason="The lead partner declined to lead: name another lead for the case.",
    )
    ref["referred"] = make_case(session, admin, at=at, title="Referred by a councillor", referred_back=True, days_ago=3)
    ref["returned-x"] = make_case(
        session, admin, at=at, title="Returned there", ward="streetly", state="returned", level=1, owner="parks"
    )
    ref["ready"] = make_case(
        session,
        admin,
        at=at,
        title="All done",
        state="in_progress",
        level=1,
        owner="street-cleansing",
        ready_to_resolve=True,
    )
    ref["ready-closed"] = make_case(
        session,
        admin,
        at=at,
        title="Done and closed",
        state="resolved",
        level=1,
        owner="street-cleansing",
        ready_to_resolve=True,
    )
    ref["ready-x"] = make_case(
        session,
        admin,
        at=at,
        title="Done there",
        ward="streetly",
        state="assigned",
        level=1,
        owner="parks",
        ready_to_resolve=True,
    )
    ref["tasks"] = make_case(session, admin, at=at, title="Tasks", state="in_progress", level=3, owner="whg")
    offer_task(session, ref["tasks"], "wm-police", state="accepted", due_at=at - timedelta(days=1))
    offer_task(session, ref["tasks"], "wm-fire", state="offered", due_at=at - timedelta(days=4))
    offer_task(session, ref["tasks"], "asb-team", state="done", due_at=at - timedelta(days=4))
    offer_task(session, ref["tasks"], "parks", state="offered", due_at=at + timedelta(days=4))
    ref["tasks-x"] = make_case(
        session, admin, at=at, title="Tasks there", ward="streetly", state="in_progress", level=3, owner="whg"
    )
    offer_task(session, ref["tasks-x"], "wm-police", state="accepted", due_at=at - timedelta(days=1))
    return ref


def test_each_block_lists_this_managers_cases_oldest_first(session, work, make_user):
    manager = principal_for(make_user("area_manager", areas=["SW"]))
    found = my_work.my_work(session, manager, now=NOW)
    assert [r.case.reference for r in found.reviews_due.items] == [work["review-late"], work["review-soon"]]
    assert found.reviews_due.total == 2
    assert [(c.reference, c.triage_reason) for c in found.returned.items] == [
        (work["referred"], None),  # waiting three days
        (work["returned"], "WHG declined to lead: not housing."),  # waiting one
    ]
    assert [c.reference for c in found.ready_to_resolve.items] == [work["ready"]]
    assert [(t.case.reference, t.organisation.code, t.state) for t in found.overdue_tasks.items] == [
        (work["tasks"], "wm-fire", "offered"),
        (work["tasks"], "wm-police", "accepted"),
    ]


def test_another_areas_manager_sees_only_their_own(session, work, make_user):
    other = principal_for(make_user("area_manager", areas=["AB"]))
    found = my_work.my_work(session, other, now=NOW)
    assert [r.case.reference for r in found.reviews_due.items] == [work["review-x"]]
    assert [c.reference for c in found.returned.items] == [work["returned-x"]]
    assert [c.reference for c in found.ready_to_resolve.items] == [work["ready-x"]]
    assert [t.case.reference for t in found.overdue_tasks.items] == [work["tasks-x"]]


def test_a_quiet_area_has_empty_blocks(session, work, make_user):
    quiet = principal_for(make_user("area_manager", areas=["DB"]))
    found = my_work.my_work(session, quiet, now=NOW)
    assert [b.total for b in (found.reviews_due, found.returned, found.ready_to_resolve, found.overdue_tasks)] == [
        0,
        0,
        0,
        0,
    ]


def test_a_block_counts_past_its_limit(session, work, make_user, monkeypatch):
    monkeypatch.setattr(my_work, "BLOCK_LIMIT", 1)
    manager = principal_for(make_user("area_manager", areas=["SW"]))
    found = my_work.my_work(session, manager, now=NOW)
    assert (len(found.returned.items), found.returned.total, found.returned.more) == (1, 2, 1)


def test_only_the_areas_staff_have_my_work(session, make_user):
    councillor = principal_for(make_user("councillor", wards=["pleck"]))
    with pytest.raises(Exception) as refused:
        my_work.my_work(session, councillor, now=NOW)
    assert type(refused.value).__name__ == "Forbidden"
