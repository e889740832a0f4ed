"""An area manager filters the case list, downloads its CSV, opens the map (tiles from a local stub,
nothing from the internet), clicks a marker and follows its popup to the case; the list and my work
reflow at 320 pixels. In a real headless Chromium, with axe on every page (issue 19, finding 3)."""

import base64
import csv
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tasking.services import users
from tasking.services.users import principal_for
from tasking.unit_of_work import unit_of_work
from tests.services.test_case_search import make_case
from tests.services.test_my_work import add_review
from tests.web.browser import browser_page, check  # noqa: F401 - browser_page is a fixture

PASSWORD = "correct horse battery staple"
# A one-pixel grey PNG: every tile the map asks for.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mN89+7dfwAJYAPxvFjS3AAAAABJRU5ErkJggg=="
)


def test_area_manager_filters_downloads_and_maps_cases(live_server, session, browser_page, make_user, app, monkeypatch):
    now = datetime.now(timezone.utc)
    with unit_of_work(session):
        manager = users.create_user(
            session,
            None,
            email="sam@test.example",
            name="Sam Singh",
            role="area_manager",
            now=now,
            password=PASSWORD,
            area_codes=["SW"],
        )
    admin = principal_for(make_user("admin"))
    pleck = [
        make_case(
            session,
            admin,
            title,
            at=now,
            days_ago=days,
            latitude=lat,
            longitude=lng,
            next_review_at=now + timedelta(days=10),
        )
        for title, days, lat, lng in (
            ("Bags dumped behind the shops", 4, 52.5772, -2.0015),
            ("Litter along the canal towpath", 3, 52.5790, -2.0040),
            ("Broken glass in the play area", 2, None, None),
        )
    ]
    paddock = make_case(
        session, admin, "Litter at Paddock Lane", ward="paddock", at=now, latitude=52.577, longitude=-1.964
    )
    streetly = make_case(session, admin, "Litter in Streetly", ward="streetly", at=now)
    add_review(session, pleck[0], due_in_days=2, at=now)
    returned = make_case(
        session,
        admin,
        "Rubbish piled in a garden",
        ward="palfrey",
        at=now,
        state="returned",
        level=1,
        routing_reason="The front-line service declined the job: name another lead for the case.",
        triage_reason="Walsall Council Street Cleansing declined the front-line job: private land.",
    )
    monkeypatch.setitem(app.config, "MAP_TILE_URL", f"{live_server}/map-tiles/{{z}}/{{x}}/{{y}}.png")

    page = browser_page
    tiles, outside = [], []
    page.route(
        "**/map-tiles/**",
        lambda route: (tiles.append(route.request.url), route.fulfill(body=TILE, content_type="image/png")),
    )
    here = urlsplit(live_server).netloc
    page.route(
        lambda url: urlsplit(url).netloc != here,
        lambda route: (outside.append(route.request.url), route.abort()),
    )

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("Email address").fill(manager.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server}/cases")
    expect(page.locator("#case-count")).to_have_text("5 cases, page 1 of 1")
    expect(page.locator("tbody")).not_to_contain_text("Streetly")
    check(page, "cases-01-list")

    page.get_by_label("Ward").select_option("pleck")
    page.get_by_label("Reference or title contains").fill("litter")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#case-count")).to_have_text("1 case, page 1 of 1")
    page.get_by_role("link", name="Remove this filter: Search: litter").click()
    expect(page.locator("#case-count")).to_have_text("3 cases, page 1 of 1")
    page.get_by_role("link", name="Title").click()
    expect(page.locator("th[aria-sort='ascending']")).to_have_text("Title")
    expect(page.locator("tbody tr td:nth-child(2)")).to_have_text(
        ["Bags dumped behind the shops", "Broken glass in the play area", "Litter along the canal towpath"]
    )
    check(page, "cases-02-filtered")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these cases as CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"cases-{datetime.now(ZoneInfo('Europe/London')).date().isoformat()}.csv"
    with open(download.path(), encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [(r[0], r[1], r[6]) for r in rows[1:]] == [
        (pleck[0], "Bags dumped behind the shops", "pleck"),
        (pleck[2], "Broken glass in the play area", "pleck"),
        (pleck[1], "Litter along the canal towpath", "pleck"),
    ]
    assert paddock not in {r[0] for r in rows} and streetly not in {r[0] for r in rows}

    page.get_by_role("link", name="Show these cases on a map").click()
    expect(page.locator("h1")).to_have_text("Map of cases")
    expect(page.locator("#case-map[data-ready='true']")).to_have_count(1)
    expect(page.locator(".leaflet-marker-icon")).to_have_count(2)
    expect(page.locator("#map-count")).to_contain_text("2 of 3 matching cases have a location")
    expect(page.locator(".tasking-map-list li")).to_have_count(2)
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_visible()
    assert tiles, "the map asked the tile stub for no tiles"
    check(page, "cases-03-map")

    page.get_by_role("button", name=f"{pleck[1]}: Litter along the canal towpath").click()
    popup_link = page.locator(".leaflet-popup-content a")
    expect(popup_link).to_have_text(pleck[1])
    check(page, "cases-04-map-popup")
    popup_link.click()
    expect(page).to_have_url(f"{live_server}/cases/{pleck[1]}")
    expect(page.locator("h1")).to_contain_text("Litter along the canal towpath")
    check(page, "cases-05-case-from-map")

    page.goto(f"{live_server}/my-work")
    expect(page.locator("h1")).to_have_text("My work")
    reviews = page.locator("section", has=page.locator("#reviews-due"))
    expect(reviews.locator("h2")).to_have_text("Reviews due (1)")
    expect(reviews.get_by_role("link")).to_have_text([pleck[0]])
    returned_block = page.locator("section", has=page.locator("#returned"))
    expect(returned_block.get_by_role("link")).to_have_text([returned])
    expect(returned_block).to_contain_text("declined the front-line job: private land.")
    check(page, "my-work-01")

    page.set_viewport_size({"width": 320, "height": 800})
    for path, name in (
        ("/cases?ward=pleck", "cases-05-list-320"),
        ("/my-work", "my-work-02-320"),
        ("/cases/map", "cases-06-map-320"),
    ):
        page.goto(f"{live_server}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} scrolls sideways at 320 pixels: {width}"
        check(page, name)
    assert outside == [], f"the pages asked the internet for {outside}"
