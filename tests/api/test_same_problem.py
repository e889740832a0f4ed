"""What "the same problem" means, per category, and stored suggestions that never go stale
(docs/levels.md, "The same problem", "Subject references" and "Suggestions are kept current"),
walked through the API as area staff, councillors and partners meet them (issue 17, items 3 and 6).

Families, vulnerable adults and victims of anti-social behaviour are person-based: only reports about
the same household or person (the same pseudonymous subject reference) count. Fly-tipping and other
place-based problems compare where they happen: within the category's radius, else the same postcode,
else the same address in the same ward. The same ward alone is never enough."""

import pytest

# About 56 m and 334 m north of HERE, in St Matthew's; fly-tipping compares within 100 m.
HERE = {"latitude": 52.5800, "longitude": -1.9800}
NEAR = {"latitude": 52.5805, "longitude": -1.9800}
FAR = {"latitude": 52.5830, "longitude": -1.9800}


@pytest.fixture
def manager(caller):
    return caller("area_manager", areas=["SW"])


@pytest.fixture
def admin(caller):
    return caller("admin")


def raise_case(who, **fields):
    body = {
        "title": "Family struggling",
        "description": "Reported by the health visitor.",
        "category": "family-early-help",
        "ward": "st-matthews",
        **fields,
    }
    response = who.post("/api/v1/cases", json=body)
    assert response.status_code == 201, response.json
    return response.json


def asb(who, subject="SM-HH-0107", **fields):
    extra = {"subject_ref": subject} if subject else {}
    return raise_case(
        who,
        title="Group intimidating residents outside the flats",
        description="Every night this week.",
        category="anti-social-behaviour",
        **extra,
        **fields,
    )


def fly_tip(who, **fields):
    return raise_case(
        who, title="Mattresses dumped", description="Blocking the path.", category="fly-tipping", **fields
    )


def read(who, case):
    response = who.get(f"/api/v1/cases/{case['id']}")
    assert response.status_code == 200, response.json
    return response.json


def patch(who, case, **fields):
    current = who.get(f"/api/v1/cases/{case['id']}")
    response = who.patch(f"/api/v1/cases/{case['id']}", json=fields, headers={"If-Match": current.headers["ETag"]})
    assert response.status_code == 200, response.json
    return response.json


def codes(case):
    return [r["code"] for r in case["suggestion_reasons"]]


def similar(who, case):
    return [c["id"] for c in who.get(f"/api/v1/cases/{case['id']}/classification").json["similar"]]


def triage_entry(who, case):
    return next(i for i in who.get("/api/v1/triage?page_size=100").json["items"] if i["id"] == case["id"])


# Person-based categories: the same household, not the same ward.


def test_the_st_matthews_families_are_two_households_not_a_repeat_of_each_other(manager):
    family_1 = raise_case(
        manager, subject_ref="sm-hh-0001", risk_flags=["vulnerable_person", "safeguarding"], postcode="WS1 3AA"
    )
    family_2 = raise_case(
        manager, subject_ref="SM-HH-0002", risk_flags=["vulnerable_person"], postcode="WS1 3AA", **HERE
    )
    # Same category, same ward, even the same postcode: two households, no repeat, not level 3.
    assert family_2["suggested_level"] == 2
    assert codes(family_2) == ["L2_CATEGORY_DEFAULT", "RISK_RECORDED"]
    assert similar(manager, family_2) == [] and triage_entry(manager, family_2)["similar"] == []
    assert read(manager, family_1)["suggested_level"] == 2

    # Another report about Family 1's household, from another ward, is a repeat with a risk: level 3.
    again = raise_case(manager, subject_ref="SM-HH-0001", ward="palfrey", risk_flags=["safeguarding"])
    assert again["suggested_level"] == 3 and codes(again) == ["L3_RISK_AND_REPEAT"]
    assert similar(manager, again) == [family_1["id"]]
    assert read(manager, family_1)["suggested_level"] == 3  # kept current as the repeat arrived
    assert read(manager, family_2)["suggested_level"] == 2


def test_a_person_based_report_without_a_subject_is_no_ones_repeat(manager):
    raise_case(manager)
    alone = raise_case(manager)
    assert alone["suggested_level"] == 2 and codes(alone) == ["L2_CATEGORY_DEFAULT"]
    assert similar(manager, alone) == []


def test_a_third_report_of_the_same_households_asb_meets_the_case_review_threshold(manager, caller):
    councillor = caller("councillor", wards=["st-matthews"])
    first = asb(manager)
    second = asb(manager, subject="sm-hh-0107")
    neighbours = asb(manager, subject="SM-HH-0108")  # another household in the same ward
    assert (second["suggested_level"], second["case_review_flag"]) == (2, False)
    assert codes(second) == ["L2_REPEAT", "L2_CATEGORY_DEFAULT"]

    # The councillor reports it again; only area staff record whose it is.
    refused = councillor.post(
        "/api/v1/cases",
        json={
            "title": "Intimidation again",
            "description": "d",
            "category": "anti-social-behaviour",
            "ward": "st-matthews",
            "subject_ref": "SM-HH-0107",
        },
    )
    assert refused.status_code == 403
    third = asb(councillor, subject=None)
    # The suggestion is for those who decide levels: the councillor is shown none.
    assert (third["suggested_level"], third["case_review_flag"], third["suggestion_reasons"]) == (None, None, None)
    third = manager.get(f"/api/v1/cases/{third['id']}").json
    assert (third["suggested_level"], third["case_review_flag"]) == (2, False)

    # Recording the household is a change of facts: the third report meets the threshold, and the
    # earlier two are worked out again in the same request.
    third = patch(manager, third, subject_ref="SM-HH-0107")
    assert (third["suggested_level"], third["case_review_flag"]) == (3, True)
    assert codes(third)[0] == "L3_CASE_REVIEW"
    assert "3 reports of the same problem" in third["suggestion_reasons"][0]["message"]
    assert sorted(similar(manager, third)) == sorted([first["id"], second["id"]])
    for earlier in (first, second):
        stored = read(manager, earlier)
        assert (stored["suggested_level"], stored["case_review_flag"]) == (3, True)
        assert triage_entry(manager, earlier)["suggested_level"] == 3
    stored = read(manager, neighbours)
    assert (stored["suggested_level"], stored["case_review_flag"]) == (2, False)


# Place-based categories: within the category's radius, else the postcode, else the address.


def test_a_fly_tip_is_a_repeat_only_near_the_first_not_anywhere_in_the_ward(manager):
    first = fly_tip(manager, address="Lower Rushall Street", postcode="WS1 2AB", **HERE)
    assert first["suggested_level"] == 1

    other_street = fly_tip(manager, address="Bath Street", postcode="WS1 3PR", **FAR)
    assert (other_street["suggested_level"], codes(other_street)) == (1, ["L1_SIMPLE_ACTION"])
    assert similar(manager, other_street) == []

    close_by = fly_tip(manager, address="Lower Rushall Street", postcode="WS1 2AD", **NEAR)
    assert (close_by["suggested_level"], codes(close_by)) == (2, ["L2_REPEAT"])
    assert similar(manager, close_by) == [first["id"]]
    assert read(manager, first)["suggested_level"] == 2  # the first is a repeat now too

    # Reported without coordinates at the first one's postcode: the postcode decides.
    by_postcode = fly_tip(manager, postcode="ws1  2ab")
    assert by_postcode["suggested_level"] == 2
    assert similar(manager, by_postcode) == [first["id"]]
    assert read(manager, other_street)["suggested_level"] == 1


# What never counts, and what counts again.


def test_a_duplicate_and_a_withdrawn_report_do_not_count_towards_the_three(manager):
    original = asb(manager)
    repeated = asb(manager)
    assert read(manager, original)["suggested_level"] == 2 and "L2_REPEAT" in codes(read(manager, original))

    # One incident reported twice: marking the duplicate takes it off the original's count.
    marked = manager.post(f"/api/v1/cases/{repeated['id']}/duplicate", json={"of": original["reference"]})
    assert marked.status_code == 200, marked.json
    assert codes(read(manager, original)) == ["L2_CATEGORY_DEFAULT"]

    mistaken = asb(manager)
    assert "L2_REPEAT" in codes(read(manager, original))
    patch(manager, mistaken, state="withdrawn", reason="Reported in error: another family.")
    assert codes(read(manager, original)) == ["L2_CATEGORY_DEFAULT"]

    # Four reports raised, two of them not counted: two reports, below the three.
    fourth = asb(manager)
    assert (fourth["suggested_level"], fourth["case_review_flag"]) == (2, False)
    assert "2 reports" in fourth["suggestion_reasons"][0]["message"]
    assert similar(manager, fourth) == [original["id"]]

    fifth = asb(manager)
    assert (fifth["suggested_level"], fifth["case_review_flag"]) == (3, True)
    assert sorted(similar(manager, fifth)) == sorted([original["id"], fourth["id"]])


def test_a_reopened_problem_counts_as_a_recurrence_not_a_one_off(manager):
    graffiti = {"category": "graffiti", "title": "Tags on the shutters", **HERE}
    case = raise_case(manager, **graffiti)
    assert manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 1}).status_code == 200
    patch(manager, case, state="resolved", reason="Cleaned off.")

    reopened = manager.post(f"/api/v1/cases/{case['id']}/reopen", json={"reason": "Back a week later."})
    assert reopened.status_code == 200, reopened.json
    assert reopened.json["suggested_level"] == 2
    assert reopened.json["suggestion_reasons"] == [
        {"code": "L2_REPEAT", "message": "A repeat problem: 2 reports in six months."}
    ]
    assert manager.get(f"/api/v1/cases/{case['id']}/classification").json["suggestion"]["level"] == 2
    assert triage_entry(manager, case)["suggested_level"] == 2
    assert reopened.headers["ETag"] == manager.get(f"/api/v1/cases/{case['id']}").headers["ETag"]
    events = manager.get(f"/api/v1/cases/{case['id']}/history").json["items"]
    reopening = next(e for e in events if e["action"] == "case.reopened")
    assert reopening["after"]["suggested_level"] == 2 and reopening["after"]["reason"] == "Back a week later."


def test_reopening_a_withdrawn_report_counts_it_again_for_the_others(manager):
    withdrawn = fly_tip(manager, **HERE)
    patch(manager, withdrawn, state="withdrawn", reason="Thought to be a one-off.")
    later = fly_tip(manager, **NEAR)
    assert later["suggested_level"] == 1
    assert manager.post(f"/api/v1/cases/{withdrawn['id']}/reopen", json={"reason": "It was real."}).status_code == 200
    assert (read(manager, later)["suggested_level"], codes(read(manager, later))) == (2, ["L2_REPEAT"])


# Suggestions are kept current.


def test_a_barrier_recorded_in_a_second_area_moves_the_first_cases_suggestion_and_triage_entry(admin, manager):
    barrier = admin.post("/api/v1/systems-barriers", json={"title": "No evening bus to the estates"}).json
    first = patch(admin, raise_case(admin, category="litter", ward="pleck"), barrier_id=barrier["id"])
    assert (first["suggested_level"], triage_entry(manager, first)["suggested_level"]) == (1, 1)
    version = read(manager, first)["version"]

    second_area = patch(admin, raise_case(admin, category="litter", ward="blakenall"), barrier_id=barrier["id"])
    assert second_area["suggested_level"] == 4
    stored = read(manager, first)
    assert (stored["suggested_level"], codes(stored)) == (4, ["L4_BARRIER_IN_AREAS"])
    assert stored["version"] == version + 1 and stored["updated_at"] > first["updated_at"]
    entry = triage_entry(manager, first)
    assert (entry["suggested_level"], entry["suggestion_reasons"][0]["code"]) == (4, "L4_BARRIER_IN_AREAS")

    # Only a change moves it: a fact of the second case that leaves the first's suggestion as it was.
    patch(admin, second_area, address="Blakenall Lane")
    assert read(manager, first)["version"] == version + 1

    # The barrier taken off the second area's case: the first goes back to level 1.
    patch(admin, second_area, barrier_id=None)
    stored = read(manager, first)
    assert (stored["suggested_level"], triage_entry(manager, first)["suggested_level"]) == (1, 1)


def test_moving_a_report_moves_the_suggestions_of_the_old_and_new_neighbours(manager):
    old_neighbour = fly_tip(manager, **HERE)
    new_neighbour = fly_tip(manager, **FAR)
    moving = fly_tip(manager, **NEAR)
    assert [read(manager, c)["suggested_level"] for c in (old_neighbour, new_neighbour)] == [2, 1]
    moved = patch(manager, moving, latitude=FAR["latitude"] - 0.0002, longitude=FAR["longitude"])
    assert moved["suggested_level"] == 2
    assert [read(manager, c)["suggested_level"] for c in (old_neighbour, new_neighbour)] == [1, 2]
    assert new_neighbour["id"] in similar(manager, moved)


# Reasons name every recorded risk flag.


def test_reasons_name_every_recorded_risk_flag_and_never_say_no_high_risk(manager):
    case = fly_tip(manager, risk_flags=["vulnerable_person", "safeguarding"])
    assert case["suggested_level"] == 1
    assert case["suggestion_reasons"] == [
        {"code": "L1_SIMPLE_ACTION", "message": "One agency and no repeat: a simple action now."},
        {"code": "RISK_RECORDED", "message": "High risk recorded: safeguarding, vulnerable person."},
    ]
    view = manager.get(f"/api/v1/cases/{case['id']}/classification").json["suggestion"]
    assert all("no high risk" not in r["message"] for r in view["reasons"])
    cleared = patch(manager, case, risk_flags=[])
    assert cleared["suggestion_reasons"] == [
        {"code": "L1_SIMPLE_ACTION", "message": "One agency, no repeat and no high risk: a simple action now."}
    ]


# Subject references: checked, stored normalised, read by area staff only.


@pytest.mark.parametrize("bad", ["O'Brien family", "x", "-HH-1", "H" * 41, "HH_0001"])
def test_a_malformed_subject_reference_is_refused(manager, bad):
    refused = manager.post(
        "/api/v1/cases",
        json={
            "title": "Family",
            "description": "d",
            "category": "family-early-help",
            "ward": "pleck",
            "subject_ref": bad,
        },
    )
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "validation_error" and "subject_ref" in refused.json["error"]["fields"]
    case = raise_case(manager)
    current = manager.get(f"/api/v1/cases/{case['id']}")
    refused = manager.patch(
        f"/api/v1/cases/{case['id']}", json={"subject_ref": bad}, headers={"If-Match": current.headers["ETag"]}
    )
    assert refused.status_code == 422 and "subject_ref" in refused.json["error"]["fields"]


def test_the_subject_is_shown_to_area_staff_only_and_its_changes_are_audited_without_it(manager, admin, caller):
    case = raise_case(manager, subject_ref=" sm-hh  0042 ")
    reporter = f"/api/v1/cases/{case['id']}/reporter"
    for staff in (manager, admin, caller("support_officer", areas=["SW"])):
        assert staff.get(reporter).json["subject_ref"] == "SM-HH 0042"
    assert caller("area_manager", areas=["NW"]).get(reporter).status_code == 404
    assert caller("councillor", wards=["st-matthews"]).get(reporter).status_code == 403

    patch(manager, case, subject_ref="SM-HH-0043")
    patch(manager, case, subject_ref=None)
    assert manager.get(reporter).json["subject_ref"] is None
    events = manager.get(f"/api/v1/cases/{case['id']}/history?page_size=100").json["items"]
    recorded = [(e["action"], (e["after"] or {}).get("subject_ref")) for e in events if e["object_type"] == "case"]
    assert recorded == [("case.created", "set"), ("case.updated", "changed"), ("case.updated", "cleared")]


def test_no_councillor_or_partner_response_carries_the_subject(manager, caller):
    councillor = caller("councillor", wards=["st-matthews"])
    police = caller("partner", organisation="wm-police")
    case = asb(manager, subject="SM-HH-0999")
    decided = manager.post(f"/api/v1/cases/{case['id']}/classification", json={"level": 3, "reason": "Escalating"})
    assert decided.status_code == 200, decided.json
    patch(manager, case, subject_ref="SM-HH-0998")
    assert "subject_ref" not in read(manager, case)

    path = f"/api/v1/cases/{case['id']}"
    tasks = police.get("/api/v1/tasks").json["items"]
    assert [t["case"]["reference"] for t in tasks] == [case["reference"]]
    responses = [
        councillor.get(path),
        councillor.get("/api/v1/cases?page_size=100"),
        councillor.get(f"{path}/history?page_size=100"),
        councillor.get(f"{path}/tasks"),
        police.get("/api/v1/tasks"),
        police.get(f"/api/v1/tasks/{tasks[0]['id']}"),
    ]
    assert all(r.status_code == 200 for r in responses), [r.status_code for r in responses]
    for response in responses:
        text = response.get_data(as_text=True)
        assert "SM-HH-0999" not in text and "SM-HH-0998" not in text
    assert councillor.get(f"{path}/reporter").status_code == 403
    assert police.get(f"{path}/reporter").status_code in (403, 404)
