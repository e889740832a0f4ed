"""The scheduler process (`flask tasking scheduler`): the review sweep (with the follow-up checks of
verified claims) and the notification sender as interval jobs, each batch of a job its own unit of
work (tasking/unit_of_work.py). It runs beside the web server, never inside its workers; when
several run, only the holder of a PostgreSQL advisory lock does the work of each job."""

import logging
from contextlib import contextmanager

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import text

from tasking.clock import now
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.services import follow_ups, notifications, sweep
from tasking.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
# Advisory lock keys: any fixed numbers unique to tasking's jobs.
SWEEP_LOCK, SEND_LOCK = 7_260_311_001, 7_260_311_002


@contextmanager
def leader(lock_key: int):
    """True when this process holds the job's lock (always, on SQLite: one machine, one scheduler)."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as connection:
        held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": lock_key}).scalar()
        try:
            yield bool(held)
        finally:
            if held:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key})
            connection.rollback()


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
    with app.app_context(), leader(SWEEP_LOCK) as held:
        if not held:
            log.info("sweep: another scheduler holds the lock")
            return None
        policy: Policy = app.extensions["tasking.policy"]
        moment = now()
        result = sweep.sweep(db.session, units=unit_of_work, now=moment, policy=policy)
        log.info("sweep: %d reviews (%d overdue, %d stalled)", result.reviews, result.overdue, result.stalled)
        # Its own step, in units of its own: follow-up checks of verified claims that fell due.
        result.follow_ups = follow_ups.create_due(db.session, units=unit_of_work, now=moment, policy=policy).created
        log.info("sweep: %d follow-up checks", result.follow_ups)
        db.session.remove()
        return result


def run_sender(app) -> notifications.Delivery | None:
    with app.app_context(), leader(SEND_LOCK) as held:
        if not held:
            return None
        result = notifications.deliver_due(
            db.session,
            mailer_for(app.config),
            units=unit_of_work,
            now=now(),
            sender=app.config["MAIL_SENDER"],
            policy=app.extensions["tasking.policy"],
        )
        if result.sent or result.retried or result.failed:
            log.info("notifications: %d sent, %d to retry, %d failed", result.sent, result.retried, result.failed)
        db.session.remove()
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
