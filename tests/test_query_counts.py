"""Statement counts, not timings: list endpoints do not grow with the page size (no N+1), and the
sweep and reports work in sets, bounded by batches rather than by cases."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bench.generate import generate
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import Case, ReviewSchedule
from tasking.services import sweep, value_report
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def data(app, session, make_user, caller):
    manager = caller("area_manager", areas=["SW"])
    make_user("area_manager", areas=[code for code in ("NW", "BPR", "AB", "DB", "WSH")])
    with app.app_context():
        generate(db.engine, 1000, seed=5, progress=False)
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
        session.execute(update(ReviewSchedule).values(next_review_at=now + timedelta(days=365)))
        ids = list(session.scalars(select(ReviewSchedule.case_id).order_by(ReviewSchedule.case_id).limit(count)))
        session.execute(update(Case).where(Case.id.in_(ids)).values(level=None, owner_user_id=None))
        session.execute(
            update(ReviewSchedule)
            .where(ReviewSchedule.case_id.in_(ids))
            .values(next_review_at=now - timedelta(hours=1))
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


def _running_clocks_past_due(session, count):
    """`count` running clocks past their due time, every other one not yet near it."""
    from tasking.models import Clock

    now = datetime.now(timezone.utc)
    later = {"due_at": now + timedelta(days=300), "warn_at": now + timedelta(days=299), "breached_at": None}
    session.execute(update(Clock).where(Clock.stopped_at.is_(None)).values(**later))
    ids = list(session.scalars(select(Clock.id).where(Clock.stopped_at.is_(None)).order_by(Clock.id).limit(count)))
    past = {
        "started_at": now - timedelta(days=20),
        "due_at": now - timedelta(days=3),
        "warn_at": now - timedelta(days=5),
    }
    session.execute(update(Clock).where(Clock.id.in_(ids)).values(**past))
    session.commit()
    return ids


def test_the_exception_report_issues_the_same_statements_for_2_or_20_exceptions(counter, session, caller):
    manager = caller("area_manager", areas=["SW"])
    for n in range(20):
        body = {"title": f"Group {n}", "description": "d", "category": "anti-social-behaviour", "ward": "pleck"}
        case = manager.post("/api/v1/cases", json=body | {"address": "4 Pleck Road"}).json
        decided = {"level": 3, "reason": "Multi-agency"}
        assert manager.post(f"/api/v1/cases/{case['id']}/classification", json=decided).status_code == 200
    partner = caller("partner", organisation="wm-police")
    for who, path in ((manager, "/api/v1/reports/exceptions"), (partner, "/api/v1/organisations/wm-police/exceptions")):
        assert len(_running_clocks_past_due(session, 2)) == 2
        few, small = statements_for(counter, lambda who=who, path=path: who.get(path))
        assert len(_running_clocks_past_due(session, 20)) == 20
        many, large = statements_for(counter, lambda who=who, path=path: who.get(path))
        assert len(small["exceptions"]) < len(large["exceptions"])
        assert many == few <= 8


def test_a_repeat_case_item_pull_is_one_statement(counter, data):
    """If-None-Match is answered from one narrow statement, before the case is loaded."""
    case = data.get("/api/v1/cases?area=SW&page_size=1").json["items"][0]
    path = f"/api/v1/cases/{case['id']}"
    statements, _ = statements_for(counter, lambda: data.get(path))
    etag = data.get(path).headers["ETag"]
    with counter() as seen:
        response = data.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert statements == len(seen) == 1


def test_a_partner_page_is_two_statements_and_a_repeat_pull_one(counter, data, caller):
    """The lean read (issue 22): the page and its notes, whatever the page size; a 304 reads the page
    statement only (authentication may add its own, outside this count's concern)."""
    partner = caller("partner", organisation="street-cleansing")
    few, small = statements_for(counter, lambda: partner.get("/api/v1/tasks?state=offered&page_size=2"))
    many, large = statements_for(counter, lambda: partner.get("/api/v1/tasks?state=offered&page_size=40"))
    assert len(small["items"]) == 2 and len(large["items"]) > 2
    assert many == few
    etag = partner.get("/api/v1/tasks?state=offered&page_size=40").headers["ETag"]
    with counter() as seen:
        repeat = partner.get("/api/v1/tasks?state=offered&page_size=40", headers={"If-None-Match": etag})
    assert repeat.status_code == 304
    assert len([s for s in seen if "FROM tasks" in s]) == 1
    assert not [s for s in seen if s.lstrip().startswith("SELECT case_notes.")]
