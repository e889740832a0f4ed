"""Every routing outcome, the unroutable fallback, and that routing always yields an owner."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasking.domain.routing import AreaRoute, BoroughRoute, CategoryRoute, Offer, route
from tasking.domain.tasks import TaskRole

CATEGORY = CategoryRoute(frontline_organisation_id=10, lead_organisation_id=20, support_organisation_ids=(30, 20, 40))
AREA = AreaRoute(area_manager_user_id=5)
BOROUGH = BoroughRoute(organisation_id=90, officer_user_id=9)


def test_level_one_goes_to_the_front_line_service_never_the_area_manager():
    r = route(1, CATEGORY, AREA, BOROUGH)
    assert (r.owner_organisation_id, r.owner_user_id) == (10, None)
    assert r.offers == (Offer(10, TaskRole.FRONTLINE),)


def test_level_two_goes_to_the_area_manager():
    r = route(2, CATEGORY, AREA, BOROUGH)
    assert (r.owner_organisation_id, r.owner_user_id, r.offers) == (None, 5, ())


def test_level_three_goes_to_the_lead_partner_with_the_area_manager_coordinating():
    r = route(3, CATEGORY, AREA, BOROUGH)
    assert (r.owner_organisation_id, r.coordinator_user_id) == (20, 5)
    assert r.offers == (Offer(20, TaskRole.LEAD), Offer(30, TaskRole.SUPPORT), Offer(40, TaskRole.SUPPORT))


def test_level_four_goes_to_the_borough_officer():
    r = route(4, CATEGORY, AREA, BOROUGH)
    assert (r.owner_organisation_id, r.owner_user_id, r.offers) == (90, 9, ())


@pytest.mark.parametrize(
    "level, category, area, borough, words",
    [
        (1, CategoryRoute(None, 20), AREA, BOROUGH, "front-line"),
        (2, CATEGORY, AreaRoute(None), BOROUGH, "area manager"),
        (3, CategoryRoute(10, None), AREA, BOROUGH, "lead partner"),
        (4, CATEGORY, AREA, BoroughRoute(None, None), "borough officer"),
        (7, CATEGORY, AREA, BOROUGH, "no level 7"),
    ],
)
def test_what_no_rule_routes_waits_in_the_triage_queue_with_the_reason(level, category, area, borough, words):
    r = route(level, category, area, borough)
    assert not r.routed and not r.has_owner
    assert words in r.queue_reason


maybe_id = st.one_of(st.none(), st.integers(1, 50))


@given(
    level=st.integers(1, 4),
    category=st.builds(CategoryRoute, maybe_id, maybe_id, st.tuples(st.integers(1, 50))),
    area=st.builds(AreaRoute, maybe_id),
    borough=st.builds(BoroughRoute, maybe_id, maybe_id),
)
def test_routing_always_yields_an_owner_or_a_queue_reason(level, category, area, borough):
    r = route(level, category, area, borough)
    assert r.has_owner != (r.queue_reason is not None)
    assert len({o.organisation_id for o in r.offers}) == len(r.offers)
    if level == 1 and r.routed:
        assert r.owner_user_id is None  # never the area manager


def test_a_named_lead_replaces_the_front_line_service_and_the_lead_partner():
    named = CATEGORY.led_by(77)
    assert (named.frontline_organisation_id, named.lead_organisation_id) == (77, 77)
    assert named.support_organisation_ids == CATEGORY.support_organisation_ids
    assert CATEGORY.led_by(None) is CATEGORY
    assert route(1, named, AREA, BOROUGH).offers == (Offer(77, TaskRole.FRONTLINE),)
    three = route(3, named, AREA, BOROUGH)
    assert three.owner_organisation_id == 77
    assert three.offers == (Offer(77, TaskRole.LEAD),) + tuple(Offer(o, TaskRole.SUPPORT) for o in (30, 20, 40))


def test_a_front_line_service_that_declined_is_not_offered_the_job_again():
    r = route(1, CATEGORY, AREA, BOROUGH, declined=frozenset({10}))
    assert not r.routed and r.offers == () and not r.has_owner
    assert r.queue_reason == "The front-line service declined the job: name another lead for the case."
    assert route(1, CATEGORY, AREA, BOROUGH, declined=frozenset({20, 30})).offers == (Offer(10, TaskRole.FRONTLINE),)


def test_a_lead_that_declined_leaves_the_case_waiting_for_another_and_declined_supporters_are_left_out():
    r = route(3, CATEGORY, AREA, BOROUGH, declined=frozenset({20}))
    assert not r.routed and r.offers == ()
    assert r.queue_reason == "The lead partner declined to lead: name another lead for the case."
    kept = route(3, CATEGORY, AREA, BOROUGH, declined=frozenset({30}))
    assert kept.offers == (Offer(20, TaskRole.LEAD), Offer(40, TaskRole.SUPPORT))
    # Levels two and four offer nobody a task, so a decline there changes nothing.
    assert route(2, CATEGORY, AREA, BOROUGH, declined=frozenset({10, 20})).owner_user_id == 5
    assert route(4, CATEGORY, AREA, BOROUGH, declined=frozenset({90})).owner_organisation_id == 90
