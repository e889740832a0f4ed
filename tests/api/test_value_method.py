"""The value method through the API (docs/money.md, "The value method"): area staff make a claim
with the standard adjustments, finance reads every adjustment and figure line by line; catalogue
entries bring their price year and confidence grade; claims on linked cases cannot together credit
more than the whole outcome."""

from fractions import Fraction

import pytest

from tasking.config import gdp_deflators
from tasking.domain.money import financial_year
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"
THIS_YEAR = financial_year(TODAY)


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def support(caller):
    return caller("support_officer", areas=["SW"])


@pytest.fixture
def finance(caller):
    return caller("finance")


def raise_case(who, subject="SM-HH-0002"):
    response = who.post(
        "/api/v1/cases",
        json={
            "title": "Family not coping after a new baby",
            "description": "Health visitor referral.",
            "category": "family-early-help",
            "ward": "st-matthews",
            "subject_ref": subject,
        },
    )
    assert response.status_code == 201, response.json
    return response.json


def claim(who, case, *outcomes):
    return who.post(f"/api/v1/cases/{case['id']}/cost-avoided", json={"outcomes": list(outcomes)})


CARE = {"description": "Care placement avoided", "unit_cost_pence": 25_900_000, "probability": "1/10"}


def test_a_claim_with_every_adjustment_is_read_line_by_line_by_finance(manager, finance):
    case = raise_case(manager)
    made = claim(
        manager,
        case,
        {
            **CARE,
            "deadweight": "1/4",
            "deadweight_reason": "  Some families recover without help  ",
            "attribution": 0.5,
            "confidence_grade": 4,
            "cashable": True,
        },
        {
            "description": "Family support worker's visits avoided",
            "unit_cost_pence": 1_000_000,
            "probability": "1",
            "benefit_years": 3,
            "drop_off": "0.1",
        },
    )
    assert made.status_code == 201, made.json
    read = finance.get(f"/api/v1/claims/{made.json['id']}")
    assert read.status_code == 200
    care, visits = read.json["outcomes"]
    assert {k: care[k] for k in care if k not in ("description", "unit_cost_id")} == {
        "unit_cost_pence": 25_900_000,
        "quantity": "1.0000",
        "probability": "0.1",
        "expected_pence": 2_590_000,
        "deadweight": "0.25",
        "deadweight_reason": "Some families recover without help",
        "attribution": "0.5",
        "confidence_grade": 4,
        "price_year": None,
        "benefit_years": 1,
        "drop_off": "0",
        "cashable": True,
        # 2,590,000 x 3/4 x 1/2 = 971,250; grade 4 corrects by 15%: 825,562.5 -> 825,563
        "adjusted_pence": 825_563,
        "low_pence": 679_875,
        "high_pence": 971_250,
    }
    # Three years, a tenth dropping off each, at 3.5%: 1,000,000 x 1389/529 = 2,625,708.88...
    assert (visits["benefit_years"], visits["drop_off"], visits["cashable"]) == (3, "0.1", False)
    assert (visits["low_pence"], visits["adjusted_pence"], visits["high_pence"]) == (2_625_709,) * 3
    totals = {k: read.json[k] for k in ("gross_pence", "adjusted_pence", "low_pence", "high_pence", "net_pence")}
    assert totals == {
        "gross_pence": 2_590_000 + 1_000_000,
        "adjusted_pence": 825_563 + 2_625_709,
        "low_pence": 679_875 + 2_625_709,
        "high_pence": 971_250 + 2_625_709,
        "net_pence": 825_563 + 2_625_709,  # no costs: the net is the adjusted value
    }
    assert (read.json["cashable_pence"], read.json["non_cashable_pence"]) == (825_563, 2_625_709)
    assert read.json["adjusted"] == "£34,512.72"
    assert read.json["price_base_year"] == THIS_YEAR


def test_neutral_adjustments_keep_the_pilots_figures(manager):
    made = claim(manager, raise_case(manager), dict(CARE))
    assert made.status_code == 201, made.json
    line = made.json["outcomes"][0]
    assert (line["deadweight"], line["attribution"], line["drop_off"], line["benefit_years"]) == ("0", "1", "0", 1)
    assert (line["expected_pence"], line["low_pence"], line["adjusted_pence"], line["high_pence"]) == (2_590_000,) * 4
    assert (made.json["gross_pence"], made.json["adjusted_pence"], made.json["net_pence"]) == (2_590_000,) * 3
    assert (made.json["cashable_pence"], made.json["non_cashable_pence"]) == (0, 2_590_000)


@pytest.mark.parametrize(
    "adjustment, field",
    [
        ({"deadweight": "0.2"}, "deadweight_reason"),
        ({"deadweight": "0.2", "deadweight_reason": "   "}, "deadweight_reason"),
        ({"attribution": "3/2"}, "attribution"),
        ({"attribution": "0.1234567"}, "attribution"),
        ({"drop_off": "-0.1"}, "drop_off"),
        ({"deadweight": True}, "deadweight"),
        ({"benefit_years": 0}, "benefit_years"),
        ({"benefit_years": 31}, "benefit_years"),
        ({"confidence_grade": 7}, "confidence_grade"),
        ({"price_year": 1999}, "price_year"),
    ],
)
def test_adjustments_out_of_bounds_are_refused_naming_the_line(manager, adjustment, field):
    refused = claim(manager, raise_case(manager), dict(CARE), {**CARE, **adjustment})
    assert refused.status_code == 422, refused.json
    assert field in str(refused.json)


def test_a_catalogue_entry_brings_its_price_year_and_grade(manager, finance):
    table = {year: Fraction(index) for year, index in gdp_deflators().items()}
    entry = finance.post(
        "/api/v1/unit-costs",
        json={
            "name": "Week of residential care",
            "amount_pence": 498_000,
            "unit": "week",
            "source": "PSSRU 2019",
            "year": 2019,
            "confidence_grade": 2,
        },
    )
    assert entry.status_code == 201, entry.json
    assert entry.json["confidence_grade"] == 2
    ungraded = finance.post(
        "/api/v1/unit-costs",
        json={"name": "Night in a hostel", "amount_pence": 4_000, "unit": "night", "source": "s", "year": THIS_YEAR},
    )
    assert ungraded.json["confidence_grade"] is None
    regraded = finance.patch(f"/api/v1/unit-costs/{ungraded.json['id']}", json={"confidence_grade": 6})
    assert regraded.status_code == 200 and regraded.json["confidence_grade"] == 6
    case = raise_case(manager)
    made = claim(manager, case, {"description": "Respite", "unit_cost_id": entry.json["id"], "probability": "1"})
    assert made.status_code == 201, made.json
    line = made.json["outcomes"][0]
    assert (line["price_year"], line["confidence_grade"]) == (2019, 2)
    # £4,980 of 2019 prices, brought to the reporting year (the table's last year at the latest)
    # and corrected by 5% for grade 2; high is the same without the correction, low with it twice.
    uplift = table[min(THIS_YEAR, max(table))] / table[2019]
    expected = [498_000 * uplift * Fraction(share, 20) for share in (18, 19, 20)]
    assert [line["low_pence"], line["adjusted_pence"], line["high_pence"]] == [round(x) for x in expected]
    assert line["expected_pence"] == made.json["gross_pence"] == 498_000
    # The entry's own year and grade, not the claimant's.
    clash = claim(
        manager,
        case,
        {"description": "Respite", "unit_cost_id": entry.json["id"], "probability": "1", "confidence_grade": 1},
    )
    assert clash.status_code == 422
    assert clash.json["error"]["fields"] == {"outcomes": {"0": {"confidence_grade": ["Set by the catalogue entry."]}}}


def test_linked_cases_cannot_together_credit_more_than_the_whole_outcome(manager, support, finance):
    # The same family, raised twice (the same subject reference): the second case is linked to the first.
    first, second = raise_case(manager), raise_case(support)
    assert claim(manager, first, {**CARE, "attribution": "1/2"}).status_code == 201
    too_much = claim(support, second, {**CARE, "attribution": "2/3", "description": "care  PLACEMENT avoided"})
    assert too_much.status_code == 409, too_much.json
    assert too_much.json["error"]["code"] == "attribution_exceeded"
    assert too_much.json["error"]["message"] == (
        "Claims on this case and the cases linked to it already credit 0.5 of “care  PLACEMENT avoided”; "
        "this claim's 2/3 would credit more than the whole outcome. Attribute at most 0.5 to it here."
    )
    rest = claim(support, second, {**CARE, "attribution": "1/2"})
    assert rest.status_code == 201
    # Another outcome on the same cases is its own whole; an unlinked family's claim is untouched.
    assert claim(support, second, {**CARE, "description": "Police call-outs avoided"}).status_code == 201
    assert claim(manager, raise_case(manager, subject="SM-HH-0999"), dict(CARE)).status_code == 201
    # A claim finance does not support credits nothing, and frees its share.
    decided = finance.post(
        f"/api/v1/claims/{rest.json['id']}/decision", json={"decision": "not_supported", "reason": "No evidence"}
    )
    assert decided.status_code == 200
    assert claim(manager, first, {**CARE, "attribution": "1/2"}).status_code == 201
    # Changing a claim counts its own old lines out.
    first_claim = manager.get(f"/api/v1/cases/{first['id']}/cost-avoided").json["items"][0]
    changed = manager.patch(
        f"/api/v1/claims/{first_claim['id']}",
        json={"outcomes": [{**CARE, "attribution": "1/2"}]},
        headers={"If-Match": manager.get(f"/api/v1/claims/{first_claim['id']}").headers["ETag"]},
    )
    assert changed.status_code == 200, changed.json


def test_the_shipped_deflator_table_is_the_apps(app, tmp_path, monkeypatch):
    table = gdp_deflators()
    assert (min(table), max(table), table[2019], table[2024]) == (1990, 2024, "81.1085", "100")
    assert app.extensions["tasking.policy"].gdp_deflators[2019] == Fraction("81.1085")
    other = tmp_path / "deflators.toml"
    other.write_text('# another release\n[index]\n2020 = "90.5"\n2021 = "91"\n', "utf-8")
    monkeypatch.setenv("GDP_DEFLATORS_FILE", str(other))
    assert gdp_deflators() == {2020: "90.5", 2021: "91"}
