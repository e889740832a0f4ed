"""The console from the outside: who reaches which page, and that pages and API leave the same trail."""

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tasking.models import AuditEvent
from tasking.services import users
from tasking.unit_of_work import unit_of_work
from tests.clock import TODAY
from tests.web.test_councillor_pages import HTML, PASSWORD, sign_in

pytestmark = pytest.mark.usefixtures("stopped_clock")  # the service and the test agree on "today"


def csrf(response):
    """A CSRF token from the page; any of the session's tokens is valid for any of its forms."""
    return re.search(
        r'name="[a-z0-9-]*csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)
    ).group(1)


@pytest.fixture
def web_user(app, session):
    count = iter(range(1, 100))

    def make(role, **kwargs):
        with unit_of_work(session):
            user = users.create_user(
                session,
                None,
                email=f"web.{role}.{next(count)}@test.example",
                name=f"Web {role}",
                role=role,
                now=datetime.now(timezone.utc),
                password=PASSWORD,
                **kwargs,
            )
        client = app.test_client()
        sign_in(client, user.email)
        return client

    return make


def raise_case(api, ward="pleck"):
    return api.post(
        "/api/v1/cases",
        json={"title": "Youths by the shops", "description": "Every evening.", "category": "noise", "ward": ward},
    ).json


def trail(session, case_id):
    """A case's audit trail with what differs by nature (ids, times, references) left out."""
    volatile = {
        "reference",
        "case_id",
        "organisation_id",
        "owner_user_id",
        "coordinator_user_id",
        "due_at",
        "spent_on",
        "similar_case_ids",
        "body",
        "ward",
    }
    session.expire_all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id))
    return [
        (e.action, e.object_type, sorted((k, v) for k, v in (e.after or {}).items() if k not in volatile))
        for e in events
    ]


def test_pages_and_api_leave_the_same_history(session, caller, web_user):
    api = caller("area_manager", areas=["SW"])
    web = web_user("area_manager", area_codes=["SW"])
    # Different wards, so neither is a repeat of the other and both start alike.
    by_api, by_web = raise_case(api, ward="pleck"), raise_case(api, ward="paddock")

    api.post(f"/api/v1/cases/{by_api['id']}/classification", json={"level": 2, "reason": "Partnership work"})
    api.post(f"/api/v1/cases/{by_api['id']}/tasks", json={"organisation": "wm-police"})
    api.post(
        f"/api/v1/cases/{by_api['id']}/spend",
        json={"amount_pence": 25_000, "description": "Diversion session", "spent_on": TODAY.isoformat()},
    )
    api.post(f"/api/v1/cases/{by_api['id']}/notes", json={"body": "Patrol Friday", "visibility": "partners"})
    current = api.get(f"/api/v1/cases/{by_api['id']}")
    api.patch(
        f"/api/v1/cases/{by_api['id']}",
        json={"state": "resolved", "reason": "Quiet now"},
        headers={"If-Match": current.headers["ETag"]},
    )

    ref = by_web["reference"]
    token = csrf(web.get(f"/cases/{ref}"))
    steps = [
        ("level", {"level-level": "2", "level-reason": "Partnership work"}),
        ("tasks", {"offer-organisation": "wm-police"}),
        (
            "spend",
            {
                "spend-amount": "250",
                "spend-description": "Diversion session",
                "spend-spent_on": [str(TODAY.day), str(TODAY.month), str(TODAY.year)],
            },
        ),
        ("notes", {"note-body": "Patrol Friday", "note-visibility": "partners"}),
    ]
    for path, data in steps:
        prefix = next(iter(data)).split("-")[0]
        response = web.post(f"/cases/{ref}/{path}", data={f"{prefix}-csrf_token": token, **data})
        assert response.status_code == 302, (path, response.get_data(as_text=True)[:2000])
    # The close form has its own page, and closing is confirmed (issue 19, finding 4).
    version = re.search(
        r'name="state-version" type="hidden" value="(\d+)"', web.get(f"/cases/{ref}/state").get_data(as_text=True)
    ).group(1)
    closed = web.post(
        f"/cases/{ref}/state",
        data={
            "state-csrf_token": token,
            "state-state": "resolved",
            "state-reason": "Quiet now",
            "state-version": version,
            "state-confirmed": "yes",
        },
    )
    assert closed.status_code == 302

    assert trail(session, by_web["id"]) == trail(session, by_api["id"])
    assert [a for a, _, _ in trail(session, by_web["id"])] == [
        "case.created",
        "case.decision",
        "task.offered",
        "spend.recorded",
        "note.added",
        "task.cancelled",
        "case.closed",
    ]


def test_a_stale_close_is_refused_on_the_page(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    web = web_user("area_manager", area_codes=["SW"])
    case = raise_case(api)
    page = web.get(f"/cases/{case['reference']}")
    api.post(f"/api/v1/cases/{case['id']}/notes", json={"body": "x"})  # notes do not move the version
    current = api.get(f"/api/v1/cases/{case['id']}")
    api.patch(
        f"/api/v1/cases/{case['id']}",
        json={"title": "Changed elsewhere"},
        headers={"If-Match": current.headers["ETag"]},
    )
    stale = web.post(
        f"/cases/{case['reference']}/state",
        data={
            "state-csrf_token": csrf(page),
            "state-state": "resolved",
            "state-reason": "Done",
            "state-version": "1",
            "state-confirmed": "yes",
        },
    )
    # Refused as a conflict, the form shown again to be checked and sent again (issue 19, finding 4).
    assert stale.status_code == 409
    assert "This case changed while you were working: check it and send again" in stale.get_data(as_text=True)
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] != "resolved"


def test_who_reaches_the_console(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api)
    ref = case["reference"]
    councillor = web_user("councillor", ward_codes=["pleck"])
    other_councillor = web_user("councillor", ward_codes=["blakenall"])
    partner = web_user("partner", organisation_code="wm-police")
    other_manager = web_user("area_manager", area_codes=["NW"])
    finance = web_user("finance")
    for client in (councillor, partner, finance):
        for path in ("/triage", f"/meetings/SW/{TODAY}"):
            assert client.get(path, headers=HTML).status_code == 403, path
    # Finance reads every area's ledger (budget.read); councillors and partners read none.
    for client in (councillor, partner):
        assert client.get("/budget", headers=HTML).status_code == 403
    assert finance.get("/budget?area=SW", headers=HTML).status_code == 200
    assert councillor.get(f"/cases/{ref}", headers=HTML).status_code == 403  # they may see it, but not here
    assert other_councillor.get(f"/cases/{ref}", headers=HTML).status_code == 403
    assert partner.get(f"/cases/{ref}", headers=HTML).status_code == 403
    assert other_manager.get(f"/cases/{ref}", headers=HTML).status_code == 404
    assert other_manager.get(f"/meetings/SW/{TODAY}", headers=HTML).status_code == 404
    assert other_manager.get("/budget?area=SW", headers=HTML).status_code == 404
    assert ref not in other_manager.get("/triage").get_data(as_text=True)


def test_a_support_officer_sees_the_pages_without_the_spend_forms(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api)
    officer = web_user("support_officer", area_codes=["SW"])
    page = officer.get(f"/cases/{case['reference']}")
    assert page.status_code == 200
    assert "Record spend" not in page.get_data(as_text=True)
    assert "Offer task" in page.get_data(as_text=True)
    refused = officer.post(
        f"/cases/{case['reference']}/spend", data={"spend-csrf_token": csrf(page), "spend-amount": "10"}, headers=HTML
    )
    assert refused.status_code == 403
    assert officer.get("/budget").status_code == 200


def test_console_forms_need_csrf(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api)
    web = web_user("area_manager", area_codes=["SW"])
    response = web.post(f"/cases/{case['reference']}/notes", data={"note-body": "x"}, headers=HTML)
    assert response.status_code == 400
    assert api.get(f"/api/v1/cases/{case['id']}/notes").json["items"] == []


@pytest.mark.parametrize("date_parts", [None, [str(TODAY.day)], ["1", "2", "2026", "4"]])
def test_a_spend_posted_without_a_three_part_date_is_refused_on_the_form(caller, web_user, count_rows, date_parts):
    from tasking.models import Spend

    api = caller("area_manager", areas=["SW"])
    web = web_user("area_manager", area_codes=["SW"])
    ref = raise_case(api)["reference"]
    data = {"spend-csrf_token": csrf(web.get(f"/cases/{ref}")), "spend-amount": "10", "spend-description": "Padlock"}
    if date_parts is not None:
        data["spend-spent_on"] = date_parts
    response = web.post(f"/cases/{ref}/spend", data=data)
    assert response.status_code == 400
    assert "Enter the date of the spend" in response.get_data(as_text=True)
    assert count_rows(Spend) == 0


def test_confirming_a_suggestion_that_has_since_changed_is_refused_on_the_page(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    web = web_user("area_manager", area_codes=["SW"])
    case = raise_case(api)
    page = web.get("/triage")
    suggested = api.get(f"/api/v1/cases/{case['id']}/classification").json["suggestion"]["level"]
    stale = 1 if suggested != 1 else 2
    response = web.post(
        f"/triage/{case['reference']}/confirm",
        data={f"confirm-{case['id']}-csrf_token": csrf(page), f"confirm-{case['id']}-level": str(stale)},
    )
    assert response.status_code == 400
    assert f"differs from the suggested level {suggested}" in response.get_data(as_text=True)
    assert api.get(f"/api/v1/cases/{case['id']}").json["level"] is None
