"""The notification outbox: messages written in the same transaction as the change that causes
them, and a sender that delivers each by SMTP once, retrying with backoff."""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tasking.domain.policy import Policy
from tasking.domain.reviews import backoff_seconds
from tasking.domain.roles import Role
from tasking.models import Case, Notification, User, user_areas
from tasking.services.units import Units

log = logging.getLogger(__name__)


def queue(session: Session, rows: list[dict]) -> None:
    """Add messages to the outbox in the caller's transaction; a dedupe key already there is skipped."""
    if not rows:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)


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
        select(User).where(User.active.is_(True), User.id.in_([c.owner_user_id for c in cases if c.owner_user_id]))
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

    def send(self, email: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(email)


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
    batch: int = 50,
    stale_after: timedelta = timedelta(minutes=10),
) -> Delivery:
    """Send what is due. Each row is claimed (pending -> sending) by one sender, in a unit of its own,
    before it is sent, so two senders never send the same message; a claim left by a crashed sender
    is released later. The outcome of each attempt is its own unit too: a message sent is never
    forgotten because a later one failed."""
    result = Delivery()
    with units():
        session.execute(
            update(Notification)
            .where(Notification.state == "sending", Notification.claimed_at < now - stale_after)
            .values(state="pending")
        )
    with units():
        due = session.scalars(
            select(Notification.id)
            .where(Notification.state == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.id)
            .limit(batch)
        ).all()
    for notification_id in due:
        with units():
            claimed = session.execute(
                update(Notification)
                .where(and_(Notification.id == notification_id, Notification.state == "pending"))
                .values(state="sending", claimed_at=now, attempts=Notification.attempts + 1)
                .returning(Notification.id)
            ).first()
            email = _email(session.get_one(Notification, notification_id, populate_existing=True), sender)
        if claimed is None:
            continue  # another sender has it
        try:
            mailer.send(email)
        except (OSError, smtplib.SMTPException) as error:
            with units():
                row = session.get_one(Notification, notification_id, populate_existing=True)
                gave_up = row.attempts >= policy.notify_max_attempts
                row.state = "failed" if gave_up else "pending"
                row.next_attempt_at = now + timedelta(seconds=backoff_seconds(row.attempts))
                row.last_error = f"{error.__class__.__name__}: {error}"[:500]
            result.failed += gave_up
            result.retried += not gave_up
            continue
        with units():
            row = session.get_one(Notification, notification_id, populate_existing=True)
            row.state, row.sent_at = "sent", now
        result.sent += 1
    return result
