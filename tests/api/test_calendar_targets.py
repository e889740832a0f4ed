"""The calendar and the targets through the API (docs/deadlines.md): everyone reads them, admins
change them, each change is audited, and a change applies to the clocks started after it: a local
holiday an admin adds is skipped by a new clock, and a target set for one partner times that
partner's tasks."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from tasking.models import AuditEvent, Clock, LocalHoliday, Target
from tasking.services import reference_data, targets
from tasking.unit_of_work import unit_of_work
from tests.api.test_level_one_loop import STREET_LIGHT
from tests.clock import freeze_clock

UK = ZoneInfo("Europe/London")
RAISED = datetime(2026, 12, 23, 10, tzinfo=UK)


@pytest.fixture(autouse=True)
def reference_targets_put_back(session):
    """Local holidays and targets are reference data, kept between tests: put back as loaded."""
    yield
    session.rollback()
    with unit_of_work(session):
        session.execute(delete(LocalHoliday))
        session.execute(delete(Target))
        targets.load(session, reference_data.read_file()["targets"], now=RAISED)


@pytest.fixture
def admin(caller):
    return caller("admin")


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def councillor(caller):
    return caller("councillor", wards=["pleck"])


def clock(session, case_id, kind) -> Clock:
    session.expire_all()
    return session.scalar(select(Clock).where(Clock.case_id == case_id, Clock.kind == kind))


def uk(clock_time: datetime) -> datetime:
    return clock_time.replace(tzinfo=clock_time.tzinfo or UTC).astimezone(UK)


def delete_(api, path):
    return api.client.delete(path, headers=api._headers(None))


def events(session, action):
    session.expire_all()
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_a_local_holiday_an_admin_adds_is_skipped_by_the_clocks_started_after_it(
    session, monkeypatch, admin, manager, councillor
):
    freeze_clock(monkeypatch, RAISED.astimezone(UTC))
    before = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    assert uk(clock(session, before["id"], "councillor_answer").due_at) == datetime(2027, 1, 11, 10, tzinfo=UK)

    body = {"date": "2027-01-04", "name": "Council offices closed after New Year"}
    assert manager.post("/api/v1/calendar/holidays", json=body).status_code == 403
    added = admin.post("/api/v1/calendar/holidays", json=body)
    assert added.status_code == 201, added.json
    assert added.json == {"id": added.json["id"], "date": "2027-01-04", "name": body["name"], "kind": "local"}
    assert admin.post("/api/v1/calendar/holidays", json=body).json["error"]["code"] == "holiday_exists"
    assert admin.post("/api/v1/calendar/holidays", json={"date": "2027-01-05", "name": " "}).status_code == 422
    assert admin.post("/api/v1/calendar/holidays", json={"date": "5 January", "name": "x"}).status_code == 422
    [audited] = events(session, "holiday.added")
    assert audited.actor_id == admin.user.id and audited.after == {"day": "2027-01-04", "name": body["name"]}

    # Everyone reads the calendar: the bank holidays of the division and the local holiday, in date order.
    shown = councillor.get("/api/v1/calendar?start=2026-12-20&end=2027-01-10")
    assert shown.status_code == 200, shown.json
    assert shown.json["division"] == "england-and-wales"
    assert shown.json["working_hours"] == {"opens": "09:00", "closes": "17:00"}
    assert [(d["date"], d["kind"]) for d in shown.json["holidays"]] == [
        ("2026-12-25", "bank"),
        ("2026-12-26", "bank"),
        ("2026-12-28", "bank"),
        ("2027-01-01", "bank"),
        ("2027-01-04", "local"),
    ]
    assert councillor.get("/api/v1/calendar?start=2027-01-10&end=2026-12-20").status_code == 422
    assert councillor.get("/api/v1/calendar?start=2020-01-01&end=2027-01-01").status_code == 422

    # The clock already running keeps the date it was given; a new one skips the closure.
    after = councillor.post("/api/v1/cases", json={**STREET_LIGHT, "title": "Another lamp out"}).json
    assert uk(clock(session, before["id"], "councillor_answer").due_at) == datetime(2027, 1, 11, 10, tzinfo=UK)
    assert uk(clock(session, after["id"], "councillor_answer").due_at) == datetime(2027, 1, 12, 10, tzinfo=UK)

    holiday = f"/api/v1/calendar/holidays/{added.json['id']}"
    assert delete_(manager, holiday).status_code == 403
    assert delete_(admin, holiday).status_code == 204
    assert delete_(admin, holiday).status_code == 404
    assert [e.before for e in events(session, "holiday.removed")] == [{"day": "2027-01-04", "name": body["name"]}]
    assert [d["kind"] for d in councillor.get("/api/v1/calendar?start=2027-01-01&end=2027-01-10").json["holidays"]] == [
        "bank"
    ]


def put(api, body):
    return api.client.put("/api/v1/targets", json=body, headers=api._headers(None))


def test_admins_set_targets_everyone_reads_them_and_a_partners_own_target_times_its_tasks(
    session, monkeypatch, caller, admin, manager, councillor
):
    freeze_clock(monkeypatch, datetime(2027, 1, 4, 10, tzinfo=UTC))
    listed = caller("partner", organisation="highways").get("/api/v1/targets")
    assert listed.status_code == 200
    rows = {(t["kind"], t["level"], t["category"], t["organisation"]): t["working_days"] for t in listed.json["items"]}
    assert rows[("councillor_answer", None, None, None)] == 10
    assert rows[("task_accept", None, None, "wm-police")] == 1

    own = {"kind": "task_accept", "organisation": "highways", "working_days": 4}
    assert put(manager, own).status_code == 403
    for bad, field in (
        ({**own, "working_days": 0}, "working_days"),
        ({**own, "working_days": "four"}, "working_days"),
        ({**own, "kind": "lunch"}, "kind"),
        ({**own, "level": 5}, "level"),
        ({**own, "organisation": "nobody"}, "organisation"),
        ({**own, "category": "nothing"}, "category"),
    ):
        refused = put(admin, bad)
        assert refused.status_code == 422, (bad, refused.json)
        assert field in refused.json["error"]["fields"], (bad, refused.json)
    created = put(admin, own)
    assert created.status_code == 200, created.json
    assert {k: created.json[k] for k in own} == own and created.json["level"] is None
    [audited] = events(session, "target.created")[-1:]
    assert audited.actor_id == admin.user.id and audited.after["organisation"] == "highways"

    # Highways' task is timed by its own target; the other front-line services keep the default.
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    accept = clock(session, case["id"], "task_accept")
    assert accept.target_working_days == 4 and uk(accept.due_at) == datetime(2027, 1, 8, 10, tzinfo=UK)
    other = councillor.post("/api/v1/cases", json={**STREET_LIGHT, "title": "Graffiti", "category": "graffiti"}).json
    assert other["owner"]["organisation"]["code"] == "street-cleansing"
    assert clock(session, other["id"], "task_accept").target_working_days == 2

    changed = put(admin, {**own, "working_days": 3})
    assert changed.status_code == 200 and changed.json["id"] == created.json["id"]
    [update] = events(session, "target.updated")
    assert (update.before, update.after) == ({"working_days": 4}, {"working_days": 3})
    # The clock already running keeps its date.
    assert clock(session, case["id"], "task_accept").target_working_days == 4

    default = next(t for t in listed.json["items"] if t["kind"] == "task_accept" and t["organisation"] is None)
    kept = delete_(admin, f"/api/v1/targets/{default['id']}")
    assert kept.status_code == 422 and kept.json["error"]["code"] == "default_target"
    path = f"/api/v1/targets/{created.json['id']}"
    assert delete_(manager, path).status_code == 403
    assert delete_(admin, path).status_code == 204
    assert delete_(admin, path).status_code == 404
    [removed] = events(session, "target.removed")
    assert removed.before["organisation"] == "highways" and removed.before["working_days"] == 3

    # Without its own target, highways' next task is timed by the default again.
    later = councillor.post("/api/v1/cases", json={**STREET_LIGHT, "title": "Pothole", "category": "potholes"}).json
    assert later["owner"]["organisation"]["code"] == "highways"
    assert clock(session, later["id"], "task_accept").target_working_days == 2
