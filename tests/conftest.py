"""Fixtures: one app and one migrated database per run, emptied of everything but reference data
after each test. TASKING_TEST_DATABASE_URL selects PostgreSQL; a temporary SQLite file otherwise."""

import os
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timezone

import flask_migrate
import pytest
from sqlalchemy import delete, event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tasking import create_app
from tasking.extensions import db
from tasking.models import (
    ApiToken,
    AuditEvent,
    Barrier,
    BudgetAllocation,
    Case,
    CaseLink,
    CaseNote,
    CaseSequence,
    CaseWait,
    ClaimCost,
    ClaimFollowUp,
    ClaimOutcome,
    Clock,
    CostAvoidedClaim,
    FinancialYearClosure,
    LevelChange,
    LocalHoliday,
    Meeting,
    Notification,
    Open311Client,
    Review,
    ReviewSchedule,
    Spend,
    Target,
    Task,
    UnitCost,
    User,
    user_areas,
    user_wards,
)
from tasking.services import reference_data, tokens, users
from tasking.unit_of_work import unit_of_work
from tests import clock

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
# The flask and gunicorn processes tests start run as production does, which refuses to start
# without a key of its own (tasking/config.py): one random key for the run.
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
# Children before parents, so foreign keys never object.
MUTABLE_TABLES = [
    Clock,
    CaseWait,
    LocalHoliday,
    Notification,
    Review,
    Meeting,
    AuditEvent,
    CaseNote,
    LevelChange,
    LocalHoliday,
    Task,
    CaseLink,
    ClaimOutcome,
    Clock,
    ClaimCost,
    ClaimFollowUp,
    CostAvoidedClaim,
    Spend,
    FinancialYearClosure,
    BudgetAllocation,
    UnitCost,
    ReviewSchedule,
    Case,
    Open311Client,
    Barrier,
    CaseSequence,
    ApiToken,
    user_wards,
    user_areas,
    User,
]


# Records of who used a token, not changes: a refused request may leave these and nothing else.
ACCESS_EVENTS = ("token.used", "token.refused")


def test_database_url() -> str | None:
    return os.environ.get("TASKING_TEST_DATABASE_URL") or None


test_database_url.__test__ = False


def pytest_report_header(config):
    url = test_database_url()
    if url:
        return f"database: PostgreSQL at {make_url(url).render_as_string(hide_password=True)}"
    return "database: SQLite (temporary file)"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = test_database_url() or f"sqlite:///{tmp_path_factory.mktemp('db') / 'tasking-test.db'}"
    # Plain http in tests: cookies marked Secure would not come back (test_web_security checks the flags).
    # The suite signs in many times a minute: limits out of reach here; test_rate_limits lowers them.
    unreachable = "100000 per minute"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "SIGN_IN_RATE_LIMIT": unreachable,
            "TOKEN_FAILURE_RATE_LIMIT": unreachable,
            "OPEN311_POST_RATE_LIMIT": unreachable,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        with unit_of_work():
            reference_data.load(db.session, reference_data.read_file(), now=NOW)
        # The targets as loaded, put back after each test (an admin's change is a test's own).
        app.config["TEST_TARGET_ROWS"] = [
            {c.name: getattr(row, c.name) for c in Target.__table__.columns}
            for row in db.session.scalars(select(Target))
        ]
        db.session.remove()
    yield app


@pytest.fixture
def session(app):
    """The test's own database session, outside any app context, so that each request made through
    the test client gets a context and session of its own, as it would in production."""
    with app.app_context():
        engine = db.engine
    own = Session(bind=engine)
    yield own
    own.rollback()
    own.close()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # The audit table refuses deletes unless a maintenance transaction says otherwise.
            connection.execute(text("SET LOCAL tasking.audit_maintenance = 'on'"))
        connection.execute(update(Case).values(duplicate_of_id=None))
        connection.execute(delete(Spend.__table__).where(Spend.kind == "reversal"))
        for table in MUTABLE_TABLES:
            connection.execute(delete(getattr(table, "__table__", table)))
        connection.execute(delete(Target.__table__))
        connection.execute(Target.__table__.insert(), app.config["TEST_TARGET_ROWS"])


@pytest.fixture
def client(app, session):
    return app.test_client()


class Caller:
    """A test client that sends one user's bearer token."""

    def __init__(self, client, user, token):
        self.client, self.user, self.token = client, user, token

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, path, headers=None, **kw):
        return self.client.get(path, headers=self._headers(headers), **kw)

    def post(self, path, json=None, headers=None, **kw):
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)

    def patch(self, path, json=None, headers=None, **kw):
        return self.client.patch(path, json=json, headers=self._headers(headers), **kw)

    def put(self, path, json=None, headers=None, **kw):
        return self.client.put(path, json=json, headers=self._headers(headers), **kw)


@pytest.fixture
def make_user(session):
    counter = iter(range(1, 10_000))

    def make(role, *, areas=(), wards=(), organisation=None, email=None):
        with unit_of_work(session):
            user = users.create_user(
                session,
                None,
                email=email or f"{role}{next(counter)}@test.example",
                name=f"Test {role}",
                role=role,
                now=NOW,
                organisation_code=organisation,
                area_codes=list(areas),
                ward_codes=list(wards),
            )
        return user

    return make


@pytest.fixture
def caller(client, session, make_user):
    """caller("area_manager", areas=["SW"]) -> a Caller with a fresh token for a fresh user."""

    def make(role, **kwargs):
        user = make_user(role, **kwargs)
        with unit_of_work(session):
            issued = tokens.issue_token(session, None, user, name="test", now=NOW)
        return Caller(client, user, issued.secret)

    return make


@pytest.fixture
def units(session):
    """What the delivery layer hands a long job: each batch its own unit of work on the test's session."""
    return lambda: unit_of_work(session)


@pytest.fixture
def count_rows(session):
    def count(model, *where):
        session.expire_all()
        return session.scalar(select(func.count()).select_from(model).where(*where))

    return count


@pytest.fixture
def count_changes(count_rows):
    """Audit events that record a change, leaving out the records of token use."""
    return lambda *where: count_rows(AuditEvent, AuditEvent.action.not_in(ACCESS_EVENTS), *where)


@pytest.fixture
def live_server(app, session):
    """The app served over real HTTP on a free loopback port, for browsers and client libraries."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture(autouse=True, scope="session")
def _quick_password_hashing():
    """Argon2id with production's cost takes a tenth of a second a hash and as long a check, and the
    suite signs in thousands of times. Tests in this process hash with the same algorithm at the
    lowest cost; the processes they start (gunicorn, flask) keep production's."""
    from argon2 import PasswordHasher

    from tasking.services import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = production


@pytest.fixture(autouse=True)
def _no_remembered_tokens():
    """Every test starts with the workers' token caches empty (tasking/services/principal_cache.py):
    the suite's one app would otherwise remember a token from one test into the next."""
    from tasking.services import principal_cache

    principal_cache.clear_all()


@pytest.fixture
def counter(app):
    """`with counter() as seen:` holds every SQL statement run inside the block: the statement-count
    tests (tests/test_query_counts.py and issue 22's) count, never time."""
    with app.app_context():
        engine = db.engine

    @contextmanager
    def count():
        statements = []

        def seen(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", seen)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", seen)

    return count


@pytest.fixture
def stopped_clock(monkeypatch):
    """The service's clock stopped at tests.clock.NOW (the start of the run), the moment TODAY is of."""
    clock.freeze_clock(monkeypatch, clock.NOW)
