"""Putting a case on hold from its console page (docs/deadlines.md, "Paused clocks"): the action page
asks who the case waits on and why, the key facts then say since when, its deadlines show paused,
and "Take off hold" starts them again; the timeline records both."""

import pytest

from tests.web.test_case_page import fact, raise_case, text
from tests.web.test_console_pages import csrf, web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import HTML


@pytest.fixture
def api(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def web(web_user):  # noqa: F811
    return web_user("area_manager", area_codes=["SW"])


def test_an_area_manager_puts_a_case_on_hold_and_takes_it_off_hold(api, web):
    case = raise_case(api)
    page_path = f"/cases/{case['reference']}"
    page = text(web.get(page_path, headers=HTML))
    assert f'href="{page_path}/wait"' in page and "Put on hold" in page
    assert f'href="{page_path}/resume"' not in page
    assert fact(page, "Deadlines").startswith("Respond to the case: due ")
    assert "paused" not in fact(page, "Deadlines")
    assert 'id="fact-hold"' not in page

    form = web.get(f"{page_path}/wait", headers=HTML)
    assert form.status_code == 200
    shown = text(form)
    assert "Who is the case waiting on" in shown and 'value="court"' in shown and "Why it is waiting" in shown

    token = csrf(form)
    blank = web.post(
        f"{page_path}/wait", data={"wait-csrf_token": token, "wait-waiting_on": "court", "wait-reason": " "}
    )
    assert blank.status_code == 400 and "Say why the case is waiting" in text(blank)
    nobody = web.post(f"{page_path}/wait", data={"wait-csrf_token": token, "wait-reason": "Hearing"})
    assert nobody.status_code == 400 and "Choose who the case is waiting on" in text(nobody)

    held = web.post(
        f"{page_path}/wait",
        data={"wait-csrf_token": token, "wait-waiting_on": "court", "wait-reason": "Hearing on 14 January"},
    )
    assert held.status_code == 302 and held.headers["Location"].endswith(page_path)
    page = text(web.get(page_path, headers=HTML))
    assert "Case put on hold: its deadlines are paused." in page
    on_hold = fact(page, "On hold")
    assert on_hold.startswith("Waiting on a court date since ") and on_hold.endswith(": Hearing on 14 January")
    assert "paused" in fact(page, "Deadlines")
    assert f'href="{page_path}/resume"' in page and f'href="{page_path}/wait"' not in page
    assert "Put on hold: waiting on a court date" in page

    again = web.get(f"{page_path}/wait", headers=HTML)
    assert again.status_code == 409 and "on hold already" in text(again)

    resume_form = web.get(f"{page_path}/resume", headers=HTML)
    assert resume_form.status_code == 200 and "Hearing on 14 January" in text(resume_form)
    resumed = web.post(f"{page_path}/resume", data={"resume-csrf_token": csrf(resume_form)})
    assert resumed.status_code == 302
    page = text(web.get(page_path, headers=HTML))
    assert 'id="fact-hold"' not in page and "paused" not in fact(page, "Deadlines")
    assert "Taken off hold: the deadlines run again" in page
    assert web.get(f"{page_path}/resume", headers=HTML).status_code == 409
    twice = web.post(f"{page_path}/resume", data={"resume-csrf_token": csrf(resume_form)})
    assert twice.status_code == 409 and "The case is not on hold." in text(twice)


def test_only_those_who_may_hold_the_case_see_the_action(api, web_user):  # noqa: F811
    case = raise_case(api)
    finance = web_user("finance")
    assert finance.get(f"/cases/{case['reference']}/wait", headers=HTML).status_code == 403
    other_area = web_user("area_manager", area_codes=["AB"])
    assert other_area.get(f"/cases/{case['reference']}/wait", headers=HTML).status_code == 404
    support = web_user("support_officer", area_codes=["SW"])
    assert support.get(f"/cases/{case['reference']}/wait", headers=HTML).status_code == 200
