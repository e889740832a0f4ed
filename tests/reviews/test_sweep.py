"""The review sweep: one review per due case, whatever runs it, however often, and after downtime."""

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Case, Notification, Review, ReviewSchedule
from tasking.services import cases, classification, sweep
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manager(make_user):
    return make_user("area_manager", areas=["SW"])


def due_cases(session, manager, count, *, due=NOW - timedelta(hours=1), level=2):
    """Cases decided at `level` whose next review falls due at `due`."""
    who = principal_for(manager)
    made = []
    for i in range(count):
        with unit_of_work(session):
            case = cases.create_case(
                session,
                who,
                {
                    "title": f"Case {i}",
                    "description": "d",
                    "category": "litter",
                    "ward": ["pleck", "palfrey", "paddock", "st-matthews"][i % 4],
                },
                now=NOW - timedelta(days=60),
                policy=Policy(),
            )
        with unit_of_work(session):
            classification.record_decision(
                session, who, case, level=level, reason="test", now=NOW - timedelta(days=59), policy=Policy()
            )
        made.append(case.id)
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id.in_(made)).values(next_review_at=due))
    session.commit()
    return made


def counts(session):
    session.expire_all()
    reviews = session.execute(select(Review.case_id, func.count()).group_by(Review.case_id)).all()
    return dict(reviews), session.scalar(select(func.count()).select_from(Notification))


def test_a_due_case_gets_one_review_and_its_owner_is_told(session, manager):
    [case_id] = due_cases(session, manager, 1)
    result = sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    assert result.reviews == 1 and result.overdue == 0
    review = session.scalar(select(Review).where(Review.case_id == case_id))
    assert (review.sequence, review.state, review.overdue) == (1, "pending", False)
    case = session.get(Case, case_id)
    # Level two's interval, twenty working days counted from now (Monday 09:00): Friday week-after-next's close.
    assert case.next_review_at == datetime(2026, 11, 27, 17, 0, tzinfo=timezone.utc)
    notices = session.scalars(select(Notification).where(Notification.kind == "review_due")).all()
    assert [n.recipient for n in notices] == [manager.email]
    recorded = session.scalar(select(AuditEvent).where(AuditEvent.action == "review.created"))
    # The timeline says when the review is due ("Review 1 scheduled, due ..."): the event carries it.
    assert recorded.after["sequence"] == 1
    assert datetime.fromisoformat(recorded.after["due_at"]) == review.due_at


def test_running_the_sweep_twice_makes_no_duplicates(session, manager):
    due_cases(session, manager, 5)
    sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    first = counts(session)
    again = sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    assert again.reviews == 0
    assert counts(session) == first
    assert set(first[0].values()) == {1}


def test_after_downtime_one_review_per_case_flagged_overdue(session, manager):
    """Three level-two intervals pass with no sweep: the next sweep makes one review each, overdue."""
    made = due_cases(session, manager, 3, due=NOW)
    later = NOW + timedelta(days=3 * 28)
    result = sweep.sweep(session, units=lambda: unit_of_work(session), now=later, policy=Policy())
    assert (result.reviews, result.overdue) == (3, 3)
    reviews, _ = counts(session)
    assert reviews == {case_id: 1 for case_id in made}
    assert all(r.overdue for r in session.scalars(select(Review)))
    assert all(
        # Twenty working days from Monday 25 January 2027, 09:00: the close of Friday 19 February.
        c.overdue and c.next_review_at == datetime(2027, 2, 19, 17, 0, tzinfo=timezone.utc)
        for c in session.scalars(select(Case).where(Case.id.in_(made)))
    )
    kinds = session.scalars(select(Notification.kind)).all()
    assert kinds.count("review_overdue") == 3 and kinds.count("review_due") == 3


def test_a_sweep_stopped_part_way_loses_nothing(session, manager, monkeypatch):
    made = due_cases(session, manager, 7)
    real_queue = sweep.notifications.queue
    calls = {"n": 0}

    def dies_on_the_third_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("process killed")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(sweep.notifications, "queue", dies_on_the_third_batch)
    with pytest.raises(RuntimeError):
        sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy(sweep_batch_size=2))
    reviews, _ = counts(session)
    assert len(reviews) == 4  # two whole batches committed; the third left no trace
    monkeypatch.setattr(sweep.notifications, "queue", real_queue)
    sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy(sweep_batch_size=2))
    reviews, notes = counts(session)
    assert reviews == {case_id: 1 for case_id in made}
    assert notes == 7


def test_concurrent_sweeps_make_each_review_exactly_once(session, manager):
    made = due_cases(session, manager, 40)
    errors = []

    def run():
        with Session(session.get_bind()) as own:
            try:
                sweep.sweep(own, units=lambda: unit_of_work(own), now=NOW, policy=Policy(sweep_batch_size=5))
            except Exception as error:  # collected and asserted on below
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reviews, notes = counts(session)
    assert reviews == {case_id: 1 for case_id in made}
    assert notes == 40


def sweep_processes(app, count: int = 3) -> list[str]:
    """`count` `flask tasking sweep` processes started together on the test database; their outputs."""
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SWEEP_BATCH_SIZE": "4",
        "FLASK_APP": "wsgi",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "tasking", "sweep"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    return outputs


def test_three_sweep_processes_started_together(app, session, manager):
    made = due_cases(session, manager, 30, due=datetime.now(timezone.utc) - timedelta(hours=1))
    outputs = sweep_processes(app)
    reviews, _ = counts(session)
    assert reviews == {case_id: 1 for case_id in made}, outputs


def test_a_level_one_case_that_keeps_missing_reviews_goes_to_the_area_manager(session, manager):
    [case_id] = due_cases(session, manager, 1, due=NOW, level=1)
    moment = NOW
    for _ in range(3):  # three cycles pass and nobody decides
        sweep.sweep(session, units=lambda: unit_of_work(session), now=moment, policy=Policy())
        moment = session.get(Case, case_id).next_review_at
        session.expire_all()
    case = session.get(Case, case_id)
    assert (case.state, case.suggested_level) == ("returned", 2)
    assert case.suggestion_reasons[0]["code"] == "L2_STALLED"


def test_decisions_set_the_next_review_from_the_level_and_closing_clears_it(session, manager):
    who = principal_for(manager)
    with unit_of_work(session):
        case = cases.create_case(
            session,
            who,
            {"title": "Bins", "description": "d", "category": "litter", "ward": "pleck"},
            now=NOW,
            policy=Policy(),
        )
    # Untriaged: its suggested level's interval, ten working days from Monday 2 November 09:00.
    fortnight = datetime(2026, 11, 13, 17, 0, tzinfo=timezone.utc)
    assert case.next_review_at == fortnight
    # Level four's forty working days pass Christmas Day and Boxing Day (observed Monday 28th).
    for level, due in (
        (2, datetime(2026, 11, 27, 17, 0, tzinfo=timezone.utc)),
        (3, fortnight),
        (4, datetime(2026, 12, 29, 17, 0, tzinfo=timezone.utc)),
        (1, fortnight),
    ):
        with unit_of_work(session):
            classification.record_decision(session, who, case, level=level, reason="test", now=NOW, policy=Policy())
        session.refresh(case)
        assert case.next_review_at == due, level
    with unit_of_work(session):
        cases.update_case(
            session, who, case.id, {"state": "resolved", "reason": "Done"}, if_match="*", now=NOW, policy=Policy()
        )
    session.refresh(case)
    assert case.next_review_at is None
