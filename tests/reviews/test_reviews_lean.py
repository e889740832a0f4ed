"""GET /api/v1/reviews is a lean read: one statement of columns whatever the page size, the body
the documented schema would make, and an ETag that answers a repeat pull with 304."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, update

from tasking.api.reviews.schemas import ReviewPageSchema
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import ReviewSchedule
from tasking.services import reviews, sweep
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.reviews.test_owners_decide_reviews import decided


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def street_cleansing(caller):
    return caller("partner", organisation="street-cleansing", areas=["SW"])


@pytest.fixture
def pending(session, manager):
    """Twelve pending reviews in South Walsall: level-one litter jobs the front line owns, and
    level-two cases the area owns."""
    made = [decided(manager, 1 if n % 2 else 2, "litter") for n in range(12)]
    now = datetime.now(timezone.utc)
    ids = [c["id"] for c in made]
    session.execute(
        update(ReviewSchedule).where(ReviewSchedule.case_id.in_(ids)).values(next_review_at=now - timedelta(minutes=5))
    )
    session.commit()
    assert sweep.sweep(session, units=lambda: unit_of_work(session), now=now, policy=Policy()).reviews == 12
    return made


def statements(app, request):
    with app.app_context():
        engine = db.engine
    request()  # warm: a token's first use of the minute also records last_used_at
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = request()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.get_json()
    return seen, response


@pytest.mark.parametrize("who", ["manager", "street_cleansing"])
def test_the_list_is_the_same_statements_for_a_page_of_2_or_12(app, request, pending, who):
    caller = request.getfixturevalue(who)
    few, small = statements(app, lambda: caller.get("/api/v1/reviews?page_size=2"))
    many, large = statements(app, lambda: caller.get("/api/v1/reviews?page_size=40"))
    assert len(small.json["items"]) == 2 and len(large.json["items"]) == (12 if who == "manager" else 6)
    assert len(many) == len(few)
    assert sum(1 for s in many if "FROM reviews" in s) == 1


@pytest.mark.parametrize("who", ["manager", "street_cleansing"])
def test_the_body_is_what_the_schema_makes_of_the_reviews(app, session, request, pending, who):
    caller = request.getfixturevalue(who)
    lean = caller.get("/api/v1/reviews?page_size=5")
    principal = principal_for(caller.user)
    page = reviews.list_reviews(session, principal, reviews.ReviewFilters(), cursor=None, size=5)
    page.items = [reviews.as_seen_by(principal, r) for r in page.items]
    with app.test_request_context():
        assert lean.json == ReviewPageSchema().dump(page)
    assert lean.headers["Content-Type"] == "application/json"
    following = caller.get(f"/api/v1/reviews?page_size=5&cursor={lean.json['next_cursor']}")
    assert {r["id"] for r in following.json["items"]}.isdisjoint({r["id"] for r in lean.json["items"]})


def test_a_repeat_pull_is_304_until_a_review_on_the_page_changes(pending, manager):
    first = manager.get("/api/v1/reviews?area=SW")
    tag = first.headers["ETag"]
    again = manager.get("/api/v1/reviews?area=SW", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert "private" in again.headers["Cache-Control"]
    # Another query is another page: its own tag.
    assert manager.get("/api/v1/reviews?area=SW&page_size=3", headers={"If-None-Match": tag}).status_code == 200
    review = first.json["items"][0]
    decided = manager.post(f"/api/v1/reviews/{review['id']}/decision", json={"outcome": "continue"})
    assert decided.status_code == 200
    changed = manager.get("/api/v1/reviews?area=SW", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert review["id"] not in {r["id"] for r in changed.json["items"]}  # no longer pending


def test_another_caller_never_gets_the_managers_304(pending, manager, caller):
    tag = manager.get("/api/v1/reviews?area=SW").headers["ETag"]
    other = caller("area_manager", areas=["SW"])
    assert other.get("/api/v1/reviews?area=SW", headers={"If-None-Match": tag}).status_code == 200
