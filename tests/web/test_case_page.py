"""The case page an area manager works in (issue 19, finding 4, and the claim's reason of finding 5):
key facts first, a timeline that says who did what in UK time, each action on its own page,
closing, marking a duplicate and reopening confirmed first, a stale close form that can be sent
again, and the refusals: a level change needs a reason, no money on a closed case."""

import re
from datetime import datetime, timezone

import pytest

import tasking.clock
from tasking.services import notes
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.web.test_console_pages import csrf, web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import HTML

RESIDENT = {"name": "Mrs Jane Example", "email": "jane@example.org", "phone": "01922 650000", "consent": True}


@pytest.fixture
def api(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def web(web_user):  # noqa: F811
    return web_user("area_manager", area_codes=["SW"])


def raise_case(api, title="Sofa dumped by the garages", **extra):
    body = {
        "title": title,
        "description": "Behind the flats.",
        "category": "fly-tipping",
        "ward": "pleck",
        "postcode": "WS2 9AA",
        **extra,
    }
    created = api.post("/api/v1/cases", json=body)
    assert created.status_code == 201, created.json
    return created.json


def decide(api, case, level, reason="Partnership work"):
    decided = api.post(f"/api/v1/cases/{case['id']}/classification", json={"level": level, "reason": reason})
    assert decided.status_code == 200, decided.json


def text(response) -> str:
    return response.get_data(as_text=True)


def fact(page: str, key: str) -> str:
    """The value of one row of the key facts, tags stripped and spaces collapsed."""
    row = re.search(
        rf'<dt class="govuk-summary-list__key">{re.escape(key)}</dt><dd class="govuk-summary-list__value">(.*?)</dd>',
        page,
        re.S,
    )
    assert row, f"no {key!r} row"
    inline = re.sub(r"</?a[^>]*>", "", row.group(1))
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def test_key_facts_come_first_with_similar_and_duplicate_links_flags_and_the_residents_details(api, web):
    first = raise_case(api, "Mattress dumped by the garages")
    repeat = raise_case(api, "Mattress still there")
    case = raise_case(
        api,
        reporter=RESIDENT,
        risk_flags=["vulnerable_person", "safeguarding"],
    )
    marked = api.post(f"/api/v1/cases/{repeat['id']}/duplicate", json={"of": case["reference"]})
    assert marked.status_code == 200, marked.json

    page = text(web.get(f"/cases/{case['reference']}", headers=HTML))

    assert page.index("Key facts") < page.index("What you can do") < page.index("Timeline")
    assert fact(page, "Level").startswith("Not decided; suggested level 3")
    assert "A repeat problem (2 reports in six months) with a high risk flag: safeguarding, vulnerable person." in fact(
        page, "Level"
    )
    assert fact(page, "Risk flags") == "vulnerable person safeguarding"
    assert page.count('class="govuk-tag govuk-tag--red tasking-case__tag"') == 2
    assert f'<a class="govuk-link" href="/cases/{first["reference"]}">{first["reference"]}</a>' in page
    assert fact(page, "Duplicates") == (
        f"Marked a duplicate of this case: {repeat['reference']}: Mattress still there (duplicate)"
    )
    assert fact(page, "Resident who reported it") == (
        "Mrs Jane Example jane@example.org 01922 650000 Agreed to be contacted"
    )
    assert fact(page, "Quick-win budget remaining") == "£10,000.00 of £10,000.00 for South Walsall"
    assert fact(page, "With") == "The triage queue"

    duplicate_page = text(web.get(f"/cases/{repeat['reference']}", headers=HTML))
    assert fact(duplicate_page, "Duplicates") == (
        f"This case repeats {case['reference']}: Sofa dumped by the garages (new)"
    )


def test_the_timeline_says_who_did_what_with_the_partners_outcome_and_progress_in_uk_time(api, web, caller, session):
    case = raise_case(api, title="Group intimidating residents", category="anti-social-behaviour")
    suggested = api.get(f"/api/v1/cases/{case['id']}/classification").json["suggestion"]["level"]
    decide(api, case, 2)
    offered = api.post(f"/api/v1/cases/{case['id']}/tasks", json={"organisation": "wm-police"})
    assert offered.status_code == 201, offered.json
    police = caller("partner", organisation="wm-police")
    task = police.get(f"/api/v1/tasks/{offered.json['id']}").json
    for action, body in (
        ("accept", None),
        ("progress", {"note": "Patrolled Friday and Saturday evenings."}),
        ("complete", {"outcome": "Dispersal order served; no reports since."}),
    ):
        done = police.post(f"/api/v1/tasks/{task['id']}/{action}", json=body, headers={"If-Match": "*"})
        assert done.status_code == 200, done.json
    # A note written on a summer afternoon: 13:05 UTC is 14:05 in London (BST).
    with unit_of_work(session):
        notes.add_note(
            session,
            principal_for(api.user),
            case["reference"],
            body="Spoke to the caretaker.",
            visibility="internal",
            now=datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc),
        )

    page = text(web.get(f"/cases/{case['reference']}", headers=HTML))

    timeline = page[page.index('<div class="moj-timeline">') :]
    assert "Times are UK time (GMT or BST)." in page

    def entry(title):
        found = re.search(
            rf'<h3 class="moj-timeline__title">{re.escape(title)}</h3>\s*<p class="moj-timeline__byline">by ([^<]+)</p>',
            timeline,
        )
        assert found, f"no {title!r} in the timeline"
        return found.group(1)

    assert entry("West Midlands Police completed the task") == "West Midlands Police"
    assert "Dispersal order served; no reports since." in timeline
    assert entry("West Midlands Police reported progress") == "West Midlands Police"
    assert "Patrolled Friday and Saturday evenings." in timeline
    assert entry("West Midlands Police accepted the task") == "West Midlands Police"
    assert entry(f"Offered a {task['role']} task to West Midlands Police") == api.user.name
    assert entry(f"Decided level 2 (suggested {suggested})") == api.user.name
    assert "Partnership work" in timeline
    assert entry("Added a note for council staff") == api.user.name
    assert '<time datetime="2026-07-01T13:05:00' in timeline and ">1 Jul 2026 14:05</time>" in timeline
    # Newest first: the completion before the offer.
    assert timeline.index("completed the task") < timeline.index("task to West Midlands Police")


def test_each_action_has_its_own_page_and_the_case_page_no_wall_of_primary_buttons(api, web):
    case = raise_case(api)
    decide(api, case, 2)
    page = text(web.get(f"/cases/{case['reference']}", headers=HTML))

    assert re.findall(r'class="govuk-button"', page) == []  # every button on the case page is secondary
    links = re.findall(rf'href="/cases/{case["reference"]}/([a-z]+)" role="button"', page)
    assert links == ["level", "tasks", "lead", "notes", "spend", "claims", "state", "duplicate", "wait"]
    for path, heading in (
        ("level", "Change the level"),
        ("tasks", "Offer a task to a partner"),
        ("lead", "Name the lead"),
        ("notes", "Add a note"),
        ("spend", "Record quick-win spend"),
        ("claims", "Add a cost-avoided claim"),
        ("state", "Close the case"),
        ("duplicate", "Mark as a duplicate"),
        ("wait", "Put the case on hold"),
    ):
        action = web.get(f"/cases/{case['reference']}/{path}", headers=HTML)
        shown = text(action)
        assert action.status_code == 200, path
        assert f'<h1 class="govuk-heading-l">{heading}</h1>' in shown
        assert len(re.findall(r'class="govuk-button"', shown)) == 1, path  # one primary button
        assert f'<a href="/cases/{case["reference"]}" class="govuk-back-link">' in shown
    reopen = web.get(f"/cases/{case['reference']}/reopen", headers=HTML)
    assert reopen.status_code == 409 and "The case is open: there is nothing to reopen." in text(reopen)


def close_form(web, ref):
    page = web.get(f"/cases/{ref}/state", headers=HTML)
    version = re.search(r'name="state-version" type="hidden" value="(\d+)"', text(page)).group(1)
    return csrf(page), version


def test_closing_asks_for_confirmation_first(api, web):
    case = raise_case(api)
    decide(api, case, 2)
    token, version = close_form(web, case["reference"])
    typed = {
        "state-csrf_token": token,
        "state-state": "resolved",
        "state-reason": "Cleared by the crew.",
        "state-version": version,
    }

    asked = web.post(f"/cases/{case['reference']}/state", data=typed, headers=HTML)

    assert asked.status_code == 200
    shown = text(asked)
    assert f"Close {case['reference']} as resolved?" in shown
    assert "Cleared by the crew." in shown and "Yes, close the case" in shown
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "assigned"
    confirmed = web.post(f"/cases/{case['reference']}/state", data={**typed, "state-confirmed": "yes"})
    assert confirmed.status_code == 302
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "resolved"


def test_a_stale_close_form_keeps_what_was_typed_and_can_be_sent_again(api, web):
    case = raise_case(api)
    decide(api, case, 2)
    token, version = close_form(web, case["reference"])
    current = api.get(f"/api/v1/cases/{case['id']}")
    api.patch(
        f"/api/v1/cases/{case['id']}",
        json={"title": "Sofa and mattress dumped"},
        headers={"If-Match": current.headers["ETag"]},
    )
    now_at = str(api.get(f"/api/v1/cases/{case['id']}").json["version"])
    assert now_at != version
    typed = {
        "state-csrf_token": token,
        "state-state": "withdrawn",
        "state-reason": "Reported by mistake.",
        "state-version": version,
        "state-confirmed": "yes",
    }

    stale = web.post(f"/cases/{case['reference']}/state", data=typed, headers=HTML)

    assert stale.status_code == 409
    shown = text(stale)
    assert "This case changed while you were working: check it and send again" in shown
    assert 'value="Reported by mistake."' in shown
    assert '<option value="withdrawn" selected>' in shown
    assert f'name="state-version" type="hidden" value="{now_at}"' in shown
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "assigned"

    again = {**typed, "state-version": now_at}
    again.pop("state-confirmed")
    asked = web.post(f"/cases/{case['reference']}/state", data=again, headers=HTML)
    assert asked.status_code == 200 and f"Close {case['reference']} as withdrawn?" in text(asked)
    done = web.post(f"/cases/{case['reference']}/state", data={**again, "state-confirmed": "yes"})
    assert done.status_code == 302
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "withdrawn"


def test_marking_a_duplicate_picks_the_case_from_the_similar_ones_and_confirms(api, web):
    earlier = raise_case(api, "Mattress dumped by the garages")
    case = raise_case(api)
    form = web.get(f"/cases/{case['reference']}/duplicate", headers=HTML)
    shown = text(form)
    assert f'name="duplicate-choice" type="radio" value="{earlier["reference"]}"' in shown
    assert 'name="duplicate-choice" type="radio" value="other"' in shown

    picked = {"duplicate-csrf_token": csrf(form), "duplicate-choice": earlier["reference"]}
    asked = web.post(f"/cases/{case['reference']}/duplicate", data=picked, headers=HTML)
    assert asked.status_code == 200
    assert f"Mark {case['reference']} as a duplicate of {earlier['reference']}?" in text(asked)
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "new"

    unknown = web.post(
        f"/cases/{case['reference']}/duplicate",
        data={"duplicate-csrf_token": csrf(form), "duplicate-choice": "other", "duplicate-of": "SW-2026-99999"},
        headers=HTML,
    )
    assert unknown.status_code == 400 and "No case has that reference." in text(unknown)

    confirmed = web.post(
        f"/cases/{case['reference']}/duplicate",
        data={
            "duplicate-csrf_token": csrf(form),
            "duplicate-of": earlier["reference"],
            "duplicate-confirmed": "yes",
        },
    )
    assert confirmed.status_code == 302
    after = api.get(f"/api/v1/cases/{case['id']}").json
    assert after["state"] == "duplicate"


def test_reopening_asks_for_confirmation_first(api, web):
    case = raise_case(api)
    decide(api, case, 2)
    current = api.get(f"/api/v1/cases/{case['id']}")
    api.patch(
        f"/api/v1/cases/{case['id']}",
        json={"state": "resolved", "reason": "Cleared"},
        headers={"If-Match": current.headers["ETag"]},
    )
    form = web.get(f"/cases/{case['reference']}/reopen", headers=HTML)
    typed = {"reopen-csrf_token": csrf(form), "reopen-reason": "Dumped again."}

    asked = web.post(f"/cases/{case['reference']}/reopen", data=typed, headers=HTML)

    assert asked.status_code == 200 and f"Reopen {case['reference']}?" in text(asked)
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "resolved"
    assert web.post(f"/cases/{case['reference']}/reopen", data={**typed, "reopen-confirmed": "yes"}).status_code == 302
    assert api.get(f"/api/v1/cases/{case['id']}").json["state"] == "returned"


def test_going_down_a_level_without_a_reason_is_refused_on_the_page(api, web):
    case = raise_case(api)
    suggested = api.get(f"/api/v1/cases/{case['id']}/classification").json["suggestion"]["level"]
    decide(api, case, suggested + 1, reason="Bigger than it looks")
    form = web.get(f"/cases/{case['reference']}/level", headers=HTML)

    refused = web.post(
        f"/cases/{case['reference']}/level",
        data={"level-csrf_token": csrf(form), "level-level": str(suggested), "level-reason": ""},
        headers=HTML,
    )

    assert refused.status_code == 400
    said = f"Moving the case down from level {suggested + 1} to level {suggested} needs a reason."
    assert said in text(refused)
    assert api.get(f"/api/v1/cases/{case['id']}").json["level"] == suggested + 1


def test_no_spend_on_a_closed_case_from_the_page(api, web, count_rows):
    from tasking.models import Spend

    case = raise_case(api)
    decide(api, case, 2)
    form = web.get(f"/cases/{case['reference']}/spend", headers=HTML)
    current = api.get(f"/api/v1/cases/{case['id']}")
    api.patch(
        f"/api/v1/cases/{case['id']}",
        json={"state": "closed", "reason": "Done"},
        headers={"If-Match": current.headers["ETag"]},
    )
    today = tasking.clock.today()
    refused = web.post(
        f"/cases/{case['reference']}/spend",
        data={
            "spend-csrf_token": csrf(form),
            "spend-amount": "25",
            "spend-description": "Padlock",
            "spend-spent_on": [str(today.day), str(today.month), str(today.year)],
        },
        headers=HTML,
    )
    assert refused.status_code == 409
    assert f"{case['reference']} is closed: reopen it before you spend quick-win money on it." in text(refused)
    assert count_rows(Spend) == 0
    assert web.get(f"/cases/{case['reference']}/spend", headers=HTML).status_code == 409


def test_the_case_page_shows_each_claims_state_and_why_finance_did_not_support_one(api, web, caller):
    finance = caller("finance")
    case = raise_case(api)
    decide(api, case, 2)
    claims = [
        api.post(
            f"/api/v1/cases/{case['id']}/cost-avoided",
            json={"outcomes": [{"description": what, "unit_cost_pence": 100_000, "probability": "0.5"}]},
        ).json
        for what in ("Fire avoided", "Injury avoided", "Eviction avoided")
    ]
    finance.post(f"/api/v1/claims/{claims[0]['id']}/decision", json={"decision": "verified"})
    finance.post(
        f"/api/v1/claims/{claims[1]['id']}/decision",
        json={"decision": "not_supported", "reason": "No evidence the fire was likely"},
    )

    page = text(web.get(f"/cases/{case['reference']}", headers=HTML))

    section = page[page.index('id="section-claims"') : page.index('id="section-reviews"')]
    assert [
        re.sub(r"\s+", " ", s) for s in re.findall(r'<strong class="govuk-tag[^"]*">([^<]+)</strong>', section)
    ] == [
        "Verified",
        "Not supported",
        "Waiting for finance",
    ]
    assert "Finance's reason: No evidence the fire was likely" in section


def test_a_duplicates_claims_say_they_no_longer_count(api, web):
    earlier = raise_case(api, "Mattress dumped by the garages")
    case = raise_case(api)
    decide(api, case, 2)
    api.post(
        f"/api/v1/cases/{case['id']}/cost-avoided",
        json={"outcomes": [{"description": "Fire avoided", "unit_cost_pence": 100_000, "probability": "0.5"}]},
    )
    assert api.post(f"/api/v1/cases/{case['id']}/duplicate", json={"of": earlier["reference"]}).status_code == 200

    page = text(web.get(f"/cases/{case['reference']}", headers=HTML))

    assert f"Not counted in the value report: this case is a duplicate of {earlier['reference']}." in page
