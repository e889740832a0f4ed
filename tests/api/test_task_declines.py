"""Declines follow who holds the case (docs/routing.md, "The level-one loop"): a supporting partner's
decline leaves the case with its lead and tells the owner and coordinator, who may offer the task
to another organisation; the lead's or the front line's decline puts the case back in its area's
triage queue saying who declined and why, and tells the area manager. A reason of only spaces is
no reason."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tasking.domain.errors import ValidationFailed
from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Case, Notification, Task
from tasking.services import tasks
from tasking.services.users import principal_for


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def police(caller):
    return caller("partner", organisation="wm-police")


@pytest.fixture
def whg(caller):
    return caller("partner", organisation="whg")


def level_three(manager):
    """ASB at level 3: the police lead, the ASB team, WHG and the fire service support."""
    case = manager.post(
        "/api/v1/cases",
        json={
            "title": "Group intimidating residents",
            "description": "Every night.",
            "category": "anti-social-behaviour",
        }
        | {"ward": "pleck"},
    ).json
    decided = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 3, "reason": "Escalating"})
    assert decided.status_code == 200, decided.json
    return case


def decline(partner, reason):
    [task] = [t for t in partner.get("/api/v1/tasks").json["items"] if t["state"] != "declined"]
    return partner.post(f"/api/v1/tasks/{task['id']}/decline", json={"reason": reason}, headers={"If-Match": "*"})


def notices(session, kind):
    session.expire_all()
    return session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)).all()


def test_a_supporting_partners_decline_leaves_the_case_with_its_lead_and_tells_the_owner(session, manager, police, whg):
    case = level_three(manager)
    declined = decline(whg, "   Not one of our tenancies.  ")
    assert declined.status_code == 200, declined.json
    assert declined.json["decline_reason"] == "Not one of our tenancies."

    seen = manager.get(f"/api/v1/cases/{case['id']}").json
    assert (seen["state"], seen["owner"]["organisation"]["code"]) == ("assigned", "wm-police")
    assert manager.get("/api/v1/triage").json["items"] == []
    assert not session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case["id"], AuditEvent.action == "case.returned")
    ).all()

    # The lead's people (the owner) and the area manager (the coordinator) hear of it, once each.
    sent = notices(session, "task_declined")
    assert {n.recipient for n in sent} == {police.user.email, manager.user.email}
    assert len(sent) == 2 and all(n.case_id == case["id"] for n in sent)
    assert all("Not one of our tenancies." in n.body and "Walsall Housing Group" in n.body for n in sent)
    assert all("offer the task to another organisation" in n.body for n in sent)
    assert all(n.dedupe_key.startswith(f"task_declined:{declined.json['id']}:") for n in sent)
    assert notices(session, "case_returned") == []


def test_a_supporting_decline_can_leave_the_rest_done_and_the_case_ready(session, manager, caller):
    """The last open task declined while the others are done: the case is ready to resolve."""
    case = level_three(manager)
    for code in ("wm-police", "asb-team", "wm-fire"):
        partner = caller("partner", organisation=code)
        [task] = partner.get("/api/v1/tasks").json["items"]
        done = partner.post(
            f"/api/v1/tasks/{task['id']}/complete", json={"outcome": "Done."}, headers={"If-Match": "*"}
        )
        assert done.status_code == 200, done.json
    assert manager.get(f"/api/v1/cases/{case['id']}").json["ready_to_resolve"] is False
    assert decline(caller("partner", organisation="whg"), "Not ours.").status_code == 200
    seen = manager.get(f"/api/v1/cases/{case['id']}").json
    assert (seen["state"], seen["ready_to_resolve"]) == ("assigned", True)


def test_the_leads_decline_puts_the_case_in_triage_with_who_declined_and_why(session, manager, police):
    case = level_three(manager)
    assert decline(police, " The ASB team should lead: it is about tenancy behaviour. ").status_code == 200

    queue = manager.get("/api/v1/triage").json["items"]
    assert [(i["id"], i["state"]) for i in queue] == [(case["id"], "returned")]
    session.expire_all()
    stored = session.get(Case, case["id"])
    assert stored.triage_reason == (
        "West Midlands Police declined to lead: The ASB team should lead: it is about tenancy behaviour."
    )
    returned = session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case["id"], AuditEvent.action == "case.returned")
    )
    assert returned.actor_id == police.user.id
    assert returned.after["reason"] == "The ASB team should lead: it is about tenancy behaviour."
    assert returned.after["triage_reason"] == stored.triage_reason

    told = notices(session, "case_returned")
    assert [n.recipient for n in told] == [manager.user.email]
    assert stored.triage_reason in told[0].body
    assert notices(session, "task_declined") == []


def test_the_front_lines_decline_of_a_level_one_job_goes_back_to_triage(session, manager, caller):
    case = manager.post(
        "/api/v1/cases",
        json={"title": "Pothole", "description": "Deep one.", "category": "potholes", "ward": "paddock"},
    ).json
    manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 1, "reason": "test"})
    highways = caller("partner", organisation="highways")
    assert decline(highways, "Private road: not adopted highway.").status_code == 200
    session.expire_all()
    stored = session.get(Case, case["id"])
    assert stored.state == "returned"
    assert "Walsall Council Highways and Street Lighting" in stored.triage_reason
    assert stored.triage_reason.endswith("Private road: not adopted highway.")
    assert [n.recipient for n in notices(session, "case_returned")] == [manager.user.email]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n "])
def test_a_reason_of_only_spaces_is_refused_and_changes_nothing(session, manager, police, blank):
    case = level_three(manager)
    [task] = police.get("/api/v1/tasks").json["items"]
    refused = police.post(f"/api/v1/tasks/{task['id']}/decline", json={"reason": blank}, headers={"If-Match": "*"})
    assert refused.status_code == 422
    assert "reason" in refused.json["error"]["fields"]
    assert police.get(f"/api/v1/tasks/{task['id']}").json["state"] == "offered"
    assert manager.get(f"/api/v1/cases/{case['id']}").json["state"] == "assigned"


def test_the_service_refuses_a_blank_reason_whoever_calls_it(session, manager, police):
    level_three(manager)
    task_id = session.scalar(select(Task.id).where(Task.organisation.has(code="wm-police")))
    with pytest.raises(ValidationFailed) as refused:
        tasks.act(
            session,
            principal_for(police.user),
            task_id,
            "decline",
            if_match="*",
            now=datetime.now(timezone.utc),
            policy=Policy(),
            text="  ",
        )
    assert refused.value.fields == {"reason": ["Declining a task needs a reason."]}
