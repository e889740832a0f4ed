"""Finding 8: the sender sent at most 50 messages a run (a 20,000-case catch-up took 13 hours), and
after 8 failures (about an hour of mail outage) a message was failed for good with no way to send
it again. Now a run drains the outbox until it is empty or its time budget passes, retries back off
over more than a day, and `flask tasking outbox list|retry|resend ID` handles failed messages."""

from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Notification
from tasking.services import notifications
from tasking.unit_of_work import unit_of_work
from tests.reviews.test_notifications import FlakyInbox, free_port

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def inbox():
    inbox = FlakyInbox(refuse_first=0)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def queue(session, count: int, at: datetime) -> None:
    notifications.queue(
        session,
        [
            notifications.message(
                "review_due", f"outbox:{i}", (None, f"owner{i}@test.example"), f"Notice {i}", f"Body {i}", None, at
            )
            for i in range(count)
        ],
    )
    session.commit()


def test_five_thousand_queued_notices_go_in_one_sender_run(app, session, inbox, monkeypatch):
    received, port = inbox
    queue(session, 5000, datetime.now(timezone.utc) - timedelta(minutes=1))
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    monkeypatch.setitem(app.config, "NOTIFY_TIME_BUDGET_SECONDS", 3600)  # the run, not the clock, is tested
    result = app.test_cli_runner().invoke(args=["tasking", "send-notifications"])
    assert result.exit_code == 0, result.output
    assert result.output == "notifications: 5000 sent, 0 to retry, 0 failed\n"
    subjects = {line for m in received.received for line in m.splitlines() if line.startswith("Subject:")}
    assert len(received.received) == 5000
    assert subjects == {f"Subject: Notice {i}" for i in range(5000)}
    session.expire_all()
    assert set(session.scalars(select(Notification.state))) == {"sent"}


def test_a_run_stops_when_its_time_budget_has_passed(session):
    class Clock:
        """Each look at the clock is a second later."""

        def __init__(self):
            self.t = 0.0

        def __call__(self):
            self.t += 1
            return self.t

    class Accepting:
        def __init__(self):
            self.sent = []

        def send(self, email):
            self.sent.append(email["Subject"])

    queue(session, 30, NOW)
    mailer = Accepting()
    result = notifications.deliver_due(
        session,
        mailer,
        units=lambda: unit_of_work(session),
        now=NOW,
        sender="t@test.example",
        policy=Policy(),
        batch=10,
        time_budget_seconds=2.5,
        clock=Clock(),
    )
    # The deadline is read at 1 s (2.5 s budget: until 3.5 s); the checks at 2 s and 3 s pass, 4 s stops.
    assert (result.sent, len(mailer.sent)) == (20, 20)
    assert session.scalar(select(Notification.state).where(Notification.dedupe_key == "outbox:29")) == "pending"


def test_retries_back_off_from_30_seconds_to_6_hours_over_more_than_a_day():
    assert [notifications.retry_delay_seconds(n) for n in range(1, 14)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3840,
        7680,
        15360,
        21600,
        21600,
        21600,
    ]
    assert Policy().notify_max_attempts == 14
    assert notifications.retry_span_seconds(14) == 95490  # 26 h 31 min 30 s
    assert notifications.retry_span_seconds(14) >= 24 * 3600


def test_a_message_is_attempted_over_a_day_of_mail_outage_before_it_fails(session):
    class Down:
        def send(self, _email):
            raise ConnectionRefusedError("no mail server")

    queue(session, 1, NOW)
    moment, attempts_at = NOW, []
    while session.scalar(select(Notification.state)) == "pending":
        notifications.deliver_due(
            session, Down(), units=lambda: unit_of_work(session), now=moment, sender="t@test.example", policy=Policy()
        )
        attempts_at.append(moment)
        session.expire_all()
        moment = session.scalar(select(Notification.next_attempt_at))
    row = session.scalar(select(Notification))
    assert (row.state, row.attempts) == ("failed", 14)
    assert attempts_at[-1] - attempts_at[0] == timedelta(seconds=95490)
    assert row.last_error == "ConnectionRefusedError: no mail server"


def _failed(session, count: int) -> list[int]:
    queue(session, count, NOW)
    for row in session.scalars(select(Notification)):
        row.state, row.attempts, row.last_error = "failed", 14, "SMTPDataError: (451, b'Try again later')"
    session.commit()
    return list(session.scalars(select(Notification.id).order_by(Notification.id)))


def test_outbox_list_shows_the_failed_messages(app, session):
    ids = _failed(session, 2)
    result = app.test_cli_runner().invoke(args=["tasking", "outbox", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "id\tattempts\trecipient\tsubject\tlast error",
        f"{ids[0]}\t14 attempts\towner0@test.example\tNotice 0\tSMTPDataError: (451, b'Try again later')",
        f"{ids[1]}\t14 attempts\towner1@test.example\tNotice 1\tSMTPDataError: (451, b'Try again later')",
    ]


def test_outbox_list_says_when_there_are_none(app, session):
    result = app.test_cli_runner().invoke(args=["tasking", "outbox", "list"])
    assert (result.exit_code, result.output) == (0, "no failed messages\n")


def test_outbox_retry_queues_every_failed_message_again_and_they_are_sent(app, session, inbox, monkeypatch):
    received, port = inbox
    ids = _failed(session, 3)
    result = app.test_cli_runner().invoke(args=["tasking", "outbox", "retry"])
    assert (result.exit_code, result.output) == (0, "outbox: 3 failed messages queued again\n")
    session.expire_all()
    assert [(r.state, r.attempts) for r in session.scalars(select(Notification).order_by(Notification.id))] == [
        ("pending", 0)
    ] * 3
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "notification.retried")).all()
    assert sorted(int(e.object_id) for e in events) == ids
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    sent = app.test_cli_runner().invoke(args=["tasking", "send-notifications"])
    assert sent.output == "notifications: 3 sent, 0 to retry, 0 failed\n"
    assert len(received.received) == 3


def test_outbox_resend_queues_one_message_again(app, session):
    ids = _failed(session, 2)
    result = app.test_cli_runner().invoke(args=["tasking", "outbox", "resend", str(ids[1])])
    assert (result.exit_code, result.output) == (0, f"outbox: message {ids[1]} to owner1@test.example queued again\n")
    session.expire_all()
    assert [r.state for r in session.scalars(select(Notification).order_by(Notification.id))] == ["failed", "pending"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "notification.resent"))
    assert (event.object_type, event.object_id, event.before, event.after) == (
        "notification",
        str(ids[1]),
        {"state": "failed", "attempts": 14},
        {"state": "pending", "attempts": 0},
    )


def test_outbox_resend_refuses_an_unknown_or_waiting_message(app, session):
    ids = _failed(session, 1)
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["tasking", "outbox", "resend", str(ids[0] + 1000)])
    assert (unknown.exit_code, unknown.output) == (1, f"Error: There is no notification {ids[0] + 1000}.\n")
    runner.invoke(args=["tasking", "outbox", "resend", str(ids[0])])
    waiting = runner.invoke(args=["tasking", "outbox", "resend", str(ids[0])])
    assert (waiting.exit_code, waiting.output) == (
        1,
        f"Error: Notification {ids[0]} is pending: it is already waiting to be sent.\n",
    )
