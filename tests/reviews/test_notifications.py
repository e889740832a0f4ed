"""The sender delivers each outbox message by SMTP exactly once, retrying after a failure."""

import socket
import threading
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain.policy import Policy
from tasking.models import Notification
from tasking.services import notifications
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


class FlakyInbox:
    """Refuses the first delivery attempt with a temporary error, then accepts everything."""

    def __init__(self, refuse_first: int = 1):
        self.refusals_left = refuse_first
        self.received = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals_left:
                self.refusals_left -= 1
                return "451 Try again later"
            self.received.append(envelope.content.decode())
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = FlakyInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def outbox(session, count):
    notifications.queue(
        session,
        [
            notifications.message(
                "review_due", f"test:{i}", (None, f"owner{i}@test.example"), f"Review due {i}", f"Body {i}", None, NOW
            )
            for i in range(count)
        ],
    )
    session.commit()


def test_a_failed_delivery_is_retried_and_every_message_arrives_once(session, smtp):
    inbox, port = smtp
    outbox(session, 4)
    mailer = notifications.SmtpMailer("127.0.0.1", port)
    first = notifications.deliver_due(
        session, mailer, units=lambda: unit_of_work(session), now=NOW, sender="tasking@test.example", policy=Policy()
    )
    assert (first.sent, first.retried) == (3, 1)
    failed = session.scalar(select(Notification).where(Notification.state == "pending"))
    assert failed.attempts == 1 and "451" in failed.last_error
    assert failed.next_attempt_at == NOW + timedelta(seconds=30)
    too_soon = notifications.deliver_due(
        session,
        mailer,
        units=lambda: unit_of_work(session),
        now=NOW + timedelta(seconds=10),
        sender="tasking@test.example",
        policy=Policy(),
    )
    assert too_soon.sent == 0
    later = notifications.deliver_due(
        session,
        mailer,
        units=lambda: unit_of_work(session),
        now=NOW + timedelta(seconds=31),
        sender="tasking@test.example",
        policy=Policy(),
    )
    assert later.sent == 1
    again = notifications.deliver_due(
        session,
        mailer,
        units=lambda: unit_of_work(session),
        now=NOW + timedelta(hours=1),
        sender="tasking@test.example",
        policy=Policy(),
    )
    assert again.sent == 0
    subjects = sorted(
        line for message in inbox.received for line in message.splitlines() if line.startswith("Subject:")
    )
    assert subjects == [f"Subject: Review due {i}" for i in range(4)]
    assert all(n.state == "sent" and n.sent_at for n in session.scalars(select(Notification)))


def test_writing_the_same_message_twice_queues_it_once(session):
    outbox(session, 2)
    outbox(session, 2)
    assert len(session.scalars(select(Notification)).all()) == 2


def test_two_senders_at_once_send_each_message_once(session, smtp):
    inbox, port = smtp
    inbox.refusals_left = 0
    outbox(session, 20)
    mailer = notifications.SmtpMailer("127.0.0.1", port)

    def send():
        with Session(session.get_bind()) as own:
            notifications.deliver_due(
                own, mailer, units=lambda: unit_of_work(own), now=NOW, sender="tasking@test.example", policy=Policy()
            )

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(inbox.received) == 20
    assert len({m for m in inbox.received}) == 20


def test_a_message_is_given_up_after_the_last_attempt(session):
    class Down:
        def send(self, _email):
            raise ConnectionRefusedError("no mail server")

    outbox(session, 1)
    moment = NOW
    for _ in range(3):
        notifications.deliver_due(
            session,
            Down(),
            units=lambda: unit_of_work(session),
            now=moment,
            sender="t@test.example",
            policy=Policy(notify_max_attempts=3),
        )
        moment += timedelta(hours=2)
    row = session.scalar(select(Notification))
    assert (row.state, row.attempts) == ("failed", 3)


def test_a_claim_left_by_a_crashed_sender_is_sent_later(session, smtp):
    inbox, port = smtp
    inbox.refusals_left = 0
    outbox(session, 1)
    row = session.scalar(select(Notification))
    row.state, row.claimed_at = "sending", NOW - timedelta(hours=1)
    session.commit()
    result = notifications.deliver_due(
        session,
        notifications.SmtpMailer("127.0.0.1", port),
        units=lambda: unit_of_work(session),
        now=NOW,
        sender="t@test.example",
        policy=Policy(),
    )
    assert result.sent == 1 and len(inbox.received) == 1
