"""The lean reads (issue 22): partner tasks and the triage queue answer exactly what the marshmallow
schemas dumped from the entity path, and a repeat pull with If-None-Match answers 304 until
something on the page changes for that caller."""

from datetime import datetime, timezone

import pytest

from tasking.api.tasks.schemas import TaskPageSchema, TaskSchema
from tasking.api.triage.schemas import TriagePageSchema
from tasking.services import tasks, triage
from tasking.services.users import principal_for
from tests.api.raising import level_three, manager, raise_case  # noqa: F401 - manager is a fixture


@pytest.fixture
def world(manager):
    """Level-three cases, one confidential (its supporting agencies see no details), two with an
    internal and a partner note; cases waiting in triage, one a repeat report of another."""
    for n in range(7):
        level_three(manager, title=f"Group {n}", ward="paddock" if n % 2 else "pleck")
    for n in range(9):
        raise_case(manager, title=f"Waiting {n}", risk_flags=["safeguarding"] if n % 3 == 0 else [])
    secret = level_three(manager, title="Family at risk", description="Sensitive", confidential=True)
    plain = level_three(manager, title="Group outside the flats", description="Every night")
    for case in (secret, plain):
        for visibility in ("internal", "partners"):
            note = {"body": f"{visibility} note", "visibility": visibility}
            assert manager.post(f"/api/v1/cases/{case['id']}/notes", json=note).status_code == 201
    raise_case(manager, ward="paddock", title="Old plain", postcode="WS1 3AA")
    raise_case(manager, ward="paddock", title="Old plain again", postcode="WS1 3AA", risk_flags=["safeguarding"])
    return secret, plain


def pages(who, path, **query):
    cursor, found = None, []
    while True:
        response = who.get(path, query_string={**query, "page_size": 7, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.json
        found.append((cursor, response.json))
        cursor = response.json["next_cursor"]
        if not cursor:
            return found


@pytest.mark.parametrize("organisation", ["wm-police", "whg", "asb-team"])
def test_partner_pages_are_what_the_task_schema_dumps(world, caller, session, organisation):
    partner = caller("partner", organisation=organisation)
    principal = principal_for(partner.user)
    since = datetime(2020, 1, 1, tzinfo=timezone.utc)
    for query, filters in (
        ({}, tasks.TaskFilters()),
        ({"state": "offered"}, tasks.TaskFilters(state="offered")),
        ({"updated_since": since.isoformat()}, tasks.TaskFilters(updated_since=since)),
    ):
        for cursor, lean in pages(partner, "/api/v1/tasks", **query):
            session.expire_all()
            old = tasks.list_tasks(session, principal, filters, cursor=cursor, size=7)
            assert lean == TaskPageSchema().dump(old)
        for item in lean["items"]:
            one = partner.get(f"/api/v1/tasks/{item['id']}")
            assert one.json == TaskSchema().dump(tasks.get_task(session, principal, item["id"]))
            assert one.headers["ETag"] == f'"task-{item["id"]}-v{item["version"]}"'
    if organisation == "whg":  # supports the confidential case it does not own
        withheld = [i["case"] for i in partner.get("/api/v1/tasks").json["items"] if i["case"]["confidential"]]
        assert withheld and all((c["description"], c["address"], c["notes"]) == (None, None, []) for c in withheld)


def test_the_triage_queue_is_what_the_triage_schema_dumps(world, manager, session):
    principal = principal_for(manager.user)
    seen_similar = False
    for cursor, lean in pages(manager, "/api/v1/triage", area="SW"):
        session.expire_all()
        old = triage.triage_queue(session, principal, triage.TriageFilters(area="SW"), cursor=cursor, size=7)
        assert lean == TriagePageSchema().dump(old)
        seen_similar = seen_similar or any(item["similar"] for item in lean["items"])
    assert seen_similar


def test_cursors_from_the_entity_path_still_page_the_lean_one(world, manager, caller, session):
    """A client holding a cursor from before the lean path keeps its place."""
    session.expire_all()
    principal = principal_for(manager.user)
    old = triage.triage_queue(session, principal, triage.TriageFilters(), cursor=None, size=3)
    assert old.next_cursor
    following = triage.triage_queue(session, principal, triage.TriageFilters(), cursor=old.next_cursor, size=3)
    lean = manager.get("/api/v1/triage", query_string={"page_size": 3, "cursor": old.next_cursor}).json
    assert lean == TriagePageSchema().dump(following)
    partner = caller("partner", organisation="asb-team")
    filters = tasks.TaskFilters()
    first = tasks.list_tasks(session, principal_for(partner.user), filters, cursor=None, size=2)
    following = tasks.list_tasks(session, principal_for(partner.user), filters, cursor=first.next_cursor, size=2)
    lean = partner.get("/api/v1/tasks", query_string={"page_size": 2, "cursor": first.next_cursor}).json
    assert lean == TaskPageSchema().dump(following)


def conditional_get(who, path, etag):
    return who.get(path, headers={"If-None-Match": etag})


def test_a_repeat_partner_pull_is_304_until_something_on_the_page_changes(world, caller, manager):
    secret, plain = world
    police = caller("partner", organisation="wm-police")
    path = "/api/v1/tasks?state=offered&page_size=50"
    first = police.get(path)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag and first.headers["Cache-Control"] == "private, no-cache"
    again = conditional_get(police, path, etag)
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)

    # A note partners may read: the page shows it, so the tag moves.
    note = {"body": "Patrol on Friday", "visibility": "partners"}
    assert manager.post(f"/api/v1/cases/{plain['id']}/notes", json=note).status_code == 201
    changed = conditional_get(police, path, etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Patrol on Friday" in changed.get_data(as_text=True)
    etag = changed.headers["ETag"]
    # An internal note is not shown to partners: still 304.
    internal = {"body": "Informant at no. 6", "visibility": "internal"}
    assert manager.post(f"/api/v1/cases/{plain['id']}/notes", json=internal).status_code == 201
    assert conditional_get(police, path, etag).status_code == 304

    # A new task offered to the organisation.
    level_three(manager, title="Another group")
    offered = conditional_get(police, path, etag)
    assert offered.status_code == 200 and len(offered.json["items"]) == len(changed.json["items"]) + 1
    etag = offered.headers["ETag"]

    # A task accepted leaves the offered page.
    task = offered.json["items"][0]
    accepted = police.post(f"/api/v1/tasks/{task['id']}/accept", headers={"If-Match": f'"task-{task["id"]}-v1"'})
    assert accepted.status_code == 200
    after = conditional_get(police, path, etag)
    assert after.status_code == 200 and task["id"] not in {t["id"] for t in after.json["items"]}


def test_another_caller_never_gets_a_304_on_a_tag_it_was_not_given(world, caller):
    path = "/api/v1/tasks?page_size=50"
    police, asb = caller("partner", organisation="wm-police"), caller("partner", organisation="asb-team")
    police_tag = police.get(path).headers["ETag"]
    assert conditional_get(asb, path, police_tag).status_code == 200
    # Even a second user of the same organisation, who sees the same page, holds a tag of their own.
    colleague = caller("partner", organisation="wm-police")
    assert conditional_get(colleague, path, police_tag).status_code == 200
    # And another query is another page.
    assert conditional_get(police, "/api/v1/tasks?page_size=49", police_tag).status_code == 200


def test_the_task_item_keeps_its_version_tag_and_is_always_sent_in_full(world, caller, manager):
    """Its ETag is the one If-Match needs; the case and notes shown change without it, so it never
    answers 304 on it."""
    police = caller("partner", organisation="wm-police")
    task = police.get("/api/v1/tasks").json["items"][0]
    path = f"/api/v1/tasks/{task['id']}"
    read = police.get(path)
    assert read.headers["ETag"] == f'"task-{task["id"]}-v1"'
    assert conditional_get(police, path, read.headers["ETag"]).status_code == 200
    accepted = police.post(f"{path}/accept", headers={"If-Match": read.headers["ETag"]})
    assert accepted.status_code == 200 and accepted.headers["ETag"] == f'"task-{task["id"]}-v2"'


def test_a_repeat_triage_pull_is_304_until_the_queue_changes(world, manager, caller):
    path = "/api/v1/triage?area=SW&page_size=50"
    first = manager.get(path)
    etag = first.headers["ETag"]
    again = conditional_get(manager, path, etag)
    assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
    assert conditional_get(caller("area_manager", areas=["SW"]), path, etag).status_code == 200

    raise_case(manager, title="Fly-tipping", risk_flags=["safeguarding", "repeat_victim", "hate_incident"])
    changed = conditional_get(manager, path, etag)
    assert changed.status_code == 200 and changed.json["items"][0]["title"] == "Fly-tipping"
    etag = changed.headers["ETag"]

    decided = changed.json["items"][0]
    assert manager.post(f"/api/v1/cases/{decided['id']}/classification", json={"level": 1}).status_code == 200
    after = conditional_get(manager, path, etag)
    assert after.status_code == 200 and decided["id"] not in {i["id"] for i in after.json["items"]}
