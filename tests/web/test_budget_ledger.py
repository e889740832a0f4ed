"""The budget ledger names each spend by its case's reference, in date order (issue 19, finding 8:
it showed database ids and kept the order spends were keyed in)."""

import re
from datetime import date, datetime, timedelta, timezone

from tests.web.test_console_pages import web_user  # noqa: F401 - a fixture
from tests.web.test_councillor_pages import HTML

TODAY = datetime.now(timezone.utc).date()
FY_START = date(TODAY.year if TODAY.month >= 4 else TODAY.year - 1, 4, 1)
# Two dates in one financial year, in the past: early in a year, the end of the last one.
LATER, EARLIER = (
    (TODAY - timedelta(days=3), TODAY - timedelta(days=20))
    if (TODAY - FY_START).days >= 20
    else (FY_START - timedelta(days=2), FY_START - timedelta(days=20))
)
YEAR = EARLIER.year if EARLIER.month >= 4 else EARLIER.year - 1
ROW = re.compile(
    r'<td class="govuk-table__cell">(\d+ \w{3} \d{4})</td>\s*<td class="govuk-table__cell"><a[^>]*>([^<]+)</a>'
)


def test_the_ledger_shows_case_references_in_date_order(caller, web_user):
    api = caller("area_manager", areas=["SW"])
    references = []
    for title in ("Mattresses on Caldmore Road", "Graffiti on Bath Street"):
        raised = api.post(
            "/api/v1/cases",
            json={"title": title, "description": "Reported.", "category": "fly-tipping", "ward": "st-matthews"},
        )
        references.append(raised.json["reference"])
    # Keyed in this order, the later date first.
    for reference, on in ((references[0], LATER), (references[1], EARLIER)):
        spent = api.post(
            f"/api/v1/cases/{reference}/spend",
            json={
                "amount_pence": 12_500,
                "description": "Skip hire",
                "spent_on": on.isoformat(),
            },
        )
        assert spent.status_code == 201, spent.json

    page = web_user("area_manager", area_codes=["SW"]).get(f"/budget?area=SW&year={YEAR}", headers=HTML)

    assert page.status_code == 200
    rows = ROW.findall(page.get_data(as_text=True))
    assert rows == [
        (f"{EARLIER:%-d %b %Y}", references[1]),
        (f"{LATER:%-d %b %Y}", references[0]),
    ]
