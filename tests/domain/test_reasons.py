"""The sentences a person reads: why a level was suggested (docs/levels.md, each rule code with its
sentence, shown at triage and kept with the level history) and why a case could not be routed
(docs/routing.md, kept on the case in the triage queue)."""

import pytest

from tasking.domain.classification import Facts, Reason, Thresholds, suggest
from tasking.domain.routing import AreaRoute, BoroughRoute, CategoryRoute, Offer, route
from tasking.domain.tasks import TaskRole

T = Thresholds()


@pytest.mark.parametrize(
    "facts, code, message",
    [
        (Facts(), "L1_SIMPLE_ACTION", "One agency, no repeat and no high risk: a simple action now."),
        (Facts(agencies_needed=2), "L2_AGENCIES", "2 agencies are needed."),
        (Facts(similar_recent=1), "L2_REPEAT", "A repeat problem: 2 reports in six months."),
        (
            Facts(referred_back=True),
            "L2_REFERRED_BACK",
            "A level-one case was referred back as more complicated than it looked.",
        ),
        (
            Facts(missed_reviews=3),
            "L2_STALLED",
            "3 review cycles passed with no decision: the simple action has not worked.",
        ),
        (
            Facts(category_default_level=2),
            "L2_CATEGORY_DEFAULT",
            "The category usually needs partnership problem solving.",
        ),
        (Facts(agencies_needed=4), "L3_AGENCIES", "4 agencies are needed."),
        (
            Facts(risk_flags=frozenset({"vulnerable_person", "hate_incident"}), similar_recent=2),
            "L3_RISK_AND_REPEAT",
            "A repeat problem (3 reports in six months) with a high risk flag: hate incident, vulnerable person.",
        ),
        (
            Facts(case_review_category=True, similar_recent=3),
            "L3_CASE_REVIEW",
            "4 reports of the same problem in six months meet the ASB case-review threshold of 3.",
        ),
        (
            Facts(category_default_level=3),
            "L3_CATEGORY_DEFAULT",
            "The category usually needs a multi-agency intervention.",
        ),
        (Facts(barrier_is_borough=True), "L4_BOROUGH_BARRIER", "The barrier is a borough policy or system."),
        (Facts(barrier_area_count=3), "L4_BARRIER_IN_AREAS", "The same barrier is recorded on cases in 3 areas."),
        (
            Facts(category_default_level=4),
            "L4_CATEGORY_DEFAULT",
            "The category needs borough-level systems change.",
        ),
    ],
)
def test_each_rule_gives_its_code_and_sentence(facts, code, message):
    suggestion = suggest(facts, T)
    assert [r.as_dict() for r in suggestion.reasons] == [{"code": code, "message": message}]


@pytest.mark.parametrize(
    "facts, reasons",
    [
        # Flags at level one: never "no high risk", and each flag named.
        (
            Facts(risk_flags=frozenset({"vulnerable_person", "safeguarding"})),
            [
                ("L1_SIMPLE_ACTION", "One agency and no repeat: a simple action now."),
                ("RISK_RECORDED", "High risk recorded: safeguarding, vulnerable person."),
            ],
        ),
        (
            Facts(category_default_level=2, risk_flags=frozenset({"hate_incident"})),
            [
                ("L2_CATEGORY_DEFAULT", "The category usually needs partnership problem solving."),
                ("RISK_RECORDED", "High risk recorded: hate incident."),
            ],
        ),
        # Level three for another reason: the flags still need naming.
        (
            Facts(agencies_needed=3, risk_flags=frozenset({"repeat_victim"})),
            [("L3_AGENCIES", "3 agencies are needed."), ("RISK_RECORDED", "High risk recorded: repeat victim.")],
        ),
        (
            Facts(barrier_is_borough=True, risk_flags=frozenset({"vulnerable_person"})),
            [
                ("L4_BOROUGH_BARRIER", "The barrier is a borough policy or system."),
                ("RISK_RECORDED", "High risk recorded: vulnerable person."),
            ],
        ),
        # The risk-and-repeat rule names every flag already.
        (
            Facts(agencies_needed=3, risk_flags=frozenset({"safeguarding", "repeat_victim"}), similar_recent=1),
            [
                ("L3_AGENCIES", "3 agencies are needed."),
                (
                    "L3_RISK_AND_REPEAT",
                    "A repeat problem (2 reports in six months) with a high risk flag: repeat victim, safeguarding.",
                ),
            ],
        ),
        # A reopening is one more report.
        (Facts(recurrences=1), [("L2_REPEAT", "A repeat problem: 2 reports in six months.")]),
        (
            Facts(case_review_category=True, similar_recent=1, recurrences=1),
            [
                (
                    "L3_CASE_REVIEW",
                    "3 reports of the same problem in six months meet the ASB case-review threshold of 3.",
                )
            ],
        ),
    ],
)
def test_every_recorded_risk_flag_is_named_and_reopenings_are_counted(facts, reasons):
    assert [(r.code, r.message) for r in suggest(facts, T).reasons] == reasons


def test_a_reason_is_stored_as_its_code_and_message():
    assert Reason("L2_REPEAT", "A repeat problem.").as_dict() == {"code": "L2_REPEAT", "message": "A repeat problem."}


@pytest.mark.parametrize("facts", [Facts(), Facts(similar_recent=1), Facts(barrier_is_borough=True)])
def test_the_case_review_flag_is_false_not_missing_when_the_threshold_is_not_met(facts):
    assert suggest(facts, T).case_review_threshold_met is False


def test_the_case_review_flag_is_true_when_met():
    assert suggest(Facts(case_review_category=True, similar_recent=2), T).case_review_threshold_met is True


CATEGORY = CategoryRoute(frontline_organisation_id=10, lead_organisation_id=20)
AREA = AreaRoute(area_manager_user_id=5)
BOROUGH = BoroughRoute(organisation_id=90, officer_user_id=9)


@pytest.mark.parametrize(
    "level, category, area, borough, reason",
    [
        (1, CategoryRoute(None, 20), AREA, BOROUGH, "The category has no front-line service to do a level-one job."),
        (2, CATEGORY, AreaRoute(None), BOROUGH, "The area has no area manager to own a level-two case."),
        (3, CategoryRoute(10, None), AREA, BOROUGH, "The category has no lead partner for a level-three intervention."),
        (4, CATEGORY, AREA, BoroughRoute(None, None), "There is no borough officer to own a level-four case."),
        (0, CATEGORY, AREA, BOROUGH, "There is no level 0."),
    ],
)
def test_an_unroutable_case_waits_in_triage_with_the_reason(level, category, area, borough, reason):
    r = route(level, category, area, borough)
    assert r.queue_reason == reason
    assert not r.routed and not r.has_owner and r.offers == ()


def test_a_level_four_case_goes_to_the_borough_organisation_when_no_officer_is_named():
    r = route(4, CATEGORY, AREA, BoroughRoute(organisation_id=90, officer_user_id=None))
    assert r.routed and (r.owner_organisation_id, r.owner_user_id) == (90, None)


def test_a_level_four_case_goes_to_the_borough_officer_when_no_organisation_is_named():
    r = route(4, CATEGORY, AREA, BoroughRoute(organisation_id=None, officer_user_id=9))
    assert r.routed and (r.owner_organisation_id, r.owner_user_id) == (None, 9)


def test_a_level_three_case_without_supporting_agencies_offers_the_lead_only():
    r = route(3, CATEGORY, AreaRoute(None), BOROUGH)
    assert r.offers == (Offer(20, TaskRole.LEAD),)
    assert (r.owner_organisation_id, r.coordinator_user_id) == (20, None)
