"""Quick-win spend over £500 as the Local Government Transparency Code 2015 asks (docs/money.md,
"Transparency"): the spend API and the console's spend form take the Code's fields, the export has
the Code's columns, private individuals are never named in it (nor to readers who may not see
personal details), and only those who may read budgets download it."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from tasking.domain.money import financial_year
from tasking.models import AuditEvent, Spend
from tasking.services import transparency
from tests.clock import TODAY
from tests.web.test_console_pages import csrf, web_user  # noqa: F401  (a fixture)

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"
INDIVIDUAL = "Mr Jon Handyman"


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def finance(caller):
    return caller("finance")


def new_case(who, ward="pleck", **extra):
    made = who.post(
        "/api/v1/cases",
        json={"title": "Broken fence by the brook", "description": "d", "category": "litter", "ward": ward, **extra},
    )
    assert made.status_code == 201, made.json
    return made.json


def spend(who, case_id, pence, description, **extra):
    return who.post(
        f"/api/v1/cases/{case_id}/spend",
        json={"amount_pence": pence, "description": description, "spent_on": TODAY.isoformat(), **extra},
    )


def rows(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def ledger(manager):
    """South Walsall's spends: over £500 to a firm, to a private individual, on a confidential case,
    one of exactly £500, one under, and one over £500 reversed."""
    case = new_case(manager)
    secret = new_case(manager, confidential=True)
    made = {
        "firm": spend(
            manager,
            case["id"],
            120_050,
            "Fence panels and posts",
            supplier="Walsall Timber Ltd",
            irrecoverable_vat_pence=2_000,
            merchant_category="Building materials",
        ),
        "person": spend(
            manager,
            case["id"],
            60_000,
            "Labour to fit the fence",
            supplier=INDIVIDUAL,
            supplier_is_individual=True,
            merchant_category="Property maintenance",
        ),
        "secret": spend(manager, secret["id"], 75_000, "Door for the Smith family", supplier="Secure Doors Ltd"),
        "exactly": spend(manager, case["id"], 50_000, "Skip hire", supplier="Skips R Us"),
        "under": spend(manager, case["id"], 2_500, "Padlock", supplier="Hardware shop"),
        "mistake": spend(
            manager, case["id"], 90_000, "Keyed twice", supplier="Walsall Timber Ltd", irrecoverable_vat_pence=1_500
        ),
    }
    assert all(r.status_code == 201 for r in made.values()), {k: r.json for k, r in made.items()}
    reversal = manager.post(f"/api/v1/spend/{made['mistake'].json['id']}/reversal", json={"reason": "Keyed twice"})
    assert reversal.status_code == 201
    return {k: r.json for k, r in made.items()} | {"reversal": reversal.json, "case": case, "secret_case": secret}


def test_the_export_has_the_codes_columns_for_spend_over_500_and_names_no_individual(finance, ledger):
    response = finance.get("/api/v1/reports/transparency.csv")
    text = response.get_data(as_text=True)
    lines = rows(response)
    assert list(lines[0]) == list(transparency.COLUMNS)
    by_number = {int(line["Transaction number"]): line for line in lines}
    # Over £500 only (exactly £500 is not over it), with the mistake and its reversal both shown.
    assert sorted(by_number) == sorted(ledger[k]["id"] for k in ("firm", "person", "secret", "mistake", "reversal"))
    firm = by_number[ledger["firm"]["id"]]
    assert firm == {
        "Date the expenditure was incurred": TODAY.isoformat(),
        "Local authority department": "South Walsall",
        "Beneficiary": "Walsall Timber Ltd",
        "Summary of the purpose of the expenditure": "Fence panels and posts",
        "Amount": "1200.50",
        "VAT that cannot be recovered": "20.00",
        "Merchant category": "Building materials",
        "Transaction number": str(ledger["firm"]["id"]),
    }
    person = by_number[ledger["person"]["id"]]
    assert person["Beneficiary"] == "REDACTED PERSONAL DATA" and person["Amount"] == "600.00"
    assert person["VAT that cannot be recovered"] == ""
    assert INDIVIDUAL not in text and "Handyman" not in text
    # A confidential case's spend says nothing of its purpose.
    secret = by_number[ledger["secret"]["id"]]
    assert secret["Summary of the purpose of the expenditure"] == transparency.CONFIDENTIAL_PURPOSE
    assert "Smith" not in text
    # The reversal is a credit, its VAT with the same sign.
    credit = by_number[ledger["reversal"]["id"]]
    assert (credit["Amount"], credit["VAT that cannot be recovered"]) == ("-900.00", "-15.00")
    assert sum(int(line["Amount"].replace(".", "")) for line in lines) == 120_050 + 60_000 + 75_000


def test_the_period_and_area_narrow_the_export(finance, manager, ledger):
    assert rows(finance.get(f"/api/v1/reports/transparency.csv?start={TODAY + timedelta(days=1)}&end=2099-12-31")) == []
    assert len(rows(finance.get("/api/v1/reports/transparency.csv?area=SW"))) == 5
    assert rows(finance.get("/api/v1/reports/transparency.csv?area=NW")) == []
    assert finance.get("/api/v1/reports/transparency.csv?start=2027-01-01&end=2026-01-01").status_code == 422
    assert finance.get("/api/v1/reports/transparency.csv?start=2026-01-01&end=9999-12-31").status_code == 422


def test_only_those_who_may_read_budgets_download_it(caller, manager, ledger):
    assert len(rows(manager.get("/api/v1/reports/transparency.csv"))) == 5
    for who in (caller("borough_officer"), caller("admin"), caller("support_officer", areas=["SW"])):
        assert len(rows(who.get("/api/v1/reports/transparency.csv"))) == 5
    elsewhere = caller("area_manager", areas=["AB"])
    assert rows(elsewhere.get("/api/v1/reports/transparency.csv")) == []
    assert elsewhere.get("/api/v1/reports/transparency.csv?area=SW").status_code == 404
    for who in (caller("councillor", wards=["pleck"]), caller("partner", organisation="whg")):
        assert who.get("/api/v1/reports/transparency.csv").status_code == 403


def test_the_spend_api_takes_the_codes_fields_and_checks_them(manager, finance, ledger):
    case_id = ledger["case"]["id"]
    assert ledger["firm"]["irrecoverable_vat_pence"] == 2_000
    assert ledger["firm"]["merchant_category"] == "Building materials"
    assert ledger["person"]["supplier_is_individual"] is True
    assert ledger["under"]["supplier_is_individual"] is False and ledger["under"]["irrecoverable_vat_pence"] is None
    too_much = spend(manager, case_id, 10_000, "Paint", irrecoverable_vat_pence=10_001)
    assert too_much.status_code == 422 and "irrecoverable_vat_pence" in too_much.json["error"]["fields"]
    assert spend(manager, case_id, 10_000, "Paint", irrecoverable_vat_pence=10_000).status_code == 201
    assert spend(manager, case_id, 10_000, "Paint", irrecoverable_vat_pence=-1).status_code == 422
    assert spend(manager, case_id, 10_000, "Paint", irrecoverable_vat_pence=1.5).status_code == 422
    assert spend(manager, case_id, 10_000, "Paint", merchant_category="x" * 121).status_code == 422


def test_an_individuals_name_is_shown_to_area_staff_only(session, caller, manager, finance, ledger):
    def supplier_of(who, spend_id):
        entries = who.get("/api/v1/budgets?area=SW").json["entries"]
        return next(e["supplier"] for e in entries if e["id"] == spend_id)

    person = ledger["person"]["id"]
    assert supplier_of(manager, person) == INDIVIDUAL
    assert supplier_of(caller("admin"), person) == INDIVIDUAL
    for reader in (finance, caller("borough_officer")):
        assert supplier_of(reader, person) == "Withheld: a private individual"
        assert supplier_of(reader, ledger["firm"]["id"]) == "Walsall Timber Ltd"
    # Nor is the name copied into the case's history, which councillors and finance read.
    recorded = session.scalars(select(AuditEvent).where(AuditEvent.action == "spend.recorded")).all()
    assert INDIVIDUAL not in str([e.after for e in recorded])
    assert session.get(Spend, person).supplier == INDIVIDUAL  # the ledger keeps it
    history = caller("councillor", wards=["pleck"]).get(f"/api/v1/cases/{ledger['case']['id']}/history").json
    assert INDIVIDUAL not in str(history)


def test_the_console_spend_form_takes_the_codes_fields(session, caller, web_user):  # noqa: F811
    api = caller("area_manager", areas=["SW"])
    web = web_user("area_manager", area_codes=["SW"])
    case = new_case(api)
    page = web.get(f"/cases/{case['reference']}/spend")
    text = page.get_data(as_text=True)
    assert "Merchant category" in text and "VAT that cannot be recovered" in text and "private individual" in text
    data = {
        "spend-csrf_token": csrf(page),
        "spend-amount": "640.00",
        "spend-description": "Labour to fit the fence",
        "spend-supplier": INDIVIDUAL,
        "spend-supplier_is_individual": "y",
        "spend-merchant_category": " Property maintenance ",
        "spend-irrecoverable_vat": "12.50",
        "spend-spent_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
    }
    response = web.post(f"/cases/{case['reference']}/spend", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    made = session.scalars(select(Spend).where(Spend.case_id == case["id"])).one()
    assert (made.amount_pence, made.irrecoverable_vat_pence, made.merchant_category, made.supplier_is_individual) == (
        64_000,
        1_250,
        "Property maintenance",
        True,
    )
    refused = web.post(
        f"/cases/{case['reference']}/spend", data={**data, "spend-amount": "10.00", "spend-irrecoverable_vat": "12.00"}
    )
    assert refused.status_code == 400 and "Must not be more than the amount" in refused.get_data(as_text=True)
    # The download from the reports page and the budget page, for those who may read budgets.
    reports = web.get("/reports")
    assert "Transparency Code" in reports.get_data(as_text=True)
    year = financial_year(TODAY)
    budget_page = web.get("/budget?area=SW").get_data(as_text=True)
    assert f"/reports/transparency.csv?area=SW&amp;start={year}-04-01&amp;end={year + 1}-03-31" in budget_page
    download = web.get("/reports/transparency.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "REDACTED PERSONAL DATA" in download.get_data(as_text=True)
    assert INDIVIDUAL not in download.get_data(as_text=True)


def test_typed_text_never_becomes_a_spreadsheet_formula(finance, manager):
    case = new_case(manager)
    spend(manager, case["id"], 70_000, '=HYPERLINK("http://x")', supplier="+Supplier", merchant_category="@cat")
    [line] = rows(finance.get("/api/v1/reports/transparency.csv"))
    assert line["Summary of the purpose of the expenditure"] == '\'=HYPERLINK("http://x")'
    assert line["Beneficiary"] == "'+Supplier" and line["Merchant category"] == "'@cat"
