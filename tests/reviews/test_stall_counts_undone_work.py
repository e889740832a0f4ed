"""The stall rule counts only the review cycles in which the work is not done (docs/reviews.md,
"Stalled level-one cases"): with the clock moved on across four review cycles, a completed
level-one job is never put back in triage, and an untouched one is."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Case, Organisation, Task
from tasking.services import case_work, cases, classification, sweep, tasks
from tasking.services.calendar import working_calendar
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def checks_first(session):
    """Street Cleansing asks the area manager to check its work first, so a completed job stays open."""

    def set_to(value):
        session.execute(
            update(Organisation).where(Organisation.code == "street-cleansing").values(resolves_on_completion=value)
        )
        session.commit()

    set_to(False)
    yield
    set_to(True)


def level_one_case(session, who, ward):
    with unit_of_work(session):
        case = cases.create_case(
            session,
            who,
            {"title": f"Litter in {ward}", "description": "Bags left by the bins.", "category": "litter", "ward": ward},
            now=T0,
            policy=Policy(),
        )
    with unit_of_work(session):
        classification.record_decision(session, who, case, level=1, reason="test", now=T0, policy=Policy())
    return case.id


def test_across_four_cycles_a_completed_job_never_stalls_and_an_untouched_one_does(session, make_user, checks_first):
    manager = principal_for(make_user("area_manager", areas=["SW"]))
    partner = principal_for(make_user("partner", organisation="street-cleansing"))
    done_id = level_one_case(session, manager, "pleck")
    untouched_id = level_one_case(session, manager, "paddock")
    task_id = session.scalar(select(Task.id).where(Task.case_id == done_id))
    for action, text in (("accept", None), ("complete", "Bags cleared and area swept.")):
        with unit_of_work(session):
            tasks.act(
                session, partner, task_id, action, if_match="*", now=T0 + timedelta(days=1), policy=Policy(), text=text
            )
    session.expire_all()
    assert (session.get(Case, done_id).state, session.get(Case, done_id).ready_to_resolve) == ("in_progress", True)

    stalled_at = None
    clock = T0
    for cycle in range(1, 5):  # four review cycles pass and nobody decides a review
        clock = working_calendar(session, Policy()).due(clock, Policy().review_interval(1))
        result = sweep.sweep(session, units=lambda: unit_of_work(session), now=clock, policy=Policy())
        assert result.reviews == 2, cycle
        session.expire_all()
        done, untouched = session.get(Case, done_id), session.get(Case, untouched_id)
        assert (done.state, done.missed_reviews, done.triage_reason) == ("in_progress", 0, None), cycle
        if untouched.state == "returned" and stalled_at is None:
            stalled_at = cycle
    assert stalled_at == 1 + Policy().thresholds.stalled_reviews  # two cycles missed after the first review

    untouched = session.get(Case, untouched_id)
    assert (untouched.state, untouched.suggested_level) == ("returned", 2)
    assert "2 review cycles passed with the work not done" in untouched.triage_reason
    stalled_events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.stalled", AuditEvent.case_id == untouched_id)
    ).all()
    assert len(stalled_events) == 1 and stalled_events[0].after["triage_reason"] == untouched.triage_reason
    assert not session.scalars(
        select(AuditEvent).where(AuditEvent.action == "case.stalled", AuditEvent.case_id == done_id)
    ).all()


def test_work_offered_again_counts_again(session, make_user, checks_first):
    """A completed job given new work (another task offered) is counted again from then on."""
    manager = principal_for(make_user("area_manager", areas=["SW"]))
    partner = principal_for(make_user("partner", organisation="street-cleansing"))
    case_id = level_one_case(session, manager, "pleck")
    task_id = session.scalar(select(Task.id).where(Task.case_id == case_id))
    with unit_of_work(session):
        tasks.act(session, partner, task_id, "complete", if_match="*", now=T0, policy=Policy(), text="Cleared.")
    clock = T0
    for _ in range(3):  # three cycles with the work done: nothing missed
        clock = working_calendar(session, Policy()).due(clock, Policy().review_interval(1))
        sweep.sweep(session, units=lambda: unit_of_work(session), now=clock, policy=Policy())
    session.expire_all()
    assert (session.get(Case, case_id).state, session.get(Case, case_id).missed_reviews) == ("assigned", 0)
    with unit_of_work(session):
        case_work.offer_task(session, manager, case_id, "parks", now=clock, policy=Policy())
    for expected in (1, 2):
        clock = working_calendar(session, Policy()).due(clock, Policy().review_interval(1))
        sweep.sweep(session, units=lambda: unit_of_work(session), now=clock, policy=Policy())
        session.expire_all()
        assert session.get(Case, case_id).missed_reviews == expected
    assert session.get(Case, case_id).state == "returned"
