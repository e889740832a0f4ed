"""Partners pull their organisation's tasks and report back; nothing of another's is visible."""

import json

import pytest

RESIDENT = {"name": "Mrs Jane Example", "email": "jane@example.org", "phone": "01922 650000", "consent": True}


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def police(caller):
    return caller("partner", organisation="wm-police")


@pytest.fixture
def asb(caller):
    return caller("partner", organisation="asb-team")


@pytest.fixture
def level_three_case(manager):
    """An ASB case at level 3: the police lead; the ASB team, WHG and fire service support."""
    created = manager.post(
        "/api/v1/cases",
        json={
            "title": "Group intimidating residents",
            "description": "Outside the flats every night.",
            "category": "anti-social-behaviour",
            "ward": "pleck",
            "address": "Flats, 4 Pleck Road",
            "reporter": RESIDENT,
        },
    ).json
    decided = manager.post(f"/api/v1/cases/{created['id']}/classification", json={"level": 3, "reason": "Escalating"})
    assert decided.status_code == 200, decided.json
    case_id = created["id"]
    manager.post(
        f"/api/v1/cases/{case_id}/notes", json={"body": "Informant is the neighbour at no. 6", "visibility": "internal"}
    )
    manager.post(
        f"/api/v1/cases/{case_id}/notes", json={"body": "Joint patrol planned Friday", "visibility": "partners"}
    )
    return created


def task_of(partner):
    items = partner.get("/api/v1/tasks").json["items"]
    assert len(items) == 1, items
    return items[0]


def test_a_partner_lists_only_its_own_tasks_with_the_case_summary(level_three_case, police, asb):
    mine = task_of(police)
    assert (mine["organisation"]["code"], mine["role"], mine["state"]) == ("wm-police", "lead", "offered")
    case = mine["case"]
    assert case["reference"] == level_three_case["reference"]
    assert (case["level"], case["ward"]["code"], case["address"]) == (3, "pleck", "Flats, 4 Pleck Road")
    assert [n["body"] for n in case["notes"]] == ["Joint patrol planned Friday"]
    assert task_of(asb)["organisation"]["code"] == "asb-team"


def test_no_partner_response_carries_resident_details_or_internal_notes(level_three_case, police):
    task = task_of(police)
    responses = [
        police.get("/api/v1/tasks"),
        police.get(f"/api/v1/tasks/{task['id']}"),
        police.post(f"/api/v1/tasks/{task['id']}/accept", headers={"If-Match": f'"task-{task["id"]}-v1"'}),
        police.get(f"/api/v1/cases/{level_three_case['id']}/reporter"),
    ]
    for response in responses:
        text = response.get_data(as_text=True)
        for secret in ("Jane Example", "jane@example.org", "01922 650000", "Informant"):
            assert secret not in text


def test_another_organisations_task_is_404_for_every_action(level_three_case, police, asb):
    theirs = task_of(asb)
    path = f"/api/v1/tasks/{theirs['id']}"
    etag = {"If-Match": f'"task-{theirs["id"]}-v1"'}
    assert police.get(path).status_code == 404
    assert police.post(f"{path}/accept", headers=etag).status_code == 404
    assert police.post(f"{path}/decline", json={"reason": "not ours"}, headers=etag).status_code == 404
    assert police.post(f"{path}/progress", json={"note": "x"}, headers=etag).status_code == 404
    assert police.post(f"{path}/complete", json={"outcome": "x"}, headers=etag).status_code == 404
    assert theirs["id"] not in {t["id"] for t in police.get("/api/v1/tasks").json["items"]}
    assert task_of(asb)["state"] == "offered"


def test_accept_is_safe_to_repeat_and_a_stale_if_match_is_412(level_three_case, police, manager):
    task = task_of(police)
    path = f"/api/v1/tasks/{task['id']}"
    first_read = police.get(path)
    assert first_read.headers["ETag"] == f'"task-{task["id"]}-v1"'
    assert police.post(f"{path}/accept").status_code == 428
    accepted = police.post(f"{path}/accept", headers={"If-Match": first_read.headers["ETag"]})
    assert accepted.status_code == 200 and accepted.json["state"] == "accepted"
    history_size = len(manager.get(f"/api/v1/cases/{level_three_case['id']}/history?page_size=100").json["items"])
    # A retry after a network fault carries the old ETag: it answers 200 and changes nothing.
    again = police.post(f"{path}/accept", headers={"If-Match": first_read.headers["ETag"]})
    assert again.status_code == 200 and again.json["version"] == accepted.json["version"]
    assert (
        len(manager.get(f"/api/v1/cases/{level_three_case['id']}/history?page_size=100").json["items"]) == history_size
    )
    # A real change from the old read is refused.
    stale = police.post(f"{path}/progress", json={"note": "On it"}, headers={"If-Match": first_read.headers["ETag"]})
    assert stale.status_code == 412
    assert manager.get(f"/api/v1/cases/{level_three_case['id']}").json["state"] == "in_progress"


def test_decline_needs_a_reason_and_returns_the_case_to_the_owners_queue(level_three_case, police, manager):
    task = task_of(police)
    etag = {"If-Match": f'"task-{task["id"]}-v1"'}
    missing = police.post(f"/api/v1/tasks/{task['id']}/decline", json={}, headers=etag)
    assert missing.status_code == 422 and "reason" in missing.json["error"]["fields"]
    declined = police.post(
        f"/api/v1/tasks/{task['id']}/decline",
        json={"reason": "Not a police matter: no offences reported."},
        headers=etag,
    )
    assert declined.status_code == 200 and declined.json["state"] == "declined"
    assert declined.json["decline_reason"] == "Not a police matter: no offences reported."
    queue = manager.get("/api/v1/triage").json["items"]
    assert [(i["id"], i["state"], i["waiting_reason"]) for i in queue] == [
        (level_three_case["id"], "returned", "returned")
    ]
    events = manager.get(f"/api/v1/cases/{level_three_case['id']}/history?page_size=100").json["items"]
    returned = [e for e in events if e["action"] == "case.returned"]
    assert returned and returned[-1]["after"]["reason"] == "Not a police matter: no offences reported."
    assert returned[-1]["actor_id"] == police.user.id


def test_progress_adds_a_partner_note_and_complete_is_safe_to_repeat(level_three_case, police, asb, caller, manager):
    whg, fire = caller("partner", organisation="whg"), caller("partner", organisation="wm-fire")
    partners = [police, asb, whg, fire]
    for partner in partners:
        task = task_of(partner)
        accepted = partner.post(f"/api/v1/tasks/{task['id']}/accept", headers={"If-Match": f'"task-{task["id"]}-v1"'})
        progressed = partner.post(
            f"/api/v1/tasks/{task['id']}/progress",
            json={"note": f"{partner.user.name} visited"},
            headers={"If-Match": accepted.headers["ETag"]},
        )
        assert progressed.status_code == 200 and progressed.json["state"] == "in_progress"
        last_etag = progressed.headers["ETag"]
        done = partner.post(
            f"/api/v1/tasks/{task['id']}/complete",
            json={"outcome": "Dispersal order served"},
            headers={"If-Match": last_etag},
        )
        assert done.status_code == 200 and done.json["state"] == "done"
        case = manager.get(f"/api/v1/cases/{level_three_case['id']}").json
        assert case["ready_to_resolve"] is (partner is partners[-1])
        repeat = partner.post(
            f"/api/v1/tasks/{task['id']}/complete", json={"outcome": "Again"}, headers={"If-Match": last_etag}
        )
        assert repeat.status_code == 200 and repeat.json["outcome"] == "Dispersal order served"
    case = manager.get(f"/api/v1/cases/{level_three_case['id']}").json
    assert case["state"] == "in_progress", "the case is not closed behind the owner's back"
    assert {"ready_to_resolve": True}.items() <= case.items()
    assert manager.get("/api/v1/cases?ready_to_resolve=true").json["items"][0]["id"] == level_three_case["id"]
    notes = police.get(f"/api/v1/tasks/{task_of(police)['id']}").json["case"]["notes"]
    assert sum("visited" in n["body"] for n in notes) == 4


def test_progress_before_accepting_is_refused(level_three_case, police):
    task = task_of(police)
    response = police.post(
        f"/api/v1/tasks/{task['id']}/progress",
        json={"note": "Started"},
        headers={"If-Match": f'"task-{task["id"]}-v1"'},
    )
    assert response.status_code == 409 and "Accept it first" in response.json["error"]["message"]


def test_task_lists_filter_by_state_and_updated_since(level_three_case, police):
    task = task_of(police)
    assert police.get("/api/v1/tasks?state=accepted").json["items"] == []
    police.post(f"/api/v1/tasks/{task['id']}/accept", headers={"If-Match": f'"task-{task["id"]}-v1"'})
    assert [t["id"] for t in police.get("/api/v1/tasks?state=accepted").json["items"]] == [task["id"]]
    later = police.get("/api/v1/tasks", query_string={"updated_since": "2999-01-01T00:00:00+00:00"}).json
    assert later["items"] == []


@pytest.mark.parametrize(
    "role, extra", [("councillor", {"wards": ["pleck"]}), ("area_manager", {"areas": ["SW"]}), ("finance", {})]
)
def test_only_partners_and_admins_use_the_task_api(caller, role, extra):
    assert caller(role, **extra).get("/api/v1/tasks").status_code == 403


def test_confidential_case_details_are_withheld_from_supporting_agencies(manager, caller):
    created = manager.post(
        "/api/v1/cases",
        json={
            "title": "Family at risk",
            "description": "Sensitive details here.",
            "category": "anti-social-behaviour",
            "ward": "pleck",
            "address": "7 Secret Street",
            "confidential": True,
        },
    ).json
    manager.post(f"/api/v1/cases/{created['id']}/classification", json={"level": 3, "reason": "Multi-agency"})
    lead = task_of(caller("partner", organisation="wm-police"))
    support = task_of(caller("partner", organisation="whg"))
    assert lead["case"]["description"] == "Sensitive details here."
    assert (support["case"]["description"], support["case"]["address"]) == (None, None)
    assert "7 Secret Street" not in json.dumps(support)


def test_reporter_details_only_for_area_staff(level_three_case, manager, caller):
    path = f"/api/v1/cases/{level_three_case['id']}/reporter"
    assert manager.get(path).json == {
        "name": RESIDENT["name"],
        "email": RESIDENT["email"],
        "phone": RESIDENT["phone"],
        "consent": True,
        "subject_ref": None,
    }
    assert caller("councillor", wards=["pleck"]).get(path).status_code == 403
    assert caller("area_manager", areas=["AB"]).get(path).status_code == 404
    case = manager.get(f"/api/v1/cases/{level_three_case['id']}").get_data(as_text=True)
    assert "jane@example.org" not in case


def test_resident_details_need_consent(manager):
    response = manager.post(
        "/api/v1/cases",
        json={
            "title": "Noise",
            "description": "d",
            "category": "noise",
            "ward": "pleck",
            "reporter": {"name": "A Resident", "email": "a@example.org"},
        },
    )
    assert response.status_code == 422 and "reporter" in response.json["error"]["fields"]
