"""Every refusal a person can provoke from a form or the API is a 4xx with a message they can act on
(the page shown again with the error on it, or the one error body), never a 500, and stores nothing."""

import pytest

from tasking.domain.policy import Policy
from tasking.models import CostAvoidedClaim, ReviewSchedule, Spend
from tests.clock import NOW, TODAY
from tests.web.test_console_pages import csrf, raise_case, web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import councillor_client, person  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"


@pytest.fixture
def api(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def page(web_user):
    return web_user("area_manager", area_codes=["SW"])


@pytest.fixture
def case(api):
    created = raise_case(api)
    assert (
        api.post(
            f"/api/v1/cases/{created['id']}/classification", json={"level": 2, "reason": "Partnership work"}
        ).status_code
        == 200
    )
    return created


def post_form(page, case, action, fields):
    token = csrf(page.get(f"/cases/{case['reference']}"))
    return page.post(
        f"/cases/{case['reference']}/{action}", headers={"Accept": "text/html"}, data={"csrf_token": token, **fields}
    )


def error_summary(response) -> str:
    html = response.get_data(as_text=True)
    assert "govuk-error-message" in html or "govuk-error-summary" in html, html[:500]
    return html


@pytest.mark.parametrize(
    "amount, says",
    [
        ("0", "A spend is a positive amount"),
        ("-5", "A spend is a positive amount"),
        ("0.00", "A spend is a positive amount"),
        ("12.345", "Enter an amount in pounds and pence"),
        ("lots", "Enter an amount in pounds"),
    ],
)
def test_a_spend_form_with_nothing_or_less_is_shown_again_with_the_reason(page, case, count_rows, amount, says):
    response = post_form(
        page,
        case,
        "spend",
        {
            "spend-amount": amount,
            "spend-description": "Diversion session",
            "spend-spent_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        },
    )
    assert response.status_code == 400
    assert says in error_summary(response)
    assert count_rows(Spend) == 0


@pytest.mark.parametrize(
    "unit_cost, probability, says",
    [
        ("-5", "0.1", "Unit cost and quantity cannot be negative"),
        ("259000", "1.5", "a number from 0 to 1"),
        ("259000", "-0.1", "a number from 0 to 1"),
    ],
)
def test_a_claim_form_with_a_negative_cost_or_impossible_chance_is_shown_again_with_the_reason(
    page, case, count_rows, unit_cost, probability, says
):
    response = post_form(
        page,
        case,
        "claims",
        {"claim-outcome": "Care avoided", "claim-unit_cost": unit_cost, "claim-probability": probability},
    )
    assert response.status_code == 400
    assert says in error_summary(response)
    assert count_rows(CostAvoidedClaim) == 0


@pytest.mark.parametrize("pence", [0, -5, -500])
def test_the_api_refuses_a_spend_of_nothing_or_less_with_422_naming_the_amount(api, case, count_rows, pence):
    response = api.post(
        f"/api/v1/cases/{case['id']}/spend",
        json={"amount_pence": pence, "description": "Diversion session", "spent_on": TODAY.isoformat()},
    )
    assert response.status_code == 422, response.json
    assert "amount_pence" in response.json["error"]["fields"]
    assert count_rows(Spend) == 0


@pytest.mark.parametrize(
    "outcome, field",
    [
        ({"description": "Care avoided", "unit_cost_pence": -100, "probability": "0.1"}, "unit_cost_pence"),
        ({"description": "Care avoided", "unit_cost_pence": 100, "probability": "1.5"}, "probability"),
        ({"description": "Care avoided", "unit_cost_pence": 100, "probability": "0.1", "quantity": "-1"}, "quantity"),
    ],
)
def test_the_api_refuses_an_impossible_claim_line_with_422_naming_the_field(api, case, count_rows, outcome, field):
    response = api.post(f"/api/v1/cases/{case['id']}/cost-avoided", json={"outcomes": [outcome]})
    assert response.status_code == 422, response.json
    assert field in str(response.json["error"]["fields"])
    assert count_rows(CostAvoidedClaim) == 0


def test_a_review_outcome_that_needs_a_level_says_so_on_the_level(api, case, session):
    from datetime import timedelta

    from sqlalchemy import update

    from tasking.services import sweep
    from tasking.unit_of_work import unit_of_work

    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == case["id"])
        .values(next_review_at=NOW - timedelta(minutes=5))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=NOW, policy=Policy())
    review = api.get("/api/v1/reviews").json["items"][0]["id"]
    missing_level = api.post(f"/api/v1/reviews/{review}/decision", json={"outcome": "escalate", "reason": "Worse"})
    assert missing_level.status_code == 422
    assert missing_level.json["error"]["code"] == "level_required"
    assert list(missing_level.json["error"]["fields"]) == ["level"]
    lower = api.post(f"/api/v1/reviews/{review}/decision", json={"outcome": "escalate", "level": 1, "reason": "x"})
    assert (lower.status_code, lower.json["error"]["code"]) == (422, "not_higher")
    no_reason = api.post(f"/api/v1/reviews/{review}/decision", json={"outcome": "close"})
    assert (no_reason.status_code, list(no_reason.json["error"]["fields"])) == (422, ["reason"])


@pytest.mark.parametrize("probability", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_chance_that_is_not_a_number_is_shown_again_with_the_reason(page, case, count_rows, probability):
    response = post_form(
        page,
        case,
        "claims",
        {"claim-outcome": "Care avoided", "claim-unit_cost": "259000", "claim-probability": probability},
    )
    assert response.status_code == 400
    assert "Enter the chance as a number from 0 to 1" in error_summary(response)
    assert count_rows(CostAvoidedClaim) == 0


@pytest.mark.parametrize(
    "field, amount",
    [
        ("claim-unit_cost", "1e30"),
        ("claim-unit_cost", "99999999999999999999"),
        ("claim-incurred", "1e15"),
    ],
)
def test_a_claim_form_with_an_absurd_sum_is_refused_not_overflowed(page, case, count_rows, field, amount):
    fields = {"claim-outcome": "Care avoided", "claim-unit_cost": "259000", "claim-probability": "0.1", field: amount}
    response = post_form(page, case, "claims", fields)
    assert response.status_code == 400
    assert "Enter an amount of at most £1,000,000,000.00" in error_summary(response)
    assert count_rows(CostAvoidedClaim) == 0


def test_a_spend_form_with_an_absurd_sum_is_refused(page, case, count_rows):
    response = post_form(
        page,
        case,
        "spend",
        {
            "spend-amount": "1e30",
            "spend-description": "Diversion session",
            "spend-spent_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
        },
    )
    assert response.status_code == 400
    assert "Enter an amount of at most" in error_summary(response)
    assert count_rows(Spend) == 0


def test_hand_made_posts_to_hidden_fields_are_refused_on_the_form(page, case):
    token = csrf(page.get(f"/cases/{case['reference']}"))
    confirm = page.post(
        f"/triage/{case['reference']}/confirm",
        headers={"Accept": "text/html"},
        data={"csrf_token": token, f"confirm-{case['id']}-level": "abc"},
    )
    assert confirm.status_code == 400
    close = post_form(page, case, "state", {"state-state": "resolved", "state-reason": "Done", "state-version": "abc"})
    assert close.status_code == 400
    assert "Reload the case and try again" in error_summary(close)


@pytest.mark.parametrize("latitude", ["NaN", "sNaN", "Infinity"])
def test_a_councillors_request_with_a_place_that_is_not_a_number_is_shown_again(
    councillor_client, count_rows, latitude
):
    from tasking.models import Case
    from tests.web.test_councillor_pages import csrf_from

    token = csrf_from(councillor_client.get("/requests/new"))
    response = councillor_client.post(
        "/requests/new",
        headers={"Accept": "text/html"},
        data={
            "csrf_token": token,
            "ward": "st-matthews",
            "category": "potholes",
            "address": "Vicarage Street",
            "description": "A deep pothole by the crossing.",
            "latitude": latitude,
            "longitude": "-1.98",
        },
    )
    assert response.status_code == 400
    assert "Latitude must be a number" in response.get_data(as_text=True)
    assert count_rows(Case) == 0
