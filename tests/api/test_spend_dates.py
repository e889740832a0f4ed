"""A quick-win spend is dated within an open financial year, whose allocation it uses: this one, or
last year until an admin closes it; not after today and never before its case was raised (issue 20,
finding 2: three £10,000 spends dated 2001-2003 were accepted, got round this year's cap and showed
in no current budget or report)."""

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, update

from tasking.models import Case, Spend
from tests.clock import freeze_clock

# A Monday in the 2026-27 financial year; UK time is UTC in November.
MOMENT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
CASE = {"title": "Mattresses on Caldmore Road", "description": "Reported.", "category": "fly-tipping", "ward": "pleck"}


def raise_case(api, session, created_at: datetime) -> dict:
    raised = api.post("/api/v1/cases", json=CASE)
    assert raised.status_code == 201, raised.json
    with session.begin():
        session.execute(update(Case).where(Case.id == raised.json["id"]).values(created_at=created_at))
    return raised.json


def spend(api, case, on: date, pence=1_000_000):
    return api.post(
        f"/api/v1/cases/{case['id']}/spend",
        json={"amount_pence": pence, "description": "Skip hire", "spent_on": on.isoformat()},
    )


@pytest.fixture
def manager(caller, monkeypatch):
    freeze_clock(monkeypatch, MOMENT)
    return caller("area_manager", areas=["SW"])


@pytest.mark.parametrize("on", [date(2001, 6, 1), date(2002, 6, 1), date(2003, 6, 1)])
def test_a_backdated_spend_is_refused_on_spent_on_and_recorded_nowhere(manager, session, on):
    case = raise_case(manager, session, datetime(2000, 1, 1, tzinfo=timezone.utc))

    refused = spend(manager, case, on)

    assert refused.status_code == 422
    assert refused.json["error"] == {
        "code": "validation_error",
        "message": "A spend is dated in this financial year (2026-27) or last (2025-26, until it is closed), "
        "whose allocation it uses: from 1 April 2025 to today.",
        "fields": {"spent_on": ["Must be from 1 April 2025 to today."]},
    }
    assert session.scalars(select(Spend)).all() == []


def test_the_cap_cannot_be_dodged_by_dating_spends_in_earlier_years(manager, session):
    case = raise_case(manager, session, datetime(2000, 1, 1, tzinfo=timezone.utc))
    assert spend(manager, case, date(2026, 10, 1)).status_code == 201  # this year's £10,000

    statuses = [spend(manager, case, date(year, 6, 1)).status_code for year in (2001, 2002, 2003)]

    assert statuses == [422, 422, 422]
    assert spend(manager, case, date(2026, 10, 2), pence=1).status_code == 409  # this year's cap holds
    assert session.scalars(select(Spend.year)).all() == [2026]


def test_last_year_takes_spends_keyed_late_until_an_admin_closes_it(manager, caller, session):
    admin = caller("admin")
    case = raise_case(manager, session, datetime(2025, 6, 1, tzinfo=timezone.utc))

    # Spent in March, keyed in November: last year's allocation, and its budget shows it.
    late = spend(manager, case, date(2026, 3, 31), pence=2_500)
    assert late.status_code == 201 and late.json["year"] == 2025
    budget = manager.get("/api/v1/budgets?area=SW&year=2025").json
    assert budget["spent_pence"] == 2_500
    assert spend(manager, case, date(2025, 3, 31)).status_code == 422  # the year before last: never open

    # Only an admin closes a year, only one that has ended, and once.
    assert manager.post("/api/v1/budgets/years/2025/close").status_code == 403
    current = admin.post("/api/v1/budgets/years/2026/close")
    assert current.status_code == 422 and current.json["error"]["fields"] == {
        "year": ["Must be a financial year that has ended."]
    }
    closed = admin.post("/api/v1/budgets/years/2025/close")
    assert closed.status_code == 200 and (closed.json["year"], closed.json["label"]) == (2025, "2025-26")
    assert admin.post("/api/v1/budgets/years/2025/close").status_code == 409

    refused = spend(manager, case, date(2026, 3, 30), pence=100)
    assert refused.status_code == 422
    assert refused.json["error"]["message"] == (
        "A spend is dated in this financial year (2026-27), whose allocation it uses: from 1 April 2026 to today."
    )
    accepted = spend(manager, case, date(2026, 4, 1), pence=2_000)
    assert accepted.status_code == 201 and accepted.json["year"] == 2026
    # A reversal of last year's spend is still made, in its own year.
    reversal = manager.post(f"/api/v1/spend/{late.json['id']}/reversal", json={"reason": "Keyed twice"})
    assert reversal.status_code == 201 and reversal.json["year"] == 2025


def test_a_spend_dated_before_its_case_was_raised_is_refused(manager, session):
    # Raised at 23:30 UTC on 14 October, which was 00:30 on 15 October in the UK (summer time).
    case = raise_case(manager, session, datetime(2026, 10, 14, 23, 30, tzinfo=timezone.utc))

    refused = spend(manager, case, date(2026, 10, 14))

    assert refused.status_code == 422
    assert refused.json["error"]["message"] == "A spend cannot be dated before its case was raised, on 15 October 2026."
    assert refused.json["error"]["fields"] == {
        "spent_on": ["Must be from 15 October 2026, when the case was raised, to today."]
    }
    assert spend(manager, case, date(2026, 10, 15)).status_code == 201


def test_today_is_accepted_and_tomorrow_refused(manager, session):
    case = raise_case(manager, session, MOMENT)

    tomorrow = spend(manager, case, date(2026, 11, 3))

    assert tomorrow.status_code == 422
    assert tomorrow.json["error"]["fields"] == {"spent_on": ["Must not be after today."]}
    assert spend(manager, case, date(2026, 11, 2)).status_code == 201


def test_the_year_turns_on_1_april_uk_time(caller, session, monkeypatch):
    # 23:30 UTC on 31 March 2027 is 00:30 on 1 April 2027 in the UK (summer time): 2027-28 is open,
    # 2026-27 is last year (open until closed) and 2025-26 the year before last, closed.
    freeze_clock(monkeypatch, datetime(2027, 3, 31, 23, 30, tzinfo=timezone.utc))
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api, session, datetime(2026, 1, 1, tzinfo=timezone.utc))

    assert spend(api, case, date(2026, 3, 31)).status_code == 422
    last = spend(api, case, date(2027, 3, 31), pence=500)
    assert last.status_code == 201 and last.json["year"] == 2026
    accepted = spend(api, case, date(2027, 4, 1), pence=500)
    assert accepted.status_code == 201 and accepted.json["year"] == 2027


def test_the_spend_page_refuses_a_backdated_spend_on_its_date_field(app, session, caller, monkeypatch):
    from tests.web.test_console_pages import csrf
    from tests.web.test_councillor_pages import HTML, PASSWORD, sign_in

    freeze_clock(monkeypatch, MOMENT)
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api, session, datetime(2000, 1, 1, tzinfo=timezone.utc))
    from tasking.services import users
    from tasking.unit_of_work import unit_of_work

    with unit_of_work(session):
        users.create_user(
            session,
            None,
            email="spender@test.example",
            name="Spender",
            role="area_manager",
            now=MOMENT,
            password=PASSWORD,
            area_codes=["SW"],
        )
    web = app.test_client()
    sign_in(web, "spender@test.example")
    path = f"/cases/{case['reference']}/spend"
    sent = web.post(
        path,
        data={
            "spend-csrf_token": csrf(web.get(path, headers=HTML)),
            "spend-amount": "100",
            "spend-description": "Skip hire",
            "spend-spent_on": ["1", "6", "2001"],
        },
        headers=HTML,
    )

    page = sent.get_data(as_text=True)
    assert sent.status_code == 400, page
    assert "Must be from 1 April 2025 to today." in page
    assert session.scalars(select(Spend)).all() == []
