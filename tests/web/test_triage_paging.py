"""The triage page past its first page, and filters that name no place (issue 19, found by walking it)."""

import re

import pytest

from tests.web.test_console_pages import web_user  # noqa: F401 - the fixture
from tests.web.test_councillor_pages import HTML


@pytest.fixture
def queue_of_55(caller):
    manager = caller("area_manager", areas=["SW"])
    for n in range(55):  # more than the page's 50
        created = manager.post(
            "/api/v1/cases",
            json={"title": f"Litter on street {n}", "description": "Bags.", "category": "litter", "ward": "pleck"},
        )
        assert created.status_code == 201
    return manager


def more_link(page_text):
    found = re.search(r'href="([^"]+)" rel="next"', page_text)
    return found.group(1).replace("&amp;", "&") if found else None


# The admin sees every area's queue; the link past page one failed for both (issue 19, finding 1).
@pytest.mark.parametrize("who", [("area_manager", ["SW"]), ("admin", [])], ids=["area_manager", "admin"])
@pytest.mark.parametrize("query", ["", "?area=SW&ward=pleck"])
def test_a_manager_or_admin_pages_through_the_whole_queue(queue_of_55, web_user, query, who):  # noqa: F811
    role, areas = who
    browser = web_user(role, area_codes=areas)
    first = browser.get(f"/triage{query}", headers=HTML)
    assert first.status_code == 200
    link = more_link(first.get_data(as_text=True))
    assert link is not None and ("area=SW" in link) == bool(query)
    second = browser.get(link, headers=HTML)
    assert second.status_code == 200, second.get_data(as_text=True)[:300]
    text = second.get_data(as_text=True)
    shown = set(re.findall(r"Litter on street (\d+)", first.get_data(as_text=True))) | set(
        re.findall(r"Litter on street (\d+)", text)
    )
    assert shown == {str(n) for n in range(55)}
    assert more_link(text) is None


def test_a_filter_naming_no_area_says_so_on_the_triage_page(queue_of_55, web_user):  # noqa: F811
    browser = web_user("area_manager", area_codes=["SW"])
    response = browser.get("/triage?area=South+Walsall", headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in text and "No such area." in text and "Use a code" in text
    assert 'value="South Walsall"' in text
    assert "Litter on street" not in text


def test_an_admin_chooses_an_area_before_seeing_a_budget(web_user):  # noqa: F811
    admin = web_user("admin")
    chooser = admin.get("/budget", headers=HTML)
    text = chooser.get_data(as_text=True)
    assert chooser.status_code == 200 and "South Walsall" in text and "Aldridge" in text
    link = re.search(r'href="(/budget\?area=SW)"', text).group(1)
    ledger = admin.get(link, headers=HTML)
    assert ledger.status_code == 200 and "South Walsall" in ledger.get_data(as_text=True)
