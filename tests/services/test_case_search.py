"""The case list's search: each filter, each sort, the text search, what "overdue" means, and the
scope (a manager never sees another area's case; a confidential case only as case_scope allows)."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select, update

from tasking.domain.case_search import CaseQuery, parse_query
from tasking.domain.errors import ValidationFailed
from tasking.domain.policy import Policy
from tasking.models import Case, Organisation, ReviewSchedule, Task
from tasking.services import case_search, cases
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def make_case(session, who, title, *, ward="pleck", category="litter", days_ago=1, at=NOW, **columns):
    """A case raised `days_ago` days before `at`, then given the columns a test needs (state, level,
    owner, review dates) as the routing and review services would have left them."""
    when = at - timedelta(days=days_ago)
    with unit_of_work(session):
        case = cases.create_case(
            session,
            who,
            {"title": title, "description": "Seen by the test.", "category": category, "ward": ward},
            now=when,
            policy=Policy(),
        )
    owner = columns.pop("owner", None)
    if owner is not None:
        columns["owner_organisation_id"] = session.scalar(select(Organisation.id).where(Organisation.code == owner))
    # The review bookkeeping is the case's review_schedules row (made when the case was raised).
    schedule = {k: columns.pop(k) for k in ("next_review_at", "overdue") if k in columns}
    if columns:
        with unit_of_work(session):
            session.execute(update(Case).where(Case.id == case.id).values(**columns))
    if schedule:
        with unit_of_work(session):
            mine = ReviewSchedule.case_id == case.id
            if schedule.get("next_review_at", True) is None:
                session.execute(delete(ReviewSchedule).where(mine))
            else:
                session.execute(update(ReviewSchedule).where(mine).values(**schedule))
    return case.reference


def offer_task(session, reference, organisation, *, state, due_at):
    with unit_of_work(session):
        case_id = session.scalar(select(Case.id).where(Case.reference == reference))
        org_id = session.scalar(select(Organisation.id).where(Organisation.code == organisation))
        session.add(
            Task(case_id=case_id, organisation_id=org_id, role="support", state=state, due_at=due_at, created_at=NOW)
        )


@pytest.fixture
def borough(session, make_user):
    """Cases in South Walsall (SW) and one in Aldridge and Beacon (AB), each with a known shape."""
    admin = principal_for(make_user("admin"))
    refs = {
        "hedge": make_case(
            session,
            admin,
            "Overgrown hedge on Pleck Road",
            category="overgrown-vegetation",
            days_ago=30,
            next_review_at=None,
        ),
        "bins": make_case(
            session,
            admin,
            "Bins left out",
            ward="paddock",
            days_ago=20,
            state="assigned",
            level=1,
            owner="street-cleansing",
            next_review_at=NOW + timedelta(days=5),
        ),
        "late": make_case(
            session,
            admin,
            "Youths by the shops",
            category="anti-social-behaviour",
            days_ago=10,
            state="in_progress",
            level=2,
            owner_user_id=admin.user_id,
            next_review_at=NOW - timedelta(days=1),
        ),
        "secret": make_case(
            session, admin, "Threats to a neighbour", days_ago=5, confidential=True, next_review_at=None
        ),
        "closed": make_case(
            session,
            admin,
            "Graffiti on the bridge",
            category="graffiti",
            days_ago=40,
            state="resolved",
            level=1,
            owner="street-cleansing",
            next_review_at=NOW - timedelta(days=9),
        ),
        "there": make_case(session, admin, "Hedge in Streetly", ward="streetly", days_ago=2),
    }
    return refs


def refs(session, principal, **query):
    found = case_search.search_cases(session, principal, CaseQuery(**query), now=NOW)
    return [row.case.reference for row in found.rows]


@pytest.fixture
def manager(make_user):
    return principal_for(make_user("area_manager", areas=["SW"]))


def test_a_manager_sees_every_case_of_the_area_and_none_of_another(session, borough, manager):
    shown = refs(session, manager)
    assert set(shown) == {borough[k] for k in ("hedge", "bins", "late", "secret", "closed")}
    assert borough["there"] not in shown
    other = principal_for_area(session, "AB")
    assert refs(session, other) == [borough["there"]]


def principal_for_area(session, area):
    from tasking.services import users

    with unit_of_work(session):
        user = users.create_user(
            session,
            None,
            email=f"mgr.{area.lower()}@test.example",
            name="X",
            role="area_manager",
            now=NOW,
            area_codes=[area],
        )
    return principal_for(user)


def test_confidential_cases_follow_the_case_scope(session, borough, make_user):
    councillor = principal_for(make_user("councillor", wards=["pleck"]))
    finance = principal_for(make_user("finance"))
    assert borough["secret"] not in refs(session, councillor)
    assert borough["hedge"] in refs(session, councillor)
    assert borough["secret"] not in refs(session, finance)
    assert borough["there"] in refs(session, finance)


def test_a_partner_may_not_list_cases(session, borough, make_user):
    partner = principal_for(make_user("partner", organisation="whg"))
    with pytest.raises(Exception) as refused:
        refs(session, partner)
    assert type(refused.value).__name__ == "Forbidden"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "assigned"}, ["bins"]),
        ({"state": "new"}, ["secret", "hedge"]),
        ({"level": "2"}, ["late"]),
        ({"level": "none"}, ["secret", "hedge"]),
        ({"owner": "street-cleansing"}, ["bins", "closed"]),
        ({"owner": "area-staff"}, ["late"]),
        ({"owner": "none"}, ["secret", "hedge"]),
        ({"ward": "paddock"}, ["bins"]),
        ({"category": "graffiti"}, ["closed"]),
        ({"q": "HEDGE"}, ["hedge"]),
        ({"q": "sw-"}, ["secret", "late", "bins", "hedge", "closed"]),
        ({"q": "100%"}, []),
        ({"ward": "pleck", "category": "litter"}, ["secret"]),
    ],
)
def test_each_filter(session, borough, manager, query, expected):
    assert refs(session, manager, **query) == [borough[k] for k in expected]


def test_the_text_search_finds_a_reference_typed_in_lower_case(session, borough, manager):
    assert refs(session, manager, q=borough["late"].lower()) == [borough["late"]]


def test_overdue_means_an_open_case_past_its_review_or_with_a_late_task(session, borough, manager):
    # "late" is past its next review; "closed" is past it too but resolved: not overdue.
    assert refs(session, manager, overdue=True) == [borough["late"]]
    offer_task(session, borough["bins"], "whg", state="accepted", due_at=NOW - timedelta(hours=1))
    offer_task(session, borough["hedge"], "whg", state="done", due_at=NOW - timedelta(days=3))
    assert set(refs(session, manager, overdue=True)) == {borough["late"], borough["bins"]}
    with unit_of_work(session):
        # Its last review was late, its next one not yet due.
        secret = session.scalar(select(Case.id).where(Case.reference == borough["secret"]))
        session.add(ReviewSchedule(case_id=secret, next_review_at=NOW + timedelta(days=30), overdue=True))
    assert set(refs(session, manager, overdue=True)) == {borough["late"], borough["bins"], borough["secret"]}
    rows = case_search.search_cases(session, manager, CaseQuery(), now=NOW).rows
    assert {r.case.reference: r.overdue for r in rows}[borough["closed"]] is False


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("raised", "ascending", ["closed", "hedge", "bins", "late", "secret"]),
        ("raised", "descending", ["secret", "late", "bins", "hedge", "closed"]),
        ("title", "ascending", ["bins", "closed", "hedge", "secret", "late"]),
        # Pleck's four newest id first (the tie-break), then Paddock's.
        ("ward", "descending", ["closed", "secret", "late", "hedge", "bins"]),
        ("level", "descending", ["late", "closed", "bins", "secret", "hedge"]),
        ("state", "ascending", ["bins", "late", "secret", "hedge", "closed"]),
        # Cases with no review date come last whichever way the column is sorted.
        ("next_review", "ascending", ["closed", "late", "bins", "secret", "hedge"]),
        ("next_review", "descending", ["bins", "late", "closed", "secret", "hedge"]),
        # "Test admin" before "Walsall Council Street Cleansing"; nobody's last.
        ("owner", "ascending", ["late", "closed", "bins", "secret", "hedge"]),
    ],
)
def test_each_sort(session, borough, manager, sort, order, expected):
    shown = refs(session, manager, sort=sort, order=order)
    assert shown == [borough[k] for k in expected]


def test_the_reference_sort_is_the_reference_order(session, borough, manager):
    shown = refs(session, manager, sort="reference", order="ascending")
    assert shown == sorted(shown)


def test_pages_of_fifty_with_a_count(session, manager, make_user):
    admin = principal_for(make_user("admin"))
    for n in range(53):
        make_case(session, admin, f"Litter {n:02d}", days_ago=60 - n)
    first = case_search.search_cases(session, manager, CaseQuery(sort="title", order="ascending"), now=NOW)
    assert (first.total, first.page, first.pages, len(first.rows)) == (53, 1, 2, 50)
    second = case_search.search_cases(session, manager, CaseQuery(sort="title", order="ascending", page=2), now=NOW)
    assert [r.case.title for r in second.rows] == ["Litter 50", "Litter 51", "Litter 52"]
    with pytest.raises(ValidationFailed) as refused:
        case_search.search_cases(session, manager, CaseQuery(page=3), now=NOW)
    assert refused.value.fields == {"page": ["Choose a page from 1 to 2."]}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"ward": "streetly"}, "ward"),
        ({"ward": "nowhere"}, "ward"),
        ({"category": "x"}, "category"),
        ({"owner": "x"}, "owner"),
    ],
)
def test_a_code_the_panel_does_not_offer_is_refused(session, borough, manager, query, field):
    with pytest.raises(ValidationFailed) as refused:
        refs(session, manager, **query)
    assert list(refused.value.fields) == [field]


def test_the_query_is_parsed_and_bad_values_named():
    query = parse_query({"state": "new", "level": "2", "overdue": "yes", "q": " hedge ", "sort": "title", "page": "2"})
    assert query == CaseQuery(state="new", level="2", overdue=True, q="hedge", sort="title", order="descending", page=2)
    assert query.args(page=1) == {"state": "new", "level": "2", "overdue": "yes", "q": "hedge", "sort": "title"}
    with pytest.raises(ValidationFailed) as refused:
        parse_query({"state": "open", "level": "5", "sort": "colour", "order": "up", "page": "0", "overdue": "1"})
    assert sorted(refused.value.fields) == ["level", "order", "overdue", "page", "sort", "state"]


def test_the_filter_panel_offers_only_the_wards_the_manager_covers(session, manager):
    choices = case_search.filter_choices(session, manager)
    assert [w.code for w in choices.wards] == ["paddock", "palfrey", "pleck", "st-matthews"]
    assert choices.owners[0].code == "area-staff" and "whg" in [o.code for o in choices.owners]


def test_the_csv_holds_every_match_in_the_list_order_with_guarded_cells(session, borough, manager, make_user):
    admin = principal_for(make_user("admin"))
    risky = make_case(session, admin, '=HYPERLINK("http://evil")', days_ago=0)
    with unit_of_work(session):
        session.execute(
            update(Case)
            .where(Case.reference == risky)
            .values(reporter_name="Mrs Resident", reporter_email="r@example.org")
        )
    text = case_search.cases_csv(session, manager, CaseQuery(ward="pleck", sort="raised", order="ascending"), now=NOW)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "reference",
        "title",
        "state",
        "level",
        "suggested_level",
        "area",
        "ward",
        "category",
        "owner",
        "raised_at",
        "updated_at",
        "next_review_at",
        "overdue",
    ]
    assert [r[0] for r in rows[1:]] == [borough["closed"], borough["hedge"], borough["late"], borough["secret"], risky]
    late = rows[3]
    assert late[1:9] == [
        "Youths by the shops",
        "in_progress",
        "2",
        "2",
        "SW",
        "pleck",
        "anti-social-behaviour",
        "Test admin",
    ]
    # 23 October 2026 09:30 UTC is 10:30 in London (BST ends on the 25th); 1 November is GMT.
    assert late[9] == "2026-10-23T10:30:00+01:00"
    assert late[11:] == ["2026-11-01T09:30:00+00:00", "yes"]
    assert rows[5][1] == '\'=HYPERLINK("http://evil")'
    assert "Mrs Resident" not in text and "r@example.org" not in text
    assert text.endswith("\r\n")


def test_the_map_has_the_matching_cases_with_coordinates(session, borough, manager):
    with unit_of_work(session):
        session.execute(
            update(Case).where(Case.reference == borough["hedge"]).values(latitude=52.577, longitude=-2.001)
        )
    found = case_search.case_map(session, manager, CaseQuery(), now=NOW)
    assert (found.total, found.placed) == (5, 1)
    assert [(p.reference, p.latitude, p.longitude, p.ward) for p in found.points] == [
        (borough["hedge"], 52.577, -2.001, "Pleck")
    ]
    assert case_search.case_map(session, manager, CaseQuery(state="assigned"), now=NOW).points == []
