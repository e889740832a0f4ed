"""Issue 20, finding 9: no per-account throttling. After five failed sign-ins in a row, each further
failure holds the account's sign-in back for twice as long as the last (30 seconds up to 15
minutes); while held back even the correct password is refused, with the one message an unknown
email or a wrong password gets; a success resets the count. Every try is audited."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from tasking.models import AuditEvent, User
from tasking.services import sign_in as sign_in_service
from tasking.services import users
from tasking.unit_of_work import unit_of_work

PASSWORD = "plum tractor evening lighthouse"
NOW = datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)
REFUSAL = "Enter a correct email address and password"


def csrf_from(response):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def attempt(client, email, password):
    token = csrf_from(client.get("/sign-in"))
    return client.post("/sign-in", data={"email": email, "password": password, "csrf_token": token})


def error_summary(response) -> list[str]:
    page = response.get_data(as_text=True)
    summary = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', page, re.S).group(0)
    return re.findall(r"<a [^>]*>([^<]+)</a>", summary)


@pytest.fixture
def person(session):
    with unit_of_work(session):
        return users.create_user(
            session,
            None,
            email="throttled@test.example",
            name="Tam Throttle",
            role="area_manager",
            now=NOW,
            password=PASSWORD,
            area_codes=["SW"],
        )


def state(session, user):
    session.expire_all()
    row = session.get(User, user.id)
    return row.failed_sign_ins, row.sign_in_blocked_until


def failures(session, user):
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "user.sign_in_failed", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.id)
    ).all()
    return [(e.after, e.at) for e in events]


def test_five_failures_then_the_correct_password_is_refused_like_an_unknown_email(client, session, person):
    for _ in range(4):
        assert attempt(client, person.email, "wrong guess number").status_code == 400
    assert state(session, person) == (4, None)  # four are free

    fifth = attempt(client, person.email, "wrong guess number")
    correct = attempt(client, person.email, PASSWORD)
    unknown = attempt(client, "nobody@test.example", PASSWORD)

    assert fifth.status_code == correct.status_code == unknown.status_code == 400
    assert error_summary(correct) == error_summary(unknown) == error_summary(fifth) == [REFUSAL]
    assert client.get("/my-work").status_code == 302  # not signed in
    count, blocked_until = state(session, person)
    assert count == 5  # the try while held back neither counts nor lengthens the block
    (after, at), *_ = failures(session, person)[4:]
    assert after == {"reason": "password", "failures": 5, "blocked_until": (at + timedelta(seconds=30)).isoformat()}
    assert blocked_until == at + timedelta(seconds=30)
    assert failures(session, person)[5][0] == {"reason": "blocked", "until": blocked_until.isoformat()}


def test_once_the_block_has_passed_the_correct_password_signs_in_and_resets_the_count(client, session, person):
    for _ in range(5):
        attempt(client, person.email, "wrong guess number")
    with unit_of_work(session):
        session.execute(
            update(User)
            .where(User.id == person.id)
            .values(sign_in_blocked_until=datetime.now(timezone.utc) - timedelta(seconds=1))
        )

    signed_in = attempt(client, person.email, PASSWORD)

    assert signed_in.status_code == 302
    assert client.get("/my-work").status_code == 200
    assert state(session, person) == (0, None)


def test_each_failure_after_a_block_doubles_it(client, session, person):
    for _ in range(5):
        attempt(client, person.email, "wrong guess number")
    for _ in range(2):
        with unit_of_work(session):
            session.execute(
                update(User)
                .where(User.id == person.id)
                .values(sign_in_blocked_until=datetime.now(timezone.utc) - timedelta(seconds=1))
            )
        attempt(client, person.email, "wrong guess number")

    recorded = failures(session, person)
    held = [datetime.fromisoformat(after["blocked_until"]) - at for after, at in recorded if "blocked_until" in after]
    assert held == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert state(session, person)[0] == 7


def test_the_backoff_doubles_from_thirty_seconds_up_to_fifteen_minutes():
    assert [sign_in_service.block_after(n) for n in range(1, 13)] == [
        None,
        None,
        None,
        None,
        timedelta(seconds=30),
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
        timedelta(minutes=15),
        timedelta(minutes=15),
        timedelta(minutes=15),
    ]
    assert sign_in_service.block_after(10_000) == timedelta(minutes=15)


def test_a_success_before_the_fifth_failure_resets_the_count(client, session, person):
    for _ in range(4):
        attempt(client, person.email, "wrong guess number")
    assert attempt(client, person.email, PASSWORD).status_code == 302
    assert state(session, person) == (0, None)
