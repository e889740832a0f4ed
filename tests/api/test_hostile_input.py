"""Hostile input gets a clear 4xx and stores nothing; stored markup is shown as text."""

import pytest

import tasking.clock
from tasking.domain.policy import Policy
from tasking.models import Case
from tasking.unit_of_work import unit_of_work

BODY = {"title": "Broken paving slabs", "description": "Trip hazard.", "category": "potholes", "ward": "pleck"}


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.mark.parametrize(
    "change, status",
    [
        ({"title": "bad\u0000title"}, 422),
        ({"description": "x" * 10_001}, 422),
        ({"title": 12345}, 422),
        ({"risk_flags": "vulnerable_person"}, 422),
        ({"confidential": "yes please"}, 422),
        ({"unexpected": "field"}, 422),
        ({"latitude": "52.5"}, 201),  # numbers as strings are read as numbers, not refused
    ],
)
def test_wrong_input_is_refused_and_stores_nothing(manager, count_rows, count_changes, change, status):
    before = (count_rows(Case), count_changes())
    response = manager.post(
        "/api/v1/cases", json={**BODY, **change, **({"longitude": -1.99} if "latitude" in change else {})}
    )
    assert response.status_code == status, response.json
    if status != 201:
        assert response.json["error"]["code"] in ("validation_error", "bad_request")
        assert (count_rows(Case), count_changes()) == before


def test_nul_in_a_query_string_is_refused(manager):
    assert manager.get("/api/v1/cases?ward=pl%00eck").status_code == 422


@pytest.mark.parametrize(
    "text", ["'; DROP TABLE cases; --", "<script>alert('x')</script>", "Robert'); --", "1 OR 1=1", "{{7*7}}"]
)
def test_injection_strings_are_stored_as_plain_text(manager, text):
    created = manager.post("/api/v1/cases", json={**BODY, "title": text, "description": text})
    assert created.status_code == 201
    assert manager.get(f"/api/v1/cases/{created.json['id']}").json["title"] == text
    assert manager.get("/api/v1/cases").status_code == 200  # the table is still there


def test_stored_html_is_escaped_on_the_pages(app, session, manager):
    from datetime import datetime, timezone

    from tasking.services import users
    from tests.web.test_councillor_pages import PASSWORD, sign_in

    created = manager.post(
        "/api/v1/cases", json={**BODY, "title": "<script>alert('owned')</script>", "description": "<b>bold</b>"}
    ).json
    with unit_of_work(session):
        users.create_user(
            session,
            None,
            email="escape@test.example",
            name="E",
            role="area_manager",
            now=datetime.now(timezone.utc),
            password=PASSWORD,
            area_codes=["SW"],
        )
    client = app.test_client()
    sign_in(client, "escape@test.example")
    for path in (f"/cases/{created['reference']}", "/triage"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert('owned')</script>" not in page
        assert "&lt;script&gt;" in page


MARK = "<script>alert('owned')</script>"


def test_stored_markup_is_shown_as_text_on_every_page_that_shows_it(app, session, manager, caller):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from tasking.models import ReviewSchedule
    from tasking.services import sweep, users
    from tests.web.test_councillor_pages import PASSWORD, sign_in

    today = tasking.clock.today().isoformat()  # the UK day the service dates by
    case = manager.post("/api/v1/cases", json={**BODY, "title": MARK, "description": MARK, "address": MARK}).json
    manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 2, "reason": MARK})
    manager.post(f"/api/v1/cases/{case['id']}/notes", json={"body": MARK, "visibility": "councillor"})
    manager.post(
        f"/api/v1/cases/{case['id']}/spend",
        json={"amount_pence": 100, "description": MARK, "supplier": MARK, "spent_on": today},
    )
    manager.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={"outcomes": [{"description": MARK, "unit_cost_pence": 1000, "probability": "0.5"}]},
    )
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == case["id"])
        .values(next_review_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=datetime.now(timezone.utc), policy=Policy())
    for role, extra in (("area_manager", {"area_codes": ["SW"]}), ("councillor", {"ward_codes": ["pleck"]})):
        with unit_of_work(session):
            users.create_user(
                session,
                None,
                email=f"escape.{role}@test.example",
                name=MARK,
                role=role,
                now=datetime.now(timezone.utc),
                password=PASSWORD,
                **extra,
            )
    pages = {
        "area_manager": [
            "/triage",
            f"/cases/{case['reference']}",
            "/budget?area=SW",
            f"/meetings/SW/{today}",
            f"/areas/SW/agenda?meeting={today}",
            "/reports",
        ],
        "councillor": ["/requests", f"/requests/{case['reference']}"],
    }
    for role, paths in pages.items():
        client = app.test_client()
        sign_in(client, f"escape.{role}@test.example")
        for path in paths:
            response = client.get(path, headers={"Accept": "text/html"})
            page = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert MARK not in page, path
            if path != "/reports":  # the board's figures; no case text
                assert "&lt;script&gt;alert(" in page, path
    public = app.test_client().get(f"/open311/v2/requests/{case['reference']}.xml")
    assert public.status_code == 200
    assert MARK not in public.get_data(as_text=True) and "&lt;script&gt;" in public.get_data(as_text=True)


def test_nul_in_a_form_is_refused_on_pages_and_open311_and_stores_nothing(app, session, count_rows):
    from datetime import datetime, timezone

    from tasking.services import open311_clients, users
    from tests.web.test_councillor_pages import PASSWORD, sign_in

    with unit_of_work(session):
        users.create_user(
            session,
            None,
            email="nul.councillor@test.example",
            name="N",
            role="councillor",
            now=datetime.now(timezone.utc),
            password=PASSWORD,
            ward_codes=["pleck"],
        )
    with unit_of_work(session):
        _client, key = open311_clients.create_client(session, None, name="NUL test", now=datetime.now(timezone.utc))
    councillor = app.test_client()
    sign_in(councillor, "nul.councillor@test.example")
    app.config["WTF_CSRF_ENABLED"] = False  # the NUL check comes first; CSRF is tested on its own
    try:
        page = councillor.post(
            "/requests/new",
            headers={"Accept": "text/html"},
            data={
                "ward": "pleck",
                "category": "litter",
                "address": "4 Pleck Road",
                "description": "Bags\x00 of rubbish",
            },
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert page.status_code == 422
    report = app.test_client().post(
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "service_code": "fly-tipping",
            "lat": "52.577",
            "long": "-2.001",
            "description": "Sofa\x00 dumped",
        },
    )
    assert report.status_code == 422 and report.get_json()[0]["code"] == 422
    assert count_rows(Case) == 0
