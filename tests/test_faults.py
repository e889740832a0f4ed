"""When the database fails: mid-request failures leave nothing half-written, and a database that goes
away gets 503s (and /healthz says so) until it comes back, when service resumes without a restart."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from tasking import create_app
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import AuditEvent, Case, Review, ReviewSchedule, Spend, Task
from tasking.services import sweep
from tasking.unit_of_work import unit_of_work
from tests.clock import NOW, TODAY
from tests.conftest import ACCESS_EVENTS, test_database_url
from tests.faults import Relay, failing_statement

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"
LAST_WRITE = "INSERT INTO audit_events"  # each use case's last statement before COMMIT


@pytest.fixture
def engine(app):
    with app.app_context():
        return db.engine


@pytest.fixture
def manager(caller):
    manager = caller("area_manager", areas=["SW"])
    manager.get("/api/v1/areas")  # token use is audited on first use: done now, not mid-test
    return manager


@pytest.fixture
def partner(caller):
    partner = caller("partner", organisation="whg")
    partner.get("/api/v1/tasks")
    return partner


@pytest.fixture
def case(manager):
    created = manager.post(
        "/api/v1/cases",
        json={
            "title": "Youths gathering",
            "description": "Every night.",
            "category": "anti-social-behaviour",
            "ward": "pleck",
        },
    ).json
    assert (
        manager.post(
            f"/api/v1/cases/{created['id']}/classification", json={"level": 2, "reason": "Partnership work"}
        ).status_code
        == 200
    )
    return created


def changes(session):
    session.expire_all()
    return session.scalar(
        select(AuditEvent.id).where(AuditEvent.action.not_in(ACCESS_EVENTS)).order_by(AuditEvent.id.desc()).limit(1)
    )


def assert_unavailable(response):
    assert response.status_code == 503, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "unavailable"


def test_a_case_that_fails_mid_write_leaves_no_case_and_no_number_used(manager, engine, session, count_rows):
    body = {"title": "Broken glass", "description": "Play area.", "category": "litter", "ward": "pleck"}
    last_change = changes(session)
    with failing_statement(engine, LAST_WRITE):
        assert_unavailable(manager.post("/api/v1/cases", json=body))
    assert count_rows(Case) == 0 and changes(session) == last_change
    assert manager.post("/api/v1/cases", json=body).json["reference"].endswith("-00001")


def test_a_task_action_that_fails_mid_write_leaves_the_task_as_it_was(manager, partner, case, engine, session):
    offered = manager.post(f"/api/v1/cases/{case['id']}/tasks", json={"organisation": "whg"}).json
    before = (changes(session), session.get(Task, offered["id"]).version)
    with failing_statement(engine, LAST_WRITE):
        assert_unavailable(partner.post(f"/api/v1/tasks/{offered['id']}/accept", headers={"If-Match": "*"}))
    session.expire_all()
    task = session.get(Task, offered["id"])
    assert (task.state, changes(session), task.version) == ("offered", *before)
    assert partner.post(f"/api/v1/tasks/{offered['id']}/accept", headers={"If-Match": "*"}).json["state"] == "accepted"


def test_a_spend_that_fails_mid_write_spends_nothing(manager, case, engine, session, count_rows):
    remaining, last_change = manager.get("/api/v1/budgets?area=SW").json["remaining_pence"], changes(session)
    spend = {"amount_pence": 25_000, "description": "Diversion session", "spent_on": TODAY.isoformat()}
    with failing_statement(engine, LAST_WRITE):
        assert_unavailable(manager.post(f"/api/v1/cases/{case['id']}/spend", json=spend))
    assert count_rows(Spend) == 0 and changes(session) == last_change
    assert manager.get("/api/v1/budgets?area=SW").json["remaining_pence"] == remaining
    assert manager.post(f"/api/v1/cases/{case['id']}/spend", json=spend).status_code == 201


def test_a_review_decision_that_fails_mid_write_leaves_the_review_pending_and_the_case_as_it_was(
    manager, case, engine, session
):
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == case["id"])
        .values(next_review_at=NOW - timedelta(minutes=5))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    review_id = manager.get("/api/v1/reviews").json["items"][0]["id"]
    last_change, case_state = changes(session), session.get(Case, case["id"]).state
    with failing_statement(engine, LAST_WRITE):
        assert_unavailable(
            manager.post(
                f"/api/v1/reviews/{review_id}/decision", json={"outcome": "close", "reason": "Quiet for a month"}
            )
        )
    session.expire_all()
    assert session.get(Review, review_id).state == "pending" and changes(session) == last_change
    assert session.get(Case, case["id"]).state == case_state
    assert (
        manager.post(
            f"/api/v1/reviews/{review_id}/decision", json={"outcome": "close", "reason": "Quiet for a month"}
        ).status_code
        == 200
    )


def test_a_page_action_that_fails_mid_write_shows_the_unavailable_page_and_writes_nothing(
    app, manager, case, engine, session, count_rows
):
    web = app.test_client()
    with web.session_transaction() as cookie:
        cookie["_user_id"] = str(manager.user.id)
        cookie["_fresh"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        with failing_statement(engine, LAST_WRITE):
            response = web.post(
                f"/cases/{case['reference']}/spend",
                headers={"Accept": "text/html"},
                data={
                    "spend-amount": "250",
                    "spend-description": "Diversion session",
                    "spend-spent_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
                },
            )
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 503
    assert "Sorry, the service is unavailable" in response.get_data(as_text=True)
    assert count_rows(Spend) == 0


@pytest.mark.skipif(
    not test_database_url(), reason="a database server that can go away and come back: checked in the PostgreSQL run"
)
def test_while_the_database_is_away_requests_get_503_and_healthz_says_so_then_service_resumes(manager):
    url = make_url(test_database_url())
    relay = Relay(url.host, url.port or 5432)
    relayed = url.set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)
    unreachable = "100000 per minute"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": relayed,
            "SIGN_IN_RATE_LIMIT": unreachable,
            "TOKEN_FAILURE_RATE_LIMIT": unreachable,
            "OPEN311_POST_RATE_LIMIT": unreachable,
        }
    )
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {manager.token}"}
    assert client.get("/api/v1/cases", headers=bearer).status_code == 200
    assert client.get("/healthz").status_code == 200

    relay.cut()
    assert_unavailable(client.get("/api/v1/cases", headers=bearer))
    assert_unavailable(
        client.post(
            "/api/v1/cases",
            headers=bearer,
            json={
                "title": "Lost while the database was away",
                "description": "x",
                "category": "litter",
                "ward": "pleck",
            },
        )
    )
    health = client.get("/healthz")
    assert (health.status_code, health.get_json()["database"]) == (503, "unreachable")
    open311 = client.get("/open311/v2/services.json")
    assert open311.status_code == 503 and open311.get_json()[0]["code"] == 503
    assert client.get("/livez").status_code == 200

    relay.restore()
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/cases", headers=bearer).status_code == 200
    assert (
        client.post(
            "/api/v1/cases",
            headers=bearer,
            json={"title": "Raised after it came back", "description": "x", "category": "litter", "ward": "pleck"},
        ).status_code
        == 201
    )
    relay.cut()
    with app.app_context():
        db.engine.dispose()
