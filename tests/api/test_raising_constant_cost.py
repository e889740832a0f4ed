"""Raising a case costs the same however many cases there are (issue 22, B8): the search for reports
of the same problem reads only what is near the new case (its address, postcode, coordinates or
subject, in its category and look-back window), so raising one runs the same statements with 20 or
400 other reports in its category and ward, and finds the same reports the rule says it should."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select, text

from bench.generate import generate
from tasking.domain.policy import Policy
from tasking.extensions import db
from tasking.models import Case, CaseLink, Category, Ward
from tasking.services import cases, suggestions
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def manager(caller, make_user):
    who = caller("area_manager", areas=["SW"])
    make_user("area_manager", areas=["NW", "BPR", "AB", "DB", "WSH"])
    return who


def _ago(days: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


def seed(session, staff, ward, address, *, days_ago=10, state=None, category="fly-tipping"):
    data = {"title": "Mattresses dumped", "description": "By the bins.", "category": category, "ward": ward}
    with unit_of_work(session):
        case = cases.create_case(session, staff, data | {"address": address}, now=_ago(days_ago), policy=Policy())
        if state:
            case.state = state
    return case.id


def crowd(session, how_many, *, ward="pleck", category="fly-tipping"):
    """Other reports in the same category and ward, in the look-back window, at other addresses."""
    category_id = session.scalar(select(Category.id).where(Category.code == category))
    place = session.execute(select(Ward.id, Ward.area_id).where(Ward.code == ward)).one()
    start = session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) or 0
    rows = [
        {
            "reference": f"CROWD-{start + n}",
            "title": "Bags dumped",
            "description": "Crowd.",
            "category_id": category_id,
            "ward_id": place.id,
            "area_id": place.area_id,
            "address": f"{n % 190 + 10} High Street",
            "source": "staff",
            "state": "new",
            "created_at": _ago(1 + n % 150),
            "updated_at": _ago(1),
        }
        for n in range(how_many)
    ]
    with unit_of_work(session):
        session.execute(Case.__table__.insert(), rows)


def raise_through_api(counter, who, address):
    body = {
        "title": "Fly-tipping again",
        "description": "Another load.",
        "category": "fly-tipping",
        "ward": "pleck",
    }
    if address:
        body["address"] = address
    with counter() as seen:
        response = who.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.json
    return len(seen), response.json["id"]


def linked(session, case_id):
    session.expire_all()
    return set(
        session.scalars(select(CaseLink.other_case_id).where(CaseLink.case_id == case_id, CaseLink.kind == "similar"))
    )


def test_raising_runs_the_same_statements_with_20_or_400_reports_in_the_category_and_ward(
    app, session, manager, make_user, counter
):
    staff = principal_for(make_user("area_manager", areas=["SW"]))
    with app.app_context():
        generate(db.engine, 200, seed=5, progress=False)
    # Two addresses with three earlier reports each, written as a person would (case and spaces).
    church = [seed(session, staff, "pleck", a) for a in ("5 Church Road", "5  CHURCH road ", "5\tChurch Road")]
    mill = [seed(session, staff, "pleck", a) for a in ("7 Mill Lane", "7 mill lane", " 7 MILL  LANE")]
    # Never counted: another ward, withdrawn, before the window, another spelling.
    for address in ("5 Church Road", "7 Mill Lane"):
        seed(session, staff, "paddock", address)
        seed(session, staff, "pleck", address, state="withdrawn")
        seed(session, staff, "pleck", address, days_ago=200)
        seed(session, staff, "pleck", address.replace("Road", "Rd").replace("Lane", "Ln"))
    crowd(session, 20)
    manager.get("/api/v1/cases?page_size=1")  # the token's first use of the minute records it

    few_plain, _ = raise_through_api(counter, manager, None)
    few, first = raise_through_api(counter, manager, "5 church road")
    crowd(session, 380)
    many_plain, _ = raise_through_api(counter, manager, None)
    many, second = raise_through_api(counter, manager, "7 Mill Lane")

    assert linked(session, first) == set(church)
    assert linked(session, second) == set(mill)
    assert many_plain == few_plain
    assert many == few


def test_a_case_raised_counts_in_its_earlier_reports_suggestions_as_before(app, session, manager, make_user):
    """The earlier reports' suggestions are worked out before the new case is written, with the new
    case counted: the same as working them out again once it is."""
    staff = principal_for(make_user("area_manager", areas=["SW"]))
    earlier = [seed(session, staff, "pleck", "9 Station Street", days_ago=days) for days in (30, 20, 10)]
    response = manager.post(
        "/api/v1/cases",
        json={
            "title": "Again",
            "description": "d",
            "category": "fly-tipping",
            "ward": "pleck",
            "address": "9 station street",
        },
    )
    assert response.status_code == 201, response.json
    session.expire_all()
    stored = {
        row.id: (row.suggested_level, row.suggestion_reasons, row.case_review_flag)
        for row in session.scalars(select(Case).where(Case.id.in_(earlier)))
    }
    now = datetime.now(timezone.utc)
    with session.no_autoflush:
        for case in session.scalars(select(Case).where(Case.id.in_(earlier))):
            suggestions.refresh(session, case, now, Policy())
            assert stored[case.id] == (case.suggested_level, case.suggestion_reasons, case.case_review_flag)
    session.rollback()
    assert linked(session, response.json["id"]) == set(earlier)


def test_the_similar_case_search_is_served_by_indexes_on_postgresql(app, session, make_user):
    """Each shape of report is looked up through an index. A postcode, coordinates or a subject each
    have a partial index (docs/performance.md), whose condition, a value being there, the planner
    must see follows from the search asking for one: with the indexes that could serve the category
    alone taken away, the search is still served by an index, that one."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the plan is PostgreSQL's")
    staff = principal_for(make_user("area_manager", areas=["SW"]))
    seed(session, staff, "pleck", "5 Church Road")
    crowd(session, 50)
    ward = session.scalar(select(Ward).where(Ward.code == "pleck"))
    now = datetime.now(timezone.utc)
    shapes = [
        ("fly-tipping", {"address": "5 church road"}, None),
        ("fly-tipping", {"address": "5 Church Road", "postcode": "WS2 9AA"}, None),
        ("fly-tipping", {"address": "5 Church Road", "latitude": 52.575, "longitude": -1.99}, None),
        ("fly-tipping", {"postcode": "WS2 9AA"}, "ix_cases_postcode"),
        ("fly-tipping", {"latitude": 52.575, "longitude": -1.99}, "ix_cases_category_coords"),
        ("anti-social-behaviour", {"subject_ref": "HH-1-001"}, "ix_cases_subject"),
    ]
    captured = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT cases.id, cases.category_id"):
            captured.append((statement, parameters))

    engine = session.get_bind()
    for code, shape, index in shapes:
        category = session.scalar(select(Category).where(Category.code == code))
        case = Case(category=category, category_id=category.id, ward=ward, ward_id=ward.id, area_id=ward.area_id,
                    created_at=now, state="new", **shape)  # fmt: skip
        event.listen(engine, "before_cursor_execute", grab)
        try:
            with session.no_autoflush:
                suggestions.similar_case_ids(session, case, now, Policy())
        finally:
            event.remove(engine, "before_cursor_execute", grab)
        statement, parameters = captured.pop()
        connection = session.connection()
        # A small table would be read whole by choice; without that choice, only an index can serve it.
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        if index is not None:  # rolled back below
            connection.execute(text("DROP INDEX ix_cases_similar, ix_cases_address_key, ix_cases_category_created"))
        plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
        assert "Seq Scan" not in plan, plan
        assert index is None or index in plan, plan
        session.rollback()
