"""The triage page as a table (issue 19, finding 2): a count, a filter panel, sortable columns,
numbered pages that keep the filters, and confirming several suggestions at once, each its own
audited decision, all or none."""

import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from sqlalchemy import func, select, update

from tasking.domain.policy import Policy
from tasking.models import AuditEvent, Case, LevelChange
from tasking.services import cases, users
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.web.test_console_pages import csrf
from tests.web.test_councillor_pages import HTML, PASSWORD, sign_in

NOW = datetime.now(timezone.utc)


@pytest.fixture
def manager(app, session):
    """An area manager for South and North Walsall: a signed-in browser, and who they are."""
    with unit_of_work(session):
        user = users.create_user(
            session,
            None,
            email="triage.manager@test.example",
            name="Tri Age",
            role="area_manager",
            now=NOW,
            password=PASSWORD,
            area_codes=["SW", "NW"],
        )
    browser = app.test_client()
    sign_in(browser, user.email)
    browser.principal = principal_for(user)
    return browser


def make_cases(session, who, specs):
    """Waiting cases, all in one unit of work; each spec's extra columns are then set as given."""
    made = []
    with unit_of_work(session):
        for spec in specs:
            data = {"description": "d", "category": "litter", "ward": "pleck", **spec}
            columns = {
                k: data.pop(k) for k in ("state", "case_review_flag", "suggested_level", "days_old") if k in data
            }
            case = cases.create_case(session, who, data, now=NOW, policy=Policy())
            made.append((case.id, case.reference, columns))
    with unit_of_work(session):
        for case_id, _ref, columns in made:
            values = {k: v for k, v in columns.items() if k != "days_old"}
            if "days_old" in columns:
                values["created_at"] = NOW - timedelta(days=columns["days_old"])
            if values:
                session.execute(update(Case).where(Case.id == case_id).values(**values))
    return [reference for _id, reference, _columns in made]


def shown(response):
    """The references of the table's rows, in order."""
    return re.findall(r'id="select-([A-Z0-9-]+)"', response.get_data(as_text=True))


def page(browser, path):
    response = browser.get(path, headers=HTML)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def mixed(session, manager):
    refs = make_cases(
        session,
        manager.principal,
        [
            {"title": "Plain litter in Pleck"},
            {"title": "Noise in Palfrey", "ward": "palfrey", "category": "noise", "source": "resident"},
            {"title": "Litter in Blakenall", "ward": "blakenall"},
            {"title": "Third report: case review", "case_review_flag": True, "suggested_level": 3},
            {"title": "Vulnerable resident", "risk_flags": ["vulnerable_person"]},
            {"title": "Came back from a partner", "state": "returned", "suggested_level": 2},
        ],
    )
    return dict(zip(["plain", "palfrey", "blakenall", "review", "risky", "returned"], refs, strict=True))


def test_the_count_and_the_default_order(manager, mixed):
    response = page(manager, "/triage")
    text = response.get_data(as_text=True)
    assert '<p class="govuk-body-l govuk-!-margin-bottom-2" id="triage-count">6 cases waiting</p>' in text
    order = shown(response)
    assert order[:2] == [mixed["review"], mixed["risky"]]
    assert order[2] == mixed["returned"]  # level 2 above the level-1 cases
    assert f'href="/cases/{mixed["plain"]}"' in text and f'href="/cases/{mixed["plain"]}/level"' in text


@pytest.mark.parametrize(
    "query, expected",
    [
        ("area=NW", ["blakenall"]),
        ("area=SW", ["review", "risky", "returned", "plain", "palfrey"]),
        ("ward=palfrey", ["palfrey"]),
        ("category=noise", ["palfrey"]),
        ("source=resident", ["palfrey"]),
        ("level=3", ["review"]),
        ("flags=case_review", ["review"]),
        ("flags=risk", ["risky"]),
        ("flags=returned", ["returned"]),
        ("area=SW&flags=risk&flags=case_review", []),
    ],
)
def test_each_filter(manager, mixed, query, expected):
    response = page(manager, f"/triage?{query}")
    assert set(shown(response)) == {mixed[name] for name in expected}
    count = len(expected)
    text = response.get_data(as_text=True)
    assert f">{count} {'case' if count == 1 else 'cases'} waiting</p>" in text
    if not expected:
        assert "Nothing is waiting for a decision that matches these filters." in text


def test_the_filters_are_selects_of_what_the_user_may_use(manager, mixed):
    text = page(manager, "/triage?ward=palfrey").get_data(as_text=True)
    options = {
        name: re.findall(
            r'<option value="([^"]*)"', re.search(rf'<select[^>]*name="{name}".*?</select>', text, re.S)[0]
        )
        for name in ("area", "ward", "category", "source", "level")
    }
    assert options["area"] == ["", "NW", "SW"]  # theirs only
    assert options["ward"] == [
        "",
        "birchills-leamore",
        "blakenall",
        "bloxwich-east",
        "bloxwich-west",
        "paddock",
        "palfrey",
        "pleck",
        "st-matthews",
    ]
    assert {"litter", "noise", "anti-social-behaviour"} <= set(options["category"])
    assert options["source"] == ["", "councillor", "resident", "partner", "staff", "open311"]
    assert options["level"] == ["", "1", "2", "3", "4"]
    assert '<option value="palfrey" selected>Palfrey (SW)</option>' in text
    assert 'type="text"' not in text  # nothing to type
    assert "Remove this filter: </span>Ward: Palfrey (SW)" in text
    assert '<a class="govuk-link govuk-link--no-visited-state" href="/triage">Clear filters</a>' in text


def test_a_ward_of_another_area_is_refused_on_the_page(manager, mixed):
    response = manager.get("/triage?ward=streetly", headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in text and "No such ward." in text
    assert shown(response) == []


def test_sorting_by_a_column_header(manager, mixed):
    text = page(manager, "/triage").get_data(as_text=True)
    assert '<th scope="col" class="govuk-table__header" aria-sort="none">' in text
    title_link = unescape(re.search(r'href="([^"]+)">Title</a>', text).group(1))
    assert title_link == "/triage?sort=title&dir=asc"
    ascending = page(manager, title_link)
    titles = sorted([(title, ref) for ref, title in _titles(ascending)])
    assert shown(ascending) == [ref for _title, ref in titles]
    sorted_text = ascending.get_data(as_text=True)
    assert (
        'aria-sort="ascending">\n            <a class="govuk-link govuk-link--no-visited-state tasking-triage__sort" href="/triage?sort=title&amp;dir=desc">Title</a>'
        in sorted_text
    )
    descending = page(manager, "/triage?sort=title&dir=desc")
    assert shown(descending) == list(reversed(shown(ascending)))
    assert 'aria-sort="descending"' in descending.get_data(as_text=True)
    # A filter keeps the sort, and a sort keeps the filter.
    filtered = page(manager, "/triage?sort=title&dir=desc&area=SW").get_data(as_text=True)
    assert 'href="/triage?sort=title&amp;dir=asc&amp;area=SW">Title</a>' in filtered
    assert '<input type="hidden" name="sort" value="title"><input type="hidden" name="dir" value="desc">' in filtered


def _titles(response):
    text = response.get_data(as_text=True)
    return re.findall(
        r'id="select-([A-Z0-9-]+)".*?</td>\s*<td[^>]*>.*?</td>\s*<td class="govuk-table__cell tasking-triage__title">([^<]+)</td>',
        text,
        re.S,
    )


def test_pages_two_and_three_of_120_keep_the_filters(session, manager):
    pleck = make_cases(session, manager.principal, [{"title": f"Pleck case {n:03}"} for n in range(120)])
    make_cases(session, manager.principal, [{"title": f"Palfrey case {n}", "ward": "palfrey"} for n in range(7)])
    first = page(manager, "/triage?ward=pleck&sort=title")
    text = first.get_data(as_text=True)
    assert ">120 cases waiting</p>" in text and "Showing 1 to 50 of 120." in text
    assert len(shown(first)) == 50
    second_link = unescape(re.search(r'href="([^"]+)" aria-label="Page 2"', text).group(1))
    assert second_link == "/triage?ward=pleck&sort=title&page=2"
    second = page(manager, second_link)
    second_text = second.get_data(as_text=True)
    assert "Showing 51 to 100 of 120." in second_text and 'aria-label="Page 2" aria-current="page"' in second_text
    third_link = unescape(re.search(r'href="([^"]+)" rel="next"', second_text).group(1))
    assert third_link == "/triage?ward=pleck&sort=title&page=3"
    third = page(manager, third_link)
    third_text = third.get_data(as_text=True)
    assert "Showing 101 to 120 of 120." in third_text and 'rel="next"' not in third_text
    assert 'rel="prev"' in third_text
    seen = shown(first) + shown(second) + shown(third)
    assert seen == pleck  # in title order, which is the order they were raised
    assert "Palfrey case" not in first.get_data(as_text=True) + second_text + third_text


def decisions(session):
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(LevelChange)),
        session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "case.decision")),
    )


def selection(response, references):
    """The bulk form as a person would send it: the ticked rows' values and the form's hidden fields."""
    text = response.get_data(as_text=True)
    values = dict(re.findall(r'id="select-([A-Z0-9-]+)" name="cases" type="checkbox" value="([^"]+)"', text))
    back = re.search(r'id="back" name="back" type="hidden" value="([^"]*)"', text).group(1)
    return {"csrf_token": csrf(response), "back": unescape(back), "cases": [values[ref] for ref in references]}


def test_five_confirmed_at_once_are_five_audited_decisions(session, manager):
    refs = make_cases(session, manager.principal, [{"title": f"Bags dumped {n}"} for n in range(7)])
    before = decisions(session)
    listing = page(manager, "/triage?ward=pleck")
    chosen = refs[1:6]
    response = manager.post("/triage/confirm", data=selection(listing, chosen), headers=HTML)
    assert response.status_code == 302 and response.headers["Location"] == "/triage?ward=pleck"
    after = page(manager, response.headers["Location"])
    text = after.get_data(as_text=True)
    assert "5 cases confirmed at their suggested levels and routed." in text
    assert set(shown(after)) == {refs[0], refs[6]} and ">2 cases waiting</p>" in text
    assert decisions(session) == (before[0] + 5, before[1] + 5)
    for ref in chosen:
        case = session.scalar(select(Case).where(Case.reference == ref))
        assert (case.level, case.state) == (1, "assigned")


def test_one_refused_confirms_none_and_the_page_says_which_and_why(session, manager, caller):
    refs = make_cases(session, manager.principal, [{"title": f"Bags dumped {n}"} for n in range(5)])
    listing = page(manager, "/triage?sort=title")
    body = selection(listing, refs)
    # Meanwhile another manager decides one, and another is found to need two agencies (level 2).
    other = caller("area_manager", areas=["SW"])
    assert other.post(f"/api/v1/cases/{refs[0]}/classification", json={"level": 1}).status_code == 200
    with unit_of_work(session):
        session.execute(update(Case).where(Case.reference == refs[2]).values(agencies_needed=2))
    before = decisions(session)

    response = manager.post("/triage/confirm", data=body, headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "There is a problem" in text and "<title>Error: Triage" in text
    assert f'<a href="#select-{refs[0]}">{refs[0]}: It is no longer waiting in triage (now assigned).</a>' in text
    assert f'<a href="#select-{refs[2]}">{refs[2]}: Its suggested level is now 2, not 1: look at it again.</a>' in text
    assert decisions(session) == before
    # Still waiting, still ticked, and the page is the one they came from.
    assert set(shown(response)) == set(refs[1:])
    assert re.search(rf'id="select-{refs[3]}" name="cases" type="checkbox" value="[^"]+" checked', text)
    assert 'value="sort=title"' in text


def test_a_case_of_another_area_or_none_at_all_confirms_none(session, manager, caller):
    refs = make_cases(session, manager.principal, [{"title": "Bags dumped"}])
    elsewhere = caller("area_manager", areas=["AB"])
    theirs = elsewhere.post(
        "/api/v1/cases",
        json={"title": "Streetly litter", "description": "d", "category": "litter", "ward": "streetly"},
    ).json["reference"]
    listing = page(manager, "/triage")
    body = selection(listing, refs)
    body["cases"] += [f"{theirs}:1", "SW-2026-99999:1"]
    before = decisions(session)
    response = manager.post("/triage/confirm", data=body, headers=HTML)
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    for missing in (theirs, "SW-2026-99999"):
        assert f"{missing}: No case you may decide has this reference." in text
    assert decisions(session) == before


def test_nothing_selected_or_a_made_up_value_is_refused_on_the_page(session, manager):
    make_cases(session, manager.principal, [{"title": "Bags dumped"}])
    listing = page(manager, "/triage")
    empty = manager.post("/triage/confirm", data={"csrf_token": csrf(listing), "back": ""}, headers=HTML)
    assert empty.status_code == 400
    assert '<a href="#triage-cases">Select at least one case to confirm</a>' in empty.get_data(as_text=True)
    odd = manager.post(
        "/triage/confirm", data={"csrf_token": csrf(listing), "cases": ["<script>"], "back": ""}, headers=HTML
    )
    assert odd.status_code == 400
    assert "Reload the triage page and select the cases again" in odd.get_data(as_text=True)


def test_the_single_case_confirmation_still_works_from_the_table(session, manager):
    (ref,) = make_cases(session, manager.principal, [{"title": "Bags dumped"}])
    listing = page(manager, "/triage")
    text = listing.get_data(as_text=True)
    case_id = session.scalar(select(Case.id).where(Case.reference == ref))
    assert f'form="confirm-{case_id}"' in text and f'id="confirm-{case_id}"' in text
    response = manager.post(
        f"/triage/{ref}/confirm",
        data={f"confirm-{case_id}-csrf_token": csrf(listing), f"confirm-{case_id}-level": "1"},
        headers=HTML,
    )
    assert response.status_code == 302
    assert f"{ref} confirmed at level 1 and routed." in page(manager, "/triage").get_data(as_text=True)
