"""Issue 21 review: what councillors are told and what the sweep sends, from the outside.
- A councillor reading another councillor's request in the same ward is promised nothing.
- A resolved request reopened is owed an answer again; one withdrawn was never "answered".
- Deadline bookkeeping (warnings, breaches) stays out of a councillor's history.
- A clock first swept after it fell due is breached, not warned and breached in one go.
- Targets that could never apply, and local holidays that are no working day anyway, are refused.
- The exception CSV says what the JSON says: whether a clock is paused, and when it was breached."""

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Clock, Notification
from tasking.services import clocks
from tasking.unit_of_work import unit_of_work
from tests.api.test_level_one_loop import STREET_LIGHT, accept_and_complete, etag
from tests.api.test_paused_clocks import DEC, JAN, at, councillor, highways, manager, request_page, uk  # noqa: F401


def _sweep(session, moment):
    return clocks.sweep(session, units=lambda: unit_of_work(session), now=moment.astimezone(UTC), policy=Policy())


def test_only_the_councillor_who_asked_is_told_when_they_will_hear_back(app, caller, at, councillor):
    at(uk(DEC, 23))
    neighbour = caller("councillor", wards=["pleck"])
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    page, _ = request_page(app, councillor, case["reference"])
    assert "You will hear back by Monday 11 January 2027" in page
    theirs, _ = request_page(app, neighbour, case["reference"])
    assert "hear back" not in theirs and "acknowledge" not in theirs


def test_a_reopened_request_is_owed_an_answer_again_and_a_withdrawn_one_was_never_answered(
    app, at, councillor, highways, manager
):
    at(uk(JAN, 4))
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    accept_and_complete(highways, "Lamp replaced.")  # highways resolves its level-one job
    at(uk(JAN, 5))
    page, _ = request_page(app, councillor, case["reference"])
    assert "Answered on Monday 4 January 2027" in page

    at(uk(JAN, 6))
    reopened = manager.post(f"/api/v1/cases/{case['id']}/reopen", json={"reason": "The lamp is out again."})
    assert reopened.status_code == 200, reopened.json
    page, _ = request_page(app, councillor, case["reference"])
    # Ten working days from the reopening, Wednesday 6 January 10:00.
    assert "You will hear back by Wednesday 20 January 2027 (10 working days)" in page
    assert "Answered on" not in page

    withdrawn = manager.patch(
        f"/api/v1/cases/{case['id']}",
        json={"state": "withdrawn", "reason": "Reported twice."},
        headers=etag(manager.get(f"/api/v1/cases/{case['id']}")),
    )
    assert withdrawn.status_code == 200, withdrawn.json
    page, _ = request_page(app, councillor, case["reference"])
    assert "Answered on" not in page and "hear back by" not in page


def test_deadline_bookkeeping_stays_out_of_a_councillors_history_and_a_late_sweep_only_breaches(
    app, session, at, councillor, manager
):
    at(uk(JAN, 4))
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    # Nobody looks for a month: the first sweep finds every clock past due.
    result = _sweep(session, uk((2027, 2), 4))
    assert result.warned == 0 and result.breached >= 2
    session.expire_all()
    kept = session.scalars(select(Clock).where(Clock.case_id == case["id"])).all()
    assert all(clock.warned_at is None and clock.breached_at is not None for clock in kept)
    assert not session.scalars(select(Notification).where(Notification.kind == "clock_warned")).all()
    recorded = session.scalars(select(AuditEvent.action).where(AuditEvent.case_id == case["id"])).all()
    assert "clock.breached" in recorded

    at(uk((2027, 2), 4, 11))
    history = councillor.get(f"/api/v1/cases/{case['id']}/history?page_size=100").json["items"]
    assert not [e for e in history if e["action"].startswith("clock.")]
    page, _ = request_page(app, councillor, case["reference"])
    assert "deadline" not in page.lower()
    staff = manager.get(f"/api/v1/cases/{case['id']}/history?page_size=100").json["items"]
    assert [e for e in staff if e["action"] == "clock.breached"]


def test_targets_that_could_never_apply_are_refused(caller):
    admin = caller("admin")
    for body, field in (
        ({"kind": "first_response", "organisation": "wm-police", "working_days": 2}, "organisation"),
        ({"kind": "councillor_follow_up", "organisation": "wm-police", "working_days": 2}, "organisation"),
        ({"kind": "task_accept", "organisation": "wm-police", "category": "litter", "working_days": 2}, "category"),
    ):
        refused = admin.put("/api/v1/targets", json=body)
        assert refused.status_code == 422, body
        assert field in refused.json["error"]["fields"], refused.json
    assert (
        admin.put(
            "/api/v1/targets", json={"kind": "task_accept", "organisation": "wm-police", "working_days": 2}
        ).status_code
        == 200
    )


def test_a_local_holiday_is_a_working_day_of_this_century(caller):
    admin = caller("admin")
    for day, code in (
        ("2027-01-09", "not_a_working_day"),
        ("2026-12-25", "bank_holiday"),
        ("1999-01-05", "out_of_range"),
    ):
        refused = admin.post("/api/v1/calendar/holidays", json={"date": day, "name": "Closed"})
        assert refused.status_code == 422, day
        assert refused.json["error"]["code"] == code, refused.json
    assert admin.post("/api/v1/calendar/holidays", json={"date": "2027-01-04", "name": "Closed"}).status_code == 201


def test_the_exception_csv_says_which_clocks_are_paused_and_when_they_were_breached(session, at, councillor, manager):
    at(uk(JAN, 4))
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    _sweep(session, uk((2027, 2), 4))
    at(uk((2027, 2), 4, 11))
    held = manager.post(f"/api/v1/cases/{case['id']}/wait", json={"waiting_on": "resident", "reason": "Photos."})
    assert held.status_code == 200, held.json
    report = manager.get("/api/v1/reports/exceptions").json
    rows = [
        r for r in csv.DictReader(io.StringIO(manager.get("/api/v1/reports/exceptions.csv").get_data(as_text=True)))
    ]
    shown = {(r["case_reference"], r["kind"]): r for r in rows if r["section"] == "exception"}
    assert report["exceptions"]
    for row in report["exceptions"]:
        line = shown[(row["case_reference"], row["kind"])]
        assert line["paused"] == ("yes" if row["paused"] else "no")
        if row["breached_at"]:
            assert datetime.fromisoformat(line["breached_at"]) == datetime.fromisoformat(row["breached_at"])
        else:
            assert line["breached_at"] == ""
    assert any(r["paused"] == "yes" for r in shown.values())
