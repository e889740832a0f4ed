"""A case's level: suggested with reasons, decided by a person, routed, escalated, referred back."""

import pytest
from sqlalchemy import select

from tasking.models import Category, Organisation


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def borough(caller):
    return caller("borough_officer")


def raise_case(who, **fields):
    body = {
        "title": "Graffiti on the railway bridge",
        "description": "Offensive tags.",
        "category": "graffiti",
        "ward": "pleck",
        **fields,
    }
    response = who.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.json
    return response.json


def decide(who, case_id, level, reason=None):
    body = {"level": level} if reason is None else {"level": level, "reason": reason}
    return who.post(f"/api/v1/cases/{case_id}/classification", json=body)


def org_id(session, code):
    return session.scalar(select(Organisation.id).where(Organisation.code == code))


def test_a_new_case_is_suggested_at_once_with_its_reasons(manager):
    case = raise_case(manager)
    assert case["suggested_level"] == 1
    assert case["suggestion_reasons"][0]["code"] == "L1_SIMPLE_ACTION"
    assert case["owner"] == {
        "kind": "triage_queue",
        "organisation": None,
        "user_id": None,
        "coordinator_user_id": None,
        "area": {"code": "SW", "name": "South Walsall"},
        "reason": None,
    }


def test_walk_from_raising_to_reopening_with_every_step_in_the_history(manager, caller, borough, session):
    councillor = caller("councillor", wards=["pleck"])
    case = raise_case(manager)
    path = f"/api/v1/cases/{case['id']}"

    view = manager.get(f"{path}/classification").json
    assert view["suggestion"]["level"] == 1 and view["history"] == []

    # A level other than the suggestion needs a reason.
    missing = decide(manager, case["id"], 2)
    assert missing.status_code == 422 and "reason" in missing.json["error"]["fields"]
    assert manager.get(path).json["level"] is None

    # Confirming the suggestion needs none; level 1 goes to the front-line service with a task.
    decided = decide(manager, case["id"], 1)
    assert decided.status_code == 200, decided.json
    assert decided.json["owner"]["organisation"]["code"] == "street-cleansing"
    assert decided.json["owner"]["user_id"] is None
    tasks = manager.get(f"{path}/tasks").json["items"]
    assert [(t["organisation"]["code"], t["role"], t["state"]) for t in tasks] == [
        ("street-cleansing", "frontline", "offered")
    ]

    # The councillor finds it more complicated: referred back, suggested level 2, in the queue.
    referred = councillor.post(f"{path}/referral", json={"reason": "The tags come back every night."})
    assert referred.status_code == 200, referred.json
    assert (referred.json["state"], referred.json["suggested_level"]) == ("returned", None)
    seen_by_manager = manager.get(path).json
    assert seen_by_manager["suggested_level"] == 2
    assert any(r["code"] == "L2_REFERRED_BACK" for r in seen_by_manager["suggestion_reasons"])
    queue = manager.get("/api/v1/triage").json["items"]
    assert [(i["reference"], i["waiting_reason"]) for i in queue] == [(case["reference"], "referred")]

    # Escalation to level 3: the lead partner owns, the area manager coordinates, agencies get tasks.
    escalated = decide(manager, case["id"], 3, "Linked to a group of youths; police lead.")
    assert escalated.status_code == 200, escalated.json
    assert escalated.json["owner"]["organisation"]["code"] == "asb-team"
    assert escalated.json["owner"]["coordinator_user_id"] == manager.user.id
    tasks = {(t["organisation"]["code"], t["role"], t["state"]) for t in manager.get(f"{path}/tasks").json["items"]}
    # Street cleansing stays on the case, its task now a supporting one.
    assert tasks == {
        ("asb-team", "lead", "offered"),
        ("street-cleansing", "support", "offered"),
        ("wm-police", "support", "offered"),
    }

    # De-escalation to level 2: the area manager owns it; partner tasks are withdrawn.
    lowered = decide(manager, case["id"], 2, "Police dealt with the group; clean-up remains.")
    assert lowered.status_code == 200
    assert lowered.json["owner"] == {
        "kind": "user",
        "organisation": None,
        "user_id": manager.user.id,
        "coordinator_user_id": None,
        "area": None,
        "reason": None,
    }
    assert all(t["state"] == "cancelled" for t in manager.get(f"{path}/tasks").json["items"])

    # Marked a duplicate of another case, then reopened.
    original = raise_case(manager, title="Graffiti on the bridge again")
    duplicate = manager.post(f"{path}/duplicate", json={"of": original["reference"]})
    assert duplicate.status_code == 200
    assert (duplicate.json["state"], duplicate.json["duplicate_of_id"]) == ("duplicate", original["id"])
    reopened = manager.post(f"{path}/reopen", json={"reason": "Different bridge after all."})
    assert reopened.status_code == 200
    assert (reopened.json["state"], reopened.json["duplicate_of_id"]) == ("returned", None)

    levels = manager.get(f"{path}/classification").json["history"]
    assert [
        (h["from_level"], h["to_level"], h["suggested_level"], h["kind"], h["reason"], h["decided_by_id"])
        for h in levels
    ] == [
        (None, 1, 1, "decision", None, manager.user.id),
        (1, 3, 2, "escalation", "Linked to a group of youths; police lead.", manager.user.id),
        (3, 2, 1, "de_escalation", "Police dealt with the group; clean-up remains.", manager.user.id),
    ]
    events = manager.get(f"{path}/history?page_size=100").json["items"]
    steps = [
        (e["action"], e["actor_id"], (e["after"] or {}).get("reason")) for e in events if e["object_type"] == "case"
    ]
    assert steps == [
        ("case.created", manager.user.id, None),
        ("case.decision", manager.user.id, None),
        ("case.referred", councillor.user.id, "The tags come back every night."),
        ("case.escalation", manager.user.id, "Linked to a group of youths; police lead."),
        ("case.de_escalation", manager.user.id, "Police dealt with the group; clean-up remains."),
        ("case.marked_duplicate", manager.user.id, None),
        ("case.reopened", manager.user.id, "Different bridge after all."),
    ]
    assert {e["action"] for e in events if e["object_type"] == "task"} == {
        "task.offered",
        "task.role_changed",
        "task.cancelled",
    }


def test_level_four_goes_to_the_borough_officer(manager, borough, session):
    case = raise_case(manager, category="worklessness", title="Young people cannot get to work")
    assert case["suggested_level"] == 4
    decided = decide(manager, case["id"], 4)
    assert decided.json["owner"]["user_id"] == borough.user.id
    assert decided.json["owner"]["organisation"]["code"] == "walsall-partnership"
    assert borough.get(f"/api/v1/cases/{case['id']}").status_code == 200


def test_an_unroutable_case_waits_in_the_triage_queue_with_the_reason(manager):
    case = raise_case(manager, category="worklessness", title="Young people cannot get to work")
    decided = decide(manager, case["id"], 1, "Try the job centre outreach first.")
    assert decided.status_code == 200
    assert decided.json["state"] == "returned"
    assert decided.json["owner"]["kind"] == "triage_queue"
    assert "front-line" in decided.json["owner"]["reason"]
    queue = manager.get("/api/v1/triage").json["items"]
    assert [(i["id"], i["waiting_reason"]) for i in queue] == [(case["id"], "unroutable")]


def test_no_case_is_left_without_an_owner_after_classification(manager, borough, session):
    categories = session.scalars(select(Category.code).order_by(Category.code)).all()
    for code in categories:
        for level in (1, 2, 3, 4):
            case = raise_case(manager, category=code, title=f"{code} at level {level}")
            response = decide(manager, case["id"], level, "Covering every category and level.")
            assert response.status_code == 200, (code, level, response.json)
            owner = response.json["owner"]
            if owner["kind"] == "triage_queue":
                assert owner["reason"] and owner["area"]["code"] == "SW", (code, level)
                assert response.json["state"] == "returned"
            else:
                assert owner["organisation"] or owner["user_id"], (code, level)
                assert response.json["state"] == "assigned"
            if level == 1 and owner["kind"] != "triage_queue":
                assert owner["user_id"] is None, "level one never goes to the area manager"


def test_deciding_a_closed_case_is_refused(manager):
    case = raise_case(manager)
    manager.patch(
        f"/api/v1/cases/{case['id']}",
        json={"state": "withdrawn", "reason": "Raised in error"},
        headers={"If-Match": f'"case-{case["id"]}-v1"'},
    )
    assert decide(manager, case["id"], 1).status_code == 409


def test_only_level_one_cases_are_referred(manager, caller):
    case = raise_case(manager)
    decide(manager, case["id"], 2, "Needs the area manager.")
    response = manager.post(f"/api/v1/cases/{case['id']}/referral", json={"reason": "More complicated"})
    assert response.status_code == 409


def test_a_referral_needs_a_reason(manager):
    case = raise_case(manager)
    decide(manager, case["id"], 1)
    assert manager.post(f"/api/v1/cases/{case['id']}/referral", json={}).status_code == 422


@pytest.mark.parametrize(
    "role, extra", [("partner", {"organisation": "wm-police"}), ("councillor", {"wards": ["pleck"]}), ("finance", {})]
)
def test_partners_and_councillors_get_403_on_triage_and_classification(caller, manager, role, extra):
    case = raise_case(manager)
    other = caller(role, **extra)
    assert other.get("/api/v1/triage").status_code == 403
    assert other.get(f"/api/v1/cases/{case['id']}/classification").status_code == 403
    assert decide(other, case["id"], 1).status_code == 403


def test_another_areas_staff_cannot_see_or_decide_this_areas_queue(caller, manager):
    case = raise_case(manager)
    other = caller("area_manager", areas=["AB"])
    assert other.get("/api/v1/triage?area=SW").status_code == 404
    assert other.get("/api/v1/triage").json["items"] == []
    assert other.get(f"/api/v1/cases/{case['id']}/classification").status_code == 404
    assert decide(other, case["id"], 1).status_code == 404
    assert other.post(f"/api/v1/cases/{case['id']}/referral", json={"reason": "x"}).status_code == 404
    assert other.post(f"/api/v1/cases/{case['id']}/duplicate", json={"of": str(case["id"])}).status_code == 404


def test_a_support_officer_triages_their_area(caller, manager):
    case = raise_case(manager)
    officer = caller("support_officer", areas=["SW"])
    assert [i["id"] for i in officer.get("/api/v1/triage").json["items"]] == [case["id"]]
    assert decide(officer, case["id"], 1).status_code == 200


def test_duplicate_of_an_invisible_case_is_a_field_error(caller, manager):
    case = raise_case(manager)
    elsewhere = raise_case(caller("area_manager", areas=["AB"]), ward="streetly")
    response = manager.post(f"/api/v1/cases/{case['id']}/duplicate", json={"of": str(elsewhere["id"])})
    assert response.status_code == 422 and "of" in response.json["error"]["fields"]
    itself = manager.post(f"/api/v1/cases/{case['id']}/duplicate", json={"of": case["reference"]})
    assert itself.status_code == 422
