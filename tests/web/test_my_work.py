"""My work from the outside: each block lists this manager's cases with a count and links, another
area's manager sees theirs, and an empty block says so (issue 19, finding 3: no "my work" view)."""

import re
from datetime import datetime, timezone

import pytest

from tasking.services.users import principal_for
from tests.services.test_my_work import build_work
from tests.web.test_console_pages import web_user  # noqa: F401 - the fixture
from tests.web.test_councillor_pages import HTML


@pytest.fixture
def work(session, make_user):
    return build_work(session, principal_for(make_user("admin")), datetime.now(timezone.utc))


def section(text, heading_id):
    """The text of one block, from its heading to the next block."""
    return re.search(rf'<h2 class="govuk-heading-m" id="{heading_id}">(.*?)</section>', text, re.S).group(1)


def case_links(text):
    return re.findall(r'href="/cases/([A-Z]+-\d{4}-\d+)"', text)


def test_each_block_lists_this_managers_cases(work, web_user):  # noqa: F811
    manager = web_user("area_manager", area_codes=["SW"])
    response = manager.get("/my-work", headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    reviews = section(text, "reviews-due")
    assert reviews.startswith('Reviews due <span class="tasking-count">(2)</span>')
    assert case_links(reviews) == [work["review-late"], work["review-soon"]]
    assert len(re.findall(r"Overdue\s*</strong>", reviews)) == 1  # the one due two days ago
    returned = section(text, "returned")
    assert "(2)" in returned and case_links(returned) == [work["referred"], work["returned"]]
    assert "WHG declined to lead: not housing." in returned and "Referred back" in returned
    ready = section(text, "ready")
    assert "(1)" in ready and case_links(ready) == [work["ready"]]
    tasks = section(text, "overdue-tasks")
    assert "(2)" in tasks and case_links(tasks) == [work["tasks"], work["tasks"]]
    assert "West Midlands Fire Service, offered" in tasks and "West Midlands Police, accepted" in tasks
    for other in ("review-x", "returned-x", "ready-x", "tasks-x", "review-later", "review-decided", "ready-closed"):
        assert work[other] not in text, other


def test_another_areas_manager_sees_their_own(work, web_user):  # noqa: F811
    other = web_user("area_manager", area_codes=["AB"])
    text = other.get("/my-work", headers=HTML).get_data(as_text=True)
    assert case_links(text) == [work["review-x"], work["returned-x"], work["ready-x"], work["tasks-x"]]


def test_empty_blocks_say_so(work, web_user):  # noqa: F811
    quiet = web_user("area_manager", area_codes=["DB"])
    text = quiet.get("/my-work", headers=HTML).get_data(as_text=True)
    for sentence in (
        "No reviews are due in the next 7 days.",
        "No cases have been returned.",
        "No cases are ready to resolve.",
        "No tasks are overdue.",
    ):
        assert sentence in text
    assert text.count('<span class="tasking-count">(0)</span>') == 4


def test_my_work_is_for_the_console_roles(web_user):  # noqa: F811
    assert web_user("councillor", ward_codes=["pleck"]).get("/my-work", headers=HTML).status_code == 403
    assert web_user("finance").get("/my-work", headers=HTML).status_code == 403
