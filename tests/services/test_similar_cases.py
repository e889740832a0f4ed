"""Reports of the same problem are found, linked both ways, and counted toward the thresholds
(docs/levels.md, "The same problem": the same household for person-based categories such as
anti-social behaviour, the same place for place-based ones)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tasking.domain.policy import Policy
from tasking.domain.similarity import months_before
from tasking.models import Case, CaseLink
from tasking.services import cases
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 9, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def manager(make_user):
    return principal_for(make_user("area_manager", areas=["SW", "NW"]))


def raise_at(session, who, when, **fields):
    data = {
        "title": "Youths shouting at the shop",
        "description": "Every evening.",
        "category": "anti-social-behaviour",
        "ward": "pleck",
        "subject_ref": "PL-HH-0001",
        **fields,
    }
    with unit_of_work(session):
        return cases.create_case(session, who, data, now=when, policy=Policy())


def links(session, case_id):
    return set(
        session.scalars(select(CaseLink.other_case_id).where(CaseLink.case_id == case_id, CaseLink.kind == "similar"))
    )


def test_reports_about_the_same_household_are_linked_both_ways(session, manager):
    first = raise_at(session, manager, NOW - timedelta(days=10), ward="palfrey")
    second = raise_at(session, manager, NOW, subject_ref=" pl-hh-0001 ")
    assert second.subject_ref == "PL-HH-0001"
    assert links(session, second.id) == {first.id}
    assert links(session, first.id) == {second.id}


def test_other_categories_other_households_and_the_same_ward_alone_are_not_similar(session, manager):
    raise_at(session, manager, NOW - timedelta(days=1), category="fire-risk")
    raise_at(session, manager, NOW - timedelta(days=1), subject_ref="PL-HH-0002")
    raise_at(session, manager, NOW - timedelta(days=1), subject_ref=None)
    case = raise_at(session, manager, NOW)
    assert links(session, case.id) == set()
    assert case.suggested_level == 2  # the category's default; no repeat
    unknown = raise_at(session, manager, NOW, subject_ref=None)
    assert links(session, unknown.id) == set()


def test_the_six_month_edge(session, manager):
    edge = months_before(NOW, 6)
    on_edge = raise_at(session, manager, edge)
    raise_at(session, manager, edge - timedelta(seconds=1))
    case = raise_at(session, manager, NOW)
    assert links(session, case.id) == {on_edge.id}


# Doorstep lending is place-based with no radius of its own: the policy's (250 m by default) applies.
LENDING = {"category": "debt-doorstep-lending", "subject_ref": None}


def test_cases_within_the_radius_in_another_ward_are_similar(session, manager):
    # Pleck and Palfrey are neighbours; 0.002 degrees of latitude is about 222 m.
    near = raise_at(
        session, manager, NOW - timedelta(days=2), ward="palfrey", latitude=52.5800, longitude=-1.9900, **LENDING
    )
    far = raise_at(
        session, manager, NOW - timedelta(days=2), ward="palfrey", latitude=52.5830, longitude=-1.9900, **LENDING
    )
    case = raise_at(session, manager, NOW, latitude=52.5780, longitude=-1.9900, **LENDING)
    assert links(session, case.id) == {near.id}
    assert far.id not in links(session, case.id)


def test_the_radius_comes_from_configuration(session, manager):
    raise_at(session, manager, NOW - timedelta(days=2), ward="palfrey", latitude=52.5800, longitude=-1.9900, **LENDING)
    with unit_of_work(session):
        case = cases.create_case(
            session,
            manager,
            {
                "title": "Lender at the door",
                "description": "d",
                "category": "debt-doorstep-lending",
                "ward": "pleck",
                "latitude": 52.5780,
                "longitude": -1.9900,
            },
            now=NOW,
            policy=Policy(similar_radius_m=100),
        )
    assert links(session, case.id) == set()


def test_a_categorys_own_radius_wins_over_the_policys(session, manager):
    # Fly-tipping compares within 100 m (tasking/data/walsall.toml): 222 m apart is another tip.
    tip = {"category": "fly-tipping", "subject_ref": None}
    near = raise_at(session, manager, NOW - timedelta(days=2), latitude=52.5785, longitude=-1.9900, **tip)
    raise_at(session, manager, NOW - timedelta(days=2), latitude=52.5800, longitude=-1.9900, **tip)
    case = raise_at(session, manager, NOW, latitude=52.5780, longitude=-1.9900, **tip)
    assert links(session, case.id) == {near.id}


def test_without_coordinates_the_postcode_and_then_the_address_decide(session, manager):
    litter = {"category": "litter", "subject_ref": None}
    by_postcode = raise_at(session, manager, NOW - timedelta(days=3), postcode="ws2 8aa", ward="palfrey", **litter)
    by_address = raise_at(session, manager, NOW - timedelta(days=3), address="3  Pleck Road", **litter)
    raise_at(session, manager, NOW - timedelta(days=3), address="3 Pleck Road", ward="paddock", **litter)
    both = raise_at(session, manager, NOW - timedelta(days=3), postcode="WS2 8AB", address="3 Pleck Road", **litter)
    # Both have postcodes: they decide.
    case = raise_at(session, manager, NOW, postcode="WS2 8AA", **litter)
    assert links(session, case.id) == {by_postcode.id}
    # Not both: the address in the same ward decides.
    other = raise_at(session, manager, NOW, address="3 pleck road", **litter)
    assert links(session, other.id) == {by_address.id, both.id}
    # Another postcode at the same address text: the same address only with the report that has none.
    elsewhere = raise_at(session, manager, NOW, postcode="WS2 8AC", address="3 Pleck Road", **litter)
    assert links(session, elsewhere.id) == {by_address.id, other.id}


def test_the_third_asb_report_in_six_months_meets_the_case_review_threshold(session, manager):
    first = raise_at(session, manager, NOW - timedelta(days=60))
    second = raise_at(session, manager, NOW - timedelta(days=30))
    assert not second.case_review_flag and second.suggested_level == 2
    third = raise_at(session, manager, NOW)
    assert third.case_review_flag and third.suggested_level == 3
    assert third.suggestion_reasons[0]["code"] == "L3_CASE_REVIEW"
    session.expire_all()
    # The earlier reports, still waiting in triage, are re-suggested too.
    assert [session.get(Case, c.id).suggested_level for c in (first, second)] == [3, 3]
    assert all(session.get(Case, c.id).case_review_flag for c in (first, second))


def test_a_repeat_of_a_simple_problem_is_level_two_and_with_a_risk_flag_level_three(session, manager):
    litter = {"category": "litter", "subject_ref": None, "postcode": "WS2 8AA"}
    raise_at(session, manager, NOW - timedelta(days=5), **litter)
    repeat = raise_at(session, manager, NOW, **litter)
    assert repeat.suggested_level == 2
    risky = raise_at(session, manager, NOW, risk_flags=["vulnerable_person"], **litter)
    assert risky.suggested_level == 3


def test_links_are_capped_but_every_report_counts(session, manager):
    policy = Policy(similar_link_limit=2)
    litter = {"title": "Litter", "description": "d", "category": "litter", "ward": "pleck", "postcode": "WS2 8AA"}
    for days in range(4):
        with unit_of_work(session):
            cases.create_case(session, manager, litter, now=NOW - timedelta(days=days + 1), policy=policy)
    with unit_of_work(session):
        case = cases.create_case(session, manager, litter, now=NOW, policy=policy)
    assert len(links(session, case.id)) == 2
    assert "5 reports" in case.suggestion_reasons[0]["message"]
