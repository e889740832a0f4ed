"""The staff console's pages in a fixed, small number of SQL statements (issue 22, B9): the case page,
signed in, costs the same whatever the case carries (tasks, notes, history, spend, claims, similar
cases, duplicates), and the case list, my work and triage pages cost the same whatever the number of
rows they show. The whole request is counted, the session's user included."""

import os
from datetime import datetime, timedelta, timezone

import pytest

from tasking.clock import today
from tasking.services.users import principal_for
from tests.services.test_case_search import make_case, offer_task
from tests.services.test_my_work import add_review, build_work
from tests.web.test_case_page import RESIDENT, raise_case
from tests.web.test_console_pages import web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import HTML

# The case page's budget: a small fixed number of statements (issue 22, B9).
CASE_PAGE_AT_MOST = 8

PARTNERS = [
    "wm-police",
    "asb-team",
    "walsall-healthcare",
    "public-health",
    "wm-fire",
    "whg",
    "caldmore-housing",
    "street-cleansing",
    "highways",
    "environmental-health",
    "parks",
    "one-walsall",
]
SPEND = {"amount_pence": 2_500, "description": "Skip hire", "supplier": "Skips Ltd"}


@pytest.fixture
def api(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def web(web_user):  # noqa: F811
    return web_user("area_manager", area_codes=["SW"])


def statements(counter, web, path):
    web.get(path, headers=HTML)  # warm: the first request after sign-in may refresh the session
    with counter() as seen:
        response = web.get(path, headers=HTML)
    assert response.status_code == 200, path
    if os.environ.get("SHOW_STATEMENTS"):
        print(f"\n{path}: {len(seen)}\n" + "\n---\n".join(seen))
    return len(seen), response.get_data(as_text=True)


def small_case(api):
    case = raise_case(api, "Bin bags by the garages", reporter=RESIDENT)
    api.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 2, "reason": "Partnership work"})
    assert api.post(f"/api/v1/cases/{case['id']}/tasks", json={"organisation": "wm-police"}).status_code == 201
    assert api.post(f"/api/v1/cases/{case['id']}/notes", json={"body": "Note 0"}).status_code == 201
    return case


def busy_case(api, caller):
    """A case with 12 tasks (some accepted, declined, progressed), 20 notes, spends, claims, level
    changes, a hold, similar cases and two duplicates of it."""
    for n in range(4):
        raise_case(api, f"Sofa dumped by the garages {n}")
    case = raise_case(api, "Sofa dumped by the garages", reporter=RESIDENT, risk_flags=["safeguarding"])
    cid = case["id"]
    for level, reason in ((2, "Partnership work"), (3, "Getting worse"), (2, "Calmer now")):
        decided = api.post(f"/api/v1/cases/{cid}/classification", json={"level": level, "reason": reason})
        assert decided.status_code == 200, decided.json
    for n, partner in enumerate(PARTNERS):
        offered = api.post(f"/api/v1/cases/{cid}/tasks", json={"organisation": partner})
        assert offered.status_code == 201, offered.json
        if n % 3 == 0:
            who = caller("partner", organisation=partner)
            action = "accept" if n % 2 == 0 else "decline"
            body = None if action == "accept" else {"reason": "Not ours"}
            done = who.post(f"/api/v1/tasks/{offered.json['id']}/{action}", json=body, headers={"If-Match": "*"})
            assert done.status_code == 200, done.json
            if action == "accept":
                progress = {"note": f"Visited {n}"}
                done = who.post(
                    f"/api/v1/tasks/{offered.json['id']}/progress", json=progress, headers={"If-Match": "*"}
                )
                assert done.status_code == 200, done.json
    for n in range(20):
        visibility = ("internal", "partners")[n % 2]
        made = api.post(f"/api/v1/cases/{cid}/notes", json={"body": f"Note {n}", "visibility": visibility})
        assert made.status_code == 201, made.json
    for _ in range(3):
        spent = api.post(f"/api/v1/cases/{cid}/spend", json=SPEND | {"spent_on": today().isoformat()})
        assert spent.status_code == 201, spent.json
    for n in range(3):
        outcome = {"description": f"Clearance {n} avoided", "unit_cost_pence": 50_000, "probability": "1/2"}
        claimed = api.post(f"/api/v1/cases/{cid}/cost-avoided", json={"outcomes": [outcome]})
        assert claimed.status_code == 201, claimed.json
    for n in range(2):
        repeat = raise_case(api, f"Sofa still there {n}")
        marked = api.post(f"/api/v1/cases/{repeat['id']}/duplicate", json={"of": case["reference"]})
        assert marked.status_code == 200, marked.json
    held = api.post(f"/api/v1/cases/{cid}/wait", json={"waiting_on": "resident", "reason": "Photos."})
    assert held.status_code == 200, held.json
    return case


def test_the_case_page_runs_the_same_few_statements_however_much_the_case_carries(api, web, caller, counter):
    small = small_case(api)
    busy = busy_case(api, caller)

    few, small_page = statements(counter, web, f"/cases/{small['reference']}")
    many, busy_page = statements(counter, web, f"/cases/{busy['reference']}")

    assert many == few <= CASE_PAGE_AT_MOST
    # The busy page shows what it carries.
    assert busy_page.count('<tr class="govuk-table__row"><td class="govuk-table__cell">') >= 12 + 3
    assert busy_page.count('class="moj-timeline__item"') > 20
    assert busy_page.count("£25.00, Skip hire</li>") == 3
    assert busy_page.count('class="tasking-case__claim"') == 3
    assert "Marked a duplicate of this case" in busy_page and "Waiting on" in busy_page
    assert "Mrs Jane Example" in small_page and "Mrs Jane Example" in busy_page


def more_work(session, admin, at, n):
    """`n` more of each kind of work for South Walsall's manager: reviews due, returned cases, cases
    ready to resolve, overdue tasks."""
    for i in range(n):
        review = make_case(
            session, admin, f"More review {i}", at=at, state="in_progress", level=2, owner_user_id=admin.user_id
        )
        add_review(session, review, due_in_days=i % 5 - 2, at=at)
        make_case(session, admin, f"More returned {i}", at=at, state="returned", level=3, routing_reason="Declined.")
        make_case(
            session, admin, f"More ready {i}", at=at, state="in_progress", level=1, owner="parks", ready_to_resolve=True
        )
        tasks = make_case(session, admin, f"More tasks {i}", at=at, state="in_progress", level=3, owner="whg")
        offer_task(session, tasks, ("wm-police", "wm-fire")[i % 2], state="offered", due_at=at - timedelta(days=1))


def test_my_work_runs_the_same_statements_for_one_or_many_items_in_each_block(session, make_user, web, counter):  # noqa: F811
    admin = principal_for(make_user("admin"))
    at = datetime.now(timezone.utc)
    build_work(session, admin, at)
    few, page = statements(counter, web, "/my-work")
    assert page.count('href="/cases/') >= 5
    more_work(session, admin, at, 8)
    many, page = statements(counter, web, "/my-work")
    assert page.count('href="/cases/') >= 5 + 4 * 8
    assert many == few


def test_the_triage_page_runs_the_same_statements_for_one_or_many_cases(api, web, counter):  # noqa: F811
    raise_case(api, "Cans by the bins")
    few, page = statements(counter, web, "/triage")
    assert "Cans by the bins" in page
    for n in range(12):
        raise_case(api, f"Bags by the bins {n}", ward=("pleck", "paddock", "st-matthews")[n % 3])
    many, page = statements(counter, web, "/triage")
    assert "Bags by the bins 11" in page
    assert many == few


def test_the_case_list_runs_the_same_statements_for_one_or_many_cases(api, web, counter):  # noqa: F811
    raise_case(api, "Cans by the bins")
    few, page = statements(counter, web, "/cases")
    for n in range(12):
        raise_case(api, f"Bags by the bins {n}", ward=("pleck", "paddock", "st-matthews")[n % 3])
    many, page = statements(counter, web, "/cases")
    assert "Bags by the bins 11" in page
    assert many == few


def test_the_exception_report_page_runs_the_same_statements_for_2_or_20_exceptions(api, web, session, counter):  # noqa: F811
    """The console's exception report, like its API (tests/test_query_counts.py), costs the same
    statements whatever the number of exceptions it lists."""
    from tests.test_query_counts import _running_clocks_past_due

    for n in range(20):
        body = {"title": f"Group {n}", "description": "d", "category": "anti-social-behaviour", "ward": "pleck"}
        case = api.post("/api/v1/cases", json=body | {"address": "4 Pleck Road"}).json
        decided = {"level": 3, "reason": "Multi-agency"}
        assert api.post(f"/api/v1/cases/{case['id']}/classification", json=decided).status_code == 200
    assert len(_running_clocks_past_due(session, 2)) == 2
    few, page = statements(counter, web, "/reports/exceptions")
    listed_few = page.count('href="/cases/')
    assert len(_running_clocks_past_due(session, 20)) == 20
    many, page = statements(counter, web, "/reports/exceptions")
    assert page.count('href="/cases/') > listed_few > 0
    assert many == few
