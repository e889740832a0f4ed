"""The scheduler process (`flask tasking scheduler`): the review sweep (with the follow-up checks of
verified claims) and the notification sender as interval jobs, each batch of a job its own unit of
work (tasking/unit_of_work.py). It runs beside the web server, never inside its workers; when
several run, only the holder of a job's lock does the work of that job.

The lock is a lease (`leader`): a session-level PostgreSQL advisory lock (pg_try_advisory_lock)
taken on a connection of its own in AUTOCOMMIT, so the connection is never idle in a transaction
and the server's idle_in_transaction_session_timeout cannot drop it mid-job. The lock lives as long
as that database session, and the session is given idle_session_timeout = SCHEDULER_LEASE_SECONDS:
a heartbeat thread touches it every third of the lease while the job works. A holder that is frozen
(SIGSTOP, a paused VM) or cut off stops touching it, the server ends its session within one lease,
the lock is free, and the next scheduler run elsewhere takes the job over. A holder that wakes up
finds its lease gone and stops at its next unit of work (LeaseLost). The batch it was frozen in
holds row locks in an open transaction: each unit of work under a lease sets
idle_in_transaction_session_timeout to the lease, so the server rolls that batch back within a
lease and frees its rows for the new holder; every batch is safe to run twice (reviews and
notifications are deduplicated, messages claimed). Needs PostgreSQL 14 or later, and a direct
connection or a session-pooling proxy (a transaction-pooling PgBouncer would share the lock)."""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tasking.clock import now
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.services import clocks, follow_ups, notifications, sweep
from tasking.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
# Advisory lock keys: any fixed numbers unique to tasking's jobs.
SWEEP_LOCK, SEND_LOCK = 7_260_311_001, 7_260_311_002


class LeaseLost(RuntimeError):
    """This scheduler's lease on a job ended (it was frozen or cut off); another may hold it now."""


class Lease:
    """Whether this process holds a job's lock, and for as long as it keeps holding it."""

    def __init__(self, held: bool, pid: int | None = None, seconds: int | None = None):
        self.held, self.pid = held, pid  # pid: the lock's PostgreSQL backend, for operators and tests
        self.seconds = seconds  # the lease's length, on PostgreSQL
        self._lost = threading.Event()
        self._stop = threading.Event()

    def __bool__(self) -> bool:
        return self.held and not self._lost.is_set()

    @property
    def lost(self) -> bool:
        return self.held and self._lost.is_set()

    def check(self) -> None:
        if self.lost:
            raise LeaseLost("the job's lease ended; another scheduler may hold it now")

    def units(self, units: Callable = unit_of_work) -> Callable:
        """The units of work of a job under this lease: each checks the lease before it starts."""

        @contextmanager
        def guarded():
            self.check()
            with units() as session:
                if self.seconds is not None:
                    # A holder frozen inside a batch would keep that batch's rows locked (the sweep
                    # claims them FOR UPDATE SKIP LOCKED, so the next holder passes them by): the
                    # server ends a transaction left idle for a lease, and the batch is done again.
                    session.execute(text(f"SET LOCAL idle_in_transaction_session_timeout = {self.seconds * 1000}"))
                yield session

        return guarded


def _heartbeat(connection, lease: Lease, every: float) -> None:
    while not lease._stop.wait(every):
        try:
            connection.execute(text("SELECT 1"))
        except DBAPIError:
            log.warning("scheduler: the lease's database session ended; stopping at the next unit of work")
            lease._lost.set()
            return


@contextmanager
def leader(lock_key: int, lease_seconds: int = 30) -> Iterator[Lease]:
    """A Lease that is true when this process holds the job's lock (always, on SQLite: one
    machine, one scheduler). See the module's docstring for how the lease ends."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        yield Lease(True)
        return
    connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        connection.execute(text(f"SET idle_session_timeout = {int(lease_seconds * 1000)}"))
        held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key}).scalar())
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    except BaseException:
        connection.invalidate()
        connection.close()
        raise
    lease = Lease(held, pid, int(lease_seconds))
    beat = None
    if held:
        beat = threading.Thread(
            target=_heartbeat, args=(connection, lease, lease_seconds / 3), name=f"lease-{lock_key}", daemon=True
        )
        beat.start()
    try:
        yield lease
    finally:
        lease._stop.set()
        if beat is not None:
            beat.join()
        # Never back to the pool: the session's timeout is its own, and closing it frees the lock
        # even when the unlock cannot be sent.
        try:
            if held and not lease.lost:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key})
        except DBAPIError:
            pass
        finally:
            connection.invalidate()
            connection.close()


def mailer_for(config):
    if not config["SMTP_HOST"]:
        return notifications.LogMailer()
    return notifications.SmtpMailer(
        config["SMTP_HOST"],
        config["SMTP_PORT"],
        username=config["SMTP_USERNAME"] or None,
        password=config["SMTP_PASSWORD"] or None,
        starttls=config["SMTP_STARTTLS"],
    )


def run_sweep(app) -> sweep.SweepResult | None:
    with app.app_context(), leader(SWEEP_LOCK, app.config["SCHEDULER_LEASE_SECONDS"]) as lease:
        if not lease:
            log.info("sweep: another scheduler holds the lock")
            return None
        policy: Policy = app.extensions["tasking.policy"]
        moment = now()
        units = lease.units()
        try:
            result = sweep.sweep(db.session, units=units, now=moment, policy=policy)
            log.info("sweep: %d reviews (%d overdue, %d stalled)", result.reviews, result.overdue, result.stalled)
            # Its own step, in units of its own: follow-up checks of verified claims that fell due.
            result.follow_ups = follow_ups.create_due(db.session, units=units, now=moment, policy=policy).created
            log.info("sweep: %d follow-up checks", result.follow_ups)
            # And the deadlines: warnings before a due time, breaches after, each recorded once.
            deadlines = clocks.sweep(db.session, units=units, now=moment, policy=policy)
            result.clock_warnings, result.clock_breaches = deadlines.warned, deadlines.breached
            log.info("sweep: %d deadline warnings, %d breaches", deadlines.warned, deadlines.breached)
        except LeaseLost:
            log.warning("sweep: lease lost; stopped, another scheduler carries on")
            return None
        finally:
            db.session.remove()
        return result


def run_sender(app) -> notifications.Delivery | None:
    with app.app_context(), leader(SEND_LOCK, app.config["SCHEDULER_LEASE_SECONDS"]) as lease:
        if not lease:
            return None
        try:
            result = notifications.deliver_due(
                db.session,
                mailer_for(app.config),
                units=lease.units(),
                now=now(),
                sender=app.config["MAIL_SENDER"],
                policy=app.extensions["tasking.policy"],
                time_budget_seconds=app.config["NOTIFY_TIME_BUDGET_SECONDS"],
            )
        except LeaseLost:
            log.warning("notifications: lease lost; stopped, another scheduler carries on")
            return None
        finally:
            db.session.remove()
        if result.sent or result.retried or result.failed:
            log.info("notifications: %d sent, %d to retry, %d failed", result.sent, result.retried, result.failed)
        return result


def build(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone="UTC",
        job_defaults={
            "coalesce": True,  # after downtime, one run, not one per missed interval
            "max_instances": 1,
            "misfire_grace_time": 3600,
        },
    )
    scheduler.add_job(
        run_sweep,
        "interval",
        seconds=app.config["SWEEP_INTERVAL_SECONDS"],
        args=[app],
        id="review-sweep",
        next_run_time=now(),
    )
    scheduler.add_job(
        run_sender,
        "interval",
        seconds=app.config["NOTIFY_INTERVAL_SECONDS"],
        args=[app],
        id="notification-sender",
        next_run_time=now(),
    )
    return scheduler
