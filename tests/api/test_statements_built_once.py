"""Issue 22: the polled lists keep their statements (docs/performance.md, "Statements built once"). A
kept statement holds no rows and no one caller's rights: each caller still gets only their own queue,
filters the caller may not use are refused on every pull, and what changed since shows on the next."""

from tasking.services import task_rows, triage_rows
from tests.api.raising import manager, raise_case  # noqa: F401 - manager is a fixture


def _level_one(manager, **fields) -> int:
    """A case decided at level one: its front-line organisation is offered the task."""
    case = raise_case(manager, **fields)
    decided = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 1, "reason": "Quick fix"})
    assert decided.status_code == 200, decided.json
    return case["id"]


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_each_manager_pulls_their_own_queue_from_kept_statements(caller, manager):
    north = caller("area_manager", areas=["NW"])
    south_case = raise_case(manager, ward="pleck")
    north_case = raise_case(north, ward="blakenall")
    triage_rows._page_statement.cache_clear()

    for _ in range(3):
        assert _ids(manager.get("/api/v1/triage")) == [south_case["id"]]
        assert _ids(north.get("/api/v1/triage")) == [north_case["id"]]
    kept = triage_rows._page_statement.cache_info()
    assert (kept.misses, kept.hits) == (2, 4)  # built once per caller, then reused

    # The area filter is checked before a statement is looked for: refused each time for the manager
    # who does not cover it, though the same filters' statement is kept for the one who does.
    assert _ids(north.get("/api/v1/triage?area=NW")) == [north_case["id"]]
    for _ in range(2):
        refused = manager.get("/api/v1/triage?area=NW")
        assert refused.status_code == 404 and refused.json["error"]["code"] == "not_found"

    # Rows are read afresh: a case raised after the statement was kept is on the next pull.
    later = raise_case(manager, ward="paddock")
    assert set(_ids(manager.get("/api/v1/triage"))) == {south_case["id"], later["id"]}


def test_partners_pull_their_own_tasks_and_pages_from_kept_statements(caller, manager):
    highways = caller("partner", organisation="highways")
    cleansing = caller("partner", organisation="street-cleansing")
    # Different wards: reports of the same problem in one place would join up and go to triage instead.
    highways_cases = [_level_one(manager, category="potholes", ward=w) for w in ("pleck", "paddock", "palfrey")]
    _level_one(manager, category="fly-tipping")

    def case_ids(who, query=""):
        response = who.get(f"/api/v1/tasks?state=offered{query}")
        assert response.status_code == 200, response.json
        return [item["case"]["reference"] for item in response.json["items"]], response.json["next_cursor"]

    highways_refs, _ = case_ids(highways)
    cleansing_refs, _ = case_ids(cleansing)
    assert len(highways_refs) == len(highways_cases) and len(cleansing_refs) == 1
    assert not set(highways_refs) & set(cleansing_refs)
    task_rows._page_statement.cache_clear()

    # Page by page with a cursor, twice: the second walk runs only kept statements.
    for _ in range(2):
        seen, cursor = [], None
        while True:
            refs, cursor = case_ids(highways, f"&page_size=2{f'&cursor={cursor}' if cursor else ''}")
            seen += refs
            if not cursor:
                break
        assert seen == highways_refs
    kept = task_rows._page_statement.cache_info()
    assert kept.misses == 2  # the first page's shape and the after-a-cursor shape
    assert kept.hits == 2

    assert case_ids(cleansing)[0] == cleansing_refs
