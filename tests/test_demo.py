"""Issue 19, finding 9: a good first run. The demo's passwords are fixed, published in the README and
the same on every run; `flask tasking demo` prints one account of each role and says where the rest
are, and refuses to run outside development; the demo data happened in the past, with a realistic
share of overdue reviews."""

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from tasking.domain.lifecycle import is_open
from tasking.domain.policy import Policy
from tasking.models import (
    AuditEvent,
    Case,
    CaseNote,
    Category,
    ClaimFollowUp,
    CostAvoidedClaim,
    LevelChange,
    Notification,
    Review,
    ReviewSchedule,
    Spend,
    Task,
    User,
)
from tasking.models.types import UTCDateTime
from tasking.services import demo, passwords
from tasking.services.calendar import working_calendar
from tasking.unit_of_work import unit_of_work
from tests.web.test_councillor_pages import csrf_from

README = Path(__file__).resolve().parent.parent / "README.md"
# Moments that may lie ahead: when something falls due, expires or is next tried.
AHEAD = {"next_review_at", "due_at", "expires_at", "next_attempt_at"}


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """Sixteen Argon2 hashes at full cost take seconds; the checks here are the same at a low one."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _load(session, cases=40, now=None):
    with unit_of_work(session):
        return demo.load(session, case_count=cases, now=now or datetime.now(timezone.utc), policy=Policy())


def test_the_demo_happened_in_the_past(session):
    _load(session)
    after = datetime.now(timezone.utc)
    checked = []
    for model in (AuditEvent, Case, Task, LevelChange, Review, CaseNote, Spend, CostAvoidedClaim, ClaimFollowUp):
        for column in model.__table__.columns:
            # A review is made when it falls due, so even its due date is in the past.
            past = column.name not in AHEAD or (model is Review and column.name == "due_at")
            if isinstance(column.type, UTCDateTime) and past:
                latest = session.scalar(select(func.max(column)))
                checked.append(f"{model.__name__}.{column.name}")
                assert latest is None or latest <= after, f"{model.__name__}.{column.name} is {latest}, after {after}"
    assert {"AuditEvent.at", "Case.created_at", "Task.created_at", "Review.due_at", "Review.decided_at"} <= set(checked)
    # Six months of cases, not all raised today.
    assert session.scalar(select(func.min(Case.created_at))) < after - timedelta(days=120)


# Reviews count in working days, so the share once swung from none to a half with the day and hour
# the demo was loaded at: now, and the moments where it was furthest out (UK time = UTC in December).
@pytest.mark.parametrize(
    "moment",
    [
        None,
        datetime(2026, 12, 4, 18, 30, tzinfo=timezone.utc),  # a Friday evening
        datetime(2026, 12, 6, 8, 30, tzinfo=timezone.utc),  # a Sunday morning
        datetime(2026, 12, 7, 10, 30, tzinfo=timezone.utc),  # a Monday morning
        datetime(2026, 12, 23, 18, 30, tzinfo=timezone.utc),  # before Christmas
    ],
    ids=["now", "friday-evening", "sunday-morning", "monday-morning", "before-christmas"],
)
def test_the_demo_has_a_realistic_share_of_overdue_reviews(session, moment):
    now = moment or datetime.now(timezone.utc)
    _load(session, now=now)
    pending = session.scalars(select(Review).where(Review.state == "pending")).all()
    assert len(pending) >= 5
    overdue = [r for r in pending if r.overdue]
    assert 0.05 <= len(overdue) / len(pending) <= 0.35, (len(overdue), len(pending))
    # Every pending review found more than the grace period (in working days) late is flagged, and only those.
    calendar = working_calendar(session, Policy())
    assert all(calendar.due(r.due_at, Policy().review_grace_days) < r.created_at for r in overdue)
    # Most open work is due ahead; the reviews were decided over the weeks, most of them in time.
    schedules = session.scalars(select(ReviewSchedule)).all()
    assert schedules and all(s.next_review_at > now for s in schedules)
    decided = session.scalar(select(func.count()).select_from(Review).where(Review.state == "decided"))
    assert decided > 2 * len(pending)
    # The past sweeps' messages were sent at the time; only today's wait for the scheduler.
    assert (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.state == "pending", Notification.created_at < now - timedelta(hours=1))
        )
        == 0
    )


# Walsall's bounding box: every demo place lies inside it (lat 52.52-52.66, lon -2.08 to -1.87).
WALSALL = {"south": 52.52, "north": 52.66, "west": -2.08, "east": -1.87}


def test_most_demo_reports_about_a_place_are_on_the_map_and_none_about_a_person(session):
    _load(session)
    rows = session.execute(
        select(Case.latitude, Case.longitude, Category.code, Category.similarity).join(
            Category, Category.id == Case.category_id
        )
    ).all()
    about_a_place = [r for r in rows if r.similarity == "place" and r.code not in demo.NOT_ON_THE_MAP]
    inside = [
        r
        for r in about_a_place
        if r.latitude is not None
        and WALSALL["south"] <= r.latitude <= WALSALL["north"]
        and WALSALL["west"] <= r.longitude <= WALSALL["east"]
    ]
    assert len(about_a_place) >= 20
    assert len(inside) >= 0.6 * len(about_a_place), (len(inside), len(about_a_place))
    # Every located case is inside the borough; none about a family or a vulnerable adult is placed.
    located = [r for r in rows if r.latitude is not None]
    assert all(
        WALSALL["south"] <= r.latitude <= WALSALL["north"] and WALSALL["west"] <= r.longitude <= WALSALL["east"]
        for r in located
    )
    about_a_person = [r for r in rows if r.similarity == "person" or r.code in demo.NOT_ON_THE_MAP]
    assert about_a_person and all(r.latitude is None and r.longitude is None for r in about_a_person)


def test_finance_has_a_queue_of_claims_to_decide_across_the_areas(session):
    _load(session, cases=100)
    now = datetime.now(timezone.utc)
    waiting = session.execute(
        select(CostAvoidedClaim.created_at, Case.area_id, Case.state)
        .join(Case, Case.id == CostAvoidedClaim.case_id)
        .where(CostAvoidedClaim.state == "estimated")
    ).all()
    assert len(waiting) >= 30  # more than one page of finance's queue (25 a page)
    assert len({w.area_id for w in waiting}) >= 5
    assert all(w.created_at <= now for w in waiting)
    assert all(is_open(w.state) for w in waiting)  # claims are made only on open cases


def _readme_accounts() -> dict[str, str]:
    text = README.read_text("utf-8")
    section = text[text.index("### First run") :]
    return dict(re.findall(r"^\| [^|]+ \| `([^`]+@demo\.tasking\.test)` \| `([^`]+)` \|$", section, flags=re.M))


def test_the_readme_passwords_sign_in_and_stay_the_same_on_every_run(session, app):
    first = {a["email"]: a for a in _load(session, cases=0).accounts}
    second = {a["email"]: a for a in _load(session, cases=0).accounts}
    documented = _readme_accounts()
    assert len(documented) == 7  # one of each role
    roles = {first[email]["role"] for email in documented}
    assert roles == {"admin", "area_manager", "support_officer", "partner", "councillor", "finance", "borough_officer"}
    for email, account in first.items():
        assert second[email]["password"] == account["password"] == f"tasking-demo-{email.split('@')[0]}"
        assert second[email]["token"] != account["token"]  # tokens are fresh; the file has them
    client = app.test_client()
    for email, password in documented.items():
        assert first[email]["password"] == password
        user = session.scalar(select(User).where(User.email == email))
        assert passwords.verify_password(user.password_hash, password)
    form = {"email": "am.sw@demo.tasking.test", "password": documented["am.sw@demo.tasking.test"]}
    signed_in = client.post("/sign-in", data={**form, "csrf_token": csrf_from(client.get("/sign-in"))})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:500]


def test_demo_prints_one_account_of_each_role_and_where_the_rest_are(app, session, tmp_path):
    target = tmp_path / "demo-credentials.json"
    result = app.test_cli_runner().invoke(args=["tasking", "demo", "--cases", "0", "--credentials", str(target)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["role", "email", "password"])
    rows = [line.split() for line in lines[header + 1 : header + 8]]
    assert rows == [
        ["admin", "admin@demo.tasking.test", "tasking-demo-admin"],
        ["area_manager", "am.sw@demo.tasking.test", "tasking-demo-am.sw"],
        ["support_officer", "so.sw@demo.tasking.test", "tasking-demo-so.sw"],
        ["partner", "police@demo.tasking.test", "tasking-demo-police"],
        ["councillor", "cllr.sw@demo.tasking.test", "tasking-demo-cllr.sw"],
        ["finance", "finance@demo.tasking.test", "tasking-demo-finance"],
        ["borough_officer", "borough@demo.tasking.test", "tasking-demo-borough"],
    ]
    assert lines[header + 8].startswith("All 16 accounts, each with its API token")
    assert target.name in lines[header + 8]


def test_demo_refuses_to_run_outside_development(app, session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "TASKING_ENV", "production")
    target = tmp_path / "demo-credentials.json"
    result = app.test_cli_runner().invoke(args=["tasking", "demo", "--cases", "0", "--credentials", str(target)])
    assert result.exit_code != 0
    assert "runs only with TASKING_ENV=development" in result.output
    assert not target.exists()
    assert session.scalar(select(func.count()).select_from(User)) == 0
