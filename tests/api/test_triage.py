"""The triage queue: what waits for a decision, riskiest first and then oldest."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import update

from tasking.models import Case
from tests.api.raising import manager, raise_case  # noqa: F401 - manager is a fixture


def test_queue_orders_by_risk_then_age_and_shows_suggestions_and_similar_cases(manager, session):
    old_plain = raise_case(manager, ward="paddock", title="Old plain", postcode="WS1 3AA")
    new_plain = raise_case(manager, ward="palfrey", title="New plain")
    risky = raise_case(manager, ward="st-matthews", category="noise", risk_flags=["vulnerable_person"])
    riskier = raise_case(manager, ward="paddock", category="noise", risk_flags=["safeguarding", "repeat_victim"])
    base = datetime.now(timezone.utc) - timedelta(days=10)
    for offset, case in enumerate((old_plain, new_plain, risky, riskier)):
        session.execute(update(Case).where(Case.id == case["id"]).values(created_at=base + timedelta(days=offset)))
    session.commit()

    items = manager.get("/api/v1/triage").json["items"]
    assert [i["id"] for i in items] == [riskier["id"], risky["id"], old_plain["id"], new_plain["id"]]
    assert items[0]["risk_flags"] == ["safeguarding", "repeat_victim"]
    assert items[0]["suggested_level"] == 1 and items[0]["suggestion_reasons"][0]["code"] == "L1_SIMPLE_ACTION"
    assert items[0]["waiting_reason"] == "new"

    # The same place (docs/levels.md, "The same problem"): the same postcode, no coordinates.
    repeat = raise_case(manager, ward="paddock", title="Old plain again", postcode="WS1 3AA")
    item = next(i for i in manager.get("/api/v1/triage").json["items"] if i["id"] == repeat["id"])
    assert [s["id"] for s in item["similar"]] == [old_plain["id"]]
    assert item["suggested_level"] == 2


def test_queue_pages_with_a_cursor_in_the_same_order(manager):
    made = [raise_case(manager, risk_flags=["safeguarding"] if i % 2 else [])["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = manager.get(
            "/api/v1/triage", query_string={"page_size": 2, **({"cursor": cursor} if cursor else {})}
        ).json
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    risky_first = [i for i in made if made.index(i) % 2] + [i for i in made if not made.index(i) % 2]
    assert seen == risky_first


def test_decided_cases_leave_the_queue_and_filters_apply(manager):
    kept = raise_case(manager, ward="palfrey")
    decided = raise_case(manager)
    assert manager.post(f"/api/v1/cases/{decided['id']}/classification", json={"level": 1}).status_code == 200
    assert [i["id"] for i in manager.get("/api/v1/triage").json["items"]] == [kept["id"]]
    assert manager.get("/api/v1/triage?ward=pleck").json["items"] == []
    assert manager.get("/api/v1/triage?source=councillor").json["items"] == []
    assert len(manager.get("/api/v1/triage?category=litter&area=SW").json["items"]) == 1


def test_admin_sees_every_areas_queue(caller, manager):
    raise_case(manager)
    raise_case(caller("area_manager", areas=["NW"]), ward="blakenall")
    assert len(caller("admin").get("/api/v1/triage").json["items"]) == 2
