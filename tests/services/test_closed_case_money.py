"""No money moves on a closed case, and a duplicate's claims count in no total (issue 19, finding 4:
"money can be spent on a closed duplicate and its claim still counts"; docs/money.md)."""

import pytest

from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"
SPEND = {"amount_pence": 2_500, "description": "Padlock", "spent_on": TODAY.isoformat()}
CLAIM = {"outcomes": [{"description": "Eviction avoided", "unit_cost_pence": 700_000, "probability": "0.2"}]}


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


def raise_case(manager, ward="pleck", title="Bin store broken into"):
    case = manager.post(
        "/api/v1/cases",
        json={"title": title, "description": "Again.", "category": "anti-social-behaviour", "ward": ward},
    ).json
    decided = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 2, "reason": "Partnership"})
    assert decided.status_code == 200, decided.json
    return case


def close(manager, case, state="resolved"):
    current = manager.get(f"/api/v1/cases/{case['id']}")
    closed = manager.patch(
        f"/api/v1/cases/{case['id']}",
        json={"state": state, "reason": "Done"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.json


@pytest.mark.parametrize("state", ["resolved", "closed", "withdrawn", "duplicate"])
def test_no_spend_and_no_claim_on_a_closed_case(manager, state, count_rows):
    from tasking.models import CostAvoidedClaim, Spend

    case = raise_case(manager)
    if state == "duplicate":
        original = raise_case(manager, ward="paddock", title="Earlier report")
        assert (
            manager.post(f"/api/v1/cases/{case['id']}/duplicate", json={"of": original["reference"]}).status_code == 200
        )
    else:
        close(manager, case, state)

    spent = manager.post(f"/api/v1/cases/{case['id']}/spend", json=SPEND)
    claimed = manager.post(f"/api/v1/cases/{case['id']}/cost-avoided", json=CLAIM)

    for refused, doing in ((spent, "spend quick-win money on it"), (claimed, "make a cost-avoided claim on it")):
        assert refused.status_code == 409
        assert refused.json["error"]["code"] == "case_closed"
        assert refused.json["error"]["message"] == f"{case['reference']} is {state}: reopen it before you {doing}."
    assert count_rows(Spend) == 0 and count_rows(CostAvoidedClaim) == 0


def test_a_reopened_case_takes_spend_and_claims_again(manager):
    case = raise_case(manager)
    close(manager, case)
    assert manager.post(f"/api/v1/cases/{case['id']}/reopen", json={"reason": "Broken into again"}).status_code == 200
    assert manager.post(f"/api/v1/cases/{case['id']}/spend", json=SPEND).status_code == 201
    assert manager.post(f"/api/v1/cases/{case['id']}/cost-avoided", json=CLAIM).status_code == 201


def test_a_claim_on_a_case_later_marked_a_duplicate_counts_in_no_total(manager, caller):
    finance = caller("finance")
    original = raise_case(manager, ward="paddock", title="First report")
    repeat = raise_case(manager)
    on_original = manager.post(
        f"/api/v1/cases/{original['id']}/cost-avoided",
        json={"outcomes": [{"description": "Fire avoided", "unit_cost_pence": 100_000, "probability": "1"}]},
    ).json
    on_repeat = manager.post(f"/api/v1/cases/{repeat['id']}/cost-avoided", json=CLAIM).json
    assert finance.post(f"/api/v1/claims/{on_repeat['id']}/decision", json={"decision": "verified"}).status_code == 200

    def totals():
        total = finance.get("/api/v1/reports/value?area=SW").json["total"]
        return total["verified_net_pence"], total["estimated_net_pence"]

    assert totals() == (140_000, on_original["net_pence"])
    marked = manager.post(f"/api/v1/cases/{repeat['id']}/duplicate", json={"of": original["reference"]})
    assert marked.status_code == 200

    # One incident: what was avoided counts on the original, the duplicate's claim in no column.
    assert totals() == (0, 100_000)
    assert finance.get(f"/api/v1/claims/{on_repeat['id']}").json["state"] == "verified"  # kept as decided

    assert (
        manager.post(f"/api/v1/cases/{repeat['id']}/reopen", json={"reason": "Not the same after all"}).status_code
        == 200
    )
    assert totals() == (140_000, 100_000)
