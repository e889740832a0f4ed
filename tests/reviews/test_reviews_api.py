"""Reviews and agendas through the API, and the scheduler process picking up a due review."""

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, update

import tasking.clock
from tasking.domain.policy import Policy
from tasking.models import Review, ReviewSchedule
from tasking.services import sweep
from tasking.unit_of_work import unit_of_work

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


def decided_case(manager, level, category="anti-social-behaviour", ward="pleck"):
    case = manager.post(
        "/api/v1/cases",
        json={"title": "Youths gathering", "description": "Every night.", "category": category, "ward": ward},
    ).json
    response = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": "test"})
    assert response.status_code == 200, response.json
    return case


def make_due(session, *case_ids, when=None):
    when = when or datetime.now(timezone.utc) - timedelta(minutes=5)
    session.execute(update(ReviewSchedule).where(ReviewSchedule.case_id.in_(case_ids)).values(next_review_at=when))
    session.commit()


def test_reviews_are_listed_and_decided(session, manager, caller):
    keep, escalate, close = (decided_case(manager, 2) for _ in range(3))
    make_due(session, keep["id"], escalate["id"], close["id"])
    sweep.sweep(session, units=lambda: unit_of_work(session), now=datetime.now(timezone.utc), policy=Policy())
    listed = manager.get("/api/v1/reviews").json["items"]
    assert {r["case"]["id"] for r in listed} == {keep["id"], escalate["id"], close["id"]}
    by_case = {r["case"]["id"]: r for r in listed}

    continued = manager.post(
        f"/api/v1/reviews/{by_case[keep['id']]['id']}/decision",
        json={"outcome": "continue", "notes": "Patrols working"},
    )
    assert continued.status_code == 200 and continued.json["state"] == "decided"
    assert (
        manager.post(f"/api/v1/reviews/{by_case[keep['id']]['id']}/decision", json={"outcome": "continue"}).status_code
        == 409
    )

    no_reason = manager.post(
        f"/api/v1/reviews/{by_case[escalate['id']]['id']}/decision", json={"outcome": "escalate", "level": 3}
    )
    assert no_reason.status_code == 422
    up = manager.post(
        f"/api/v1/reviews/{by_case[escalate['id']]['id']}/decision",
        json={"outcome": "escalate", "level": 3, "reason": "Now involves a drugs line"},
    )
    assert up.status_code == 200
    escalated = manager.get(f"/api/v1/cases/{escalate['id']}").json
    assert escalated["level"] == 3 and escalated["owner"]["organisation"]["code"] == "wm-police"

    closed = manager.post(
        f"/api/v1/reviews/{by_case[close['id']]['id']}/decision",
        json={"outcome": "close", "reason": "Resolved by mediation"},
    )
    assert closed.status_code == 200
    assert manager.get(f"/api/v1/cases/{close['id']}").json["state"] == "closed"
    assert manager.get("/api/v1/reviews").json["items"] == []
    assert len(manager.get("/api/v1/reviews?state=decided").json["items"]) == 3


def test_review_access(session, manager, caller):
    case = decided_case(manager, 2)
    make_due(session, case["id"])
    sweep.sweep(session, units=lambda: unit_of_work(session), now=datetime.now(timezone.utc), policy=Policy())
    review_id = manager.get("/api/v1/reviews").json["items"][0]["id"]
    other = caller("area_manager", areas=["NW"])
    assert other.get("/api/v1/reviews").json["items"] == []
    assert other.get("/api/v1/reviews?area=SW").status_code == 404
    assert other.post(f"/api/v1/reviews/{review_id}/decision", json={"outcome": "continue"}).status_code == 404
    # Reviews go to whoever owns the case: a partner or the borough officer decides those of the
    # cases they own, and this level-two case (the area manager's) is neither's: nothing listed, 404.
    for role, extra in (("partner", {"organisation": "wm-police"}), ("borough_officer", {})):
        owner_of_others = caller(role, **extra)
        assert owner_of_others.get("/api/v1/reviews").json["items"] == []
        decision = owner_of_others.post(f"/api/v1/reviews/{review_id}/decision", json={"outcome": "continue"})
        assert decision.status_code == 404
    assert caller("councillor", wards=["pleck"]).get("/api/v1/reviews").status_code == 403


def test_overdue_filter(session, manager):
    late, on_time = decided_case(manager, 2), decided_case(manager, 2)
    now = datetime.now(timezone.utc)
    make_due(session, late["id"], when=now - timedelta(days=30))
    make_due(session, on_time["id"], when=now - timedelta(hours=1))
    sweep.sweep(session, units=lambda: unit_of_work(session), now=now, policy=Policy())
    assert [r["case"]["id"] for r in manager.get("/api/v1/reviews?overdue=true").json["items"]] == [late["id"]]


def test_agenda_groups_due_level_two_and_three_cases_by_level_and_lead(session, manager, caller):
    two, three, one = decided_case(manager, 2), decided_case(manager, 3), decided_case(manager, 1, category="litter")
    manager.post(
        f"/api/v1/cases/{two['id']}/spend",
        json={
            "amount_pence": 20_000,
            "description": "Mediation",
            "spent_on": tasking.clock.today().isoformat(),
        },
    )
    meeting = (datetime.now(timezone.utc) + timedelta(days=7)).date()
    make_due(session, two["id"], three["id"], one["id"], when=datetime.now(timezone.utc) + timedelta(days=3))
    agenda = manager.get(f"/api/v1/areas/SW/agenda?meeting={meeting}").json
    assert [(g["level"], g["lead"]) for g in agenda["groups"]] == [(2, "Area manager"), (3, "West Midlands Police")]
    item_two = agenda["groups"][0]["items"][0]
    assert item_two["case"]["id"] == two["id"] and item_two["spend_pence"] == 20_000
    assert any(e["action"] == "spend.recorded" for e in item_two["history"])
    item_three = agenda["groups"][1]["items"][0]
    assert {t["organisation"]["code"] for t in item_three["open_tasks"]} == {"wm-police", "asb-team", "whg", "wm-fire"}
    earlier = (datetime.now(timezone.utc) + timedelta(days=1)).date()
    assert manager.get(f"/api/v1/areas/SW/agenda?meeting={earlier}").json["groups"] == []
    assert caller("area_manager", areas=["NW"]).get(f"/api/v1/areas/SW/agenda?meeting={meeting}").status_code == 404


def test_the_scheduler_process_picks_up_a_due_review(app, session, manager):
    case = decided_case(manager, 2)
    make_due(session, case["id"])
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_APP": "wsgi",
        "SWEEP_INTERVAL_SECONDS": "1",
        "NOTIFY_INTERVAL_SECONDS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "tasking", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        review = None
        while time.monotonic() < deadline and review is None:
            time.sleep(0.5)
            session.expire_all()
            review = session.scalar(select(Review).where(Review.case_id == case["id"]))
        assert review is not None, "the scheduler did not sweep"
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert "sweep: 1 reviews" in output, output


def test_the_agenda_prints_as_a_page_for_staff_only(app, session, manager):
    from tasking.services import users
    from tests.web.test_councillor_pages import PASSWORD, sign_in

    case = decided_case(manager, 2)
    make_due(session, case["id"], when=datetime.now(timezone.utc) + timedelta(days=1))
    with unit_of_work(session):
        users.create_user(
            session,
            None,
            email="am.web@test.example",
            name="AM",
            role="area_manager",
            now=datetime.now(timezone.utc),
            password=PASSWORD,
            area_codes=["SW"],
        )
    client = app.test_client()
    sign_in(client, "am.web@test.example")
    meeting = (datetime.now(timezone.utc) + timedelta(days=2)).date()
    page = client.get(f"/areas/SW/agenda?meeting={meeting}")
    assert page.status_code == 200 and case["reference"] in page.get_data(as_text=True)
    assert client.get(f"/areas/NW/agenda?meeting={meeting}", headers={"Accept": "text/html"}).status_code == 404
