"""Finance's console (issue 19, finding 5): the queue of claims waiting for a decision, the decided
list with its reasons, a claim's page with the decision form, and the API list behind them.

Area staff read their areas' claims, read-only; finance reads and decides every claim, seeing of a
confidential case only its reference, area, level and category (docs/roles.md)."""

import itertools
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tasking.models import AuditEvent, CostAvoidedClaim
from tests.web.test_console_pages import web_user  # noqa: F401 - a fixture

HTML = {"Accept": "text/html"}
NUMBERS = itertools.count(1)
TITLE, DESCRIPTION = "Mother not coping since the birth", "Health visitor: domestic abuse disclosed"


@pytest.fixture
def sw(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def nw(caller):
    return caller("area_manager", areas=["NW"])


@pytest.fixture
def finance_api(caller):
    return caller("finance")


@pytest.fixture
def finance(web_user):
    return web_user("finance")


def make_claim(api, ward, *, unit_cost_pence=25_900_000, probability="1/6", confidential=False, costs=()):
    case = api.post(
        "/api/v1/cases",
        json={
            "title": TITLE,
            "description": DESCRIPTION,
            "category": "family-early-help",
            "ward": ward,
            "confidential": confidential,
        },
    )
    assert case.status_code == 201, case.json
    claim = api.post(
        f"/api/v1/cases/{case.json['id']}/cost-avoided",
        json={
            "outcomes": [
                {
                    "description": f"Care placement avoided ({next(NUMBERS)})",
                    "unit_cost_pence": unit_cost_pence,
                    "probability": probability,
                }
            ],
            "costs": list(costs),
        },
    )
    assert claim.status_code == 201, claim.json
    return claim.json


def csrf(response) -> str:
    """A CSRF token from any form on the page (the sign-out form has one on every page)."""
    html = response.get_data(as_text=True)
    return re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def text_of(response) -> str:
    """The page's text without tags, spaces run together: what a person reads."""
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def listed(response) -> list[int]:
    """The claims in the queue's table, in order."""
    return [int(n) for n in re.findall(r'href="/claims/(\d+)"', response.get_data(as_text=True))]


def decide(client, claim_id, **fields):
    page = client.get(f"/claims/{claim_id}")
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True)).group(1)
    data = {"csrf_token": csrf(page), "version": version, **fields}
    return client.post(f"/claims/{claim_id}/decision", data=data, headers=HTML)


def state_of(session, claim_id):
    session.expire_all()
    claim = session.get(CostAvoidedClaim, claim_id)
    return claim.state, claim.decision_reason


# The queue ---------------------------------------------------------------------------------------


def test_the_queue_lists_only_claims_waiting_oldest_first_with_exact_figures(sw, nw, finance_api, finance):
    first = make_claim(sw, "pleck")
    second = make_claim(nw, "blakenall", unit_cost_pence=1_000, probability="1/3")
    decided = make_claim(sw, "paddock")
    finance_api.post(
        f"/api/v1/claims/{decided['id']}/decision", json={"decision": "not_supported", "reason": "No evidence"}
    )

    response = finance.get("/claims")

    assert response.status_code == 200
    assert listed(response) == [first["id"], second["id"]]
    shown = text_of(response)
    assert "2 claims waiting for a decision, oldest first" in shown
    # One in six of £259,000 is £43,166.666…, rounded once to the penny; a third of £10 is £3.33.
    assert f"Claim {first['id']} {first['case']['reference']} South Walsall" in shown
    assert "£43,166.67 £43,166.67 Waiting" in shown
    assert f"Claim {second['id']} {second['case']['reference']} North Walsall" in shown
    assert "£3.33 £3.33 Waiting" in shown
    assert f"Claim {decided['id']}" not in shown


def test_the_queue_shows_the_submitted_time_in_uk_local_time(sw, finance, session):
    claim = make_claim(sw, "pleck")
    session.execute(
        CostAvoidedClaim.__table__.update()
        .where(CostAvoidedClaim.id == claim["id"])
        .values(created_at=datetime(2026, 7, 1, 13, 5, tzinfo=timezone.utc))
    )
    session.commit()
    # 13:05 UTC in July is 14:05 British Summer Time.
    assert "1 Jul 2026 14:05" in text_of(finance.get("/claims"))


def test_the_area_filter_narrows_the_queue_to_one_area(sw, nw, finance):
    south = make_claim(sw, "pleck")
    north = make_claim(nw, "blakenall")

    everything = finance.get("/claims")
    north_only = finance.get("/claims?area=NW")

    assert listed(everything) == [south["id"], north["id"]]
    assert '<option value="NW">North Walsall</option>' in everything.get_data(as_text=True)
    assert listed(north_only) == [north["id"]]
    assert "1 claim waiting for a decision in North Walsall" in text_of(north_only)


def test_an_area_not_in_the_list_is_refused_on_the_form(sw, finance):
    make_claim(sw, "pleck")
    response = finance.get("/claims?area=ZZ")
    assert response.status_code == 400
    assert "govuk-error-summary" in response.get_data(as_text=True)
    assert listed(response) == []


def test_the_decided_list_shows_each_decision_and_its_reason_newest_first(sw, finance_api, finance):
    waiting = make_claim(sw, "pleck")
    refused = make_claim(sw, "paddock")
    verified = make_claim(sw, "palfrey")
    finance_api.post(
        f"/api/v1/claims/{refused['id']}/decision",
        json={"decision": "not_supported", "reason": "The placement was never likely: no referral made."},
    )
    finance_api.post(f"/api/v1/claims/{verified['id']}/decision", json={"decision": "verified"})

    response = finance.get("/claims?show=decided")

    assert response.status_code == 200
    assert listed(response) == [verified["id"], refused["id"]]
    shown = text_of(response)
    assert "2 claims decided, most recently decided first" in shown
    assert "Not supported" in shown and "The placement was never likely: no referral made." in shown
    assert f"Claim {waiting['id']}" not in shown


def test_the_queue_pages_25_at_a_time_with_a_next_page_link(sw, finance):
    made = [make_claim(sw, "pleck", unit_cost_pence=100 + n)["id"] for n in range(27)]
    first = finance.get("/claims")
    assert listed(first) == made[:25]
    assert "27 claims waiting for a decision" in text_of(first)
    next_href = re.search(r'href="(/claims\?cursor=[^"]+)"', first.get_data(as_text=True)).group(1)
    second = finance.get(next_href.replace("&amp;", "&"))
    assert listed(second) == made[25:]
    assert "First page" in text_of(second)


def test_finance_sees_a_confidential_case_only_by_its_reference_area_level_and_category(sw, finance):
    claim = make_claim(sw, "st-matthews", confidential=True)
    queue = finance.get("/claims").get_data(as_text=True)
    page = finance.get(f"/claims/{claim['id']}").get_data(as_text=True)
    for html in (queue, page):
        assert claim["case"]["reference"] in html
        assert TITLE not in html and DESCRIPTION not in html
    # The case itself stays closed to finance: no link to it.
    assert f'href="/cases/{claim["case"]["reference"]}"' not in page
    assert "Family" in page or "family" in page


# Deciding ----------------------------------------------------------------------------------------


def test_finance_verifies_a_claim_and_returns_to_the_queue(sw, finance, session):
    claim = make_claim(sw, "pleck")
    response = decide(finance, claim["id"], decision="verified", reason="")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/claims")
    queue = finance.get("/claims")
    assert f"Claim {claim['id']} verified." in text_of(queue)
    assert listed(queue) == []
    assert state_of(session, claim["id"]) == ("verified", None)


def test_finance_finds_a_claim_not_supported_with_a_reason_that_the_area_reads(sw, finance, web_user, session):
    claim = make_claim(sw, "pleck")
    reason = "No evidence the placement was ever likely."
    response = decide(finance, claim["id"], decision="not_supported", reason=f"  {reason} ")
    assert response.status_code == 302
    assert f"Claim {claim['id']} found not supported." in text_of(finance.get("/claims"))
    assert state_of(session, claim["id"]) == ("not_supported", reason)

    manager = web_user("area_manager", area_codes=["SW"])
    page = manager.get(f"/claims/{claim['id']}")
    assert page.status_code == 200
    shown = text_of(page)
    assert f"Why finance did not support it {reason}" in shown
    assert "Not supported by Web finance" in shown


def test_not_supported_without_a_reason_is_refused_and_nothing_is_written(sw, finance, session, count_changes):
    claim = make_claim(sw, "pleck")
    before = count_changes()
    response = decide(finance, claim["id"], decision="not_supported", reason="   ")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html
    assert "Say why the claim is not supported" in html
    # The choice made is kept on the form.
    assert re.search(r'value="not_supported"[^>]*checked|checked[^>]*value="not_supported"', html)
    assert state_of(session, claim["id"]) == ("estimated", None)
    assert count_changes() == before


def test_a_decision_on_a_claim_changed_meanwhile_keeps_what_was_typed_and_can_be_sent_again(sw, finance, session):
    claim = make_claim(sw, "pleck")
    page = finance.get(f"/claims/{claim['id']}")
    seen = re.search(r'name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True)).group(1)
    # Meanwhile the area's staff change the claim's lines.
    etag = sw.get(f"/api/v1/claims/{claim['id']}").headers["ETag"]
    changed = sw.patch(
        f"/api/v1/claims/{claim['id']}",
        json={"outcomes": [{"description": "Care placement avoided", "unit_cost_pence": 600, "probability": "1/2"}]},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.json
    reason = "Half of a £6 placement is not a saving we can count."
    stale = finance.post(
        f"/claims/{claim['id']}/decision",
        data={"csrf_token": csrf(page), "version": seen, "decision": "not_supported", "reason": reason},
        headers=HTML,
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "The claim changed while you were deciding" in html
    assert "govuk-error-summary" in html and "The claim has changed since you opened it" in html
    assert reason in html  # kept as typed
    assert "£3.00" in html  # the figures as they are now
    assert state_of(session, claim["id"]) == ("estimated", None)
    now_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    assert now_version != seen

    again = finance.post(
        f"/claims/{claim['id']}/decision",
        data={"csrf_token": csrf(stale), "version": now_version, "decision": "not_supported", "reason": reason},
        headers=HTML,
    )
    assert again.status_code == 302
    assert state_of(session, claim["id"]) == ("not_supported", reason)


def test_a_claim_already_decided_cannot_be_decided_again(sw, finance, finance_api, session):
    claim = make_claim(sw, "pleck")
    page = finance.get(f"/claims/{claim['id']}")
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True)).group(1)
    finance_api.post(f"/api/v1/claims/{claim['id']}/decision", json={"decision": "verified"})
    response = finance.post(
        f"/claims/{claim['id']}/decision",
        data={"csrf_token": csrf(page), "version": version, "decision": "not_supported", "reason": "Too late"},
        headers=HTML,
    )
    assert response.status_code == 409
    assert "The claim is already verified; a decided claim cannot change." in response.get_data(as_text=True)
    assert state_of(session, claim["id"]) == ("verified", None)
    # A decided claim's page offers no decision.
    assert "Record decision" not in finance.get(f"/claims/{claim['id']}").get_data(as_text=True)


# Who sees what -----------------------------------------------------------------------------------


def test_an_area_manager_reads_their_areas_claims_read_only_and_no_other_areas(sw, nw, web_user):
    ours = make_claim(sw, "pleck")
    theirs = make_claim(nw, "blakenall")
    manager = web_user("area_manager", area_codes=["SW"])

    queue = manager.get("/claims")
    page = manager.get(f"/claims/{ours['id']}")

    assert listed(queue) == [ours["id"]]
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Record decision" not in html and "Waiting for a finance officer's decision." in html
    assert f'href="/cases/{ours["case"]["reference"]}"' in html
    assert manager.get(f"/claims/{theirs['id']}").status_code == 404
    assert manager.get("/claims?area=NW").status_code == 400
    assert manager.get("/claims/999999999").status_code == 404
    token = csrf(page)
    posted = manager.post(f"/claims/{ours['id']}/decision", data={"csrf_token": token, "decision": "verified"})
    assert posted.status_code == 403


@pytest.mark.parametrize(
    "role, kwargs",
    [("partner", {"organisation_code": "wm-police"}), ("councillor", {"ward_codes": ["pleck"]})],
)
def test_partners_and_councillors_have_no_claims_pages(sw, web_user, role, kwargs):
    claim = make_claim(sw, "pleck")
    client = web_user(role, **kwargs)
    assert client.get("/claims").status_code == 403
    assert client.get(f"/claims/{claim['id']}").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/claims")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# The API list behind the queue --------------------------------------------------------------------


def test_the_api_lists_waiting_and_decided_claims_by_state_and_area(sw, nw, finance_api):
    south = make_claim(sw, "pleck")
    north = make_claim(nw, "blakenall")
    refused = make_claim(sw, "paddock")
    verified = make_claim(nw, "bloxwich-east")
    finance_api.post(f"/api/v1/claims/{refused['id']}/decision", json={"decision": "not_supported", "reason": "No"})
    finance_api.post(f"/api/v1/claims/{verified['id']}/decision", json={"decision": "verified"})

    def ids(query):
        response = finance_api.get(f"/api/v1/claims{query}")
        assert response.status_code == 200, response.json
        return [c["id"] for c in response.json["items"]]

    assert ids("?state=estimated") == [south["id"], north["id"]]
    assert ids("?state=estimated&area=NW") == [north["id"]]
    assert ids("?decided=true") == [verified["id"], refused["id"]]
    assert ids("?decided=true&area=SW") == [refused["id"]]
    assert ids("?state=not_supported") == [refused["id"]]
    decided = finance_api.get("/api/v1/claims?decided=true&area=SW").json["items"][0]
    assert decided["decision_reason"] == "No" and decided["case"]["area"]["code"] == "SW"


def test_the_api_list_answers_an_area_manager_with_their_areas_and_404_for_another(sw, nw):
    south = make_claim(sw, "pleck")
    make_claim(nw, "blakenall")
    assert [c["id"] for c in sw.get("/api/v1/claims?state=estimated").json["items"]] == [south["id"]]
    assert sw.get("/api/v1/claims?area=NW").status_code == 404


def test_audit_records_the_web_decision_as_the_api_does(sw, finance, session):
    claim = make_claim(sw, "pleck")
    decide(finance, claim["id"], decision="not_supported", reason="No referral was made.")
    session.expire_all()
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "claim.not_supported", AuditEvent.object_id == str(claim["id"]))
    ).one()
    assert event.after["decision_reason"] == "No referral was made."
