"""Paused clocks from the outside (issue 21, acceptance 1; docs/deadlines.md): a councillor's request
raised just before Christmas 2026 is due an answer 10 working days later, the bank holidays skipped;
the area manager puts the case on hold while it waits on the resident and takes it off hold three
working days later, across a weekend; every running clock of the case, the partner's task clock too,
moves on by exactly those three working days, and the councillor's page shows the moved date."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tasking.models import CaseWait, Clock
from tests.api.test_level_one_loop import STREET_LIGHT, etag, only_task
from tests.clock import freeze_clock

UK = ZoneInfo("Europe/London")
WORKING_DAY = 8 * 3600


def uk(month_year: tuple[int, int], day: int, hour: int = 10) -> datetime:
    year, month = month_year
    return datetime(year, month, day, hour, tzinfo=UK)


DEC, JAN = (2026, 12), (2027, 1)


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def councillor(caller):
    return caller("councillor", wards=["pleck"])


@pytest.fixture
def highways(caller):
    return caller("partner", organisation="highways", areas=["SW"])


@pytest.fixture
def at(monkeypatch):
    """Move the clock every layer reads to a moment of UK time."""
    return lambda moment: freeze_clock(monkeypatch, moment.astimezone(UTC))


def clocks(session, case_id) -> dict[str, Clock]:
    session.expire_all()
    found = session.scalars(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id)).all()
    return {clock.kind: clock for clock in found}


def due(clock: Clock) -> datetime:
    return clock.due_at.replace(tzinfo=clock.due_at.tzinfo or UTC).astimezone(UK)


def request_page(app, councillor, reference) -> str:
    """The councillor's request page, signed in as the councillor (whose session the frozen clock
    would otherwise end as idle)."""
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = str(councillor.user.id), True
    page = client.get(f"/requests/{reference}")
    assert page.status_code == 200
    listing = client.get("/requests")
    assert listing.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)).split()), listing.get_data(as_text=True)


def test_a_wait_moves_every_running_deadline_by_exactly_the_working_days_it_lasted(
    app, session, at, councillor, highways, manager
):
    # Wednesday 23 December 2026, 10:00: the councillor asks; the front-line service is offered the job.
    at(uk(DEC, 23))
    raised = councillor.post("/api/v1/cases", json=STREET_LIGHT)
    assert raised.status_code == 201, raised.json
    case = raised.json
    assert case["owner"]["organisation"]["code"] == "highways"
    kept = clocks(session, case["id"])
    # 10 working days: 24, 29, 30, 31 December and 4 to 8 and 11 January.
    assert due(kept["councillor_answer"]) == uk(JAN, 11)
    assert due(kept["councillor_acknowledge"]) == uk(DEC, 29)
    page, listing = request_page(app, councillor, case["reference"])
    assert "You will hear back by Monday 11 January 2027 (10 working days)" in page
    assert "We will acknowledge by Tuesday 29 December 2026" in page
    assert "By Mon 11 Jan 2027" in listing

    # Monday 4 January: highways accepts (acknowledging the request) and has 5 working days to finish.
    at(uk(JAN, 4))
    task = only_task(highways)
    accepted = highways.post(
        f"/api/v1/tasks/{task['id']}/accept", headers=etag(highways.get(f"/api/v1/tasks/{task['id']}"))
    )
    assert accepted.status_code == 200, accepted.json
    kept = clocks(session, case["id"])
    assert due(kept["task_complete"]) == uk(JAN, 11)
    assert kept["councillor_acknowledge"].stopped_at is not None

    # Wednesday 6 January, 10:00: the area manager puts the case on hold, waiting on the resident.
    at(uk(JAN, 6))
    held = manager.post(
        f"/api/v1/cases/{case['id']}/wait", json={"waiting_on": "resident", "reason": "Asked which lamp post it is."}
    )
    assert held.status_code == 200, held.json
    again = manager.post(f"/api/v1/cases/{case['id']}/wait", json={"waiting_on": "court", "reason": "Hearing"})
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_waiting")
    kept = clocks(session, case["id"])
    assert kept["councillor_answer"].paused_at is not None and kept["task_complete"].paused_at is not None

    # Monday 11 January, 10:00: off hold. Wednesday, Thursday and Friday's working hours were paused.
    at(uk(JAN, 11))
    resumed = manager.post(f"/api/v1/cases/{case['id']}/resume")
    assert resumed.status_code == 200, resumed.json
    kept = clocks(session, case["id"])
    for kind in ("councillor_answer", "task_complete"):
        assert kept[kind].paused_at is None
        assert kept[kind].paused_seconds == 3 * WORKING_DAY
        assert due(kept[kind]) == uk(JAN, 14), kind
    not_waiting = manager.post(f"/api/v1/cases/{case['id']}/resume")
    assert (not_waiting.status_code, not_waiting.json["error"]["code"]) == (409, "not_waiting")

    page, listing = request_page(app, councillor, case["reference"])
    assert "You will hear back by Thursday 14 January 2027 (10 working days)" in page
    assert "Acknowledged on Monday 4 January 2027" in page
    assert "By Thu 14 Jan 2027" in listing

    history = manager.get(f"/api/v1/cases/{case['id']}/history?page_size=100").json["items"]
    waited = [e for e in history if e["action"] in ("case.waiting", "case.resumed")]
    assert [e["action"] for e in waited] == ["case.waiting", "case.resumed"]
    assert waited[0]["after"] == {"waiting_on": "resident", "reason": "Asked which lamp post it is."}
    assert all(e["actor_id"] == manager.user.id for e in waited)

    # Tuesday 12 January: the lamp is fixed and the case resolved; the councillor may follow it up for
    # 10 working days.
    at(uk(JAN, 12, 15))
    read = highways.get(f"/api/v1/tasks/{task['id']}")
    done = highways.post(f"/api/v1/tasks/{task['id']}/complete", json={"outcome": "Lamp replaced."}, headers=etag(read))
    assert done.status_code == 200 and done.json["case"]["state"] == "resolved", done.json
    kept = clocks(session, case["id"])
    answer = kept["councillor_answer"]
    # Met: 93 working hours from 23 December 10:00 to 12 January 15:00, less the 24 on hold.
    assert answer.stopped_at is not None and answer.elapsed_seconds == (93 - 24) * 3600
    page, _ = request_page(app, councillor, case["reference"])
    assert "Answered on Tuesday 12 January 2027" in page
    assert "You can follow this up until Tuesday 26 January 2027" in page


def test_a_partners_task_clock_waits_with_its_case_and_a_paused_date_is_shown_as_it_stands(
    app, session, at, councillor, highways, manager
):
    at(uk(JAN, 4))
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    assert due(clocks(session, case["id"])["task_accept"]) == uk(JAN, 6)
    at(uk(JAN, 5))
    held = manager.post(f"/api/v1/cases/{case['id']}/wait", json={"waiting_on": "agency", "reason": "Power network"})
    assert held.status_code == 200, held.json
    # Two working days into the wait, the councillor sees the answer date as it would be if it ended now.
    at(uk(JAN, 7))
    page, _ = request_page(app, councillor, case["reference"])
    assert "You will hear back by Wednesday 20 January 2027 (10 working days)" in page
    # The task's clock does not pass its due time while the case waits.
    kept = clocks(session, case["id"])
    assert kept["task_accept"].paused_at is not None and kept["task_accept"].breached_at is None
    at(uk(JAN, 8))
    assert manager.post(f"/api/v1/cases/{case['id']}/resume").status_code == 200
    kept = clocks(session, case["id"])
    assert kept["task_accept"].paused_seconds == 3 * WORKING_DAY
    assert due(kept["task_accept"]) == uk(JAN, 11)


def test_closing_a_case_on_hold_ends_the_wait_and_counts_the_pause(session, at, councillor, manager):
    at(uk(JAN, 4))
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    at(uk(JAN, 5))
    assert (
        manager.post(f"/api/v1/cases/{case['id']}/wait", json={"waiting_on": "court", "reason": "Hearing on 8 Jan"})
    ).status_code == 200
    at(uk(JAN, 6))
    read = manager.get(f"/api/v1/cases/{case['id']}")
    closed = manager.patch(
        f"/api/v1/cases/{case['id']}",
        json={"state": "closed", "reason": "The court dealt with it."},
        headers=etag(read),
    )
    assert closed.status_code == 200, closed.json
    session.expire_all()
    wait = session.scalar(select(CaseWait).where(CaseWait.case_id == case["id"]))
    assert wait.ended_at is not None and wait.ended_by_id == manager.user.id
    kept = clocks(session, case["id"])
    assert all(c.stopped_at is not None and c.paused_at is None for c in kept.values())
    assert kept["councillor_answer"].paused_seconds == WORKING_DAY
    assert kept["councillor_answer"].elapsed_seconds == WORKING_DAY
    refused = manager.post(f"/api/v1/cases/{case['id']}/wait", json={"waiting_on": "court", "reason": "Again"})
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "case_closed")


def test_who_may_put_a_case_on_hold_and_what_they_must_say(caller, councillor, highways, manager):
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    path = f"/api/v1/cases/{case['id']}/wait"
    body = {"waiting_on": "resident", "reason": "Waiting for photos"}
    assert councillor.post(path, json=body).status_code == 403
    assert highways.post(path, json=body).status_code == 404  # not theirs to see until they accept it
    assert caller("area_manager", areas=["AB"]).post(path, json=body).status_code == 404
    assert caller("finance").post(path, json=body).status_code == 403
    unknown = manager.post(path, json={"waiting_on": "the weather", "reason": "Snow"})
    assert unknown.status_code == 422 and "waiting_on" in unknown.json["error"]["fields"]
    blank = manager.post(path, json={"waiting_on": "resident", "reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json["error"]["fields"]
    assert manager.post(f"/api/v1/cases/{case['id']}/resume").status_code == 409
    assert caller("support_officer", areas=["SW"]).post(path, json=body).status_code == 200
    assert caller("admin").post(f"/api/v1/cases/{case['id']}/resume").status_code == 200
