"""What an independent walk through the console found (issue 19), each held by a test."""

import re

from sqlalchemy import update

from tasking.models import Case
from tests.web.test_console_pages import csrf, raise_case, web_user  # noqa: F401 - web_user is a fixture
from tests.web.test_councillor_pages import HTML


def _decide_and_close(api, case):
    path = f"/api/v1/cases/{case['id']}"
    level = api.get(f"{path}/classification").json["suggestion"]["level"]
    assert api.post(f"{path}/classification", json={"level": level}).status_code == 200
    current = api.get(path)
    closed = api.patch(
        path, json={"state": "resolved", "reason": "Quiet for a month"}, headers={"If-Match": current.headers["ETag"]}
    )
    assert closed.status_code == 200, closed.json


def test_finance_reads_the_ledger_without_links_to_pages_it_cannot_open(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api)
    spent = api.post(
        f"/api/v1/cases/{case['reference']}/spend",
        json={"amount_pence": 5_000, "description": "Skip hire", "spent_on": case["created_at"][:10]},
    )
    assert spent.status_code == 201, spent.json
    finance = web_user("finance").get("/budget?area=SW", headers=HTML).get_data(as_text=True)
    manager = web_user("area_manager", area_codes=["SW"]).get("/budget?area=SW", headers=HTML).get_data(as_text=True)
    assert case["reference"] in finance and f'href="/cases/{case["reference"]}"' not in finance
    assert "Correct</th>" not in finance and "Why reverse it" not in finance
    assert f'href="/cases/{case["reference"]}"' in manager and "Why reverse it" in manager


def test_confirming_one_row_comes_back_to_the_same_filtered_sorted_page(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api)
    browser = web_user("area_manager", area_codes=["SW"])
    page = browser.get("/triage?ward=pleck&sort=age&dir=desc", headers=HTML)
    text = page.get_data(as_text=True)
    back = re.search(r'name="back" value="([^"]*)"', text).group(1).replace("&amp;", "&")
    level = re.search(rf'name="confirm-{case["id"]}-level" type="hidden" value="(\d)"', text).group(1)
    done = browser.post(
        f"/triage/{case['reference']}/confirm",
        data={"confirm-csrf_token": csrf(page), f"confirm-{case['id']}-level": level, "back": back},
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/triage?ward=pleck&sort=age&dir=desc"


def test_a_case_whose_move_needs_a_reason_offers_no_one_click_confirmation(session, caller, web_user):
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api)
    # Referred back at level 1 when the rules now suggest level 2: moving it is a decision with a reason.
    with session.begin():
        session.execute(
            update(Case)
            .where(Case.id == case["id"])
            .values(state="returned", level=1, suggested_level=2, owner_user_id=api.user.id)
        )
    text = web_user("area_manager", area_codes=["SW"]).get("/triage", headers=HTML).get_data(as_text=True)
    row = text[
        text.index(f'href="/cases/{case["reference"]}"') - 1200 : text.index(f"/cases/{case['reference']}/level")
    ]
    assert f'id="select-{case["reference"]}"' not in row
    assert "Confirm level 2" not in row
    assert "At level 1: moving it to 2 needs a reason." in text


def test_a_reopened_case_says_why_on_my_work(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    case = raise_case(api)
    _decide_and_close(api, case)
    reopened = api.post(f"/api/v1/cases/{case['id']}/reopen", json={"reason": "Youths are back every night"})
    assert reopened.json["state"] == "returned"
    text = web_user("area_manager", area_codes=["SW"]).get("/my-work", headers=HTML).get_data(as_text=True)
    assert "Reopened: Youths are back every night" in text
    assert "No reason was recorded" not in text


def test_being_asked_to_sign_in_is_not_announced_as_a_success(client):
    sent = client.get("/triage", headers=HTML)
    assert sent.status_code == 302
    page = client.get(sent.headers["Location"], headers=HTML).get_data(as_text=True)
    assert "Sign in to see this page." in page
    assert "govuk-notification-banner--success" not in page
