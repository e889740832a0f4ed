"""The value report (docs/money.md, "The value report"): every section's lines add up to the total
for every measure (spend; verified, estimated and not-supported cost avoided, each gross, adjusted
and net; verified split by follow-up), the totals are what the claims say, return on spend counts
only the cases that had spend, and the CSV and the chart carry the same split."""

import csv
import io
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from xml.etree import ElementTree

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

import tasking.clock
from tasking.domain.policy import Policy
from tasking.models import Area, Case, ClaimFollowUp, CostAvoidedClaim, Spend, User
from tasking.services import cases, value_report
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

START, END = date(2026, 4, 1), date(2027, 3, 31)
AREAS = ["SW", "NW", "AB"]
WARDS = {"SW": "pleck", "NW": "blakenall", "AB": "streetly"}
# Two cases per area: the first untriaged litter, the second level-2 graffiti.
CASE_KINDS = [("litter", None), ("graffiti", 2)]
GROUPS = ("verified", "estimated", "not_supported", "confirmed", "not_confirmed", "verified_only")
FOLLOW_UP = st.sampled_from([None, "pending", "confirmed", "not_confirmed"])

spend_rows = st.lists(
    st.tuples(st.sampled_from(AREAS), st.integers(0, 1), st.integers(1, 500_000), st.integers(-30, 400)),
    max_size=12,
)
claim_rows = st.lists(
    st.tuples(
        st.sampled_from(AREAS),
        st.integers(0, 1),
        st.sampled_from(["estimated", "verified", "not_supported"]),
        st.integers(0, 10**7),  # gross
        st.integers(0, 100),  # adjusted as a percentage of gross
        st.integers(0, 10**6),  # costs incurred
        st.integers(-30, 400),  # the day the claim was made, from START
        st.tuples(FOLLOW_UP, FOLLOW_UP),  # the 6- and 12-month checks
    ),
    max_size=10,
)


def _fill(session, admin, spends, claims):
    session.execute(delete(ClaimFollowUp.__table__))
    session.execute(delete(Spend.__table__))
    session.execute(delete(CostAvoidedClaim.__table__))
    session.commit()
    areas = {a.code: a for a in session.scalars(select(Area))}
    made = {}
    for code in AREAS:
        for index, (category, level) in enumerate(CASE_KINDS):
            with unit_of_work(session):
                case = cases.create_case(
                    session,
                    principal_for(admin),
                    {"title": "Report case", "description": "d", "category": category, "ward": WARDS[code]},
                    now=datetime(2026, 5, 1, tzinfo=timezone.utc),
                    policy=Policy(),
                )
            if level is not None:
                # A levelled case has an owner (the database checks it).
                session.execute(update(Case).where(Case.id == case.id).values(level=level, owner_user_id=admin.id))
            made[(code, index)] = case.id
    for code, index, amount, offset in spends:
        day = START + timedelta(days=offset)
        session.add(
            Spend(
                area_id=areas[code].id,
                year=2026 if day >= START else 2025,
                case_id=made[(code, index)],
                kind="spend",
                amount_pence=amount,
                description="x",
                spent_on=day,
                created_by_id=admin.id,
            )
        )
    for code, index, state, gross, percent, other, offset, checks in claims:
        adjusted = gross * percent // 100
        made_at = datetime.combine(START + timedelta(days=offset), time(12), tzinfo=timezone.utc)
        claim = CostAvoidedClaim(
            case_id=made[(code, index)],
            state=state,
            gross_pence=gross,
            adjusted_pence=adjusted,
            low_pence=adjusted,
            high_pence=adjusted,
            quick_win_pence=0,
            other_costs_pence=other,
            net_pence=adjusted - other,
            created_by_id=admin.id,
            created_at=made_at,
            decided_at=None if state == "estimated" else made_at,
        )
        session.add(claim)
        session.flush()
        for months, outcome in zip((6, 12), checks, strict=True):
            if outcome is not None and state == "verified":
                session.add(
                    ClaimFollowUp(
                        claim_id=claim.id,
                        months=months,
                        due_on=made_at.date() + timedelta(days=30 * months),
                        state=outcome,
                        decided_at=None if outcome == "pending" else made_at,
                    )
                )
    session.commit()
    return made


def _expected(spends, claims):
    """The report's totals worked out from the rows, independently of the service."""
    in_period = [(code, index, amount) for code, index, amount, offset in spends if 0 <= offset <= 364]
    with_spend = {(code, index) for code, index, _amount in in_period}
    totals = dict.fromkeys(value_report.MEASURES, 0)
    totals["spent_pence"] = sum(amount for _code, _index, amount in in_period)
    for code, index, state, gross, percent, other, offset, checks in claims:
        if not 0 <= offset <= 364:
            continue
        adjusted = gross * percent // 100
        figures = {"gross": gross, "adjusted": adjusted, "net": adjusted - other}
        groups = [state]
        if state == "verified":
            answered = [(months, outcome) for months, outcome in zip((6, 12), checks, strict=True) if outcome]
            answered = [(months, outcome) for months, outcome in answered if outcome != "pending"]
            groups.append(max(answered)[1] if answered else "verified_only")
            if (code, index) in with_spend:
                totals["verified_net_with_spend_pence"] += figures["net"]
        for group in groups:
            for figure, amount in figures.items():
                totals[f"{group}_{figure}_pence"] += amount
    return totals


def _ratio(numerator, denominator):
    if denominator <= 0:
        return None
    return str((Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spends=spend_rows, claims=claim_rows)
def test_report_totals_equal_the_sums_of_the_lines_for_every_measure(caller, session, spends, claims):
    admin = caller("admin")
    _fill(session, session.get(User, admin.user.id), spends, claims)
    report = admin.get(f"/api/v1/reports/value?start={START}&end={END}").json
    total = report["total"]

    # The totals are what the rows say, measure by measure.
    expected = _expected(spends, claims)
    assert {m: total[m] for m in value_report.MEASURES} == expected
    # Verified splits exactly into what the follow-up checks found.
    for figure in ("gross", "adjusted", "net"):
        assert total[f"verified_{figure}_pence"] == sum(
            total[f"{group}_{figure}_pence"] for group in ("confirmed", "not_confirmed", "verified_only")
        )
    # Every section's lines add up to the total, for every measure.
    for section in ("areas", "levels", "categories", "months"):
        for measure in value_report.MEASURES:
            assert sum(line[measure] for line in report[section]) == total[measure], (section, measure)
    # Return on spend: verified net of the cases with spend over their spend; never per month.
    assert total["return_on_spend"] == _ratio(expected["verified_net_with_spend_pence"], expected["spent_pence"])
    for line in report["areas"] + report["levels"] + report["categories"]:
        assert line["return_on_spend"] == _ratio(line["verified_net_with_spend_pence"], line["spent_pence"])
    assert all(line["return_on_spend"] is None for line in report["months"])
    assert total["allocation_pence"] == 6 * 1_000_000
    assert total["remaining_pence"] == 6 * 1_000_000 - total["spent_pence"]

    # The CSV carries the same figures, line for line, every measure.
    rows = list(csv.DictReader(io.StringIO(admin.get(f"/api/v1/reports/value.csv?start={START}&end={END}").text)))
    sections = {"total": [total], "area": report["areas"], "level": report["levels"]}
    sections |= {"category": report["categories"], "month": report["months"]}
    assert len(rows) == sum(len(lines) for lines in sections.values())
    by_key = {(row["section"], row["key"]): row for row in rows}
    for section, lines in sections.items():
        for line in lines:
            row = by_key[(section, line["key"])]
            assert {m: int(row[m]) for m in value_report.MEASURES} == {m: line[m] for m in value_report.MEASURES}
            assert (row[value_report.RETURN_COLUMN] or None) == line["return_on_spend"]


def test_months_carry_cost_avoided_by_the_day_the_claim_was_made(caller, session):
    admin = caller("admin")
    claims = [
        ("SW", 0, "verified", 100_000, 100, 0, 10, (None, None)),  # 11 April 2026
        ("SW", 0, "estimated", 50_000, 100, 0, 40, (None, None)),  # 11 May 2026
        ("SW", 1, "not_supported", 70_000, 100, 0, 41, (None, None)),
    ]
    _fill(session, session.get(User, admin.user.id), [("SW", 0, 20_000, 45)], claims)
    months = {line["key"]: line for line in admin.get(f"/api/v1/reports/value?start={START}&end={END}").json["months"]}
    assert sorted(months) == ["SW 2026-04", "SW 2026-05"]
    assert months["SW 2026-04"]["verified_net_pence"] == 100_000 and months["SW 2026-04"]["spent_pence"] == 0
    assert months["SW 2026-05"]["estimated_net_pence"] == 50_000
    assert months["SW 2026-05"]["not_supported_gross_pence"] == 70_000
    assert months["SW 2026-05"]["spent_pence"] == 20_000


def _example(manager, finance):
    """South Walsall: a level-one case with £450 of spend and two claims (one verified, one estimated),
    a case with no spend and a verified claim, and a claim finance did not support."""
    today = tasking.clock.today().isoformat()  # the UK day the service dates by

    def case(title, category):
        created = manager.post(
            "/api/v1/cases", json={"title": title, "description": "d", "category": category, "ward": "pleck"}
        ).json
        manager.post(f"/api/v1/cases/{created['id']}/classification", json={"level": 1})
        return created["id"]

    def claim(case_id, what, pence, probability, decision=None):
        made = manager.post(
            f"/api/v1/cases/{case_id}/cost-avoided",
            json={"outcomes": [{"description": what, "unit_cost_pence": pence, "probability": probability}]},
        )
        assert made.status_code == 201, made.json
        if decision:
            body = {"decision": decision, "reason": "No evidence the repairs were needed."}
            assert finance.post(f"/api/v1/claims/{made.json['id']}/decision", json=body).status_code == 200
        return made.json["id"]

    shelter = case("Youth shelter vandalised", "graffiti")
    spent = manager.post(
        f"/api/v1/cases/{shelter}/spend",
        json={"amount_pence": 45_000, "description": "Anti-graffiti paint", "spent_on": today},
    )
    assert spent.status_code == 201, spent.json
    ids = {
        "repainting": claim(shelter, "Repainting avoided", 200_000, "1", "verified"),
        "glass": claim(shelter, "Shelter glass avoided", 200_000, "1/2"),
        "eviction": claim(case("Rent arrears", "anti-social-behaviour"), "Eviction avoided", 500_000, "1", "verified"),
        "door": claim(case("Door kicked in", "anti-social-behaviour"), "Door avoided", 30_000, "1", "not_supported"),
    }
    return {name: finance.get(f"/api/v1/claims/{claim_id}").json for name, claim_id in ids.items()}


def test_return_on_spend_counts_only_the_cases_that_had_spend_and_the_csv_says_so(caller):
    manager, finance = caller("area_manager", areas=["SW"]), caller("finance")
    claims = _example(manager, finance)
    report = finance.get("/api/v1/reports/value").json
    from tasking.domain.money import financial_year, financial_year_bounds

    first, last = financial_year_bounds(financial_year(datetime.now(timezone.utc).date()))
    assert (report["start"], report["end"]) == (first.isoformat(), last.isoformat())  # the current year by default
    south = next(line for line in report["areas"] if line["key"] == "SW")
    repainting, glass, eviction, door = (claims[k] for k in ("repainting", "glass", "eviction", "door"))
    # The case's £450 is counted once across its two claims.
    assert repainting["net_pence"] + glass["net_pence"] == 200_000 + 100_000 - 45_000
    assert south["spent_pence"] == 45_000
    assert south["verified_net_pence"] == repainting["net_pence"] + eviction["net_pence"]
    assert south["estimated_net_pence"] == glass["net_pence"]
    assert (south["not_supported_gross_pence"], south["not_supported_net_pence"]) == (30_000, door["net_pence"])
    # Only the shelter had spend: the eviction saving on a case with no spend is left out of both sides.
    assert south["verified_net_with_spend_pence"] == repainting["net_pence"]
    assert south["return_on_spend"] == _ratio(repainting["net_pence"], 45_000)
    assert south["verified_only_net_pence"] == south["verified_net_pence"]  # no follow-up answered yet
    assert "return_on_spend" in report["definitions"] and "cases that had quick-win spend" in str(report["definitions"])
    level_one = next(line for line in report["levels"] if line["key"] == "1")
    assert level_one["spent_pence"] == 45_000

    response = finance.get("/api/v1/reports/value.csv")
    assert response.content_type.startswith("text/csv")
    header, *body = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert header[-1] == value_report.RETURN_COLUMN and "cases that had quick-win spend" in header[-1]
    for column in (
        "not_supported_net_pence",
        "confirmed_net_pence",
        "not_confirmed_net_pence",
        "verified_only_net_pence",
    ):
        assert column in header
    rows = [dict(zip(header, row, strict=True)) for row in body]
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
            for measure in value_report.MEASURES:
                assert int(row[measure]) == line[measure]


def test_area_staff_see_only_their_areas_and_others_none(caller):
    manager = caller("area_manager", areas=["SW"])
    assert [line["key"] for line in manager.get("/api/v1/reports/value").json["areas"]] == ["SW"]
    assert manager.get("/api/v1/reports/value?area=NW").status_code == 404
    assert caller("councillor", wards=["pleck"]).get("/api/v1/reports/value").status_code == 403
    assert caller("partner", organisation="whg").get("/api/v1/reports/value.csv").status_code == 403
    assert manager.get("/api/v1/reports/value?start=2027-01-01&end=2026-01-01").status_code == 422
    assert manager.get("/api/v1/reports/value?start=2026-01-01&end=9999-12-31").status_code == 422  # not a 500


def test_the_svg_chart_and_the_page_carry_the_same_split(app, caller, session):
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
    measures = {bar.split("-", 2)[2] for bar in bars}
    assert measures == {
        "spent_pence",
        "confirmed_net_pence",
        "not_confirmed_net_pence",
        "verified_only_net_pence",
        "estimated_net_pence",
        "not_supported_net_pence",
    }
    assert len(bars) == len(measures) * len(groups)
    page = client.get("/reports")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Value report" in text
    assert "£450.00" in text and "£300.00" in text  # the spend, and the claim not supported (net of nothing)
    for heading in ("Not supported", "confirmed at follow-up", "not yet checked", "Return on spend", "Adjusted"):
        assert heading in text
    assert "cases that had quick-win spend" in text  # the definition on the page
    assert "transparency.csv" in text  # finance may read budgets: the Transparency Code download
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
