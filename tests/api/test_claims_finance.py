"""Money finance can sign off (issue 18), through the API:

1. finance reads and decides claims on every case, confidential ones included, seeing the claim, its
   lines and of the case only its reference, area, level and category; a councillor and a partner
   get 404; `GET /api/v1/claims` is finance's queue;
2. a case's quick-win spend is netted once across its claims, and each claim says what it carries;
3. probabilities are exact ("1/6"), and what cannot be kept exactly is 422, never rounded.
"""

import itertools
from fractions import Fraction

import pytest
from sqlalchemy import select

from tasking.models import AuditEvent, ClaimOutcome, CostAvoidedClaim
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"
SECRETS = (
    "Mother not coping since the birth",  # title
    "Health visitor: domestic abuse disclosed",  # description
    "14 Caldmore Road",  # address
    "SM-HH-0042",  # subject
    "Mrs Resident",  # resident
    "resident@example.org",
    "Spoke to the family at home",  # a note
)


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def finance(caller):
    return caller("finance")


def raise_case(manager, *, confidential, ward="st-matthews"):
    response = manager.post(
        "/api/v1/cases",
        json={
            "title": SECRETS[0],
            "description": SECRETS[1],
            "category": "family-early-help",
            "ward": ward,
            "address": SECRETS[2],
            "subject_ref": SECRETS[3],
            "confidential": confidential,
            "reporter": {"name": SECRETS[4], "email": SECRETS[5], "consent": True},
        },
    )
    assert response.status_code == 201, response.json
    case = response.json
    assert manager.post(f"/api/v1/cases/{case['id']}/notes", json={"body": SECRETS[6]}).status_code == 201
    return case


OUTCOMES = itertools.count(1)


def claim(who, case, probability="0.1", unit_cost_pence=25_900_000, costs=(), description=None):
    # Each claim avoids an outcome of its own: two claims may not credit the whole of the same one.
    description = description or f"Care placement avoided ({next(OUTCOMES)})"
    return who.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [{"description": description, "unit_cost_pence": unit_cost_pence, "probability": probability}],
            "costs": list(costs),
        },
    )


def spend(manager, case, pence):
    response = manager.post(
        f"/api/v1/cases/{case['id']}/spend",
        json={"amount_pence": pence, "description": "Double buggy", "spent_on": TODAY.isoformat()},
    )
    assert response.status_code == 201, response.json
    return response.json


def assert_tells_nothing_of_the_case(response):
    body = response.get_data(as_text=True)
    told = [secret for secret in SECRETS if secret in body]
    assert not told, told


# 1. Finance on confidential cases ----------------------------------------------------------------


def test_finance_reads_and_decides_a_claim_on_a_confidential_case_and_sees_nothing_personal(manager, finance, caller):
    case = raise_case(manager, confidential=True)
    made = claim(manager, case, description="Care placement avoided").json
    path = f"/api/v1/claims/{made['id']}"

    assert finance.get(f"/api/v1/cases/{case['id']}").status_code == 404  # the case stays closed to finance
    assert finance.get(f"/api/v1/cases/{case['id']}/notes").status_code == 404
    assert finance.get(f"/api/v1/cases/{case['id']}/history").status_code == 404
    read = finance.get(path)
    assert read.status_code == 200, read.json
    assert read.json["case"] == {
        "reference": case["reference"],
        "area": {"code": "SW", "name": "South Walsall"},
        "level": None,
        "category": {"code": "family-early-help", "name": "Family needing early help"},
    }
    assert read.json["outcomes"][0]["description"] == "Care placement avoided"
    assert read.json["gross_pence"] == 2_590_000
    assert_tells_nothing_of_the_case(read)
    listed = finance.get(f"/api/v1/cases/{case['reference']}/cost-avoided")
    assert listed.status_code == 200 and [c["id"] for c in listed.json["items"]] == [made["id"]]
    assert_tells_nothing_of_the_case(listed)

    decided = finance.post(
        f"{path}/decision", json={"decision": "not_supported", "reason": "Cannot say the family would follow that path"}
    )
    assert decided.status_code == 200, decided.json
    assert (decided.json["state"], decided.json["decided_by_id"]) == ("not_supported", finance.user.id)
    assert_tells_nothing_of_the_case(decided)
    # Finance may not make or change claims, on this case or any.
    assert claim(finance, case).status_code == 403

    councillor = caller("councillor", wards=["st-matthews"])
    partner = caller("partner", organisation="childrens-services", areas=["SW"])
    for outsider in (councillor, partner):
        assert outsider.get(path).status_code == 404
        assert outsider.get(f"/api/v1/cases/{case['id']}/cost-avoided").status_code == 404
        assert outsider.post(f"{path}/decision", json={"decision": "verified"}).status_code in (403, 404)
    assert councillor.post(f"{path}/decision", json={"decision": "verified"}).status_code == 403
    # The area's own staff still see everything.
    assert manager.get(f"/api/v1/cases/{case['id']}").json["description"] == SECRETS[1]


def test_a_councillor_reads_the_claims_of_the_open_cases_of_their_ward_only(manager, caller):
    open_case = raise_case(manager, confidential=False)
    made = claim(manager, open_case).json
    councillor = caller("councillor", wards=["st-matthews"])
    assert councillor.get(f"/api/v1/claims/{made['id']}").status_code == 200
    elsewhere = caller("councillor", wards=["pleck"])
    assert elsewhere.get(f"/api/v1/claims/{made['id']}").status_code == 404
    assert caller("borough_officer").get(f"/api/v1/claims/{made['id']}").status_code == 404  # not level four


def test_the_claims_list_is_finances_queue_across_every_area(manager, finance, caller):
    confidential = raise_case(manager, confidential=True)
    ordinary = raise_case(manager, confidential=False)
    north = caller("area_manager", areas=["NW"])
    bloxwich = north.post(
        "/api/v1/cases",
        json={"title": "Damp flat", "description": "d", "category": "housing-disrepair", "ward": "bloxwich-east"},
    ).json
    first = claim(manager, confidential).json
    second = claim(manager, ordinary, probability="1/6").json
    third = claim(north, bloxwich, probability="0.2").json
    finance.post(f"/api/v1/claims/{second['id']}/decision", json={"decision": "verified"})

    everything = finance.get("/api/v1/claims")
    assert everything.status_code == 200
    assert [c["id"] for c in everything.json["items"]] == [first["id"], second["id"], third["id"]]
    assert everything.json["next_cursor"] is None
    assert_tells_nothing_of_the_case(everything)
    waiting = finance.get("/api/v1/claims?state=estimated").json["items"]
    assert [(c["id"], c["state"], c["case"]["area"]["code"]) for c in waiting] == [
        (first["id"], "estimated", "SW"),
        (third["id"], "estimated", "NW"),
    ]
    assert [c["id"] for c in finance.get("/api/v1/claims?area=NW").json["items"]] == [third["id"]]
    assert [c["id"] for c in finance.get("/api/v1/claims?state=verified&area=SW").json["items"]] == [second["id"]]

    # Pages of one, oldest first, with the cursor the previous page gave.
    page = finance.get("/api/v1/claims?page_size=1").json
    seen = [c["id"] for c in page["items"]]
    while page["next_cursor"]:
        page = finance.get(f"/api/v1/claims?page_size=1&cursor={page['next_cursor']}").json
        seen += [c["id"] for c in page["items"]]
    assert seen == [first["id"], second["id"], third["id"]]

    # Area staff see their areas' claims, confidential cases included; another area's filter is 404.
    assert [c["id"] for c in manager.get("/api/v1/claims").json["items"]] == [first["id"], second["id"]]
    assert [c["id"] for c in north.get("/api/v1/claims").json["items"]] == [third["id"]]
    assert north.get("/api/v1/claims?area=SW").status_code == 404
    # A councillor sees the claims of their ward's open cases; a partner none at all.
    councillor = caller("councillor", wards=["st-matthews"])
    assert [c["id"] for c in councillor.get("/api/v1/claims").json["items"]] == [second["id"]]
    assert caller("partner", organisation="whg", areas=["SW"]).get("/api/v1/claims").status_code == 403
    assert finance.get("/api/v1/claims?state=paid").status_code == 422


# 2. Costs counted once ---------------------------------------------------------------------------


def net_of(who, claims):
    return sum(who.get(f"/api/v1/claims/{c['id']}").json["net_pence"] for c in claims)


def test_two_claims_on_a_case_with_100_pounds_of_spend_net_it_once(manager, finance):
    case = raise_case(manager, confidential=False)
    spend(manager, case, 10_000)
    eviction = claim(manager, case, probability="0.2", unit_cost_pence=700_000).json
    care = claim(manager, case, probability="1/10").json
    assert (eviction["gross_pence"], care["gross_pence"]) == (140_000, 2_590_000)
    assert net_of(manager, [eviction, care]) == 140_000 + 2_590_000 - 10_000

    eviction, care = (manager.get(f"/api/v1/claims/{c['id']}").json for c in (eviction, care))
    assert (eviction["quick_win_pence"], eviction["carries_quick_win"]) == (10_000, True)
    assert (care["quick_win_pence"], care["carries_quick_win"]) == (0, False)
    assert eviction["costs_carried"].startswith("Carries £100.00 of the case's quick-win spend")
    assert care["costs_carried"].startswith("Carries none of the case's quick-win spend")
    listed = manager.get(f"/api/v1/cases/{case['id']}/cost-avoided").json["items"]
    assert sum(c["quick_win_pence"] for c in listed) == 10_000


def test_the_spend_moves_when_its_claim_is_not_supported_and_stays_with_a_verified_one(manager, finance, session):
    case = raise_case(manager, confidential=True)
    spend(manager, case, 10_000)
    first = claim(manager, case, probability="1/2", unit_cost_pence=100_000).json
    second = claim(manager, case, probability="1/4", unit_cost_pence=100_000).json
    refused = finance.post(
        f"/api/v1/claims/{first['id']}/decision", json={"decision": "not_supported", "reason": "No evidence"}
    ).json
    # The refused claim keeps its figures as decided; the spend now rides on the other.
    assert (refused["quick_win_pence"], refused["net_pence"]) == (10_000, 40_000)
    assert refused["costs_carried"].startswith("Not supported, so counted in no total. As decided it carried £100.00")
    moved = finance.get(f"/api/v1/claims/{second['id']}").json
    assert (moved["quick_win_pence"], moved["net_pence"]) == (10_000, 15_000)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "claim.costs_moved", AuditEvent.object_id == str(second["id"]))
    ).all()
    assert [(e.before, {k: e.after[k] for k in ("quick_win_pence", "net_pence")}) for e in events] == [
        ({"quick_win_pence": 0, "net_pence": 25_000}, {"quick_win_pence": 10_000, "net_pence": 15_000})
    ]
    assert events[0].actor_id == finance.user.id and events[0].case_id == case["id"]

    verified = finance.post(f"/api/v1/claims/{second['id']}/decision", json={"decision": "verified"}).json
    assert (verified["state"], verified["quick_win_pence"], verified["net_pence"]) == ("verified", 10_000, 15_000)
    # Spend after the verification: the verified claim is final, a new estimate carries the new spend.
    spend(manager, case, 2_500)
    assert finance.get(f"/api/v1/claims/{second['id']}").json["net_pence"] == 15_000
    third = claim(manager, case, probability="1", unit_cost_pence=5_000).json
    assert (third["quick_win_pence"], third["net_pence"]) == (2_500, 2_500)


def test_a_spend_or_its_reversal_moves_the_estimated_claim_that_carries_it(manager, finance):
    case = raise_case(manager, confidential=False)
    first = claim(manager, case, probability="1", unit_cost_pence=50_000).json
    second = claim(manager, case, probability="1", unit_cost_pence=20_000).json
    assert (first["quick_win_pence"], second["quick_win_pence"]) == (0, 0)
    made = spend(manager, case, 12_000)
    assert manager.get(f"/api/v1/claims/{first['id']}").json["net_pence"] == 38_000
    assert manager.get(f"/api/v1/claims/{second['id']}").json["net_pence"] == 20_000
    manager.post(f"/api/v1/spend/{made['id']}/reversal", json={"reason": "Keyed on the wrong case"})
    assert manager.get(f"/api/v1/claims/{first['id']}").json["quick_win_pence"] == 0
    # Editing the carrier keeps it the carrier; its new figures net the spend as it stands.
    spend(manager, case, 3_000)
    etag = manager.get(f"/api/v1/claims/{first['id']}").headers["ETag"]
    edited = manager.patch(
        f"/api/v1/claims/{first['id']}",
        json={"outcomes": [{"description": "x", "unit_cost_pence": 10_000, "probability": "1"}]},
        headers={"If-Match": etag},
    )
    assert edited.status_code == 200, edited.json
    assert (edited.json["quick_win_pence"], edited.json["net_pence"]) == (3_000, 7_000)


# 3. Exact inputs ---------------------------------------------------------------------------------


def test_one_in_six_of_259000_pounds_is_exactly_43166_pounds_67(manager, session):
    case = raise_case(manager, confidential=False)
    made = claim(manager, case, probability="1/6")
    assert made.status_code == 201, made.json
    assert (made.json["gross_pence"], made.json["gross"]) == (4_316_667, "£43,166.67")
    assert made.json["outcomes"][0]["probability"] == "1/6"
    stored = session.scalar(select(ClaimOutcome.probability).where(ClaimOutcome.claim_id == made.json["id"]))
    assert stored == Fraction(1, 6)
    as_number = claim(manager, case, probability=0.1)
    assert (as_number.json["gross_pence"], as_number.json["outcomes"][0]["probability"]) == (2_590_000, "0.1")


@pytest.mark.parametrize("probability", ["0.1666666666", 0.1666666666, "1E-7", "1/0", "1.5", "0.5/1", " 1/6"])
def test_a_probability_that_cannot_be_kept_exactly_is_422_and_stores_nothing(manager, count_rows, probability):
    case = raise_case(manager, confidential=False)
    refused = claim(manager, case, probability=probability)
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["code"] == "validation_error"
    assert list(refused.json["error"]["fields"]["outcomes"]["0"]) == ["probability"]
    assert count_rows(CostAvoidedClaim) == 0


def test_too_precise_is_said_so(manager):
    case = raise_case(manager, confidential=False)
    refused = claim(manager, case, probability="0.1666666666")
    assert refused.json["error"]["fields"]["outcomes"]["0"]["probability"] == [
        "At most 6 decimal places are kept; write a recurring share as a fraction (1/6), so that it is not rounded."
    ]


@pytest.mark.parametrize(
    "line, where, field, says",
    [
        (
            {"outcomes": [{"description": "x", "unit_cost_pence": 100, "probability": "1", "quantity": "1.00005"}]},
            "outcomes",
            "quantity",
            "At most 4 decimal places are kept; give no more.",
        ),
        (
            {
                "outcomes": [{"description": "x", "unit_cost_pence": 100, "probability": "1"}],
                "costs": [{"description": "Time", "hours": "2.505", "rate_pence": 3_333}],
            },
            "costs",
            "hours",
            "At most 2 decimal places are kept; give no more.",
        ),
        (
            {
                "outcomes": [{"description": "x", "unit_cost_pence": 100, "probability": "1"}],
                "costs": [{"description": "Time", "hours": 2.505, "rate_pence": 3_333}],
            },
            "costs",
            "hours",
            "At most 2 decimal places are kept; give no more.",
        ),
    ],
)
def test_quantities_and_hours_finer_than_kept_are_422_never_cut(manager, count_rows, line, where, field, says):
    case = raise_case(manager, confidential=False)
    refused = manager.post(f"/api/v1/cases/{case['id']}/cost-avoided", json=line)
    assert refused.status_code == 422, refused.json
    assert refused.json["error"]["fields"][where]["0"] == {field: [says]}
    assert count_rows(CostAvoidedClaim) == 0


def test_quantities_and_hours_at_their_places_are_kept_exactly(manager):
    case = raise_case(manager, confidential=False)
    made = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [
                {"description": "Nights", "unit_cost_pence": 10_000, "probability": "1", "quantity": "2.0001"}
            ],
            "costs": [{"description": "Time", "hours": "2.25", "rate_pence": 3_333}],
        },
    )
    assert made.status_code == 201, made.json
    assert (made.json["outcomes"][0]["quantity"], made.json["gross_pence"]) == ("2.0001", 20_001)
    assert (made.json["costs"][0]["hours"], made.json["other_costs_pence"]) == ("2.25", 7_499)


def test_a_claim_verified_first_takes_the_spend_so_refusing_the_other_leaves_it_counted(manager, finance):
    case = raise_case(manager, confidential=True)
    spend(manager, case, 10_000)
    first = claim(manager, case, probability="1", unit_cost_pence=100_000).json
    second = claim(manager, case, probability="1", unit_cost_pence=50_000).json
    verified = finance.post(f"/api/v1/claims/{second['id']}/decision", json={"decision": "verified"}).json
    assert (verified["quick_win_pence"], verified["net_pence"]) == (10_000, 40_000)
    refused = finance.post(
        f"/api/v1/claims/{first['id']}/decision", json={"decision": "not_supported", "reason": "No evidence"}
    ).json
    assert refused["quick_win_pence"] == 0
    # The verified figures net the case's £100 once: £500 less £100.
    report = finance.get("/api/v1/reports/value", query_string={"area": "SW"}).json
    assert report["total"]["verified_net_pence"] == 40_000


def test_a_claim_worth_more_than_the_service_takes_is_refused_not_stored(manager, count_rows):
    case = raise_case(manager, confidential=False)
    absurd = manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={
            "outcomes": [
                {
                    "description": "Everything avoided",
                    "unit_cost_pence": 100_000_000_000,
                    "quantity": 1_000_000,
                    "probability": "1",
                }
            ]
        },
    )
    assert absurd.status_code == 422, absurd.json
    assert absurd.json["error"]["code"] == "too_large"
    assert count_rows(CostAvoidedClaim) == 0
