"""One use case, one transaction: for every use case that composes services, the LAST write it sends
is made to fail, and nothing of the use case may be stored (case, level change, tasks, reviews,
notifications, spend, claim, audit). Then the same request, made again, goes through, so each test
also shows the use case really writes what it was stopped from writing.

The write counted last is found by rehearsing the request with every COMMIT turned into a rollback
(counting its writes and commits: exactly one), then making it again failing exactly that statement
(tests/faults.py)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import ApiToken, AuditEvent, Case, ReviewSchedule
from tasking.services import sweep
from tasking.unit_of_work import unit_of_work
from tests.clock import TODAY
from tests.conftest import ACCESS_EVENTS, MUTABLE_TABLES
from tests.faults import failing_last_write

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"


@pytest.fixture
def engine(app):
    with app.app_context():
        return db.engine


def stored(session) -> dict:
    """Every row of every table a use case may write, except the records of token use."""
    session.expire_all()
    rows = {}
    for table in MUTABLE_TABLES:
        table = getattr(table, "__table__", table)
        stmt = select(table)
        if table is AuditEvent.__table__:
            stmt = stmt.where(AuditEvent.action.not_in(ACCESS_EVENTS))
        if table is ApiToken.__table__:
            stmt = select(*[c for c in table.c if c.name != "last_used_at"])
        rows[table.name] = sorted(tuple(map(repr, row)) for row in session.execute(stmt))
    return rows


def changed_tables(before: dict, after: dict) -> set[str]:
    return {name for name in before if before[name] != after[name]}


def prewarmed(caller, role, **kwargs):
    """A caller whose token use of this minute is already recorded, so requests write only their use case."""
    who = caller(role, **kwargs)
    assert who.get("/api/v1/areas").status_code == 200
    return who


@pytest.fixture
def manager(caller):
    return prewarmed(caller, "area_manager", areas=["SW"])


@pytest.fixture
def police(caller):
    return prewarmed(caller, "partner", organisation="wm-police")


@pytest.fixture
def whg(caller):
    return prewarmed(caller, "partner", organisation="whg")


@pytest.fixture
def finance(caller):
    return prewarmed(caller, "finance")


def raise_and_decide(manager, level, category="anti-social-behaviour", reason="Partnership work"):
    created = manager.post(
        "/api/v1/cases",
        json={"title": "Youths gathering", "description": "Every night.", "category": category, "ward": "pleck"},
    ).json
    decided = manager.post(f"/api/v1/cases/{created['id']}/classification", json={"level": level, "reason": reason})
    assert decided.status_code == 200, decided.json
    return created


def signed_in_page_client(app, user):
    web = app.test_client()
    with web.session_transaction() as cookie:
        cookie["_user_id"] = str(user.id)
        cookie["_fresh"] = True
    return web


@pytest.fixture
def no_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True


def assert_all_or_nothing(session, engine, make_request, *, succeeded, expect_changed):
    before = stored(session)
    failure = failing_last_write(engine, make_request)
    assert failure.commits == 1, f"the use case committed {failure.commits} times"
    assert failure.response.status_code == 503, failure.response.get_data(as_text=True)[:300]
    body = failure.response.get_json(silent=True)
    if isinstance(body, dict):  # the API's error format (Open311 and pages have their own)
        assert body["error"]["code"] == "unavailable"
    after_failure = stored(session)
    assert changed_tables(before, after_failure) == set(), "a failed use case left rows behind"
    again = make_request()
    assert again.status_code == succeeded, again.get_data(as_text=True)[:300]
    # The use case does write these tables, so the failed attempt really was stopped from writing them.
    assert expect_changed <= changed_tables(before, stored(session))
    return failure


@pytest.fixture
def due_review(session, manager):
    """A level-2 case with a review the sweep made due a week ago: deciding it now sets a later next
    review in working time whatever the hour (two moments outside working hours on one night are the
    same point of working time)."""
    case = raise_and_decide(manager, 2)
    swept = datetime.now(timezone.utc) - timedelta(days=7)
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == case["id"])
        .values(next_review_at=swept - timedelta(minutes=5))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=swept, policy=Policy())
    review = manager.get("/api/v1/reviews").json["items"][0]
    return case, review["id"]


@pytest.mark.parametrize(
    "decision, changes",
    [
        # Continuing moves the review schedule on; the case itself is as it was.
        ({"outcome": "continue"}, {"reviews", "review_schedules", "audit_events"}),
        (
            {"outcome": "escalate", "level": 3, "reason": "Three agencies now involved"},
            {"reviews", "cases", "level_changes", "tasks", "notifications", "audit_events"},
        ),
        (
            {"outcome": "de_escalate", "level": 1, "reason": "A simple job is left"},
            {"reviews", "cases", "level_changes", "tasks", "audit_events"},
        ),
        ({"outcome": "close", "reason": "Quiet for a month"}, {"reviews", "cases", "audit_events"}),
    ],
    ids=["continue", "escalate", "de_escalate", "close"],
)
def test_a_review_decision_whose_last_write_fails_stores_nothing(
    manager, police, due_review, engine, session, decision, changes
):
    case, review_id = due_review
    failure = assert_all_or_nothing(
        session,
        engine,
        lambda: manager.post(f"/api/v1/reviews/{review_id}/decision", json=decision),
        succeeded=200,
        expect_changed=changes,
    )
    # The review's own update comes after the services it composes (re-classify, route, close).
    assert len(failure.writes) >= 3
    decided = manager.get("/api/v1/reviews?state=decided").json["items"]
    assert [(r["id"], r["outcome"]) for r in decided] == [(review_id, decision["outcome"])]


def test_a_councillors_request_whose_last_write_fails_stores_nothing_and_a_retry_makes_one_case(
    app, make_user, engine, session, no_csrf, count_rows
):
    councillor = make_user("councillor", wards=["st-matthews"])
    web = signed_in_page_client(app, councillor)
    form = {
        "ward": "st-matthews",
        "category": "potholes",
        "address": "Vicarage Street",
        "description": "A deep pothole by the crossing.",
    }
    assert_all_or_nothing(
        session,
        engine,
        lambda: web.post("/requests/new", data=form, headers={"Accept": "text/html"}),
        succeeded=302,
        expect_changed={"cases", "level_changes", "tasks", "audit_events"},
    )
    assert count_rows(Case) == 1


def test_a_lead_partners_decline_whose_last_write_fails_leaves_the_task_and_case_as_they_were(
    manager, police, engine, session
):
    case = raise_and_decide(manager, 3, reason="Escalating")
    task = next(t for t in police.get("/api/v1/tasks").json["items"] if t["case"]["reference"] == case["reference"])
    assert_all_or_nothing(
        session,
        engine,
        lambda: police.post(
            f"/api/v1/tasks/{task['id']}/decline", json={"reason": "Not a police matter"}, headers={"If-Match": "*"}
        ),
        succeeded=200,
        expect_changed={"tasks", "cases", "audit_events"},
    )
    assert manager.get(f"/api/v1/cases/{case['id']}").json["state"] == "returned"


def test_offering_a_task_whose_last_write_fails_offers_nothing(manager, whg, engine, session):
    case = raise_and_decide(manager, 2)
    assert_all_or_nothing(
        session,
        engine,
        lambda: manager.post(f"/api/v1/cases/{case['id']}/tasks", json={"organisation": "whg"}),
        succeeded=201,
        expect_changed={"tasks", "notifications", "audit_events"},
    )


def test_a_spend_whose_last_write_fails_spends_nothing(manager, engine, session):
    case = raise_and_decide(manager, 2)
    spend = {"amount_pence": 25_000, "description": "Diversion session", "spent_on": TODAY.isoformat()}
    assert_all_or_nothing(
        session,
        engine,
        lambda: manager.post(f"/api/v1/cases/{case['id']}/spend", json=spend),
        succeeded=201,
        expect_changed={"spends", "audit_events"},
    )


def test_a_claim_decision_whose_last_write_fails_leaves_the_claim_estimated(manager, finance, engine, session):
    case = raise_and_decide(manager, 2)
    claim = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={"outcomes": [{"description": "Care avoided", "unit_cost_pence": 25_900_000, "probability": "0.1"}]},
    ).json
    assert_all_or_nothing(
        session,
        engine,
        lambda: finance.post(f"/api/v1/claims/{claim['id']}/decision", json={"decision": "verified"}),
        succeeded=200,
        expect_changed={"cost_avoided_claims", "audit_events"},
    )
    assert manager.get(f"/api/v1/claims/{claim['id']}").json["state"] == "verified"


def test_a_page_action_that_relevels_and_reroutes_stores_nothing_when_its_last_write_fails(
    app, manager, police, engine, session, no_csrf
):
    case = raise_and_decide(manager, 2)
    web = signed_in_page_client(app, manager.user)
    form = {"level-level": "3", "level-reason": "Three agencies now needed"}
    assert_all_or_nothing(
        session,
        engine,
        lambda: web.post(f"/cases/{case['reference']}/level", data=form, headers={"Accept": "text/html"}),
        succeeded=302,
        expect_changed={"cases", "level_changes", "tasks", "notifications", "audit_events"},
    )
    assert manager.get(f"/api/v1/cases/{case['id']}").json["level"] == 3


def test_an_open311_report_whose_last_write_fails_stores_no_case(client, session, engine, count_rows):
    from tasking.services import open311_clients

    with unit_of_work(session):
        _client, key = open311_clients.create_client(session, None, name="FixMyStreet", now=datetime.now(timezone.utc))
    form = {
        "api_key": key,
        "service_code": "fly-tipping",
        "lat": "52.5772",
        "long": "-1.9995",
        "description": "Mattress dumped by the canal bridge",
        "email": "ann@example.org",
    }
    assert_all_or_nothing(
        session,
        engine,
        lambda: client.post("/open311/v2/requests.json", data=form),
        succeeded=201,
        expect_changed={"cases", "audit_events"},
    )
    assert count_rows(Case) == 1


def test_closing_a_case_whose_last_write_fails_leaves_it_open_with_its_tasks(manager, police, engine, session):
    case = raise_and_decide(manager, 3, reason="Escalating")
    close = {"state": "resolved", "reason": "Quiet since the patrols"}
    assert_all_or_nothing(
        session,
        engine,
        lambda: manager.patch(f"/api/v1/cases/{case['id']}", json=close, headers={"If-Match": "*"}),
        succeeded=200,
        expect_changed={"cases", "tasks", "audit_events"},
    )
    assert {t["state"] for t in manager.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]} == {"cancelled"}


def test_reopening_a_case_whose_last_write_fails_leaves_it_closed(manager, engine, session):
    case = raise_and_decide(manager, 2)
    closed = manager.patch(
        f"/api/v1/cases/{case['id']}", json={"state": "resolved", "reason": "Done"}, headers={"If-Match": "*"}
    )
    assert closed.status_code == 200, closed.json
    assert_all_or_nothing(
        session,
        engine,
        lambda: manager.post(f"/api/v1/cases/{case['id']}/reopen", json={"reason": "It is back"}),
        succeeded=200,
        expect_changed={"cases", "audit_events"},
    )
    assert manager.get(f"/api/v1/cases/{case['id']}").json["state"] == "returned"


def test_marking_a_duplicate_whose_last_write_fails_links_nothing(manager, police, engine, session):
    original = raise_and_decide(manager, 3, reason="Escalating")
    copy = raise_and_decide(manager, 3, reason="Escalating")
    assert_all_or_nothing(
        session,
        engine,
        lambda: manager.post(f"/api/v1/cases/{copy['id']}/duplicate", json={"of": original["reference"]}),
        succeeded=200,
        expect_changed={"cases", "case_links", "tasks", "audit_events"},
    )
    assert manager.get(f"/api/v1/cases/{copy['id']}").json["state"] == "duplicate"
