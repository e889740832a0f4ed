"""Quick-win spend and cost-avoided claims through the API."""

import threading
from datetime import date, datetime, timedelta, timezone

import pytest

from tasking.unit_of_work import unit_of_work
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def finance(caller):
    return caller("finance")


@pytest.fixture
def case(manager):
    response = manager.post(
        "/api/v1/cases",
        json={
            "title": "Family not coping after a new baby",
            "description": "Health visitor referral.",
            "category": "family-early-help",
            "ward": "st-matthews",
        },
    )
    assert response.status_code == 201
    return response.json


def spend(who, case_id, pence, on=TODAY, **extra):
    return who.post(
        f"/api/v1/cases/{case_id}/spend",
        json={
            "amount_pence": pence,
            "description": "Double buggy on loan",
            "supplier": "Mothercare",
            "spent_on": on.isoformat(),
            **extra,
        },
    )


def budget(who, year=None, area="SW"):
    query = f"?area={area}" + (f"&year={year}" if year else "")
    return who.get(f"/api/v1/budgets{query}").json


def test_the_seeds_worked_example_through_the_api(manager, case):
    compared = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [
                {
                    "description": "Family 1's costs, helped late (Oct 2009 to date)",
                    "unit_cost_pence": 2_619_700,
                    "probability": "1",
                }
            ],
            "costs": [{"description": "Family 2's costs, helped early (June 2010 to date)", "amount_pence": 34_700}],
        },
    )
    assert compared.status_code == 201, compared.json
    assert (compared.json["gross_pence"], compared.json["other_costs_pence"], compared.json["net_pence"]) == (
        2_619_700,
        34_700,
        2_585_000,
    )
    assert compared.json["net"] == "£25,850.00"
    care = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [
                {
                    "description": "Care placement avoided",
                    "unit_cost_pence": 25_900_000,
                    "quantity": 1,
                    "probability": 0.1,
                }
            ]
        },
    )
    assert care.json["gross_pence"] == 2_590_000 and care.json["gross"] == "£25,900.00"
    assert care.json["state"] == "estimated" and "nearest penny" in care.json["rounding"]


def test_spending_reduces_the_remaining_budget_and_reversal_restores_it(manager, case):
    assert budget(manager)["remaining_pence"] == 1_000_000
    made = spend(manager, case["id"], 15_000)
    assert made.status_code == 201 and made.json["amount"] == "£150.00"
    assert budget(manager)["remaining_pence"] == 985_000
    missing_reason = manager.post(f"/api/v1/spend/{made.json['id']}/reversal", json={})
    assert missing_reason.status_code == 422
    reversed_ = manager.post(f"/api/v1/spend/{made.json['id']}/reversal", json={"reason": "Keyed twice"})
    assert reversed_.status_code == 201 and reversed_.json["amount_pence"] == -15_000
    after = budget(manager)
    assert (after["spent_pence"], after["remaining_pence"]) == (0, 1_000_000)
    assert [e["kind"] for e in after["entries"]] == ["spend", "reversal"]
    again = manager.post(f"/api/v1/spend/{made.json['id']}/reversal", json={"reason": "Again"})
    assert again.status_code == 409
    assert manager.post(f"/api/v1/spend/{reversed_.json['id']}/reversal", json={"reason": "x"}).status_code == 409


def test_a_spend_past_the_allocation_is_409_with_the_remaining_amount(manager, case):
    assert spend(manager, case["id"], 990_000).status_code == 201
    refused = spend(manager, case["id"], 10_001)
    assert refused.status_code == 409
    assert "£100.00 remains" in refused.json["error"]["message"]
    assert budget(manager)["spent_pence"] == 990_000
    assert spend(manager, case["id"], 10_000).status_code == 201


def test_spends_on_31_march_and_1_april_fall_in_different_years(manager, case, session, monkeypatch):
    # Only the open year takes spend (issue 20): each is recorded on its own day.
    from sqlalchemy import update

    from tasking.models import Case
    from tests.clock import freeze_clock

    with session.begin():
        session.execute(update(Case).values(created_at=datetime(2026, 3, 1, tzinfo=timezone.utc)))
    march, april = date(2026, 3, 31), date(2026, 4, 1)
    freeze_clock(monkeypatch, datetime(2026, 3, 31, 12, tzinfo=timezone.utc))
    assert spend(manager, case["id"], 1_000, on=march).json["year"] == 2025
    freeze_clock(monkeypatch, datetime(2026, 4, 1, 12, tzinfo=timezone.utc))
    assert spend(manager, case["id"], 2_000, on=april).json["year"] == 2026
    assert budget(manager, 2025)["spent_pence"] == 1_000 and budget(manager, 2025)["label"] == "2025-26"
    assert budget(manager, 2026)["spent_pence"] == 2_000


def test_money_is_whole_pence(manager, case):
    for bad in (150.5, "150", 0, -5):
        response = spend(manager, case["id"], bad)
        assert response.status_code == 422 and "amount_pence" in response.json["error"]["fields"]
    future = spend(manager, case["id"], 100, on=TODAY + timedelta(days=1))
    assert future.status_code == 422


@pytest.mark.parametrize(
    "role, extra, status",
    [
        ("support_officer", {"areas": ["SW"]}, 403),
        ("admin", {}, 403),
        ("finance", {}, 403),
        ("area_manager", {"areas": ["NW"]}, 404),
        ("councillor", {"wards": ["st-matthews"]}, 403),
        ("partner", {"organisation": "childrens-services"}, 404),
    ],
)
def test_only_the_areas_manager_can_spend(caller, case, role, extra, status):
    assert spend(caller(role, **extra), case["id"], 1_000).status_code == status


def test_only_the_areas_manager_reverses(caller, manager, case):
    made = spend(manager, case["id"], 1_000).json
    assert caller("finance").post(f"/api/v1/spend/{made['id']}/reversal", json={"reason": "x"}).status_code == 403
    other = caller("area_manager", areas=["NW"])
    assert other.post(f"/api/v1/spend/{made['id']}/reversal", json={"reason": "x"}).status_code == 404


def test_budgets_are_seen_by_the_area_and_finance_and_set_by_admins(caller, manager, case):
    assert caller("finance").get("/api/v1/budgets?area=SW").status_code == 200
    assert caller("area_manager", areas=["NW"]).get("/api/v1/budgets?area=SW").status_code == 404
    assert caller("partner", organisation="whg").get("/api/v1/budgets?area=SW").status_code == 403
    spend(manager, case["id"], 300_000)
    year = budget(manager)["year"]
    admin = caller("admin")
    assert (
        manager.client.put(
            f"/api/v1/budgets/SW/{year}",
            json={"amount_pence": 2_000_000},
            headers={"Authorization": f"Bearer {manager.token}"},
        ).status_code
        == 403
    )
    raised = admin.client.put(
        f"/api/v1/budgets/SW/{year}",
        json={"amount_pence": 2_000_000},
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert raised.status_code == 200 and raised.json["remaining_pence"] == 1_700_000
    too_low = admin.client.put(
        f"/api/v1/budgets/SW/{year}", json={"amount_pence": 299_999}, headers={"Authorization": f"Bearer {admin.token}"}
    )
    assert too_low.status_code == 409


def test_quick_win_spend_is_counted_in_the_claim(manager, case):
    spend(manager, case["id"], 12_000)
    claim = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [
                {"description": "Emergency placement avoided", "unit_cost_pence": 100_000, "probability": "0.5"}
            ],
            "costs": [{"description": "Area manager's time", "hours": "2.5", "rate_pence": 3_333}],
        },
    ).json
    assert (claim["gross_pence"], claim["quick_win_pence"], claim["other_costs_pence"]) == (50_000, 12_000, 8_333)
    assert (claim["incurred_pence"], claim["net_pence"]) == (20_333, 29_667)


def test_claims_from_the_catalogue(caller, manager, case, finance):
    unit = finance.post(
        "/api/v1/unit-costs",
        json={
            "name": "Week of residential care",
            "amount_pence": 498_000,
            "unit": "week",
            "source": "PSSRU 2025",
            "year": 2025,
        },
    )
    assert unit.status_code == 201
    assert (
        manager.post(
            "/api/v1/unit-costs", json={"name": "x", "amount_pence": 1, "unit": "u", "source": "s", "year": 2025}
        ).status_code
        == 403
    )
    claim = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [
                {
                    "description": "Respite weeks avoided",
                    "unit_cost_id": unit.json["id"],
                    "quantity": "2",
                    "probability": "0.25",
                }
            ]
        },
    )
    assert claim.json["gross_pence"] == 249_000
    both = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [
                {"description": "x", "unit_cost_id": unit.json["id"], "unit_cost_pence": 5, "probability": "1"}
            ]
        },
    )
    assert both.status_code == 422
    assert (
        manager.post(
            f"/api/v1/cases/{case['id']}/cost-avoided",
            json={"outcomes": [{"description": "x", "unit_cost_pence": 5, "probability": "1.5"}]},
        ).status_code
        == 422
    )


def test_only_finance_decides_and_a_verified_claim_is_final(manager, finance, caller, case):
    claim = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={"outcomes": [{"description": "Care avoided", "unit_cost_pence": 25_900_000, "probability": "0.1"}]},
    )
    path, etag = f"/api/v1/claims/{claim.json['id']}", claim.headers["ETag"]
    assert manager.post(f"{path}/decision", json={"decision": "verified"}).status_code == 403
    assert caller("admin").post(f"{path}/decision", json={"decision": "verified"}).status_code == 403
    edited = manager.patch(
        path,
        json={"outcomes": [{"description": "Care avoided", "unit_cost_pence": 25_900_000, "probability": "0.2"}]},
        headers={"If-Match": etag},
    )
    assert edited.status_code == 200 and edited.json["gross_pence"] == 5_180_000
    stale = manager.patch(
        path,
        json={"outcomes": [{"description": "x", "unit_cost_pence": 1, "probability": "1"}]},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412
    verified = finance.post(f"{path}/decision", json={"decision": "verified"})
    assert verified.status_code == 200 and verified.json["state"] == "verified"
    assert verified.json["decided_by_id"] == finance.user.id
    frozen = manager.patch(
        path,
        json={"outcomes": [{"description": "x", "unit_cost_pence": 1, "probability": "1"}]},
        headers={"If-Match": verified.headers["ETag"]},
    )
    assert frozen.status_code == 409
    assert finance.post(f"{path}/decision", json={"decision": "not_supported", "reason": "no"}).status_code == 409
    assert manager.get(path).json["gross_pence"] == 5_180_000


def test_not_supported_needs_a_reason(manager, finance, case):
    claim = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={"outcomes": [{"description": "x", "unit_cost_pence": 100, "probability": "1"}]},
    ).json
    assert finance.post(f"/api/v1/claims/{claim['id']}/decision", json={"decision": "not_supported"}).status_code == 422
    decided = finance.post(
        f"/api/v1/claims/{claim['id']}/decision",
        json={"decision": "not_supported", "reason": "Cannot say the family would follow Family 1's path"},
    )
    assert decided.status_code == 200 and decided.json["decision_reason"].startswith("Cannot say")


def test_racing_spends_never_pass_the_allocation(app, session, make_user, case):
    """20 threads each try five £150 spends against a fresh £10,000: 66 fit (£9,900), 34 are refused."""
    from tasking.services import tokens

    manager = make_user("area_manager", areas=["SW"])
    with unit_of_work(session):
        secret = tokens.issue_token(session, None, manager, name="race", now=datetime.now(timezone.utc)).secret
    statuses, barrier = [], threading.Barrier(20)

    def attempt():
        client = app.test_client()
        barrier.wait()
        for _ in range(5):
            response = client.post(
                f"/api/v1/cases/{case['id']}/spend",
                headers={"Authorization": f"Bearer {secret}"},
                json={"amount_pence": 15_000, "description": "Skip hire", "spent_on": TODAY.isoformat()},
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [201, 409]
    accepted = statuses.count(201)
    assert (accepted, statuses.count(409)) == (66, 34)
    headers = {"Authorization": f"Bearer {secret}"}
    ledger = app.test_client().get("/api/v1/budgets?area=SW", headers=headers).json
    assert ledger["spent_pence"] == accepted * 15_000 <= 1_000_000
    assert len([e for e in ledger["entries"] if e["kind"] == "spend"]) == accepted


def test_finance_changes_part_of_a_unit_cost_and_names_stay_unique(finance, count_rows):
    from tasking.models import UnitCost

    fields = {"amount_pence": 498_000, "unit": "week", "source": "PSSRU 2025", "year": 2025}
    care = finance.post("/api/v1/unit-costs", json={"name": "Week of residential care", **fields}).json
    finance.post("/api/v1/unit-costs", json={"name": "Night in a hostel", **fields})
    changed = finance.patch(f"/api/v1/unit-costs/{care['id']}", json={"amount_pence": 512_000})
    assert changed.status_code == 200, changed.json
    assert (changed.json["amount_pence"], changed.json["name"], changed.json["source"]) == (
        512_000,
        "Week of residential care",
        "PSSRU 2025",
    )
    clash = finance.patch(f"/api/v1/unit-costs/{care['id']}", json={"name": "Night in a hostel"})
    assert clash.status_code == 409
    assert count_rows(UnitCost, UnitCost.name == "Night in a hostel") == 1
    assert (
        finance.patch(f"/api/v1/unit-costs/{care['id']}", json={"name": "Week of residential care"}).status_code == 200
    )
    assert finance.patch("/api/v1/unit-costs/999999", json={"amount_pence": 1}).status_code == 404
