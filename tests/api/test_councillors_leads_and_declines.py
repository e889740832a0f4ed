"""The seams of the four-level model where work passes between people (issue 17): a councillor's
request goes straight to the front line only when the rules allow it, partners raise cases, a lead
that declines is not offered the lead again, and the area manager names another, with reasons that
are words, not spaces."""

import pytest

NOISE_AT_NO_12 = {
    "category": "noise",
    "ward": "pleck",
    "address": "12 Pleck Road",
    "postcode": "WS2 9HA",
    "latitude": 52.5771,
    "longitude": -2.0012,
}


def raised(caller, n=1, **overrides):
    body = {
        "title": f"Loud music at night, report {n}",
        "description": "Music until 3am from number 12.",
        **NOISE_AT_NO_12,
        **overrides,
    }
    response = caller.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.json
    return response.json


def etag(response):
    return response.headers["ETag"]


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def councillor(caller):
    return caller("councillor", wards=["pleck"])


@pytest.fixture
def environmental_health(caller):
    return caller("partner", organisation="environmental-health", areas=["SW"])


@pytest.fixture
def police(caller):
    return caller("partner", organisation="wm-police", areas=["SW"])


@pytest.fixture
def asb_team(caller):
    return caller("partner", organisation="asb-team", areas=["SW"])


@pytest.fixture
def whg(caller):
    return caller("partner", organisation="whg", areas=["SW"])


def triage_entry(manager, reference):
    items = manager.get("/api/v1/triage", query_string={"page_size": 100}).json["items"]
    return next((item for item in items if item["reference"] == reference), None)


def only_task(partner, state="offered"):
    items = [t for t in partner.get("/api/v1/tasks").json["items"] if t["state"] == state]
    assert len(items) == 1, items
    return items[0]


# A councillor's request: the front line when the rules say level one, the area manager otherwise.


def test_a_councillors_first_report_goes_straight_to_the_front_line_through_the_api(
    councillor, environmental_health, manager
):
    case = raised(councillor)
    assert (case["source"], case["level"], case["state"]) == ("councillor", 1, "assigned")
    assert case["owner"]["organisation"]["code"] == "environmental-health"
    assert only_task(environmental_health)["case"]["reference"] == case["reference"]
    assert triage_entry(manager, case["reference"]) is None


def test_a_councillors_third_report_of_the_same_noise_goes_to_the_area_manager_with_the_reason(
    councillor, manager, environmental_health
):
    raised(councillor, 1)
    second = raised(councillor, 2)
    third = raised(councillor, 3)
    # The second was a repeat (level 2 suggested) when raised; the third meets the case-review
    # threshold, and so, worked out again, does the second.
    for case, suggested in ((second, 3), (third, 3)):
        # The councillor is not shown the suggestion (it is for those who decide levels) ...
        assert (case["level"], case["state"], case["suggested_level"]) == (None, "new", None)
        # ... the area manager is.
        assert manager.get(f"/api/v1/cases/{case['id']}").json["suggested_level"] == suggested
        assert case["owner"]["kind"] == "triage_queue"
    entry = triage_entry(manager, third["reference"])
    assert entry is not None and entry["case_review_flag"] is True
    assert "case-review threshold" in entry["triage_reason"]
    assert "area manager decides" in entry["triage_reason"]
    # The front-line service was offered the first job only.
    assert len(environmental_health.get("/api/v1/tasks").json["items"]) == 1
    # The councillor's own history says where it went and why.
    events = councillor.get(f"/api/v1/cases/{third['id']}/history").json["items"]
    held = [e for e in events if e["action"] == "case.held_for_triage"]
    assert len(held) == 1 and "case-review threshold" in held[0]["after"]["reason"]


def test_the_area_manager_decides_a_held_request_and_the_reason_it_waited_is_gone(councillor, manager):
    raised(councillor, 1)
    held = raised(councillor, 2)
    decided = manager.post(f"/api/v1/cases/{held['id']}/classification", json={"level": 2})
    assert decided.status_code == 200, decided.json
    assert triage_entry(manager, held["reference"]) is None
    assert manager.get(f"/api/v1/cases/{held['id']}").json["owner"]["user_id"] == manager.user.id


# Partners raise cases where they work.


def test_a_partner_raises_a_case_in_its_area_and_it_waits_in_triage_like_any_other(whg, manager):
    case = raised(whg, title="Damp and mould at 3 Pleck Road", category="housing-disrepair")
    assert (case["source"], case["state"], case["level"]) == ("partner", "new", None)
    assert case["suggested_level"] is None  # partners do not decide levels
    entry = triage_entry(manager, case["reference"])
    assert (entry["source"], entry["suggested_level"]) == ("partner", 1)


def test_a_partner_cannot_raise_a_case_outside_its_areas_nor_mark_one_confidential(caller, whg):
    elsewhere = caller("partner", organisation="whg", areas=["AB"])
    assert (
        elsewhere.post("/api/v1/cases", json={"title": "Noise", "description": "x", **NOISE_AT_NO_12}).status_code
        == 403
    )
    secret = whg.post(
        "/api/v1/cases", json={"title": "Noise", "description": "x", "confidential": True, **NOISE_AT_NO_12}
    )
    assert secret.status_code == 403


# Reasons are words.


@pytest.mark.parametrize("blank", ["", "   ", "\n\t "])
def test_a_reason_of_only_spaces_is_refused_everywhere_in_the_api(manager, councillor, environmental_health, blank):
    case = raised(councillor)
    task = only_task(environmental_health)
    refusals = [
        environmental_health.post(
            f"/api/v1/tasks/{task['id']}/decline", json={"reason": blank}, headers={"If-Match": "*"}
        ),
        councillor.post(f"/api/v1/cases/{case['id']}/referral", json={"reason": blank}),
        manager.post(f"/api/v1/cases/{case['id']}/lead", json={"organisation": "whg", "reason": blank}),
        manager.patch(
            f"/api/v1/cases/{case['id']}", json={"state": "closed", "reason": blank}, headers={"If-Match": "*"}
        ),
    ]
    for response in refusals:
        assert response.status_code == 422, (response.request.path, response.json)
        assert "reason" in response.json["error"]["fields"]
    after = manager.get(f"/api/v1/cases/{case['id']}").json
    assert (after["state"], after["lead_organisation"]) == ("assigned", None)
    assert only_task(environmental_health)["state"] == "offered"


def test_a_reason_is_kept_trimmed(manager, councillor):
    case = raised(councillor)
    referred = councillor.post(f"/api/v1/cases/{case['id']}/referral", json={"reason": "  Needs the police too.  "})
    assert referred.status_code == 200, referred.json
    events = manager.get(f"/api/v1/cases/{case['id']}/history").json["items"]
    assert [e["after"]["reason"] for e in events if e["action"] == "case.referred"] == ["Needs the police too."]


# Leads and declines.


@pytest.fixture
def level_three(manager):
    """Youths intimidating residents: level 3, the police lead; the ASB team, WHG and the fire service support."""
    case = raised(manager, title="Group intimidating residents", category="anti-social-behaviour")
    decided = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 3, "reason": "Escalating"})
    assert decided.status_code == 200, decided.json
    return case


def decline(partner, reason):
    task = only_task(partner)
    response = partner.post(
        f"/api/v1/tasks/{task['id']}/decline",
        json={"reason": reason},
        headers={"If-Match": f'"task-{task["id"]}-v{task["version"]}"'},
    )
    assert response.status_code == 200, response.json
    return task


def test_a_declined_lead_goes_back_to_triage_with_its_reason_and_is_not_offered_the_lead_again(
    manager, level_three, police, asb_team, whg
):
    decline(police, "The ASB team should lead: this is about tenancy behaviour.")
    case = manager.get(f"/api/v1/cases/{level_three['id']}").json
    assert case["state"] == "returned"
    entry = triage_entry(manager, level_three["reference"])
    assert "West Midlands Police" in entry["triage_reason"] and "ASB team should lead" in entry["triage_reason"]

    # Confirming level 3 again does not hand the police the lead they declined: it waits for a named lead.
    confirmed = manager.post(
        f"/api/v1/cases/{level_three['id']}/classification", json={"level": 3, "reason": "Still 3"}
    )
    assert confirmed.status_code == 200, confirmed.json
    case = manager.get(f"/api/v1/cases/{level_three['id']}").json
    assert case["state"] == "returned" and "name another lead" in case["owner"]["reason"]
    assert [t["state"] for t in police.get("/api/v1/tasks").json["items"]] == ["declined"]

    # The area manager names the ASB team; it is offered the lead, and the case leaves triage.
    named = manager.post(
        f"/api/v1/cases/{level_three['id']}/lead",
        json={"organisation": "asb-team", "reason": "  Tenancy behaviour: the ASB team leads.  "},
    )
    assert named.status_code == 200, named.json
    assert named.json["lead_organisation"]["code"] == "asb-team"
    assert (named.json["state"], named.json["owner"]["organisation"]["code"]) == ("assigned", "asb-team")
    assert only_task(asb_team)["role"] == "lead"
    assert triage_entry(manager, level_three["reference"]) is None
    # The police are not offered a supporting task either: they declined this case.
    assert [t["state"] for t in police.get("/api/v1/tasks").json["items"]] == ["declined"]
    events = manager.get(f"/api/v1/cases/{level_three['id']}/history").json["items"]
    lead_named = [e for e in events if e["action"] == "case.lead_named"]
    assert lead_named[0]["after"] == {"lead": "asb-team", "reason": "Tenancy behaviour: the ASB team leads."}


def test_a_supporting_partners_decline_leaves_the_case_with_its_lead_and_it_is_not_offered_again(
    manager, level_three, police, whg
):
    decline(whg, "Not one of our tenancies.")
    case = manager.get(f"/api/v1/cases/{level_three['id']}").json
    assert case["state"] == "assigned" and case["owner"]["organisation"]["code"] == "wm-police"
    assert triage_entry(manager, level_three["reference"]) is None
    # Naming the police as lead (re-routing the case) does not offer WHG its declined task again ...
    manager.post(f"/api/v1/cases/{level_three['id']}/lead", json={"organisation": "asb-team", "reason": "ASB leads"})
    assert [t["state"] for t in whg.get("/api/v1/tasks").json["items"]] == ["declined"]
    # ... but the owner may choose to offer it again.
    offered = manager.post(f"/api/v1/cases/{level_three['id']}/tasks", json={"organisation": "whg"})
    assert offered.status_code == 201, offered.json
    assert sorted(t["state"] for t in whg.get("/api/v1/tasks").json["items"]) == ["declined", "offered"]


def test_a_front_line_decline_at_level_one_is_put_right_by_naming_another_service(
    councillor, manager, environmental_health, whg
):
    case = raised(councillor)
    decline(environmental_health, "This is a housing tenancy matter, not statutory nuisance.")
    assert triage_entry(manager, case["reference"])["state"] == "returned"
    named = manager.post(f"/api/v1/cases/{case['id']}/lead", json={"organisation": "whg", "reason": "Tenancy"})
    assert named.status_code == 200, named.json
    assert (named.json["level"], named.json["owner"]["organisation"]["code"]) == (1, "whg")
    assert only_task(whg)["role"] == "frontline"


def test_naming_a_lead_is_for_area_staff_on_an_open_case_with_a_known_organisation(
    manager, councillor, environmental_health, caller
):
    case = raised(councillor)
    path = f"/api/v1/cases/{case['id']}/lead"
    assert councillor.post(path, json={"organisation": "whg", "reason": "x"}).status_code == 403
    assert environmental_health.post(path, json={"organisation": "whg", "reason": "x"}).status_code == 403
    assert (
        caller("area_manager", areas=["AB"]).post(path, json={"organisation": "whg", "reason": "x"}).status_code == 404
    )
    unknown = manager.post(path, json={"organisation": "nobody", "reason": "x"})
    assert unknown.status_code == 422 and unknown.json["error"]["fields"] == {
        "organisation": unknown.json["error"]["fields"]["organisation"]
    }
    again = manager.post(path, json={"organisation": "environmental-health", "reason": "x"})
    assert again.status_code == 409
    manager.patch(
        case_path := f"/api/v1/cases/{case['id']}",
        json={"state": "closed", "reason": "Done"},
        headers={"If-Match": "*"},
    )
    assert manager.get(case_path).json["state"] == "closed"
    assert manager.post(path, json={"organisation": "whg", "reason": "x"}).status_code == 409


def test_the_borough_officer_decides_the_level_of_a_level_four_case_and_no_other(caller, manager):
    borough = caller("borough_officer")
    barrier_case = raised(manager, title="No out-of-hours noise service", category="noise")
    decided = manager.post(
        f"/api/v1/cases/{barrier_case['id']}/classification", json={"level": 4, "reason": "Borough policy"}
    )
    assert decided.json["owner"]["user_id"] == borough.user.id
    back = borough.post(
        f"/api/v1/cases/{barrier_case['id']}/classification",
        json={"level": 2, "reason": "The area can solve this with the landlord"},
    )
    assert back.status_code == 200, back.json
    case = manager.get(f"/api/v1/cases/{barrier_case['id']}").json
    assert (case["level"], case["owner"]["user_id"]) == (2, manager.user.id)
    # Now a level-two case of the area's, it is out of the borough officer's reach.
    again = borough.post(f"/api/v1/cases/{barrier_case['id']}/classification", json={"level": 4, "reason": "x"})
    assert again.status_code == 404


# Handing a case back takes it out of the hands that held it (found in review).


def test_an_organisation_that_declines_no_longer_owns_the_case_nor_its_reviews(
    manager, environmental_health, units, session
):
    from datetime import datetime, timedelta, timezone

    from tasking.domain.policy import Policy
    from tasking.services import sweep

    case = raised(manager)
    manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 1})
    decline(environmental_health, "Not ours: a private landlord matter.")
    held = manager.get(f"/api/v1/cases/{case['id']}").json
    assert held["state"] == "returned"
    assert (held["owner"]["kind"], held["owner"]["user_id"]) == ("user", manager.user.id)

    sweep.sweep(session, units=units, now=datetime.now(timezone.utc) + timedelta(days=30), policy=Policy())
    assert environmental_health.get("/api/v1/reviews").json["items"] == []
    mine = manager.get("/api/v1/reviews").json["items"]
    assert [r["case"]["reference"] for r in mine] == [case["reference"]]
    refused = environmental_health.post(
        f"/api/v1/reviews/{mine[0]['id']}/decision", json={"outcome": "close", "reason": "We close it"}
    )
    assert refused.status_code == 404
    assert manager.get(f"/api/v1/cases/{case['id']}").json["state"] == "returned"


def test_a_referred_job_is_not_resolved_by_the_front_line_completing_it(councillor, manager, caller):
    highways = caller("partner", organisation="highways", areas=["SW"])
    case = raised(councillor, title="Street light out", category="street-lighting", latitude=52.5772, longitude=-2.0013)
    referred = councillor.post(f"/api/v1/cases/{case['id']}/referral", json={"reason": "The whole street is dark"})
    assert referred.status_code == 200
    task = only_task(highways)
    done = highways.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"outcome": "Bulb replaced"}, headers={"If-Match": "*"}
    )
    assert done.status_code == 200
    after = manager.get(f"/api/v1/cases/{case['id']}").json
    assert after["state"] == "returned" and triage_entry(manager, case["reference"]) is not None


def test_a_lead_named_while_the_case_is_at_level_two_is_offered_the_job_when_it_returns_to_level_one(
    manager, environmental_health
):
    case = raised(manager)
    manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 1})
    decline(environmental_health, "Not ours")
    manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 2, "reason": "Look into it"})
    named = manager.post(
        f"/api/v1/cases/{case['id']}/lead", json={"organisation": "environmental-health", "reason": "Agreed by phone"}
    )
    assert named.status_code == 200 and named.json["level"] == 2
    back = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 1, "reason": "Simple after all"})
    assert back.status_code == 200, back.json
    assert back.json["owner"]["organisation"]["code"] == "environmental-health"
    assert only_task(environmental_health)["role"] == "frontline"


def test_councillors_read_neither_a_partners_decline_reason_nor_the_suggestion(
    councillor, manager, environmental_health
):
    case = raised(councillor)
    decline(environmental_health, "SECRET budget reason")
    responses = [
        councillor.get(f"/api/v1/cases/{case['id']}"),
        councillor.get(f"/api/v1/cases/{case['id']}/history"),
        councillor.get(f"/api/v1/cases/{case['id']}/tasks"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert "SECRET" not in response.get_data(as_text=True)
        assert '"suggested_level": 1' not in response.get_data(as_text=True)
    staff = manager.get(f"/api/v1/cases/{case['id']}/tasks").json["items"]
    assert [t["decline_reason"] for t in staff] == ["SECRET budget reason"]


def test_a_period_off_the_calendar_is_refused_not_a_500(manager):
    refused = manager.get("/api/v1/reports/capacity", query_string={"end": "9999-12-31"})
    assert refused.status_code == 422 and "end" in refused.json["error"]["fields"]


def test_a_councillor_or_partner_is_the_source_of_what_they_raise_whatever_they_send(councillor, whg):
    assert raised(councillor, source="staff")["source"] == "councillor"
    assert raised(whg, title="Damp", category="housing-disrepair", source="councillor")["source"] == "partner"
