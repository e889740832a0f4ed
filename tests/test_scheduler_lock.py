"""Finding 7: the scheduler's job lock sat on a connection idle in a transaction, so a server's
idle_in_transaction_session_timeout dropped it mid-sweep and a second sweep ran beside the first;
and a frozen holder kept it for ever. The lock is now a lease (tasking/scheduler.py): a
session-level advisory lock on an autocommit connection, kept alive by a heartbeat, whose session
the server ends within SCHEDULER_LEASE_SECONDS once the holder stops beating.

The lock is PostgreSQL's: each test that needs it checks the dialect and, on SQLite (one machine,
one scheduler), asserts SQLite's behaviour instead: the lease is always held and never lost."""

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from tasking import scheduler
from tasking.extensions import db
from tests.conftest import test_database_url

LEASE = 1  # seconds: a short lease, so that the PostgreSQL checks end quickly


def _dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def _wait_for(condition, seconds: float = 20):
    """Poll until `condition()` is true; the bound only stops a broken test hanging for ever."""
    give_up = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.1)
    return True


def _try_lock(app, key: int) -> bool:
    """Whether a fresh session can take (and then gives back) the lock."""
    with app.app_context(), db.engine.connect() as connection:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        if got:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        connection.rollback()
        return bool(got)


def test_the_lock_is_held_outside_any_transaction_and_only_once(app, session):
    with app.app_context(), scheduler.leader(scheduler.SWEEP_LOCK, LEASE) as lease:
        if db.engine.dialect.name != "postgresql":
            assert (bool(lease), lease.lost, lease.pid) == (True, False, None)
            return
        assert bool(lease) and lease.pid is not None
        # Its connection is idle, not "idle in transaction": no idle-in-transaction timeout applies.
        state = session.execute(
            text("SELECT state, backend_xid FROM pg_stat_activity WHERE pid = :pid"), {"pid": lease.pid}
        ).one()
        session.rollback()
        assert tuple(state) == ("idle", None)
        assert _try_lock(app, scheduler.SWEEP_LOCK) is False
        with scheduler.leader(scheduler.SWEEP_LOCK, LEASE) as second:
            assert (bool(second), second.held) == (False, False)
    assert _try_lock(app, scheduler.SWEEP_LOCK) is True  # given back at the end of the job


def test_a_holder_whose_session_ended_stops_before_its_next_unit_of_work(app, session):
    with app.app_context(), scheduler.leader(scheduler.SEND_LOCK, LEASE) as lease:
        units = lease.units()
        if db.engine.dialect.name != "postgresql":
            with units():
                pass
            assert lease.lost is False
            return
        # The server ends the lease's session, as idle_session_timeout does to a frozen holder.
        session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": lease.pid})
        session.rollback()
        assert _wait_for(lambda: lease.lost)
        assert bool(lease) is False
        with pytest.raises(scheduler.LeaseLost):
            with units():
                pass
        assert _try_lock(app, scheduler.SEND_LOCK) is True  # free for the next scheduler


HOLDER = """
import sys, time
from tasking import create_app, scheduler
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context(), scheduler.leader(scheduler.SWEEP_LOCK, int(sys.argv[2])) as lease:
    print("held" if lease else "not held", flush=True)
    time.sleep(600)
"""


def test_a_scheduler_frozen_with_sigstop_loses_the_lock_within_one_lease(app, session):
    if _dialect(app) != "postgresql":
        # SQLite: one scheduler on one machine; the lease is always its own.
        with app.app_context(), scheduler.leader(scheduler.SWEEP_LOCK, LEASE) as lease:
            assert bool(lease) is True
        return
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, test_database_url(), str(LEASE)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert _try_lock(app, scheduler.SWEEP_LOCK) is False  # alive: it keeps the lock
        os.kill(holder.pid, signal.SIGSTOP)
        # Freed by the server once the lease passes without a heartbeat, while the holder (which
        # would sleep 600 s holding it) is still frozen.
        assert _wait_for(lambda: _try_lock(app, scheduler.SWEEP_LOCK))
        assert holder.poll() is None
    finally:
        holder.kill()  # SIGKILL ends a stopped process too
        holder.wait()


def test_the_sweep_command_runs_under_the_lease(app, session):
    result = app.test_cli_runner().invoke(args=["tasking", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sweep: 0 reviews created")


def test_a_scheduler_frozen_inside_a_sweep_batch_lets_the_next_holder_review_that_batch(app, session, make_user):
    """Issue 20 review: a holder frozen with its batch's rows locked (claimed FOR UPDATE SKIP LOCKED)
    kept them locked for ever, so the next holder passed them by and every write to them timed out.
    Each unit of work under a lease now sets idle_in_transaction_session_timeout to the lease: the
    server rolls the frozen batch back, and the next holder reviews every case exactly once."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import func, select

    from tasking.models import Review
    from tests.reviews.test_sweep import due_cases

    if _dialect(app) != "postgresql":
        # SQLite: one scheduler on one machine, never frozen beside another.
        with app.app_context(), scheduler.leader(scheduler.SWEEP_LOCK, LEASE) as lease:
            assert lease.seconds is None
        return
    manager = make_user("area_manager", areas=["SW"])
    made = due_cases(session, manager, 60, due=datetime.now(timezone.utc) - timedelta(hours=1))
    environment = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "FLASK_APP": "wsgi",
        "SCHEDULER_LEASE_SECONDS": "2",
        "SWEEP_INTERVAL_SECONDS": "1",
        "NOTIFY_INTERVAL_SECONDS": "3600",
        "SWEEP_BATCH_SIZE": "3",
    }
    root = os.path.dirname(os.path.dirname(__file__))

    def start(name):
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "tasking", "scheduler"],
            cwd=root,
            env={**environment, "PGAPPNAME": name},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def in_transaction(name):
        found = session.execute(
            text("SELECT 1 FROM pg_stat_activity WHERE application_name = :n AND backend_xid IS NOT NULL"),
            {"n": name},
        ).first()
        session.rollback()
        return found is not None

    first, second = start("frozen-sweep"), None
    try:
        # Freeze the first scheduler while a batch of its is open (its rows locked, not yet committed).
        give_up = time.monotonic() + 60
        while True:
            assert time.monotonic() < give_up, "the first scheduler never opened a batch"
            if in_transaction("frozen-sweep"):
                os.kill(first.pid, signal.SIGSTOP)
                if in_transaction("frozen-sweep"):
                    break
                os.kill(first.pid, signal.SIGCONT)  # it committed in between: try the next batch
            time.sleep(0.001)
        second = start("next-sweep")

        def all_reviewed():
            reviewed = session.scalar(select(func.count(func.distinct(Review.case_id))).where(Review.case_id.in_(made)))
            session.rollback()
            return reviewed == len(made)

        assert _wait_for(all_reviewed, 40), "the frozen batch's cases were never reviewed"
        per_case = dict(
            session.execute(
                select(Review.case_id, func.count()).where(Review.case_id.in_(made)).group_by(Review.case_id)
            ).all()
        )
        session.rollback()
        assert per_case == {case_id: 1 for case_id in made}
        assert not in_transaction("frozen-sweep")  # the server ended the frozen transaction
        assert first.poll() is None  # while the process itself is still frozen
    finally:
        for process in (first, second):
            if process is not None:
                process.kill()
                process.wait()
