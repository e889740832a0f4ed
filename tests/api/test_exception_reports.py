"""Exception reports (issue 21): an area manager's cases offered to partners, time running on across
Christmas 2026 (Friday 25 and the substitute Boxing Day, Monday 28 December, are bank holidays), the
sweep warning and recording breaches; then the report read as JSON, CSV and the console page agrees
(acceptance 3), a partner pulls its own organisation's report and gets 404 for another's
(acceptance 2), and roles without the report are refused."""

import csv
import io
import re
from datetime import datetime, timezone

import pytest

import tasking.clock
from tasking.domain.policy import Policy
from tasking.services import clocks
from tests.web.test_console_pages import web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import HTML

UTC = timezone.utc
# Monday 14 December 2026, 10:00 UK time (GMT, so UTC).
MONDAY = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
PLACE = {
    "ward": "pleck",
    "address": "12 Pleck Road",
    "postcode": "WS2 9HA",
    "latitude": 52.5771,
    "longitude": -2.0012,
}


@pytest.fixture
def clock(monkeypatch):
    """Every layer reads tasking.clock.now(); the test moves it with clock.set(...)."""
    moment = {"now": MONDAY}

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment["now"].astimezone(tz) if tz else moment["now"].replace(tzinfo=None)

    monkeypatch.setattr(tasking.clock, "datetime", Frozen)

    class Clock:
        def set(self, when):
            moment["now"] = when

        @property
        def now(self):
            return moment["now"]

    return Clock()


@pytest.fixture
def people(caller):
    return {
        "manager": caller("area_manager", areas=["SW"]),
        "police": caller("partner", organisation="wm-police", areas=["SW"]),
        "whg": caller("partner", organisation="whg", areas=["SW"]),
        "asb": caller("partner", organisation="asb-team", areas=["SW"]),
        "fire": caller("partner", organisation="wm-fire", areas=["SW"]),
        "cleansing": caller("partner", organisation="street-cleansing", areas=["SW"]),
    }


def raise_case(manager, title, category, level):
    case = manager.post(
        "/api/v1/cases", json={"title": title, "description": "Reported.", "category": category, **PLACE}
    )
    assert case.status_code == 201, case.json
    decided = manager.post(f"/api/v1/cases/{case.json['id']}/classification", json={"level": level, "reason": "Seen"})
    assert decided.status_code == 200, decided.json
    return case.json


def task_of(partner, reference):
    [task] = [t for t in partner.get("/api/v1/tasks").json["items"] if t["case"]["reference"] == reference]
    return task


def act(partner, reference, action, **body):
    task = task_of(partner, reference)
    done = partner.post(f"/api/v1/tasks/{task['id']}/{action}", json=body or None, headers={"If-Match": "*"})
    assert done.status_code == 200, done.json
    return task


def sweep(session, units):
    return clocks.sweep(session, units=units, now=tasking.clock.now(), policy=Policy())


def csv_rows(response):
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.fixture
def december(clock, people, session, units):
    """Two cases in South Walsall run on over Christmas:

    - youths intimidating residents (level 3): the police lead and WHG, the ASB team and the fire
      service support. The ASB team accepts within the hour and the fire service declines; the
      police never accept (due in 1 working day, breached on the Tuesday); WHG accepts on the
      Tuesday afternoon, after its warning, and has 10 working days to complete;
    - fly-tipping (level 1): street cleansing accepts a week late, on Monday 21 December, and has 5
      working days to complete, which run over Christmas to Wednesday 30 December."""
    manager = people["manager"]
    youths = raise_case(manager, "Youths intimidating residents", "anti-social-behaviour", 3)
    rubbish = raise_case(manager, "Mattresses dumped by the garages", "fly-tipping", 1)

    clock.set(datetime(2026, 12, 14, 11, 0, tzinfo=UTC))
    act(people["asb"], youths["reference"], "accept")
    act(people["fire"], youths["reference"], "decline", reason="  Not a fire risk.  ")

    clock.set(datetime(2026, 12, 15, 12, 0, tzinfo=UTC))
    swept = sweep(session, units)
    # The police's day to accept ran out at 10:00 (breached); WHG is a working day from its two.
    assert (swept.warned, swept.breached) >= (1, 1)

    clock.set(datetime(2026, 12, 15, 14, 0, tzinfo=UTC))
    act(people["whg"], youths["reference"], "accept")

    clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=UTC))
    act(people["cleansing"], rubbish["reference"], "accept")

    # Wednesday 30 December, 15:00: the sweep runs (twice, as overlapping runs would).
    clock.set(datetime(2026, 12, 30, 15, 0, tzinfo=UTC))
    sweep(session, units)
    again = sweep(session, units)
    assert (again.warned, again.breached) == (0, 0)
    return {"youths": youths, "rubbish": rubbish}


def test_json_csv_and_page_agree_across_christmas(december, people, web_user):  # noqa: F811 - the fixture
    youths, rubbish = december["youths"]["reference"], december["rubbish"]["reference"]
    manager = people["manager"]
    report = manager.get("/api/v1/reports/exceptions")
    assert report.status_code == 200, report.json
    body = report.json
    assert (body["start"], body["end"]) == ("2026-12-03", "2026-12-30")  # the last 28 days

    found = {(e["case_reference"], e["kind"], (e["organisation"] or {}).get("code")): e for e in body["exceptions"]}
    assert set(found) == {
        (youths, "task_accept", "wm-police"),
        (youths, "task_complete", "asb-team"),
        (youths, "task_complete", "whg"),
        (rubbish, "task_complete", "street-cleansing"),
    }
    police = found[(youths, "task_accept", "wm-police")]
    # Due a working day after Monday 10:00; breached at the Tuesday sweep; 9 working days over by
    # Wednesday 30 December (Christmas Day and the substitute Boxing Day do not count).
    assert police["due_at"] == "2026-12-15T10:00:00+00:00"
    assert police["breached_at"] == "2026-12-15T12:00:00+00:00"
    assert (police["standing"], police["working_days_over"], police["working_days_left"]) == ("past", 9, None)
    # Five working days from Monday 21 December: 22, 23, 24, 29, 30 (not Monday 28 as without holidays).
    cleansing = found[(rubbish, "task_complete", "street-cleansing")]
    assert cleansing["due_at"] == "2026-12-30T10:00:00+00:00"
    assert (cleansing["standing"], cleansing["working_days_over"]) == ("past", 0)
    # Ten working days from Tuesday 15 December 14:00 fall due on Thursday 31 December at 14:00: near.
    whg = found[(youths, "task_complete", "whg")]
    assert whg["due_at"] == "2026-12-31T14:00:00+00:00"
    assert (whg["standing"], whg["working_days_left"], whg["working_days_over"]) == ("near", 1, None)
    # Past first, then by due time; no titles anywhere.
    assert [e["standing"] for e in body["exceptions"]] == ["past", "past", "past", "near"]
    assert "Youths" not in report.get_data(as_text=True)

    organisations = {line["key"]: line for line in body["organisations"]}
    assert {k: (v["running_past"], v["running_near"], v["met"], v["missed"]) for k, v in organisations.items()} == {
        "wm-police": (1, 0, 0, 0),
        "whg": (0, 1, 1, 0),
        "asb-team": (1, 0, 1, 0),
        "wm-fire": (0, 0, 1, 0),  # a decline answers the offer in time
        "street-cleansing": (1, 0, 0, 1),  # accepted a week late
    }
    assert (body["total"]["running_past"], body["total"]["running_near"]) == (3, 1)
    assert [(a["key"], a["running_past"], a["running_near"]) for a in body["areas"]] == [("SW", 3, 1)]
    accept = next(d for d in body["distributions"] if d["kind"] == "task_accept" and d["organisation"] is None)
    # ASB team 1 hour, fire 1 hour, WHG 12 working hours (Monday 10-17, Tuesday 9-14), street cleansing
    # 40 (Monday 14th 10-17, Tuesday to Friday 8 each, Monday 21st 9-10).
    assert accept["count"] == 4
    assert (accept["median_working_seconds"], accept["max_working_seconds"]) == (3600, 40 * 3600)
    assert (accept["median_working_hours"], accept["max_working_hours"]) == ("1.00", "40.00")
    assert (accept["within_target"], accept["within_target_percent"]) == (3, "75.0")
    assert [(d["organisation"]["code"], d["reason"], d["count"]) for d in body["declines"]] == [
        ("wm-fire", "Not a fire risk.", 1)
    ]

    # The CSV: one row per exception, the same references, kinds and due times, then the summaries.
    rows = csv_rows(manager.get("/api/v1/reports/exceptions.csv"))
    exception_rows = [r for r in rows if r["section"] == "exception"]
    assert [(r["case_reference"], r["kind"], r["due_at"], r["standing"]) for r in exception_rows] == [
        (e["case_reference"], e["kind"], e["due_at"], e["standing"]) for e in body["exceptions"]
    ]
    by_org = {r["key"]: r for r in rows if r["section"] == "organisation"}
    assert {
        k: (int(r["running_past"]), int(r["running_near"]), int(r["met"]), int(r["missed"])) for k, r in by_org.items()
    } == {k: (v["running_past"], v["running_near"], v["met"], v["missed"]) for k, v in organisations.items()}
    [total] = [r for r in rows if r["section"] == "total"]
    assert (int(total["running_past"]), int(total["running_near"])) == (3, 1)
    assert [r["reason"] for r in rows if r["section"] == "decline"] == ["Not a fire risk."]

    # The page: the same references and counts, and a CSV link that gives the same rows.
    web = web_user("area_manager", area_codes=["SW"])
    page = web.get("/reports/exceptions", headers=HTML)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert re.search(r'id="count-past">3<', text) and re.search(r'id="count-near">1<', text)
    table = text.split('id="exceptions"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"(SW-\d{4}-\d{5})</a>", table) == [e["case_reference"] for e in body["exceptions"]]
    assert re.findall(r'data-due="([^"]+)"', table) == [e["due_at"] for e in body["exceptions"]]
    organisations_table = text.split('id="summary-organisations"', 1)[1].split("</table>", 1)[0]
    for key, line in organisations.items():
        cells = re.search(rf'data-key="{key}">(.*?)</tr>', organisations_table, re.S).group(1)
        numbers = [int(n) for n in re.findall(r"numeric\">(\d+)<", cells)]
        assert numbers == [line["running_past"], line["running_near"], line["met"], line["missed"]], key
    link = re.search(r'href="(/reports/exceptions\.csv[^"]*)"', text).group(1)
    assert [r["case_reference"] for r in csv_rows(web.get(link)) if r["section"] == "exception"] == [
        e["case_reference"] for e in body["exceptions"]
    ]
    # Narrowed to a partner and a level, the page, JSON and CSV still agree.
    narrowed = web.get("/reports/exceptions?organisation=whg&level=3", headers=HTML).get_data(as_text=True)
    assert re.search(r'id="count-past">0<', narrowed) and re.search(r'id="count-near">1<', narrowed)
    assert [
        e["kind"] for e in manager.get("/api/v1/reports/exceptions?organisation=whg&level=3").json["exceptions"]
    ] == ["task_complete"]


def test_a_partner_pulls_its_own_report_and_not_another_organisations(december, people, web_user):  # noqa: F811
    youths = december["youths"]["reference"]
    police = people["police"]
    own = police.get("/api/v1/organisations/wm-police/exceptions")
    assert own.status_code == 200, own.json
    assert [(e["case_reference"], e["kind"], e["organisation"]["code"]) for e in own.json["exceptions"]] == [
        (youths, "task_accept", "wm-police")
    ]
    assert [line["key"] for line in own.json["organisations"]] == ["wm-police"]
    assert own.json["declines"] == [] and own.json["organisation"] == "wm-police"
    # The general report is forced to its own organisation, whatever it asks for.
    assert police.get("/api/v1/reports/exceptions").json["exceptions"] == own.json["exceptions"]
    rows = csv_rows(police.get("/api/v1/organisations/wm-police/exceptions.csv"))
    assert [(r["case_reference"], r["organisation_code"]) for r in rows if r["section"] == "exception"] == [
        (youths, "wm-police")
    ]
    # Another organisation's report, or one that does not exist, answers the same 404.
    for path in (
        "/api/v1/organisations/whg/exceptions",
        "/api/v1/organisations/whg/exceptions.csv",
        "/api/v1/reports/exceptions?organisation=whg",
        "/api/v1/organisations/no-such-org/exceptions",
    ):
        refused = police.get(path)
        assert refused.status_code == 404, path
        assert refused.json["error"]["code"] == "not_found"
    # Signed in to the pages, the same: its own report, and 404 for another organisation's.
    web = web_user("partner", organisation_code="wm-police")
    page = web.get("/reports/exceptions", headers=HTML)
    assert page.status_code == 200
    assert re.findall(r"SW-\d{4}-\d{5}", page.get_data(as_text=True)) == [youths]
    assert web.get("/reports/exceptions?organisation=whg", headers=HTML).status_code == 404
    assert web.get("/reports/exceptions.csv?organisation=whg").status_code == 404
    # The fire service sees its decline, and its case clock's neighbours nowhere.
    fire = people["fire"].get("/api/v1/organisations/wm-fire/exceptions").json
    assert fire["exceptions"] == []
    assert [(d["reason"], d["count"]) for d in fire["declines"]] == [("Not a fire risk.", 1)]


def test_who_may_read_the_report(december, people, caller):
    for role, kwargs in (("councillor", {"wards": ["pleck"]}), ("finance", {})):
        someone = caller(role, **kwargs)
        for path in ("/api/v1/reports/exceptions", "/api/v1/organisations/wm-police/exceptions"):
            assert someone.get(path).status_code == 403, (role, path)
    # Another area's manager sees none of South Walsall's, and is told South Walsall does not exist.
    elsewhere = caller("area_manager", areas=["NW"])
    assert elsewhere.get("/api/v1/reports/exceptions").json["exceptions"] == []
    assert elsewhere.get("/api/v1/reports/exceptions?area=SW").status_code == 404
    # The borough officer and the admin see everything.
    for role in ("borough_officer", "admin"):
        assert len(caller(role).get("/api/v1/reports/exceptions").json["exceptions"]) == 4, role


@pytest.mark.parametrize(
    "query, field",
    [
        ("start=2026-12-20&end=2026-12-01", "end"),
        ("start=1900-01-01", "start"),
        ("end=2200-01-01", "end"),
        ("end=1999-12-31", "end"),
        ("level=7", "level"),
    ],
)
def test_a_period_or_filter_the_report_cannot_answer_is_refused(clock, people, web_user, query, field):  # noqa: F811
    refused = people["manager"].get(f"/api/v1/reports/exceptions?{query}")
    assert refused.status_code == 422, refused.json
    assert field in refused.json["error"]["fields"]
    page = web_user("area_manager", area_codes=["SW"]).get(f"/reports/exceptions?{query}", headers=HTML)
    assert page.status_code == 422
    assert "There is a problem" in page.get_data(as_text=True)
