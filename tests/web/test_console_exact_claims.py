"""The console's claim form takes a chance exactly, as the API does (docs/money.md, "Exact inputs"):
one in six as 1/6, kept as the fraction; a decimal finer than six places is shown again with the
reason, never rounded; and each claim on the case page says which of the case's costs it carries."""

from fractions import Fraction

from sqlalchemy import select

from tasking.models import ClaimOutcome, CostAvoidedClaim
from tests.web.test_console_pages import csrf, raise_case, web_user  # noqa: F401 - fixtures
from tests.web.test_refusals import api, case, error_summary, page, post_form  # noqa: F401 - fixtures


def test_one_in_six_is_kept_as_a_fraction_and_the_page_says_what_the_claim_carries(page, case, session):
    response = post_form(
        page,
        case,
        "claims",
        {"claim-outcome": "Care avoided", "claim-unit_cost": "259000", "claim-probability": "1/6"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    outcome = session.scalars(select(ClaimOutcome)).one()
    assert (outcome.probability, outcome.expected_pence) == (Fraction(1, 6), 4_316_667)
    shown = page.get(f"/cases/{case['reference']}").get_data(as_text=True)
    assert "net £43,166.67" in shown
    assert "Carries none of the case&#39;s quick-win spend" in shown


def test_a_chance_finer_than_six_places_is_shown_again_with_the_reason(page, case, count_rows):
    response = post_form(
        page,
        case,
        "claims",
        {"claim-outcome": "Care avoided", "claim-unit_cost": "259000", "claim-probability": "0.1666666666"},
    )
    assert response.status_code == 400
    assert "At most 6 decimal places are kept; write a recurring share as a fraction (1/6)" in error_summary(response)
    assert count_rows(CostAvoidedClaim) == 0
