"""Statement counts, not timings: list endpoints do not grow with the page size (no N+1), and the
sweep and reports work in sets, bounded by batches rather than by cases."""

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, update

from bench.generate import generate
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import Case
from tasking.services import sweep, value_report
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def counter(app):
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
def data(app, session, make_user, caller):
    manager = caller("area_manager", areas=["SW"])
    make_user("area_manager", areas=[code for code in ("NW", "BPR", "AB", "DB", "WSH")])
    with app.app_context():
        generate(db.engine, 400, seed=5, progress=False)
    return manager


def statements_for(counter, request):
    request()  # warm: a token's first use of the minute also records last_used_at
    with counter() as seen:
        response = request()
    assert response.status_code == 200, response.get_json()
    return len(seen), response.get_json()


@pytest.mark.parametrize(
    "path", ["/api/v1/cases?area=SW", "/api/v1/triage?area=SW", "/api/v1/reviews?area=SW&state=decided"]
)
def test_staff_lists_issue_the_same_statements_for_2_or_40_items(counter, data, path):
    few, small = statements_for(counter, lambda: data.get(f"{path}&page_size=2"))
    many, large = statements_for(counter, lambda: data.get(f"{path}&page_size=40"))
    assert len(small["items"]) == 2 and len(large["items"]) > 10
    assert many == few


def test_the_claims_list_issues_the_same_statements_for_2_or_12_claims(counter, caller):
    """Finance's queue loads each page's lines and case summaries in a fixed number of statements."""
    manager, finance = caller("area_manager", areas=["SW"]), caller("finance")
    for n in range(12):
        raised = {"title": f"Family {n}", "description": "d", "category": "family-early-help", "ward": "pleck"}
        case = manager.post("/api/v1/cases", json=raised | {"confidential": n % 2 == 0}).json
        outcome = {"description": "Care avoided", "unit_cost_pence": 100_000, "probability": "1/6"}
        made = manager.post(
            f"/api/v1/cases/{case['id']}/cost-avoided",
            json={"outcomes": [outcome, outcome | {"description": "Eviction avoided"}]},
        )
        assert made.status_code == 201, made.json
    few, small = statements_for(counter, lambda: finance.get("/api/v1/claims?state=estimated&page_size=2"))
    many, large = statements_for(counter, lambda: finance.get("/api/v1/claims?state=estimated&page_size=12"))
    assert len(small["items"]) == 2 and len(large["items"]) == 12
    assert many == few


def test_partner_task_list_does_not_grow_with_the_page(counter, data, caller):
    partner = caller("partner", organisation="street-cleansing")
    few, small = statements_for(counter, lambda: partner.get("/api/v1/tasks?page_size=2"))
    many, large = statements_for(counter, lambda: partner.get("/api/v1/tasks?page_size=40"))
    assert len(small["items"]) == 2 and len(large["items"]) > 10
    assert many == few


def test_the_sweep_is_bounded_by_batches_not_cases(app, session, counter, make_user):
    make_user("area_manager", areas=["SW", "NW", "BPR", "AB", "DB", "WSH"])
    with app.app_context():
        generate(db.engine, 2_800, seed=9, progress=False)
    now = datetime.now(timezone.utc)

    def due(count):
        session.execute(update(Case).values(next_review_at=None))
        ids = [
            row[0]
            for row in session.execute(
                Case.__table__.select().with_only_columns(Case.id).where(Case.closed_at.is_(None)).limit(count)
            )
        ]
        session.execute(
            update(Case)
            .where(Case.id.in_(ids))
            .values(next_review_at=now - timedelta(hours=1), level=None, owner_user_id=None)
        )
        session.commit()
        return ids

    assert len(due(10)) == 10
    with counter() as small:
        assert (
            sweep.sweep(
                session, units=lambda: unit_of_work(session), now=now, policy=Policy(sweep_batch_size=500)
            ).reviews
            == 10
        )
    many = due(1_000)
    assert len(many) == 1_000
    with counter() as large:
        result = sweep.sweep(session, units=lambda: unit_of_work(session), now=now, policy=Policy(sweep_batch_size=500))
    assert result.reviews == 1_000 and result.batches == 2
    # Per batch a fixed handful of statements; 100 times the cases costs at most the extra batches.
    per_batch = len(small)
    assert len(large) <= 3 * per_batch
    assert len(large) < 100


def test_the_value_report_is_a_fixed_number_of_queries(app, session, counter, make_user):
    admin = principal_for(make_user("admin"))
    make_user("area_manager", areas=["SW", "NW", "BPR", "AB", "DB", "WSH"])
    with app.app_context():
        generate(db.engine, 300, seed=3, progress=False)
    today = datetime.now(timezone.utc).date()
    with counter() as small:
        value_report.value_report(
            session, admin, start=today - timedelta(days=900), end=today, area_code=None, today=today, policy=Policy()
        )
    with app.app_context():
        generate(db.engine, 1_500, seed=4, progress=False)
    with counter() as large:
        value_report.value_report(
            session, admin, start=today - timedelta(days=900), end=today, area_code=None, today=today, policy=Policy()
        )
    assert len(large) == len(small) <= 8
