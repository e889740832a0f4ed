"""The lean case list, case item and exception reports (issue 22): they answer exactly what the
marshmallow schemas dumped from the entity path, a repeat pull with If-None-Match answers 304 until
something shown changes, and a caller never gets a 304 for a page it was not given."""

from datetime import datetime, timedelta, timezone

import pytest
from flask import g
from sqlalchemy import select, update

from tasking.api.cases.schemas import CasePageSchema, CaseSchema
from tasking.api.exceptions.schemas import ExceptionReportSchema
from tasking.domain.policy import Policy
from tasking.models import Clock, ReviewSchedule
from tasking.services import cases, exceptions, sweep
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.api.raising import level_three, manager, raise_case  # noqa: F401 - manager is a fixture


@pytest.fixture
def world(manager, session):
    """Cases at level three (one confidential, one with a lead named, one overdue for review), cases
    waiting in triage with suggestions and risk flags, one resolved, one with coordinates."""
    for n in range(5):
        level_three(manager, title=f"Group {n}", ward="paddock" if n % 2 else "pleck")
    for n in range(6):
        raise_case(manager, title=f"Waiting {n}", risk_flags=["safeguarding"] if n % 3 == 0 else [])
    secret = level_three(manager, title="Family at risk", description="Sensitive", confidential=True)
    led = level_three(manager, title="Group outside the flats")
    lead = manager.post(f"/api/v1/cases/{led['id']}/lead", json={"organisation": "whg", "reason": "Their tenants"})
    assert lead.status_code == 200, lead.json
    placed = raise_case(manager, title="On the map", latitude=52.5771, longitude=-2.0012, postcode="WS2 9HA")
    current = manager.get(f"/api/v1/cases/{placed['id']}")
    closed = manager.patch(
        f"/api/v1/cases/{placed['id']}",
        json={"state": "resolved", "reason": "Cleared."},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.json
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id == led["id"]).values(overdue=True))
    session.commit()
    return secret, led


def pages(who, path, **query):
    cursor, found = None, []
    while True:
        response = who.get(path, query_string={**query, "page_size": 4, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.json
        found.append((cursor, response.json))
        cursor = response.json["next_cursor"]
        if not cursor:
            return found


def dumped(app, principal, schema, value):
    """What the marshmallow schema dumps for `principal` (its ForRoles fields read g.principal)."""
    with app.test_request_context():
        g.principal = principal
        return schema.dump(value)


QUERIES = [
    ({}, cases.CaseFilters()),
    ({"area": "SW"}, cases.CaseFilters(area="SW")),
    ({"ward": "paddock", "level": 3}, cases.CaseFilters(ward="paddock", level=3)),
    ({"state": "new"}, cases.CaseFilters(state="new")),
    ({"ready_to_resolve": "false"}, cases.CaseFilters(ready_to_resolve=False)),
    ({"category": "litter"}, cases.CaseFilters(category="litter")),
    (
        {"updated_since": "2000-01-01T00:00:00+00:00"},
        cases.CaseFilters(updated_since=datetime(2000, 1, 1, tzinfo=timezone.utc)),
    ),
]


@pytest.mark.parametrize("role", ["area_manager", "councillor", "admin", "finance", "partner"])
def test_case_pages_and_items_are_what_the_case_schema_dumps(app, world, caller, session, role):
    who = {
        "area_manager": lambda: caller("area_manager", areas=["SW"]),
        "councillor": lambda: caller("councillor", wards=["pleck", "paddock"]),
        "admin": lambda: caller("admin"),
        "finance": lambda: caller("finance"),
        "partner": lambda: caller("partner", organisation="whg"),
    }[role]()
    principal = principal_for(who.user)
    shown: dict[int, dict] = {}
    for query, filters in QUERIES if role != "partner" else QUERIES[:1] + QUERIES[3:]:
        for cursor, lean in pages(who, "/api/v1/cases", **query):
            session.expire_all()
            old = cases.list_cases(session, principal, filters, cursor=cursor, size=4)
            assert lean == dumped(app, principal, CasePageSchema(), old)
            shown.update({item["id"]: item for item in lean["items"]})
    for case_id, item in shown.items():
        one = who.get(f"/api/v1/cases/{case_id}")
        session.expire_all()
        assert one.json == dumped(app, principal, CaseSchema(), cases.get_case(session, principal, case_id)) == item
        assert one.headers["ETag"] == f'"case-{case_id}-v{item["version"]}"'
    secret, led = world
    if role == "partner":
        assert shown == {} and who.get("/api/v1/cases?area=SW").status_code == 404
        assert who.get(f"/api/v1/cases/{led['id']}").status_code == 404
        return
    assert len(shown) > 4
    if role in ("area_manager", "admin"):
        assert secret["id"] in shown
        assert shown[led["id"]]["overdue"] is True and shown[led["id"]]["lead_organisation"]["code"] == "whg"
        assert any(item["suggestion_reasons"] for item in shown.values())
    else:
        assert secret["id"] not in shown
        assert all(item["suggested_level"] is None for item in shown.values())
    assert any(item["next_review_at"] for item in shown.values())
    assert any(item["latitude"] for item in shown.values())


def test_errors_are_the_entity_paths(world, manager):
    assert manager.get("/api/v1/cases?area=NW").status_code == 404
    assert manager.get("/api/v1/cases?ward=blakenall").status_code == 404
    assert manager.get("/api/v1/cases?category=nope").status_code in (404, 422)
    assert manager.get("/api/v1/cases?cursor=garbage").status_code == 422
    assert manager.get("/api/v1/cases/999999").status_code == 404
    assert manager.get("/api/v1/cases/999999", headers={"If-None-Match": '"case-999999-v1"'}).status_code == 404


def conditional_get(who, path, etag):
    return who.get(path, headers={"If-None-Match": etag})


def test_a_repeat_case_list_pull_is_304_until_something_shown_changes(world, manager, caller, session):
    secret, led = world
    path = "/api/v1/cases?area=SW&page_size=50"
    first = manager.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "private, no-cache"
    again = conditional_get(manager, path, etag)
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)

    # A note is not shown in the list: still 304.
    assert manager.post(f"/api/v1/cases/{led['id']}/notes", json={"body": "Seen", "visibility": "internal"}).status_code
    assert conditional_get(manager, path, etag).status_code == 304
    # A new case.
    raise_case(manager, title="Burnt-out car")
    changed = conditional_get(manager, path, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json["items"][0]["title"] == "Burnt-out car"
    etag = changed.headers["ETag"]
    # A level decided.
    waiting = changed.json["items"][0]
    decided = manager.post(f"/api/v1/cases/{waiting['id']}/classification", json={"level": 1})
    assert decided.status_code == 200, decided.json
    after = conditional_get(manager, path, etag)
    assert after.status_code == 200 and after.headers["ETag"] != etag
    assert after.json["items"][0]["level"] == 1
    etag = after.headers["ETag"]
    # The review row alone moving (the sweep never writes the case) still changes the page.
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id == led["id"]).values(overdue=False))
    session.commit()
    moved = conditional_get(manager, path, etag)
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    etag = moved.headers["ETag"]
    assert conditional_get(manager, path, etag).status_code == 304

    # Never a 304 for a tag another caller was given: another manager of the same area, of another
    # area, a councillor, a partner; and another query is another page.
    for other in (
        caller("area_manager", areas=["SW"]),
        caller("area_manager", areas=["NW"]),
        caller("councillor", wards=["pleck"]),
        caller("partner", organisation="whg"),
    ):
        assert conditional_get(other, path, etag).status_code in (200, 404)
    assert conditional_get(manager, "/api/v1/cases?area=SW&page_size=49", etag).status_code == 200


def test_a_repeat_case_item_pull_is_304_until_the_case_changes(world, manager, caller, session, counter):
    secret, led = world
    path = f"/api/v1/cases/{led['id']}"
    first = manager.get(path)
    etag = first.headers["ETag"]
    assert etag == f'"case-{led["id"]}-v{first.json["version"]}"'  # If-Match's tag, unchanged
    again = conditional_get(manager, path, etag)
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    reference = manager.get(f"/api/v1/cases/{led['reference']}", headers={"If-None-Match": etag})
    assert reference.status_code == 304
    # One narrow statement answers it, before anything is loaded (the token is cached, or counted once).
    conditional_get(manager, path, etag)
    with counter() as seen:
        assert conditional_get(manager, path, etag).status_code == 304
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) <= 1 + sum("api_tokens" in s for s in seen)

    # A change of the case moves its version: 200, a new tag, still the one If-Match takes.
    changed = manager.patch(path, json={"title": "Group outside the shops"}, headers={"If-Match": etag})
    assert changed.status_code == 200
    fresh = conditional_get(manager, path, etag)
    assert fresh.status_code == 200 and fresh.json["title"] == "Group outside the shops"
    assert fresh.headers["ETag"] == changed.headers["ETag"] != etag
    etag = fresh.headers["ETag"]
    assert conditional_get(manager, path, etag).status_code == 304

    # The sweep makes a review and moves the review row without the case's version: the copy held
    # may show an old next review, so it is sent again in full (same version, same tag).
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id == led["id"])
        .values(next_review_at=datetime.now(timezone.utc) - timedelta(hours=1))
    )
    session.commit()
    swept = sweep.sweep(session, units=lambda: unit_of_work(session), now=datetime.now(timezone.utc), policy=Policy())
    assert swept.reviews >= 1
    after = conditional_get(manager, path, etag)
    assert after.status_code == 200 and after.json["title"] == "Group outside the shops"
    assert after.headers["ETag"] == etag

    # Callers that may not read the case get 404 for its tag, never 304.
    for other in (caller("area_manager", areas=["NW"]), caller("partner", organisation="whg")):
        assert conditional_get(other, f"/api/v1/cases/{secret['id']}", etag).status_code == 404
    councillor = caller("councillor", wards=["pleck"])
    assert conditional_get(councillor, f"/api/v1/cases/{secret['id']}", etag).status_code == 404


def decline_one(partner):
    task = partner.get("/api/v1/tasks?state=offered").json["items"][0]
    tag = f'"task-{task["id"]}-v{task["version"]}"'
    declined = partner.post(
        f"/api/v1/tasks/{task['id']}/decline", json={"reason": "Not ours"}, headers={"If-Match": tag}
    )
    assert declined.status_code == 200, declined.json


def overdue_clocks(session, count):
    """Make `count` running clocks past their due time (and the rest not yet near)."""
    now = datetime.now(timezone.utc)
    session.execute(
        update(Clock)
        .where(Clock.stopped_at.is_(None))
        .values(due_at=now + timedelta(days=300), warn_at=now + timedelta(days=299), breached_at=None)
    )
    ids = list(session.scalars(select(Clock.id).where(Clock.stopped_at.is_(None)).order_by(Clock.id).limit(count)))
    session.execute(
        update(Clock)
        .where(Clock.id.in_(ids))
        .values(started_at=now - timedelta(days=20), due_at=now - timedelta(days=3), warn_at=now - timedelta(days=5))
    )
    session.commit()
    return ids


def test_the_exception_report_is_what_its_schema_dumps_and_a_fixed_number_of_statements(
    app, manager, caller, session, counter
):
    for n in range(12):
        level_three(manager, title=f"Group {n}", confidential=n == 3)
    police = caller("partner", organisation="wm-police")
    decline_one(police)
    admin = caller("admin")
    paths = ["/api/v1/reports/exceptions", "/api/v1/reports/exceptions?area=SW&level=3"]
    counts = []
    for size in (2, 20):
        assert len(overdue_clocks(session, size)) == size
        for who, path in (
            (manager, paths[0]),
            (admin, paths[1]),
            (police, "/api/v1/organisations/wm-police/exceptions"),
        ):
            who.get(path)  # warm
            with counter() as seen:
                response = who.get(path)
            assert response.status_code == 200, response.json
            counts.append((who, path, len(seen)))
            session.expire_all()
            principal = principal_for(who.user)
            args = {"area_code": "SW", "level": 3} if "area=SW" in path else {}
            if "organisations" in path:
                args = {"organisation_code": "wm-police"}
            report = exceptions.exception_report(
                session,
                principal,
                **args,
                now=datetime.fromisoformat(response.json["generated_at"]),
                policy=Policy(),
            )
            assert response.json == ExceptionReportSchema().dump(report)
        big = admin.get(paths[0]).json
        assert len([e for e in big["exceptions"] if e["standing"] == "past"]) == size
    assert [c for _, _, c in counts[:3]] == [c for _, _, c in counts[3:]]


def test_a_repeat_exception_report_pull_is_304_until_a_figure_changes(manager, caller, session):
    for n in range(4):
        level_three(manager, title=f"Group {n}")
    overdue_clocks(session, 2)
    police = caller("partner", organisation="wm-police")
    for who, path in ((manager, "/api/v1/reports/exceptions"), (police, "/api/v1/organisations/wm-police/exceptions")):
        first = who.get(path)
        etag = first.headers["ETag"]
        assert first.status_code == 200 and etag.startswith("W/")
        again = conditional_get(who, path, etag)
        assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
        # Another caller, even of the same role and area or organisation, holds a tag of their own.
        other = caller("area_manager", areas=["SW"]) if who is manager else caller("partner", organisation="wm-police")
        assert conditional_get(other, path, etag).status_code == 200
        assert conditional_get(caller("admin"), path, etag).status_code == 200
    # A decline is a figure of both reports.
    etags = {p: manager.get(p).headers["ETag"] for p in ("/api/v1/reports/exceptions",)}
    police_path = "/api/v1/organisations/wm-police/exceptions"
    police_etag = police.get(police_path).headers["ETag"]
    decline_one(police)
    for path, etag in etags.items():
        changed = conditional_get(manager, path, etag)
        assert changed.status_code == 200 and changed.headers["ETag"] != etag
        assert changed.json["declines"]
    changed = conditional_get(police, police_path, police_etag)
    assert changed.status_code == 200 and [d["reason"] for d in changed.json["declines"]] == ["Not ours"]
    # Another clock falling past its due time.
    etag = changed.headers["ETag"]
    overdue_clocks(session, 3)
    assert conditional_get(police, police_path, etag).status_code in (200, 304)
    base = manager.get("/api/v1/reports/exceptions")
    overdue_clocks(session, 4)
    moved = conditional_get(manager, "/api/v1/reports/exceptions", base.headers["ETag"])
    assert moved.status_code == 200 and len(moved.json["exceptions"]) == len(base.json["exceptions"]) + 1
    # CSV stays as it was.
    assert manager.get("/api/v1/reports/exceptions.csv").status_code == 200
