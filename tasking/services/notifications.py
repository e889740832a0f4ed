"""The notification outbox: messages written in the same transaction as the change that causes
them, and a sender that delivers each by SMTP once, retrying with backoff.

One sender run drains the outbox in batches until nothing is due or its time budget has passed
(NOTIFY_TIME_BUDGET_SECONDS), over one SMTP connection. A failed attempt is retried after 30 s,
doubling to at most 6 hours (NOTIFY_RETRY_CEILING_SECONDS): with NOTIFY_MAX_ATTEMPTS (14) the last
attempt comes about 26 hours after the first, so a mail outage of a day loses nothing. A message
failed for good stays in the outbox: `flask tasking outbox list|retry|resend` shows and requeues it."""

import logging
import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from tasking.domain.errors import Conflict, NotFound
from tasking.domain.policy import Policy
from tasking.domain.reviews import backoff_seconds
from tasking.domain.roles import Role
from tasking.models import Case, Notification, User, user_areas
from tasking.services import audit, set_writes
from tasking.services.id_sets import among
from tasking.services.units import Units

log = logging.getLogger(__name__)

# The longest wait between two attempts at one message.
NOTIFY_RETRY_CEILING_SECONDS = 6 * 3600


def retry_delay_seconds(attempts: int) -> int:
    """The wait after the `attempts`-th failed attempt: 30 s, 60 s, 120 s ... at most 6 hours."""
    return backoff_seconds(attempts, ceiling=NOTIFY_RETRY_CEILING_SECONDS)


def retry_span_seconds(max_attempts: int) -> int:
    """From a message's first attempt to its last, when every attempt fails."""
    return sum(retry_delay_seconds(n) for n in range(1, max_attempts))


def queue(session: Session, rows: list[dict]) -> None:
    """Add messages to the outbox in the caller's transaction; a dedupe key already there is skipped."""
    set_writes.insert_all(session, cast(Table, Notification.__table__), rows, skip_conflicts_on="dedupe_key")


def message(
    kind: str, key: str, user: tuple[int, str], subject: str, body: str, case_id: int | None, now: datetime
) -> dict:
    return {
        "kind": kind,
        "dedupe_key": key,
        "user_id": user[0],
        "recipient": user[1],
        "subject": subject,
        "body": body,
        "case_id": case_id,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def case_owners(session: Session, cases: list[Case]) -> dict[int, list[tuple[int, str]]]:
    """Who hears about each case: its owner; else its owning organisation's people; else the area
    manager, who holds the triage queue. (user id, email) pairs."""
    org_ids = {c.owner_organisation_id for c in cases if c.owner_user_id is None and c.owner_organisation_id}
    area_ids = {c.area_id for c in cases}
    people: dict[tuple[str, int | None], list[tuple[int, str]]] = {}
    for user in session.scalars(
        select(User).where(
            User.active.is_(True), among(session, User.id, {c.owner_user_id for c in cases if c.owner_user_id})
        )
    ):
        people[("user", user.id)] = [(user.id, user.email)]
    for user in session.scalars(select(User).where(User.active.is_(True), User.organisation_id.in_(org_ids))):
        people.setdefault(("org", user.organisation_id), []).append((user.id, user.email))
    for area_id, user_id, email in session.execute(
        select(user_areas.c.area_id, User.id, User.email)
        .join(User, User.id == user_areas.c.user_id)
        .where(user_areas.c.area_id.in_(area_ids), User.role == Role.AREA_MANAGER, User.active.is_(True))
    ):
        people.setdefault(("area", area_id), []).append((user_id, email))
    found = {}
    for case in cases:
        found[case.id] = (
            people.get(("user", case.owner_user_id))
            or (people.get(("org", case.owner_organisation_id)) if case.owner_user_id is None else None)
            or people.get(("area", case.area_id), [])
        )
    return found


def area_managers(session: Session, area_id: int) -> list[tuple[int, str]]:
    """The active area managers of an area, who hold its triage queue and coordinate its cases."""
    return [
        (user_id, email)
        for user_id, email in session.execute(
            select(User.id, User.email)
            .join(user_areas, user_areas.c.user_id == User.id)
            .where(user_areas.c.area_id == area_id, User.role == Role.AREA_MANAGER, User.active.is_(True))
            .order_by(User.id)
        )
    ]


def active_person(session: Session, user_id: int | None) -> list[tuple[int, str]]:
    """The user, if there is one and they are active, as a list of one (user id, email) pair."""
    if user_id is None:
        return []
    user = session.get(User, user_id)
    return [(user.id, user.email)] if user is not None and user.active else []


def organisation_people(session: Session, organisation_id: int) -> list[tuple[int, str]]:
    return [
        (u.id, u.email)
        for u in session.scalars(
            select(User).where(User.organisation_id == organisation_id, User.active.is_(True)).order_by(User.id)
        )
    ]


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 20,
    ):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout = starttls, timeout

        # One connection per thread: an SMTP conversation cannot be shared, and one mailer may serve
        # several senders at once (two sender runs in one process).
        self._local = threading.local()

    @property
    def _smtp(self) -> smtplib.SMTP | None:
        return getattr(self._local, "smtp", None)

    @_smtp.setter
    def _smtp(self, smtp: smtplib.SMTP | None) -> None:
        self._local.smtp = smtp

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
            except BaseException:
                _hang_up(smtp)
                raise
            self._smtp = smtp
        return self._smtp

    def send(self, email: EmailMessage) -> None:
        """Send over the connection kept for this run (one per run, not one per message); after a
        failure the connection is dropped and the next message opens a new one."""
        smtp = self._connection()
        try:
            smtp.send_message(email)
        except BaseException as error:
            refused = isinstance(
                error, smtplib.SMTPRecipientsRefused | smtplib.SMTPDataError | smtplib.SMTPSenderRefused
            )
            if not refused or smtp.sock is None:  # a refusal of this one message keeps the connection
                self.hang_up()
            raise

    def hang_up(self) -> None:
        """End the run's connection (the sender calls it when a run ends)."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            _hang_up(smtp)


def _hang_up(smtp: smtplib.SMTP) -> None:
    # What leaving `with smtplib.SMTP(...)` does: QUIT if the server still listens, then close.
    smtp.__exit__(None, None, None)


class LogMailer:
    """For a developer's machine with no mail server: the message goes to the log instead."""

    def send(self, email: EmailMessage) -> None:
        log.info("notification to %s: %s", email["To"], email["Subject"])


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _email(row: Notification, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = sender, row.recipient, row.subject
    # The same id on every attempt, so a mail system that saw an earlier attempt can tell.
    email["Message-ID"] = f"<notification-{row.id}@tasking>"
    email.set_content(row.body)
    return email


def deliver_due(
    session: Session,
    mailer,
    *,
    units: Units,
    now: datetime,
    sender: str,
    policy: Policy,
    batch: int = 100,
    stale_after: timedelta = timedelta(minutes=10),
    time_budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Delivery:
    """Send what is due, batch after batch, until nothing due is left or the time budget (seconds of
    `clock`; None: no limit) has passed. Each batch is claimed (pending -> sending) by one sender, in
    a unit of its own, before it is sent, so two senders never send the same message; a claim left
    by a crashed sender is released later. The outcome of each attempt is its own unit too: a message
    sent is never forgotten because a later one failed."""
    result = Delivery()
    deadline = None if time_budget_seconds is None else clock() + time_budget_seconds
    with units():
        session.execute(
            update(Notification)
            .where(Notification.state == "sending", Notification.claimed_at < now - stale_after)
            .values(state="pending")
        )
    try:
        while deadline is None or clock() < deadline:
            with units():
                due = session.scalars(
                    select(Notification.id)
                    .where(Notification.state == "pending", Notification.next_attempt_at <= now)
                    .order_by(Notification.id)
                    .limit(batch)
                ).all()
                if not due:
                    break
                claimed = session.scalars(
                    update(Notification)
                    .where(Notification.id.in_(due), Notification.state == "pending")
                    .values(state="sending", claimed_at=now, attempts=Notification.attempts + 1)
                    .returning(Notification.id)
                ).all()
                rows = session.scalars(
                    select(Notification)
                    .where(Notification.id.in_(claimed))
                    .order_by(Notification.id)
                    .execution_options(populate_existing=True)
                ).all()
                emails = [(row.id, _email(row, sender)) for row in rows]
                # Not kept in the session: each attempt below commits, and every commit would expire
                # the whole batch again (a batch of 100 cost 10,000 expiries).
                for row in rows:
                    session.expunge(row)
            # Rows another sender claimed first are not ours; the next batch looks again.
            for notification_id, email in emails:
                _attempt(session, mailer, units, notification_id, email, now=now, policy=policy, result=result)
    finally:
        hang_up = getattr(mailer, "hang_up", None)
        if hang_up is not None:
            hang_up()
    return result


def _attempt(session, mailer, units: Units, notification_id: int, email, *, now, policy: Policy, result) -> None:
    try:
        mailer.send(email)
    except (OSError, smtplib.SMTPException) as error:
        with units():
            row = session.get_one(Notification, notification_id, populate_existing=True)
            gave_up = row.attempts >= policy.notify_max_attempts
            row.state = "failed" if gave_up else "pending"
            row.next_attempt_at = now + timedelta(seconds=retry_delay_seconds(row.attempts))
            row.last_error = f"{error.__class__.__name__}: {error}"[:500]
        result.failed += gave_up
        result.retried += not gave_up
        return
    with units():
        # One statement: nothing of the row needs reading to record that it went.
        session.execute(
            update(Notification).where(Notification.id == notification_id).values(state="sent", sent_at=now)
        )
    result.sent += 1


def failed(session: Session, *, limit: int = 100) -> list[Notification]:
    """Messages given up on, oldest first."""
    return list(
        session.scalars(
            select(Notification).where(Notification.state == "failed").order_by(Notification.id).limit(limit)
        )
    )


def _requeue(session: Session, row: Notification, *, now: datetime, action: str) -> None:
    before = {"state": row.state, "attempts": row.attempts}
    row.state, row.attempts, row.next_attempt_at, row.claimed_at = "pending", 0, now, None
    audit.record(
        session,
        None,
        action,
        "notification",
        row.id,
        now=now,
        before=before,
        after={"state": "pending", "attempts": 0},
        case_id=row.case_id,
    )


def retry_failed(session: Session, *, now: datetime) -> int:
    """Put every failed message back in the outbox, due now, with its attempts counted afresh."""
    rows = session.scalars(select(Notification).where(Notification.state == "failed").order_by(Notification.id))
    count = 0
    for row in rows:
        _requeue(session, row, now=now, action="notification.retried")
        count += 1
    session.flush()
    return count


def resend(session: Session, notification_id: int, *, now: datetime) -> Notification:
    """Put one message back in the outbox, due now: a failed one, or a sent one to send again."""
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound(f"There is no notification {notification_id}.")
    if row.state not in ("failed", "sent"):
        raise Conflict(f"Notification {notification_id} is {row.state}: it is already waiting to be sent.")
    _requeue(session, row, now=now, action="notification.resent")
    session.flush()
    return row
