"""The case list, its CSV and its map from the outside: filters, sorting and paging that keep each
other, a filter the page does not offer answered with 400 on the page, the CSV exactly, and the map's
data and content security policy (issue 19, finding 3: no case list and no search)."""

import csv
import html
import io
import json
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from tasking.models import Case
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.services.test_case_search import make_case
from tests.web.test_console_pages import web_user  # noqa: F401 - the fixture
from tests.web.test_councillor_pages import HTML

NOW = datetime.now(timezone.utc)
UK = ZoneInfo("Europe/London")


@pytest.fixture
def area(session, make_user):
    """53 litter cases in Pleck, two in Paddock, one in Streetly (another area)."""
    admin = principal_for(make_user("admin"))
    refs = {}
    for n in range(53):
        refs[f"litter-{n}"] = make_case(
            session, admin, f"Litter {n:02d}", at=NOW, days_ago=60 - n / 10, next_review_at=NOW + timedelta(days=20)
        )
    refs["paddock-late"] = make_case(
        session,
        admin,
        "=Dumped sofa",
        ward="paddock",
        category="fly-tipping",
        at=NOW,
        days_ago=3,
        state="assigned",
        level=1,
        owner="street-cleansing",
        next_review_at=NOW - timedelta(days=1),
    )
    refs["paddock"] = make_case(
        session,
        admin,
        "Pothole on Paddock Lane",
        ward="paddock",
        category="potholes",
        at=NOW,
        days_ago=2,
        next_review_at=NOW + timedelta(days=30),
        latitude=52.577,
        longitude=-1.964,
    )
    refs["there"] = make_case(
        session, admin, "Litter in Streetly", ward="streetly", at=NOW, latitude=52.577, longitude=-1.883
    )
    return refs


def page_text(response):
    return response.get_data(as_text=True)


def links(text):
    return [html.unescape(h) for h in re.findall(r'href="(/cases\?[^"]*)"', text)]


def test_filter_sort_and_page_two_keep_each_other(area, web_user):  # noqa: F811
    manager = web_user("area_manager", area_codes=["SW"])
    first = manager.get("/cases?ward=pleck&sort=title&order=ascending", headers=HTML)
    text = page_text(first)
    assert first.status_code == 200
    assert "53 cases, page 1 of 2" in text
    assert "Litter 00" in text and "Litter 49" in text and "Litter 50" not in text
    assert "Paddock Lane" not in text and "Streetly" not in text.split("<table")[1]
    assert re.search(r'<th scope="col" class="govuk-table__header" aria-sort="ascending"><a[^>]*>Title</a>', text)
    assert text.count('aria-sort="none"') == 8
    # The sorted column's link turns the order round (descending is the default, so not written); the
    # others sort ascending; all keep the filter.
    assert "/cases?ward=pleck&sort=title" in links(text)
    assert "/cases?ward=pleck&sort=reference&order=ascending" in links(text)
    # GOV.UK pagination with page numbers, each keeping the filter and the sort.
    assert 'aria-label="Page 2"' in text
    second_link = "/cases?ward=pleck&sort=title&order=ascending&page=2"
    assert second_link in links(text)
    second = manager.get(second_link, headers=HTML)
    text = page_text(second)
    assert second.status_code == 200 and "53 cases, page 2 of 2" in text
    assert re.findall(r"Litter \d\d", text) == ["Litter 50", "Litter 51", "Litter 52"]
    assert "/cases?ward=pleck&sort=title&order=ascending" in links(text)  # previous: page 1
    # The filter panel shows the chosen filter, with a link that removes it and keeps the sort.
    assert 'value="pleck" selected' in text
    assert "Remove this filter: </span>Ward: Pleck" in text
    assert "/cases?sort=title&order=ascending" in links(text)


def test_the_other_filters_and_the_search(area, web_user):  # noqa: F811
    manager = web_user("area_manager", area_codes=["SW"])
    overdue = page_text(manager.get("/cases?overdue=yes", headers=HTML))
    assert "1 case, page 1 of 1" in overdue and "=Dumped sofa" in overdue
    assert len(re.findall(r"Overdue\s*</strong>", overdue)) == 1
    found = page_text(manager.get("/cases?q=PADDOCK+lane", headers=HTML))
    assert "1 case, page 1 of 1" in found and "Pothole on Paddock Lane" in found
    reference = page_text(manager.get(f"/cases?q={area['paddock'].lower()}", headers=HTML))
    assert f">{area['paddock']}</a>" in reference and "1 case," in reference
    owned = page_text(
        manager.get("/cases?owner=street-cleansing&state=assigned&level=1&category=fly-tipping", headers=HTML)
    )
    assert "1 case, page 1 of 1" in owned and "Walsall Council Street Cleansing" in owned
    nothing = page_text(manager.get("/cases?state=closed", headers=HTML))
    assert "0 cases, page 1 of 1" in nothing and "No cases match these filters." in nothing


def test_another_areas_manager_sees_only_theirs(area, web_user):  # noqa: F811
    other = web_user("area_manager", area_codes=["AB"])
    text = page_text(other.get("/cases", headers=HTML))
    assert "1 case, page 1 of 1" in text and "Litter in Streetly" in text and "Litter 00" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=open", "Choose a state from the list."),
        ("level=5", "Choose a level from the list."),
        ("ward=streetly", "Choose a ward from the list."),
        ("ward=South+Walsall", "Choose a ward from the list."),
        ("category=litterbugs", "Choose a category from the list."),
        ("owner=nobody", "Choose an owner from the list."),
        ("sort=colour", "Sort by one of the table&#39;s columns."),
        ("page=9", "There is no page 9: the list has 1."),
    ],
)
def test_a_filter_the_page_does_not_offer_is_a_400_on_the_page(web_user, query, message):  # noqa: F811
    manager = web_user("area_manager", area_codes=["SW"])
    # The CSV and the map have every matching case, so no pages to be out of.
    for path in ("/cases",) if query.startswith("page") else ("/cases", "/cases.csv", "/cases/map"):
        response = manager.get(f"{path}?{query}", headers=HTML)
        text = page_text(response)
        assert response.status_code == 400, (path, query)
        assert response.mimetype == "text/html"
        assert "There is a problem" in text and message in text, (path, query)
        assert "No cases are shown until the filters are corrected." in text or path == "/cases/map"


def test_the_csv_has_every_matching_row_in_the_list_order(area, web_user, session):  # noqa: F811
    with unit_of_work(session):
        session.execute(
            update(Case)
            .where(Case.reference == area["paddock-late"])
            .values(reporter_name="Mrs Resident", reporter_email="resident@example.org", reporter_consent=True)
        )
    manager = web_user("area_manager", area_codes=["SW"])
    response = manager.get("/cases.csv?ward=paddock&sort=raised&order=ascending", headers=HTML)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    today = datetime.now(UK).date().isoformat()
    assert response.headers["Content-Disposition"] == f"attachment; filename=cases-{today}.csv"
    rows = list(csv.reader(io.StringIO(page_text(response))))
    assert rows[0] == [
        "reference",
        "title",
        "state",
        "level",
        "suggested_level",
        "area",
        "ward",
        "category",
        "owner",
        "raised_at",
        "updated_at",
        "next_review_at",
        "overdue",
    ]
    late = session.scalar(select(Case).where(Case.reference == area["paddock-late"]))
    raised = late.created_at.astimezone(UK).isoformat(timespec="seconds")
    review = late.next_review_at.astimezone(UK).isoformat(timespec="seconds")
    assert rows[1] == [
        area["paddock-late"],
        "'=Dumped sofa",  # a formula in a spreadsheet, were it not for the quote
        "assigned",
        "1",
        str(late.suggested_level),
        "SW",
        "paddock",
        "fly-tipping",
        "Walsall Council Street Cleansing",
        raised,
        raised,
        review,
        "yes",
    ]
    assert [r[0] for r in rows[1:]] == [area["paddock-late"], area["paddock"]]
    assert rows[2][-1] == "no" and rows[2][3] == ""
    assert "Mrs Resident" not in page_text(response) and "resident@example.org" not in page_text(response)
    # Without a filter: every case of the area, none of another's.
    everything = list(csv.reader(io.StringIO(page_text(manager.get("/cases.csv", headers=HTML)))))
    assert len(everything) == 1 + 55 and area["there"] not in {r[0] for r in everything}


def test_the_list_links_to_its_csv_and_map_with_the_same_filters(area, web_user):  # noqa: F811
    manager = web_user("area_manager", area_codes=["SW"])
    text = page_text(manager.get("/cases?ward=paddock&sort=title&order=ascending", headers=HTML))
    assert 'href="/cases.csv?ward=paddock&amp;sort=title&amp;order=ascending"' in text
    assert 'href="/cases/map?ward=paddock&amp;sort=title&amp;order=ascending"' in text


def test_the_map_page_carries_its_cases_as_data_and_lists_them(area, web_user, app):  # noqa: F811
    manager = web_user("area_manager", area_codes=["SW"])
    response = manager.get("/cases/map?ward=paddock", headers=HTML)
    text = page_text(response)
    assert response.status_code == 200
    assert '<h1 class="govuk-heading-l">Map of cases</h1>' in text  # not taken for a case reference
    data = json.loads(re.search(r'<script type="application/json" id="case-map-data">(.*?)</script>', text).group(1))
    assert data["tiles"] == app.config["MAP_TILE_URL"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in data["attribution"]
    assert data["points"] == [
        {
            "reference": area["paddock"],
            "title": "Pothole on Paddock Lane",
            "lat": 52.577,
            "lng": -1.964,
            "url": f"/cases/{area['paddock']}",
        }
    ]
    assert "1 of 2 matching cases has a location" in text
    assert f'href="/cases/{area["paddock"]}">{area["paddock"]}</a>: Pothole on Paddock Lane' in text
    assert '/static/leaflet/leaflet.js"' in text and '/static/leaflet/leaflet.css"' in text
    assert "unpkg" not in text and "cdn" not in text.lower()
    # The tiles' server may send images, and nothing else is let in.
    policy = response.headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org" in policy
    assert "script-src 'self' 'nonce-" in policy


def test_leaflet_is_served_by_the_app(client):
    for path in ("/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css", "/static/leaflet/images/marker-icon.png"):
        assert client.get(path).status_code == 200, path
    assert client.get("/static/leaflet/VERSION").get_data(as_text=True).strip() == "1.9.4"


def test_pages_are_for_the_console_roles_only(area, web_user):  # noqa: F811
    councillor = web_user("councillor", ward_codes=["pleck"])
    for path in ("/cases", "/cases.csv", "/cases/map"):
        assert councillor.get(path, headers=HTML).status_code == 403


def test_a_page_of_fifty_costs_the_same_statements_as_a_page_of_two(area, web_user, app):  # noqa: F811
    from sqlalchemy import event

    from tasking.extensions import db

    with app.app_context():
        engine = db.engine
    manager = web_user("area_manager", area_codes=["SW"])

    def statements(path):
        seen = []

        def count(*_args):
            seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert manager.get(path, headers=HTML).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    # 54 new cases in South Walsall (a page of 50), one assigned: the same statements either way.
    assert statements("/cases?state=new") == statements("/cases?state=assigned")
    assert statements("/cases.csv?state=new") == statements("/cases.csv?state=assigned")
