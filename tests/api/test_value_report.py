"""The value report: totals that add up, the same numbers in CSV, and a valid SVG chart."""

import csv
import io
from datetime import date, datetime, timedelta, timezone
from xml.etree import ElementTree

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tasking.domain.policy import Policy
from tasking.models import Area, CostAvoidedClaim, Spend, User
from tasking.services import cases
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

START, END = date(2026, 4, 1), date(2027, 3, 31)
AREAS = ["SW", "NW", "AB"]
WARDS = {"SW": "pleck", "NW": "blakenall", "AB": "streetly"}

spend_rows = st.lists(st.tuples(st.sampled_from(AREAS), st.integers(1, 500_000), st.integers(-30, 400)), max_size=12)
claim_rows = st.lists(
    st.tuples(
        st.sampled_from(AREAS),
        st.sampled_from(["estimated", "verified", "not_supported"]),
        st.integers(0, 10**7),
        st.integers(0, 10**6),
    ),
    max_size=8,
)


def _fill(session, admin, spends, claims):
    session.execute(delete(Spend.__table__))
    session.execute(delete(CostAvoidedClaim.__table__))
    session.commit()
    areas = {a.code: a for a in session.scalars(select(Area))}
    made = {}
    for code in AREAS:
        with unit_of_work(session):
            made[code] = cases.create_case(
                session,
                principal_for(admin),
                {"title": "Report case", "description": "d", "category": "litter", "ward": WARDS[code]},
                now=datetime(2026, 5, 1, tzinfo=timezone.utc),
                policy=Policy(),
            )
    for code, amount, offset in spends:
        day = START + timedelta(days=offset)
        session.add(
            Spend(
                area_id=areas[code].id,
                year=2026 if day >= START else 2025,
                case_id=made[code].id,
                kind="spend",
                amount_pence=amount,
                description="x",
                spent_on=day,
                created_by_id=admin.id,
            )
        )
    for code, state, gross, other in claims:
        session.add(
            CostAvoidedClaim(
                case_id=made[code].id,
                state=state,
                gross_pence=gross,
                adjusted_pence=gross,
                low_pence=gross,
                high_pence=gross,
                quick_win_pence=0,
                other_costs_pence=other,
                net_pence=gross - other,
                created_by_id=admin.id,
                created_at=datetime(2026, 6, 1, tzinfo=timezone.utc),
                decided_at=None if state == "estimated" else datetime(2026, 6, 2, tzinfo=timezone.utc),
            )
        )
    session.commit()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spends=spend_rows, claims=claim_rows)
def test_report_totals_equal_the_sums_of_the_rows(caller, session, spends, claims):
    admin = caller("admin")
    _fill(session, session.get(User, admin.user.id), spends, claims)
    report = admin.get(f"/api/v1/reports/value?start={START}&end={END}").json

    in_period = [(code, amount) for code, amount, offset in spends if 0 <= offset <= 364]
    assert report["total"]["spent_pence"] == sum(a for _, a in in_period)
    for line in report["areas"]:
        assert line["spent_pence"] == sum(a for code, a in in_period if code == line["key"])
    for state in ("verified", "estimated"):
        assert report["total"][f"{state}_net_pence"] == sum(g - o for _, s, g, o in claims if s == state)
        assert report["total"][f"{state}_gross_pence"] == sum(g for _, s, g, _o in claims if s == state)
    for section in ("areas", "levels", "categories", "months"):
        assert sum(line["spent_pence"] for line in report[section]) == report["total"]["spent_pence"]
    for section in ("areas", "levels", "categories"):
        assert sum(line["verified_net_pence"] for line in report[section]) == report["total"]["verified_net_pence"]
    assert report["total"]["allocation_pence"] == 6 * 1_000_000
    assert report["total"]["remaining_pence"] == 6 * 1_000_000 - report["total"]["spent_pence"]


def _example(manager, finance):
    created = manager.post(
        "/api/v1/cases",
        json={"title": "Youth shelter vandalised", "description": "d", "category": "graffiti", "ward": "pleck"},
    ).json
    manager.post(f"/api/v1/cases/{created['id']}/classification", json={"level": 1})
    manager.post(
        f"/api/v1/cases/{created['id']}/spend",
        json={
            "amount_pence": 45_000,
            "description": "Anti-graffiti paint",
            "spent_on": datetime.now(timezone.utc).date().isoformat(),
        },
    )
    for probability, decide in (("1", True), ("0.5", False)):
        claim = manager.post(
            f"/api/v1/cases/{created['id']}/cost-avoided",
            json={
                "outcomes": [
                    {"description": "Repainting avoided", "unit_cost_pence": 200_000, "probability": probability}
                ]
            },
        ).json
        if decide:
            finance.post(f"/api/v1/claims/{claim['id']}/decision", json={"decision": "verified"})


def test_the_csv_has_the_same_numbers_and_return_on_spend(caller):
    manager, finance = caller("area_manager", areas=["SW"]), caller("finance")
    _example(manager, finance)
    report = finance.get("/api/v1/reports/value").json
    from tasking.domain.money import financial_year, financial_year_bounds

    first, last = financial_year_bounds(financial_year(datetime.now(timezone.utc).date()))
    assert (report["start"], report["end"]) == (first.isoformat(), last.isoformat())  # the current year by default
    south = next(line for line in report["areas"] if line["key"] == "SW")
    assert (south["spent_pence"], south["verified_net_pence"], south["estimated_net_pence"]) == (
        45_000,
        155_000,
        55_000,
    )
    assert south["return_on_spend"] == "3.44"
    level_one = next(line for line in report["levels"] if line["key"] == "1")
    assert level_one["spent_pence"] == 45_000
    response = finance.get("/api/v1/reports/value.csv")
    assert response.content_type.startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_key = {(r["section"], r["key"]): r for r in rows}
    for section, lines in (
        ("area", report["areas"]),
        ("level", report["levels"]),
        ("category", report["categories"]),
        ("month", report["months"]),
        ("total", [report["total"]]),
    ):
        for line in lines:
            row = by_key[(section, line["key"])]
            for measure in ("spent_pence", "verified_net_pence", "estimated_net_pence", "verified_gross_pence"):
                assert int(row[measure]) == line[measure]


def test_area_staff_see_only_their_areas_and_others_none(caller):
    manager = caller("area_manager", areas=["SW"])
    assert [line["key"] for line in manager.get("/api/v1/reports/value").json["areas"]] == ["SW"]
    assert manager.get("/api/v1/reports/value?area=NW").status_code == 404
    assert caller("councillor", wards=["pleck"]).get("/api/v1/reports/value").status_code == 403
    assert caller("partner", organisation="whg").get("/api/v1/reports/value.csv").status_code == 403
    assert manager.get("/api/v1/reports/value?start=2027-01-01&end=2026-01-01").status_code == 422


def test_the_svg_chart_is_valid_with_one_bar_group_per_area(app, caller, session):
    manager, finance = caller("area_manager", areas=["SW"]), caller("finance")
    _example(manager, finance)
    from tasking.services import users
    from tests.web.test_councillor_pages import PASSWORD, sign_in

    with unit_of_work(session):
        users.create_user(
            session,
            None,
            email="finance.web@test.example",
            name="Finance",
            role="finance",
            now=datetime.now(timezone.utc),
            password=PASSWORD,
        )
    client = app.test_client()
    sign_in(client, "finance.web@test.example")
    response = client.get("/reports/value.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    bars = [e.get("id") for e in root.iter() if (e.get("id") or "").startswith("bar-")]
    groups = {bar.split("-")[1] for bar in bars}
    assert groups == {a.code for a in session.scalars(select(Area))}
    assert len(bars) == 3 * len(groups)
    page = client.get("/reports")
    assert page.status_code == 200 and "Value report" in page.get_data(as_text=True)
    assert "£450.00" in page.get_data(as_text=True)
    councillor_client = app.test_client()
    with unit_of_work(session):
        users.create_user(
            session,
            None,
            email="cllr.web@test.example",
            name="Cllr",
            role="councillor",
            now=datetime.now(timezone.utc),
            password=PASSWORD,
            ward_codes=["pleck"],
        )
    sign_in(councillor_client, "cllr.web@test.example")
    assert councillor_client.get("/reports/value.svg").status_code == 403
