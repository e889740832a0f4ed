"""Reviews go to whoever owns the case, and that owner reads and decides them through the API
(docs/reviews.md, "Who decides"): the front-line partner those of its level-one jobs, the borough
officer those of level-four cases. The tasking meeting stays the area staff's."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Notification, ReviewSchedule
from tasking.services import sweep
from tasking.unit_of_work import unit_of_work


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def highways(caller):
    return caller("partner", organisation="highways", areas=["SW"])


@pytest.fixture
def street_cleansing(caller):
    return caller("partner", organisation="street-cleansing", areas=["SW"])


def decided(manager, level, category, ward="pleck"):
    case = manager.post(
        "/api/v1/cases",
        json={"title": f"A {category} problem", "description": "Reported.", "category": category, "ward": ward},
    ).json
    response = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": "test"})
    assert response.status_code == 200, response.json
    return case


def sweep_now(session, *case_ids):
    now = datetime.now(timezone.utc)
    session.execute(
        update(ReviewSchedule)
        .where(ReviewSchedule.case_id.in_(case_ids))
        .values(next_review_at=now - timedelta(minutes=5))
    )
    session.commit()
    sweep.sweep(session, units=lambda: unit_of_work(session), now=now, policy=Policy())


def review_of(caller, case, state="pending"):
    items = caller.get(f"/api/v1/reviews?state={state}").json["items"]
    found = [r for r in items if r["case"]["reference"] == case["reference"]]
    assert len(found) == 1, items
    return found[0]


def test_a_front_line_partner_pulls_and_decides_the_reviews_of_its_level_one_jobs(
    session, manager, highways, street_cleansing, caller
):
    light = decided(manager, 1, "street-lighting")
    litter = decided(manager, 1, "litter", ward="paddock")
    sweep_now(session, light["id"], litter["id"])

    # The sweep mailed each review to the organisation that owns the case.
    recipients = set(session.scalars(select(Notification.recipient).where(Notification.kind == "review_due")))
    assert recipients == {highways.user.email, street_cleansing.user.email}

    listed = highways.get("/api/v1/reviews")
    assert listed.status_code == 200
    assert [r["case"]["reference"] for r in listed.json["items"]] == [light["reference"]]
    review = listed.json["items"][0]
    path = f"/api/v1/reviews/{review['id']}/decision"

    # Another organisation's review is not there to decide.
    assert street_cleansing.post(path, json={"outcome": "continue"}).status_code == 404
    # Changing the level is the area manager's: the partner is told how to hand the case back.
    escalate = highways.post(path, json={"outcome": "escalate", "level": 2, "reason": "Cable fault, bigger job"})
    assert escalate.status_code == 403
    assert "decline your task" in escalate.json["error"]["message"]

    kept = highways.post(path, json={"outcome": "continue", "notes": "Parts ordered."})
    assert kept.status_code == 200, kept.json
    assert (kept.json["state"], kept.json["outcome"], kept.json["notes"]) == ("decided", "continue", "Parts ordered.")
    assert kept.json["decided_by_id"] == highways.user.id

    # The next cycle: the partner closes the case at its review.
    sweep_now(session, light["id"])
    again = review_of(highways, light)
    missing_reason = highways.post(f"/api/v1/reviews/{again['id']}/decision", json={"outcome": "close"})
    assert missing_reason.status_code == 422
    closed = highways.post(
        f"/api/v1/reviews/{again['id']}/decision", json={"outcome": "close", "reason": "Lamp column replaced."}
    )
    assert closed.status_code == 200, closed.json
    case = manager.get(f"/api/v1/cases/{light['id']}").json
    assert (case["state"], case["next_review_at"]) == ("closed", None)
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == light["id"], AuditEvent.action == "case.closed")
    )
    assert event.actor_id == highways.user.id and event.after["reason"] == "Lamp column replaced."
    assert highways.get("/api/v1/reviews").json["items"] == []

    # The tasking meeting is not theirs, nor are the manager's filters by area.
    meeting = (datetime.now(timezone.utc) + timedelta(days=7)).date()
    assert highways.get(f"/api/v1/areas/SW/agenda?meeting={meeting}").status_code == 403
    assert highways.get("/api/v1/reviews?area=SW").status_code == 404


def test_a_partner_sees_no_more_of_a_review_than_its_task_shows(session, manager, highways):
    light = decided(manager, 1, "street-lighting")
    manager.post(
        f"/api/v1/cases/{light['id']}/notes",
        json={"body": "Resident is the manager's cousin", "visibility": "internal"},
    )
    sweep_now(session, light["id"])
    by_manager = review_of(manager, light)
    decided_by_manager = manager.post(
        f"/api/v1/reviews/{by_manager['id']}/decision",
        json={"outcome": "continue", "notes": "Resident is the manager's cousin"},
    )
    assert decided_by_manager.status_code == 200
    task_case = highways.get("/api/v1/tasks").json["items"][0]["case"]

    seen = review_of(highways, light, state="decided")
    text = str(seen)
    assert "cousin" not in text
    assert "notes" not in seen and "decided_by_id" not in seen  # the manager's decision, not the partner's
    # Of the case: what the task shows, and the review cycle itself.
    assert set(seen["case"]) <= set(task_case) | {"next_review_at", "missed_reviews"}
    assert "id" not in seen["case"] and "created_at" not in seen["case"]
    assert seen["case"]["reference"] == task_case["reference"]
    # The manager, who may read the case, sees the whole review.
    assert review_of(manager, light, state="decided")["case"]["id"] == light["id"]


def test_the_borough_officer_lists_and_decides_the_reviews_of_level_four_cases(session, manager, caller):
    borough = caller("borough_officer")
    keep, lower, close = (decided(manager, 4, "anti-social-behaviour") for _ in range(3))
    local = decided(manager, 2, "anti-social-behaviour")
    sweep_now(session, keep["id"], lower["id"], close["id"], local["id"])
    notified = set(
        session.scalars(
            select(Notification.case_id).where(
                Notification.kind == "review_due", Notification.recipient == borough.user.email
            )
        )
    )
    assert notified == {keep["id"], lower["id"], close["id"]}

    listed = {r["case"]["id"]: r for r in borough.get("/api/v1/reviews").json["items"]}
    assert set(listed) == {keep["id"], lower["id"], close["id"]}
    local_review = review_of(manager, local)
    assert borough.post(f"/api/v1/reviews/{local_review['id']}/decision", json={"outcome": "continue"}).status_code == (
        404
    )

    def decide(case, body):
        return borough.post(f"/api/v1/reviews/{listed[case['id']]['id']}/decision", json=body)

    assert decide(keep, {"outcome": "continue"}).status_code == 200
    lowered = decide(lower, {"outcome": "de_escalate", "level": 3, "reason": "Police operation now leads."})
    assert lowered.status_code == 200, lowered.json
    now_level_three = manager.get(f"/api/v1/cases/{lower['id']}").json
    assert (now_level_three["level"], now_level_three["owner"]["organisation"]["code"]) == (3, "wm-police")
    closed = decide(close, {"outcome": "close", "reason": "Housing policy changed borough-wide."})
    assert closed.status_code == 200, closed.json
    assert manager.get(f"/api/v1/cases/{close['id']}").json["state"] == "closed"

    meeting = (datetime.now(timezone.utc) + timedelta(days=7)).date()
    assert borough.get(f"/api/v1/areas/SW/agenda?meeting={meeting}").status_code == 403


def test_area_staff_still_decide_every_review_of_their_areas(session, manager, highways):
    light = decided(manager, 1, "street-lighting")
    sweep_now(session, light["id"])
    review = review_of(manager, light)
    up = manager.post(
        f"/api/v1/reviews/{review['id']}/decision",
        json={"outcome": "escalate", "level": 2, "reason": "Three lamps out: a cable fault."},
    )
    assert up.status_code == 200, up.json
    case = manager.get(f"/api/v1/cases/{light['id']}").json
    assert (case["level"], case["owner"]["user_id"]) == (2, manager.user.id)
    # Highways no longer owns it: its earlier review is no longer its to see.
    assert highways.get("/api/v1/reviews?state=decided").json["items"] == []
