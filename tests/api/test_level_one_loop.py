"""The level-one loop from the outside (docs/routing.md, "The level-one loop"): a councillor's simple
request goes to the front-line service, which does the job and so resolves the case, and the
councillor sees it resolved with the outcome; no area manager touches it (evaluation rec. 3.6, 2.8).
An organisation that asked to have its work checked first leaves the case open and ready to resolve."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Case, Organisation
from tasking.services import councillor_requests, tasks
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work

STREET_LIGHT = {
    "title": "Street light out on Pleck Road",
    "description": "The lamp outside number 12 has been out for a week.",
    "category": "street-lighting",
    "ward": "pleck",
    "address": "12 Pleck Road",
}


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
def checks_first(session):
    """Highways asks the area manager to check its work before a case is resolved; put back after."""

    def set_to(value):
        session.execute(
            update(Organisation).where(Organisation.code == "highways").values(resolves_on_completion=value)
        )
        session.commit()

    set_to(False)
    yield
    set_to(True)


def etag(response):
    return {"If-Match": response.headers["ETag"]}


def only_task(partner):
    items = partner.get("/api/v1/tasks").json["items"]
    assert len(items) == 1, items
    return items[0]


def accept_and_complete(partner, outcome):
    task = only_task(partner)
    read = partner.get(f"/api/v1/tasks/{task['id']}")
    accepted = partner.post(f"/api/v1/tasks/{task['id']}/accept", headers=etag(read))
    assert accepted.status_code == 200, accepted.json
    done = partner.post(f"/api/v1/tasks/{task['id']}/complete", json={"outcome": outcome}, headers=etag(accepted))
    assert done.status_code == 200, done.json
    return done.json


def test_a_councillors_request_is_resolved_by_the_front_line_with_no_area_manager_action(
    app, session, councillor, highways, manager
):
    raised = councillor.post("/api/v1/cases", json=STREET_LIGHT)
    assert raised.status_code == 201, raised.json
    case = raised.json
    assert (case["level"], case["owner"]["organisation"]["code"]) == (1, "highways")

    done = accept_and_complete(highways, "  Lamp replaced on Tuesday; working again.  ")
    assert done["state"] == "done" and done["case"]["state"] == "resolved"

    # The councillor follows the request through the API ...
    followed = councillor.get(f"/api/v1/cases/{case['reference']}").json
    assert followed["state"] == "resolved" and followed["closed_at"] is not None
    assert followed["next_review_at"] is None
    history = councillor.get(f"/api/v1/cases/{case['id']}/history").json["items"]
    closed = [e for e in history if e["action"] == "case.closed"]
    assert len(closed) == 1
    assert closed[0]["after"]["reason"] == "Lamp replaced on Tuesday; working again."
    assert closed[0]["after"]["state"] == "resolved" and closed[0]["actor_id"] == highways.user.id

    # ... and on the request's page.
    page_client = app.test_client()
    with page_client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = str(councillor.user.id), True
    page = page_client.get(f"/requests/{case['reference']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Resolved" in text and "Lamp replaced on Tuesday; working again." in text

    # Nobody but the councillor and the front-line partner acted on it, and it never waited in triage.
    actors = set(session.scalars(select(AuditEvent.actor_id).where(AuditEvent.case_id == case["id"])))
    assert actors == {councillor.user.id, highways.user.id}
    assert manager.get("/api/v1/triage").json["items"] == []
    assert manager.get(f"/api/v1/cases/{case['id']}").json["state"] == "resolved"


def test_the_same_walk_through_the_councillors_request_service(session, make_user):
    """councillor_requests.raise_request (the web form's path) -> accept -> complete -> resolved."""
    councillor = principal_for(make_user("councillor", wards=["pleck"]))
    highways = principal_for(make_user("partner", organisation="highways"))
    now = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    with unit_of_work(session):
        case = councillor_requests.raise_request(session, councillor, dict(STREET_LIGHT), now=now, policy=Policy())
    assert (case.level, case.state, case.owner_organisation.code) == (1, "assigned", "highways")
    [task] = tasks.list_tasks(session, highways, tasks.TaskFilters(), cursor=None, size=10).items
    for action, text in (("accept", None), ("complete", "Lamp replaced.")):
        with unit_of_work(session):
            tasks.act(session, highways, task.task.id, action, if_match="*", now=now, policy=Policy(), text=text)
    session.expire_all()
    case = session.get(Case, case.id)
    assert (case.state, case.closed_at, case.next_review_at) == ("resolved", now, None)
    closed = session.scalar(select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action == "case.closed"))
    assert closed.actor_id == highways.user_id and closed.after["reason"] == "Lamp replaced."


def test_an_organisation_that_checks_first_leaves_the_case_open_and_ready_to_resolve(
    checks_first, councillor, highways, manager
):
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    done = accept_and_complete(highways, "Lamp replaced.")
    assert done["case"]["state"] == "in_progress"
    seen = manager.get(f"/api/v1/cases/{case['id']}").json
    assert (seen["state"], seen["ready_to_resolve"], seen["closed_at"]) == ("in_progress", True, None)
    assert [c["id"] for c in manager.get("/api/v1/cases?ready_to_resolve=true").json["items"]] == [case["id"]]


def test_work_left_to_another_organisation_keeps_the_case_open(councillor, highways, manager, caller):
    case = councillor.post("/api/v1/cases", json=STREET_LIGHT).json
    offered = manager.post(f"/api/v1/cases/{case['id']}/tasks", json={"organisation": "wm-police"})
    assert offered.status_code == 201, offered.json
    done = accept_and_complete(highways, "Lamp replaced.")
    assert done["case"]["state"] == "in_progress"  # the police still have work on it
    police = caller("partner", organisation="wm-police")
    accept_and_complete(police, "Area checked at night.")
    seen = manager.get(f"/api/v1/cases/{case['id']}").json
    # The last work was not the owner's: the case waits, ready, for its owner (at its review) or area staff.
    assert (seen["state"], seen["ready_to_resolve"]) == ("in_progress", True)


def test_only_a_level_one_case_is_resolved_by_completing_its_task(manager, caller):
    case = manager.post(
        "/api/v1/cases",
        json={"title": "Youths gathering", "description": "Every night.", "category": "anti-social-behaviour"}
        | {"ward": "pleck"},
    ).json
    manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 3, "reason": "Escalating"})
    police = caller("partner", organisation="wm-police")
    accept_and_complete(police, "Dispersal order served.")
    seen = manager.get(f"/api/v1/cases/{case['id']}").json
    assert seen["state"] == "in_progress"  # level three: the supporting partners' tasks are still open
