"""The review bookkeeping lives in review_schedules, one row per open case with a review cycle: the
sweep moves those rows and never writes a case row for bookkeeping (issue 22, B3)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tasking.domain.policy import Policy
from tasking.models import Case, Review, ReviewSchedule
from tasking.services import case_actions, cases, classification, sweep
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.reviews.test_sweep import NOW, due_cases

WRITES_TO_CASES = re.compile(r"^\s*(UPDATE\s+cases\b|INSERT\s+INTO\s+cases\b|DELETE\s+FROM\s+cases\b)", re.I)


@pytest.fixture
def manager(make_user):
    return make_user("area_manager", areas=["SW"])


def schedules(session) -> dict[int, ReviewSchedule]:
    session.expire_all()
    return {s.case_id: s for s in session.scalars(select(ReviewSchedule))}


def open_case_ids(session) -> set[int]:
    return set(session.scalars(select(Case.id).where(Case.state.in_(sweep.OPEN))))


def test_the_sweep_never_writes_a_case_row_and_makes_each_review_once(session, manager, counter):
    made = due_cases(session, manager, 6)
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id == made[0]).values(missed_cycles=1))
    session.commit()
    versions = dict(session.execute(select(Case.id, Case.version)).all())
    with counter() as seen:
        first = sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy(sweep_batch_size=4))
        again = sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy(sweep_batch_size=4))
    assert (first.reviews, first.batches, again.reviews) == (6, 2, 0)
    assert seen and not [s for s in seen if WRITES_TO_CASES.match(s)]
    assert any(re.match(r"^\s*UPDATE\s+review_schedules\b", s) for s in seen)
    session.expire_all()
    assert dict(session.execute(select(Case.id, Case.version)).all()) == versions
    per_case = dict(session.execute(select(Review.case_id, func.count()).group_by(Review.case_id)).all())
    assert per_case == {case_id: 1 for case_id in made}
    rows = schedules(session)
    assert all(rows[c].cycle == 1 and rows[c].next_review_at > NOW for c in made)


def test_only_a_stalled_case_is_written_and_that_is_a_real_change(session, manager, counter):
    """A level-one case that keeps missing its reviews goes back to the area manager: its state,
    owner and suggestion change, so its row is written; the others' rows are not."""
    stalled, other = due_cases(session, manager, 2, level=1)
    threshold = Policy().thresholds.stalled_reviews
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id == stalled).values(missed_cycles=threshold - 1))
    # Earlier cycles left undecided count as missed too.
    session.add_all(Review(case_id=stalled, sequence=n, due_at=NOW - timedelta(days=30 * n)) for n in (1, 2))
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id == stalled).values(cycle=2))
    session.commit()
    before = session.get_one(Case, other).version
    with counter() as seen:
        result = sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    assert (result.reviews, result.stalled) == (2, 1)
    written = [s for s in seen if WRITES_TO_CASES.match(s)]
    assert written and all(s.lstrip().upper().startswith("UPDATE CASES") for s in written)
    session.expire_all()
    assert session.get(Case, stalled).state == "returned"
    assert session.get(Case, stalled).missed_reviews >= threshold
    assert session.get_one(Case, other).version == before


def test_one_schedule_row_per_open_case_through_raise_level_close_reopen_and_duplicate(session, manager):
    who = principal_for(manager)
    policy = Policy()

    def raise_case(title):
        with unit_of_work(session):
            data = {"title": title, "description": "d", "category": "litter", "ward": "pleck"}
            return cases.create_case(session, who, data, now=NOW, policy=policy).id

    first, second = raise_case("Bags by the shops"), raise_case("More bags by the shops")
    assert set(schedules(session)) == open_case_ids(session) == {first, second}
    raised_at = schedules(session)[first].next_review_at

    with unit_of_work(session):
        case = session.get_one(Case, first)
        classification.record_decision(
            session, who, case, level=2, reason="r", now=NOW + timedelta(days=1), policy=policy
        )
    rows = schedules(session)
    assert set(rows) == open_case_ids(session) and rows[first].next_review_at != raised_at
    # A review made and the schedule moved on by the sweep: the cycle is remembered across a reopening.
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id == first).values(next_review_at=NOW))
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW + timedelta(days=2), policy=policy)
    assert schedules(session)[first].cycle == 1

    with unit_of_work(session):
        case = session.get_one(Case, first)
        cases.close_case(session, who, case, state="closed", reason="Done", now=NOW + timedelta(days=3), policy=policy)
    assert set(schedules(session)) == open_case_ids(session) == {second}
    assert session.get_one(Case, first).next_review_at is None

    with unit_of_work(session):
        case_actions.reopen_case(session, who, first, reason="Back again", now=NOW + timedelta(days=4), policy=policy)
    rows = schedules(session)
    assert set(rows) == open_case_ids(session) == {first, second}
    assert (rows[first].cycle, rows[first].overdue, rows[first].missed_cycles) == (1, False, 0)
    assert rows[first].next_review_at > NOW + timedelta(days=4)

    with unit_of_work(session):
        case_actions.mark_duplicate(session, who, second, of=first, now=NOW + timedelta(days=5), policy=policy)
    assert set(schedules(session)) == open_case_ids(session) == {first}

    # The reopened case's next review makes review 2, not a second review 1.
    session.execute(update(ReviewSchedule).values(next_review_at=NOW + timedelta(days=5)))
    session.commit()
    made = sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW + timedelta(days=6), policy=policy)
    assert made.reviews == 1
    assert sorted(session.scalars(select(Review.sequence).where(Review.case_id == first))) == [1, 2]


def test_a_schedule_left_on_a_closed_case_is_dropped_not_reviewed(session, manager):
    [case_id] = due_cases(session, manager, 1)
    session.execute(update(Case).where(Case.id == case_id).values(state="withdrawn"))
    session.commit()
    result = sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    assert result.reviews == 0
    assert schedules(session) == {}
