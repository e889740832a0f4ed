"""The triage queue's order (docs/levels.md, "The order of the triage queue"): ASB case reviews
first, then the riskiest, then the highest suggested level, then the oldest; the API's keyset pages
and the console's numbered pages agree (issue 19, finding 2: a level-1 hedge sat above a level-3
case review)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from tasking.domain.policy import Policy
from tasking.models import Case
from tasking.services import cases, triage
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def manager(make_user):
    return principal_for(make_user("area_manager", areas=["SW"]))


def waiting(session, who, title, *, days_old, level, case_review=False, risk_flags=(), ward="pleck"):
    """A waiting case with the facts the order depends on set as given (the rules that set them
    have their own tests)."""
    with unit_of_work(session):
        case = cases.create_case(
            session,
            who,
            {
                "title": title,
                "description": "d",
                "category": "litter",
                "ward": ward,
                "risk_flags": list(risk_flags),
            },
            now=NOW,
            policy=Policy(),
        )
    with unit_of_work(session):
        session.execute(
            update(Case)
            .where(Case.id == case.id)
            .values(
                case_review_flag=case_review,
                suggested_level=level,
                created_at=NOW - timedelta(days=days_old),
            )
        )
    return case.reference


def queue_order(session, who, size):
    seen, cursor = [], None
    while True:
        page = triage.triage_queue(session, who, triage.TriageFilters(), cursor=cursor, size=size)
        seen += [item["case"].reference for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


def test_a_level_three_case_review_sits_above_a_level_one_hedge_with_risk_flags(session, manager):
    hedge = waiting(session, manager, "Hedge over the path", days_old=30, level=1, risk_flags=["vulnerable_person"])
    review = waiting(session, manager, "Third report of intimidation", days_old=1, level=3, case_review=True)
    order = queue_order(session, manager, size=50)
    assert order.index(review) < order.index(hedge)


def test_the_full_order_on_every_page_of_the_api_and_of_the_table(session, manager):
    newer_plain_2 = waiting(session, manager, "Newer plain level 2", days_old=2, level=2, ward="palfrey")
    tie_on_age = waiting(session, manager, "Same age, later id", days_old=2, level=2, ward="paddock")
    level_4 = waiting(session, manager, "Level 4, no risk", days_old=1, level=4)
    one_flag = waiting(session, manager, "One risk flag", days_old=3, level=1, risk_flags=["safeguarding"])
    two_flags = waiting(
        session, manager, "Two risk flags", days_old=1, level=1, risk_flags=["safeguarding", "repeat_victim"]
    )
    older_plain_2 = waiting(session, manager, "Older plain level 2", days_old=9, level=2, ward="st-matthews")
    review_3 = waiting(session, manager, "Case review at level 3", days_old=0, level=3, case_review=True)
    review_risky = waiting(
        session, manager, "Case review with a flag", days_old=0, level=2, case_review=True, risk_flags=["hate_incident"]
    )
    expected = [
        review_risky,  # a case review, and a risk flag
        review_3,  # a case review
        two_flags,  # two risk flags beat one
        one_flag,
        level_4,  # no risk: the higher suggested level first
        older_plain_2,  # the same level: the oldest first
        newer_plain_2,  # the same age: the lower id first
        tie_on_age,
    ]
    for size in (1, 3, 50):
        assert queue_order(session, manager, size) == expected
    table = [
        row["case"].reference
        for page in (1, 2, 3)
        for row in triage.triage_table(
            session, manager, triage.TriageFilters(), sort=None, descending=False, page=page, size=3
        ).rows
    ]
    assert table == expected
    first = triage.triage_table(session, manager, triage.TriageFilters(), sort=None, descending=False, page=1, size=3)
    assert (first.total, first.pages) == (8, 3)


def test_a_column_sort_breaks_ties_in_the_queue_order(session, manager):
    plain = waiting(session, manager, "Plain", days_old=5, level=2)
    risky = waiting(session, manager, "Risky", days_old=1, level=2, risk_flags=["safeguarding"])
    low = waiting(session, manager, "Low", days_old=9, level=1)
    rows = triage.triage_table(
        session, manager, triage.TriageFilters(), sort="level", descending=True, page=1, size=50
    ).rows
    assert [row["case"].reference for row in rows] == [risky, plain, low]
    oldest_first = triage.triage_table(
        session, manager, triage.TriageFilters(), sort="age", descending=True, page=1, size=50
    ).rows
    assert [row["case"].reference for row in oldest_first] == [low, plain, risky]
