"""Issue 20, acceptance 3, as one deployment: two gunicorn instances in production mode sharing one
Redis limit store, and two `flask tasking scheduler` processes, all on one PostgreSQL database, with
a local SMTP server. Reviews and their notices are made and delivered exactly once; refused tokens
count against one limit across both instances while a valid token still passes; a request held up
by a blocking lock gets the JSON 503 within the configured lock timeout; and a scheduler frozen
with SIGSTOP while it holds the sweep's lease is replaced within one lease.

Each part has its own narrower test (tests/test_limits_20.py, tests/reviews/test_sweep.py,
tests/test_scheduler_lock.py, tests/test_db_timeouts.py, tests/services/test_outbox.py); this one
runs them together, as a deployment would."""

import email
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, text

from tasking import scheduler
from tasking.models import Case, Notification, Review
from tests.conftest import test_database_url
from tests.reviews.test_notifications import FlakyInbox
from tests.reviews.test_sweep import due_cases
from tests.test_db_timeouts import UNAVAILABLE
from tests.test_limits_20 import _free_port, _redis_url, _status

ROOT = Path(__file__).resolve().parent.parent
LEASE = 2  # SCHEDULER_LEASE_SECONDS
INTERVAL = 1  # SWEEP_INTERVAL_SECONDS and NOTIFY_INTERVAL_SECONDS
LOCK_TIMEOUT_MS = 1000  # DATABASE_LOCK_TIMEOUT_MS
FAILURES = 10  # TOKEN_FAILURE_RATE_LIMIT: refused tokens an hour from one client
FIRST, LATER = 40, 10  # due cases seeded before, and after, a scheduler is frozen
SCHEDULERS = ("tasking-scheduler-a", "tasking-scheduler-b")  # their PGAPPNAME, to find them on the server


def _wait_for(condition, seconds: float, what: str, every: float = 0.1):
    """Poll until `condition()` gives something true and return it; fail saying `what` at the deadline."""
    give_up = time.monotonic() + seconds
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > give_up:
            pytest.fail(f"not within {seconds} s: {what}")
        time.sleep(every)


def _get(url: str, headers: dict) -> tuple[int, dict, dict | None]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, dict(error.headers), json.loads(body) if body.startswith(b"{") else None


def _answers(url: str) -> bool:
    try:
        return _status(url, {}) == 200
    except OSError:  # not listening yet
        return False


def _sweep_lease_holder(session) -> str | None:
    """The application name of the database session holding the sweep's advisory lock, if any.
    (A bigint key is split in pg_locks: classid the high 32 bits, objid the low 32 bits.)"""
    holder = session.execute(
        text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND (l.classid::bigint << 32) + l.objid::bigint = :key"
        ),
        {"key": scheduler.SWEEP_LOCK},
    ).scalar()
    session.rollback()
    return holder


def _reviews_by_case(session, case_ids: list[int]) -> dict[int, list[int]]:
    session.expire_all()
    found: dict[int, list[int]] = {case_id: [] for case_id in case_ids}
    for case_id, sequence in session.execute(
        select(Review.case_id, Review.sequence).where(Review.case_id.in_(case_ids)).order_by(Review.id)
    ):
        found[case_id].append(sequence)
    session.rollback()
    return found


def _all_reviewed(session, case_ids: list[int]) -> dict[int, list[int]] | None:
    found = _reviews_by_case(session, case_ids)
    return found if all(found.values()) else None


def _expected_messages(session, case_ids: list[int], recipient: str) -> Counter:
    """One review_due message per case to its owner (the area manager), as (To, Subject)."""
    session.expire_all()
    cases = session.execute(select(Case.reference, Case.title).where(Case.id.in_(case_ids))).all()
    session.rollback()
    return Counter({(recipient, f"Review due: {reference} {title}"[:200]): 1 for reference, title in cases})


def _received(inbox: FlakyInbox) -> tuple[Counter, Counter]:
    """What the SMTP server has accepted: counts by (To, Subject), and by Message-ID."""
    with inbox.lock:
        messages = [email.message_from_string(raw) for raw in inbox.received]
    return Counter((m["To"], m["Subject"]) for m in messages), Counter(m["Message-ID"] for m in messages)


@pytest.mark.skipif(
    not test_database_url(), reason="two instances and two schedulers on one database server: the PostgreSQL run"
)
def test_two_instances_and_two_schedulers_on_postgresql_and_redis(app, session, make_user, caller, tmp_path):
    manager = make_user("area_manager", areas=["SW"])
    good = caller("admin")
    redis_url = _redis_url()
    inbox = FlakyInbox(refuse_first=0)
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    common = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TASKING_ENV": "production",
        "RATELIMIT_STORAGE_URI": redis_url,
        "TRUSTED_PROXIES": "1",
        "TOKEN_FAILURE_RATE_LIMIT": f"{FAILURES} per hour",
        "DATABASE_LOCK_TIMEOUT_MS": str(LOCK_TIMEOUT_MS),
        "SCHEDULER_LEASE_SECONDS": str(LEASE),
        "SWEEP_INTERVAL_SECONDS": str(INTERVAL),
        "NOTIFY_INTERVAL_SECONDS": str(INTERVAL),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "FLASK_APP": "wsgi",
    }
    ports = [_free_port(), _free_port()]
    logs = {}
    children: dict[str, subprocess.Popen] = {}

    def start(name: str, argv: list[str]) -> subprocess.Popen:
        logs[name] = tmp_path / f"{name}.log"
        with logs[name].open("w") as log:
            children[name] = subprocess.Popen(
                argv, cwd=ROOT, env={**common, "PGAPPNAME": name}, stdout=log, stderr=subprocess.STDOUT
            )
        return children[name]

    def tails() -> str:
        return "\n".join(f"--- {name}\n{path.read_text()[-3000:]}" for name, path in logs.items())

    try:
        # 1. Cases whose reviews are due when the schedulers start: both try to sweep at once, and
        #    whichever holds the lease makes the reviews and queues their owners' notices.
        first = due_cases(session, manager, FIRST, due=datetime.now(timezone.utc) - timedelta(hours=1))
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        for n, port in enumerate(ports):
            start(f"tasking-web-{n}", [gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1", "wsgi:app"])
        for name in SCHEDULERS:
            start(name, [sys.executable, "-m", "flask", "tasking", "scheduler"])

        # 2. Meanwhile, behind one proxy: refused tokens from one client, alternately to each
        #    instance, count against one limit; a valid token from that client passes on both.
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            _wait_for(lambda base=base: _answers(f"{base}/livez"), 60, f"{base} answering\n{tails()}", every=0.2)
        client = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
        bad = {"Authorization": "Bearer tsk_bad_guess", "X-Forwarded-For": client}
        valid = {"Authorization": f"Bearer {good.token}", "X-Forwarded-For": client}
        assert [_status(f"{bases[n % 2]}/api/v1/areas", bad) for n in range(FAILURES)] == [401] * FAILURES
        assert [_status(f"{base}/api/v1/areas", bad) for base in bases] == [429, 429]
        assert [_status(f"{base}/api/v1/areas", valid) for base in bases] == [200, 200]

        reviews = _wait_for(
            lambda: _all_reviewed(session, first),
            30,
            f"a review for each of {FIRST} due cases\n{tails()}",
        )
        assert reviews == {case_id: [1] for case_id in first}
        expected = _expected_messages(session, first, manager.email)
        _wait_for(lambda: sum(_received(inbox)[0].values()) >= FIRST, 30, f"{FIRST} messages\n{tails()}")

        # 3. The database held up by a blocking lock: each instance answers the JSON 503 within the
        #    lock timeout (not gunicorn's 30 s worker timeout), and serves again once it is gone.
        with app.app_context():
            holder = session.get_bind().connect()
        try:
            holder.execute(text("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE"))
            for base in bases:
                began = time.monotonic()
                status, headers, body = _get(f"{base}/api/v1/cases", {"Authorization": f"Bearer {good.token}"})
                waited = time.monotonic() - began
                assert (status, body, headers.get("Retry-After")) == (503, UNAVAILABLE, "5")
                assert LOCK_TIMEOUT_MS / 1000 <= waited < LOCK_TIMEOUT_MS / 1000 + 3, waited
        finally:
            holder.rollback()
            holder.close()
        assert [_get(f"{base}/api/v1/cases", {"Authorization": f"Bearer {good.token}"})[0] for base in bases] == [
            200,
            200,
        ]

        # 4. Freeze the scheduler that holds the sweep's lease, caught while it holds it. The server
        #    ends its session within one lease; the other scheduler takes the sweep over.
        frozen = None
        give_up = time.monotonic() + 20
        while frozen is None:
            if time.monotonic() > give_up:
                pytest.fail(f"never caught a scheduler holding the sweep's lease\n{tails()}")
            seen = _sweep_lease_holder(session)
            if seen not in SCHEDULERS:
                time.sleep(0.002)
                continue
            os.kill(children[seen].pid, signal.SIGSTOP)
            stopped_at = time.monotonic()
            if _sweep_lease_holder(session) == seen:
                frozen = seen
            else:  # it let go between the look and the signal: let it run, and look again
                os.kill(children[seen].pid, signal.SIGCONT)
        survivor = next(name for name in SCHEDULERS if name != frozen)
        later = due_cases(session, manager, LATER, due=datetime.now(timezone.utc) - timedelta(hours=1))
        seeded_at = time.monotonic()
        _wait_for(lambda: _sweep_lease_holder(session) != frozen, LEASE + 2, f"{frozen} losing its lease\n{tails()}")
        assert time.monotonic() - stopped_at < LEASE + 2
        reviews = _wait_for(
            lambda: _all_reviewed(session, later),
            max(0.0, stopped_at + LEASE - seeded_at) + INTERVAL + 5,
            f"{survivor} sweeping the {LATER} cases due after {frozen} froze\n{tails()}",
        )
        assert reviews == {case_id: [1] for case_id in later}
        assert children[frozen].poll() is None  # still frozen, not crashed: replaced, not restarted
        expected += _expected_messages(session, later, manager.email)
        _wait_for(
            lambda: sum(_received(inbox)[0].values()) >= FIRST + LATER,
            LEASE + INTERVAL + 10,
            f"{FIRST + LATER} messages\n{tails()}",
        )

        # 5. Exactly once, after two more intervals in which a second sweep or sender could have
        #    repeated anything: one review, one notice and one message per case.
        time.sleep(2 * INTERVAL)
        everything = first + later
        assert _reviews_by_case(session, everything) == {case_id: [1] for case_id in everything}
        session.expire_all()
        notices = session.execute(
            select(Notification.case_id, Notification.recipient, Notification.state, func.count())
            .where(Notification.case_id.in_(everything))
            .group_by(Notification.case_id, Notification.recipient, Notification.state)
        ).all()
        session.rollback()
        assert sorted(notices) == sorted((case_id, manager.email, "sent", 1) for case_id in everything)
        by_subject, by_message_id = _received(inbox)
        assert by_subject == expected, tails()
        assert set(by_message_id.values()) == {1} and len(by_message_id) == FIRST + LATER
    finally:
        for name, child in children.items():
            if name in SCHEDULERS:
                child.kill()  # SIGKILL ends a stopped process too
            else:
                child.terminate()  # gunicorn's master stops its worker on SIGTERM
        for child in children.values():
            child.wait(timeout=30)
        smtp.stop()
